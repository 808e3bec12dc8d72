import { Layout } from './Layout.tsx'
import { useT } from '../i18n/translate.ts'

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
  const t = useT()
  const code = (name: string) => <code>{name}</code>
  return (
    <Layout title={t('signIn.title')}>
      <section class="card login">
        <h1>{t('signIn.heading')}</h1>
        {invite && (
          <p class="invited" role="status">
            {invite.roomName === null ? t('signIn.invitedServer') : t.rich('signIn.invitedRoom', { room: <strong><bdi>{invite.roomName}</bdi></strong> })}
            {t('signIn.acceptHint')}
          </p>
        )}
        {error && <p class="error" role="alert">{error}</p>}
        {providers && (
          <div class="providers">
            {githubEnabled && <a class="button primary" href="/auth/github">{t('signIn.withGithub')}</a>}
            {oidcName !== undefined && <a class={githubEnabled ? 'button' : 'button primary'} href="/auth/oidc">{t('signIn.withProvider', { name: oidcName })}</a>}
          </div>
        )}
        {localLogin && (
          <form class="local" method="post" action="/auth/local">
            <label for="login">{t('signIn.localLabel')}</label>
            <input id="login" name="login" required maxlength={39} pattern="[A-Za-z0-9][A-Za-z0-9\-]*" autocomplete="username" />
            <button type="submit">{t('signIn.submit')}</button>
          </form>
        )}
        {/* For the administrator: below the sign-in people came for. */}
        {!providers && (
          <div class="setup">
            <p>{t('signIn.noProvider')}</p>
            <ol>
              <li>{t.rich('signIn.githubStep', {
                link: <a href="https://github.com/settings/applications/new">github.com/settings/applications/new</a>,
                callback: code(`${publicUrl}/auth/github/callback`), id: code('CLIENT_ID'), secret: code('CLIENT_SECRET'),
              })}</li>
              <li>{t.rich('signIn.oidcStep', {
                callback: code(`${publicUrl}/auth/oidc/callback`), issuer: code('OIDC_ISSUER'), id: code('OIDC_CLIENT_ID'), secret: code('OIDC_CLIENT_SECRET'),
              })}</li>
            </ol>
            <p>{t('signIn.restart')}</p>
          </div>
        )}
      </section>
    </Layout>
  )
}

/** `SIGNUP=invite` and no usable invite: a plain page, whichever provider the person came through. */
export function InviteNeededPage({ reason }: { reason?: string | undefined }) {
  const t = useT()
  return (
    <Layout title={t('signIn.inviteTitle')}>
      <section class="card login">
        <h1>{t('signIn.inviteTitle')}</h1>
        <p>{t('signIn.inviteText')}</p>
        {reason && <p class="error" role="alert">{reason}</p>}
        <p>{t.rich('signIn.alreadyHave', { link: <a href="/login">{t('signIn.submit')}</a> })}</p>
      </section>
    </Layout>
  )
}
