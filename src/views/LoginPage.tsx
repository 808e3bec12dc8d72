import { Layout } from './Layout.tsx'

export interface LoginPageProps {
  githubEnabled: boolean
  localLogin: boolean
  /** The callback URL to register with GitHub, shown when sign-in is not configured yet. */
  callbackUrl: string
  error?: string | undefined
  /** The invite a signed-out person followed, carried through whichever provider they choose (src/auth/admit.tsx). */
  invite?: { roomName: string | null } | undefined
}

export function LoginPage({ githubEnabled, localLogin, callbackUrl, error, invite }: LoginPageProps) {
  return (
    <Layout title="Sign in">
      <section class="card login">
        <h1>Sign in to rtc</h1>
        {invite && (
          <p class="invited" role="status">
            {invite.roomName === null ? 'You are invited to this rtc server.' : <>You are invited to the room <strong><bdi>{invite.roomName}</bdi></strong>.</>}
            {' '}Sign in to accept: you land there once you are in.
          </p>
        )}
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

/** `SIGNUP=invite` and no usable invite: a plain page, whichever provider the person came through. */
export function InviteNeededPage({ reason }: { reason?: string | undefined }) {
  return (
    <Layout title="Sign-up needs an invite">
      <section class="card login">
        <h1>Sign-up needs an invite</h1>
        <p>This rtc server lets new people in only through an invite link. Ask someone who uses it, or its administrator, to send you one, then open the link.</p>
        {reason && <p class="error" role="alert">{reason}</p>}
        <p>Already have an account here? <a href="/login">Sign in</a> with it.</p>
      </section>
    </Layout>
  )
}
