import { Layout } from './Layout.tsx'
import { useT } from '../i18n/translate.ts'

export function ErrorPage({ status, message }: { status: number; message: string }) {
  const t = useT()
  return (
    <Layout title={String(status)}>
      <section class="card">
        <h1>{status === 404 ? t('layout.notFound') : status >= 500 ? t('layout.wentWrong') : t('layout.refused')}</h1>
        {/* data-reason: the line app.js shows beside a control when an htmx request gets this page. */}
        <p data-reason>{message}</p>
        <p>{status === 401 ? <a href="/login">{t('layout.signIn')}</a> : <a href="/">{t('layout.backToRooms')}</a>}</p>
      </section>
    </Layout>
  )
}
