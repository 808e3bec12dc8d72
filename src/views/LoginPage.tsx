import { Layout } from './Layout.tsx'

export interface LoginPageProps {
  githubEnabled: boolean
  /** The single sign-on button's label (`OIDC_NAME`); none, no such button. */
  oidcName?: string | undefined
  localLogin: boolean
  /** This server's address (`PUBLIC_URL`): the callback URLs to register are shown when no provider is configured yet. */
  publicUrl: string
  error?: string | undefined
  /** The invite a signed-out person followed, carried through whichever provider they choose (src/auth/admit.tsx). */
  invite?: { roomName: string | null } | undefined
}

export function LoginPage({ githubEnabled, oidcName, localLogin, publicUrl, error, invite }: LoginPageProps) {
  const providers = githubEnabled || oidcName !== undefined
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
        {providers && (
          <div class="providers">
            {githubEnabled && <a class="button primary" href="/auth/github">Sign in with GitHub</a>}
            {oidcName !== undefined && <a class={githubEnabled ? 'button' : 'button primary'} href="/auth/oidc">Sign in with {oidcName}</a>}
          </div>
        )}
        {localLogin && (
          <form class="local" method="post" action="/auth/local">
            <label for="login">Local sign-in (demo only)</label>
            <input id="login" name="login" required maxlength={39} pattern="[A-Za-z0-9][A-Za-z0-9\-]*" autocomplete="username" />
            <button type="submit">Sign in</button>
          </form>
        )}
        {/* For the administrator: below the sign-in people came for. */}
        {!providers && (
          <div class="setup">
            <p>No sign-in provider is configured on this server yet. Set up GitHub, your own identity provider, or both:</p>
            <ol>
              <li>GitHub: register an OAuth app at <a href="https://github.com/settings/applications/new">github.com/settings/applications/new</a>.
                Homepage URL: this server's address. Authorization callback URL: <code>{`${publicUrl}/auth/github/callback`}</code>.
                Set <code>CLIENT_ID</code> and <code>CLIENT_SECRET</code> from the app's page.</li>
              <li>OpenID Connect (Authelia, Authentik, Keycloak…): register a confidential client with the redirect
                URI <code>{`${publicUrl}/auth/oidc/callback`}</code>, then set <code>OIDC_ISSUER</code>,
                {' '}<code>OIDC_CLIENT_ID</code> and <code>OIDC_CLIENT_SECRET</code>.</li>
            </ol>
            <p>Then restart rtc.</p>
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
