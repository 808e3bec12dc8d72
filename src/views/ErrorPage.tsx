import { Layout } from './Layout.tsx'

export function ErrorPage({ status, message }: { status: number; message: string }) {
  return (
    <Layout title={String(status)}>
      <section class="card">
        <h1>{status === 404 ? 'Not found' : status >= 500 ? 'Something went wrong' : 'Request refused'}</h1>
        {/* data-reason: the line app.js shows beside a control when an htmx request gets this page. */}
        <p data-reason>{message}</p>
        <p>{status === 401 ? <a href="/login">Sign in</a> : <a href="/">Back to your rooms</a>}</p>
      </section>
    </Layout>
  )
}
