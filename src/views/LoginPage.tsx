import { Layout } from './Layout.tsx'

export interface LoginPageProps {
  githubEnabled: boolean
  localLogin: boolean
  /** The callback URL to register with GitHub, shown when sign-in is not configured yet. */
  callbackUrl: string
  error?: string | undefined
}

export function LoginPage({ githubEnabled, localLogin, callbackUrl, error }: LoginPageProps) {
  return (
    <Layout title="Sign in">
      <section class="card login">
        <h1>Sign in to rtc</h1>
        {error && <p class="error" role="alert">{error}</p>}
        {githubEnabled && <a class="button primary" href="/auth/github">Sign in with GitHub</a>}
        {localLogin && (
          <form class="local" method="post" action="/auth/local">
            <label for="login">Local sign-in (demo only)</label>
            <input id="login" name="login" required maxlength={39} pattern="[A-Za-z0-9][A-Za-z0-9\-]*" autocomplete="username" />
            <button type="submit">Sign in</button>
          </form>
        )}
        {/* For the administrator: below the sign-in people came for. */}
        {!githubEnabled && (
          <div class="setup">
            <p>GitHub sign-in is not configured on this server yet.</p>
            <ol>
              <li>Register an OAuth app at <a href="https://github.com/settings/applications/new">github.com/settings/applications/new</a>.</li>
              <li>Homepage URL: this server's address. Authorization callback URL: <code>{callbackUrl}</code></li>
              <li>Set <code>CLIENT_ID</code> and <code>CLIENT_SECRET</code> from the app's page and restart rtc.</li>
            </ol>
          </div>
        )}
      </section>
    </Layout>
  )
}
