import { githubAuth } from '@hono/oauth-providers/github'
import { Hono, type Context } from 'hono'
import { deleteCookie } from 'hono/cookie'
import { HTTPException } from 'hono/http-exception'
import type { AppEnv } from '../context.ts'
import { REFUSALS, type SignInAs } from './signIn.ts'

export interface GithubRoutesOptions {
  clientId: string
  clientSecret: string
  signInAs: SignInAs
}

/** Why sign-in failed, as the login page words it; keys travel in `/login?error=`. */
export const SIGN_IN_ERRORS = {
  cancelled: 'Sign-in was cancelled on GitHub. You can try again.',
  state: 'That sign-in link expired or was already used. Please sign in again.',
  github: 'GitHub could not confirm who you are right now. Please try again in a moment.',
  ...REFUSALS,
} as const

/**
 * GitHub OAuth App flow. `/auth/github` sends the browser to GitHub; GitHub
 * returns it to `/auth/github/callback`, the URL registered with the app.
 * The only scope asked for is `user:email`: @hono/oauth-providers always reads
 * the user's e-mail list, which fails without it.
 */
export function githubRoutes({ clientId, clientSecret, signInAs }: GithubRoutesOptions) {
  const oauth = githubAuth({ client_id: clientId, client_secret: clientSecret, scope: ['user:email'], oauthApp: true })
  const failed = (c: Context<AppEnv>, reason: keyof typeof SIGN_IN_ERRORS) => {
    deleteCookie(c, 'state', { path: '/', secure: true })
    return c.redirect(`/login?error=${reason}`, 303)
  }

  return new Hono<AppEnv>()
    .get('/auth/github', oauth)
    .get('/auth/github', (c) => failed(c, 'state'))
    .get('/auth/github/callback', async (c) => {
      // A cancelled authorization has no code; the middleware would loop back to GitHub.
      if (c.req.query('error') || !c.req.query('code')) return failed(c, 'cancelled')
      try {
        // Called with a code, the middleware only verifies state and fetches the profile.
        await oauth(c, async () => {})
      } catch (err) {
        c.get('log').warn({ err: err instanceof HTTPException ? { status: err.status } : err }, 'github sign-in failed')
        return failed(c, err instanceof HTTPException && err.status === 401 ? 'state' : 'github')
      }
      const profile = c.get('user-github')
      if (!profile?.id || !profile.login) return failed(c, 'github')
      const signedIn = await signInAs(c, {
        provider: 'github',
        profile: { id: profile.id, login: profile.login, name: profile.name ?? null, avatarUrl: profile.avatar_url ?? null },
      })
      // The state is single-use: a replayed callback URL finds no cookie to match.
      deleteCookie(c, 'state', { path: '/', secure: true })
      if ('refusal' in signedIn) return signedIn.refusal()
      if ('refused' in signedIn) return failed(c, signedIn.refused)
      return c.redirect(signedIn.goTo, 303)
    })
}
