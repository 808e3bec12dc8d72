import { Hono, type Context, type MiddlewareHandler } from 'hono'
import type { Config } from '../config.ts'
import type { AppEnv } from '../context.ts'
import { rateLimitedResponse } from '../http/errors.tsx'
import { readForm } from '../http/forms.ts'
import { RateLimited, type RateLimits } from '../http/rateLimits.ts'
import type { Logger } from '../log.ts'
import type { SignInStateStore, UserStore } from '../store/ports.ts'
import { LoginPage } from '../views/LoginPage.tsx'
import type { Admit } from './admit.tsx'
import { githubRoutes, SIGN_IN_ERRORS } from './github.ts'
import { oidcRoutes } from './oidc.ts'
import { oidcClient } from './oidcClient.ts'
import type { SessionCookies } from './session.ts'
import { signIns } from './signIn.ts'

export interface AuthRoutesOptions {
  config: Pick<Config, 'github' | 'oidc' | 'localLogin' | 'publicUrl' | 'secureCookies'>
  users: UserStore
  /** Sign-ins under way at the OpenID Connect provider; needed when `config.oidc` is set. */
  signInStates?: SignInStateStore | undefined
  log: Logger
  session: SessionCookies
  limits: RateLimits
  /** The client's address, behind trusted proxies the forwarded one: sign-in attempts are limited per address. */
  clientAddress: (c: Context<AppEnv>) => string
  /** True for a banned user: sign-in is refused with a page that says so. */
  isBanned?: (userId: number) => Promise<boolean>
  /** Every provider asks it before making or signing in a user (`SIGNUP`, invites): src/auth/admit.tsx. */
  admit: Admit
  /** The usable invite a signed-out person followed, for the sign-in page to say where they are invited. */
  invitedTo?: (c: Context<AppEnv>) => Promise<{ roomName: string | null } | undefined>
}

/** Same shape as a GitHub login, so a local name could be a GitHub one. */
const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})$/

export function authRoutes({ config, users, signInStates, log, session, limits, clientAddress, isBanned, admit, invitedTo }: AuthRoutesOptions) {
  const app = new Hono<AppEnv>()
  const loginPage = (error?: string, invite?: { roomName: string | null }) => (
    <LoginPage
      githubEnabled={config.github !== undefined}
      oidcName={config.oidc?.name}
      localLogin={config.localLogin}
      publicUrl={config.publicUrl}
      error={error}
      invite={invite}
    />
  )
  const signInAs = signIns({ users, session, isBanned, admit })

  app.get('/login', async (c) => {
    if (c.get('user')) return c.redirect('/', 303)
    const reason = c.req.query('error') ?? ''
    const invite = await invitedTo?.(c)
    return c.html(loginPage(Object.hasOwn(SIGN_IN_ERRORS, reason) ? SIGN_IN_ERRORS[reason as keyof typeof SIGN_IN_ERRORS] : undefined, invite))
  })

  // Every attempt counts, whichever way it signs in: guessing and session churn cost the same.
  const signInLimit: MiddlewareHandler<AppEnv> = async (c, next) => {
    try {
      await limits.take('signIn', clientAddress(c))
    } catch (err) {
      if (!(err instanceof RateLimited)) throw err
      return rateLimitedResponse(c, err, () => c.html(loginPage(err.message), 429))
    }
    await next()
  }
  app.on('POST', '/auth/local', signInLimit).on('GET', ['/auth/github', '/auth/github/callback', '/auth/oidc', '/auth/oidc/callback'], signInLimit)

  if (config.github) {
    app.route('/', githubRoutes({ ...config.github, signInAs }))
  } else {
    app.get('/auth/github/*', (c) => c.redirect('/login', 303))
    app.get('/auth/github', (c) => c.redirect('/login', 303))
  }

  if (config.oidc) {
    if (!signInStates) throw new Error('OpenID Connect sign-in needs a store for sign-ins under way')
    const redirectUri = `${config.publicUrl}/auth/oidc/callback`
    app.route('/', oidcRoutes({
      client: oidcClient({ ...config.oidc, redirectUri, allowHttp: config.oidc.allowHttpLoopback, log }),
      name: config.oidc.name, redirectUri, states: signInStates, signInAs, secureCookies: config.secureCookies,
      refuse: (c, message, status) => c.html(loginPage(message), status),
    }))
  } else {
    app.on('GET', ['/auth/oidc', '/auth/oidc/callback'], (c) => c.redirect('/login', 303))
  }

  if (config.localLogin) {
    app.post('/auth/local', async (c) => {
      const form = await readForm(c)
      const login = typeof form.login === 'string' ? form.login.trim() : ''
      if (!LOGIN.test(login)) {
        return c.html(loginPage('A name is 1 to 39 letters, digits or dashes, starting with a letter or digit.'), 400)
      }
      const taken = () => c.html(loginPage(`"${login}" belongs to a GitHub or single sign-on account, or a bot; choose another name.`), 409)
      const existing = await users.findUserByLogin(login)
      // Refused before admission, so a taken name spends no invite.
      if (existing && (existing.id > 0 || existing.kind === 'bot')) return taken()
      const admission = await admit(c, { known: existing !== undefined, candidate: existing ?? { id: -1, login } })
      if (!admission.admitted) return admission.refusal()
      const user = await users.upsertLocalUser(login).catch((err: { code?: string }) => {
        if (err.code === 'LOGIN_TAKEN') return undefined
        throw err
      })
      if (!user) return taken()
      if (await isBanned?.(user.id)) return c.html(loginPage(SIGN_IN_ERRORS.banned), 403)
      await session.startSession(c, user.id)
      return c.redirect(await admission.welcome(user), 303)
    })
  }

  app.post('/logout', async (c) => {
    await session.endSession(c)
    return c.redirect('/login', 303)
  })

  return app
}
