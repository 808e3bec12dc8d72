import { Hono, type Context } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import type { AppEnv } from '../context.ts'
import type { SignInStateStore } from '../store/ports.ts'
import { OidcSignInError, type OidcClient } from './oidcClient.ts'
import { oidcProfile } from './oidcProfile.ts'
import { hashSessionToken } from './session.ts'
import { REFUSALS, type SignInAs } from './signIn.ts'

/** Long enough to sign in at the provider, short enough that a state found in a log or history is dead. */
const SIGN_IN_TTL_MS = 10 * 60 * 1000
const STATE_SHAPE = /^[A-Za-z0-9_-]{16,128}$/

export interface OidcRoutesOptions {
  client: OidcClient
  /** The button's label (`OIDC_NAME`), as refusals name the provider. */
  name: string
  /** `<PUBLIC_URL>/auth/oidc/callback`: the address the provider was told to send the browser back to. */
  redirectUri: string
  states: SignInStateStore
  signInAs: SignInAs
  secureCookies: boolean
  /** The sign-in page with a message, at a status; how every refusal here answers. */
  refuse: (c: Context<AppEnv>, message: string, status: 400 | 401 | 403 | 502 | 503) => Response | Promise<Response>
  now?: () => Date
}

/** What a provider's `error=` on the callback means to the person (its description is the provider's text, not shown). */
const providerError = (error: string, name: string) => {
  if (error === 'access_denied') return `Sign-in was cancelled at ${name}. You can try again.`
  if (['login_required', 'interaction_required', 'consent_required', 'account_selection_required'].includes(error)) {
    return `${name} needs you to sign in there first. Please try again.`
  }
  return `${name} refused the sign-in${/^[a-z_]{1,40}$/.test(error) ? ` (${error})` : ''}. Please try again, or ask an administrator.`
}

/**
 * OpenID Connect sign-in. `GET /auth/oidc` sends the browser to the provider;
 * the provider sends it back to `GET /auth/oidc/callback`. The `state` goes to
 * the provider and into a cookie of this browser; the server keeps the nonce and
 * the PKCE verifier under the state's hash. The callback needs both the cookie
 * and that record, and removes both: a state is good once, in the browser that
 * started it (a callback link sent to someone else signs no one in).
 */
export function oidcRoutes({ client, name, redirectUri, states, signInAs, secureCookies, refuse, now = () => new Date() }: OidcRoutesOptions) {
  const cookie = secureCookies ? '__Host-rtc_oidc' : 'rtc_oidc'
  const cookieOptions = { path: '/', httpOnly: true, secure: secureCookies, sameSite: 'Lax' } as const
  const failed = (c: Context<AppEnv>, err: unknown) => {
    if (!(err instanceof OidcSignInError)) throw err
    // The library's error, and what it wraps (which claim, which check): never a token or a code.
    const cause = err.cause as { message?: string; code?: string; error?: string; cause?: { message?: string } } | undefined
    c.get('log').warn({ reason: err.code, cause: { message: cause?.message, code: cause?.code, error: cause?.error, detail: cause?.cause?.message } }, 'oidc sign-in failed')
    return refuse(c, err.message, err.status)
  }

  return new Hono<AppEnv>()
    .get('/auth/oidc', async (c) => {
      let started: Awaited<ReturnType<OidcClient['start']>>
      try {
        started = await client.start()
      } catch (err) {
        return failed(c, err)
      }
      await states.putSignIn(await hashSessionToken(started.state), started.pending, new Date(now().getTime() + SIGN_IN_TTL_MS))
      setCookie(c, cookie, started.state, { ...cookieOptions, maxAge: SIGN_IN_TTL_MS / 1000 })
      return c.redirect(started.url.href, 302)
    })
    .get('/auth/oidc/callback', async (c) => {
      const state = c.req.query('state') ?? ''
      const mine = getCookie(c, cookie)
      deleteCookie(c, cookie, cookieOptions)
      // Whatever the answer, the sign-in it belongs to is over: taken here, it cannot be finished later.
      const pending = STATE_SHAPE.test(state) && state === mine ? await states.takeSignIn(await hashSessionToken(state), now()) : undefined
      const error = c.req.query('error')
      if (error) return refuse(c, providerError(error, name), 400)
      if (!pending) return refuse(c, 'That sign-in link expired or was already used. Please sign in again.', 400)

      const callbackUrl = new URL(redirectUri)
      callbackUrl.search = new URL(c.req.url).search
      let claims: Record<string, unknown>
      try {
        claims = await client.finish(callbackUrl, state, pending)
      } catch (err) {
        return failed(c, err)
      }
      const signedIn = await signInAs(c, { provider: 'oidc', profile: oidcProfile(claims) })
      if ('refusal' in signedIn) return signedIn.refusal()
      if ('refused' in signedIn) return refuse(c, REFUSALS[signedIn.refused], 403)
      return c.redirect(signedIn.goTo, 303)
    })
}
