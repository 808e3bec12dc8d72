import type { Context } from 'hono'
import type { AppEnv } from '../context.ts'
import type { GithubProfile, OidcProfile, User, UserStore } from '../store/ports.ts'
import { BANNED_NOTICE } from './bans.ts'
import type { SessionCookies } from './session.ts'

/** Who a provider has confirmed is at the browser. */
export type Identity =
  | { readonly provider: 'github'; readonly profile: GithubProfile }
  | { readonly provider: 'oidc'; readonly profile: OidcProfile }

/** Why a confirmed identity gets no session; each provider's callback words it for its page. */
export type SignInRefusal = 'banned'

/** How the sign-in page words each refusal. */
export const REFUSALS: Readonly<Record<SignInRefusal, string>> = { banned: BANNED_NOTICE }

export type SignedIn = { readonly user: User } | { readonly refused: SignInRefusal }

export interface SignInOptions {
  users: UserStore
  session: SessionCookies
  /** True for a banned user: no session is started. */
  isBanned?: ((userId: number) => Promise<boolean>) | undefined
}

/**
 * The one way every provider's callback ends, once the provider has vouched for
 * the person: the user is created or brought up to date, and unless refused gets
 * a new session. Checks that decide who may sign in at all belong here, so no
 * provider can skip them.
 */
export function signIns({ users, session, isBanned }: SignInOptions) {
  return async function signInAs(c: Context<AppEnv>, identity: Identity): Promise<SignedIn> {
    const user = identity.provider === 'github'
      ? await users.upsertGithubUser(identity.profile)
      : await users.upsertOidcUser(identity.profile)
    if (await isBanned?.(user.id)) return { refused: 'banned' }
    await session.startSession(c, user.id)
    c.get('log').info({ userId: user.id }, `signed in with ${identity.provider}`)
    return { user }
  }
}

export type SignInAs = ReturnType<typeof signIns>
