import type { Context } from 'hono'
import type { AppEnv } from '../context.ts'
import type { GithubProfile, OidcProfile, User, UserStore } from '../store/ports.ts'
import type { Admit } from './admit.tsx'
import { BANNED_NOTICE } from './bans.ts'
import type { SessionCookies } from './session.ts'

/** Who a provider has confirmed is at the browser. */
export type Identity =
  | { readonly provider: 'github'; readonly profile: GithubProfile }
  | { readonly provider: 'oidc'; readonly profile: OidcProfile }

/** Why a confirmed, admitted identity gets no session; each provider's callback words it for its page. */
export type SignInRefusal = 'banned'

/** How the sign-in page words each refusal. */
export const REFUSALS: Readonly<Record<SignInRefusal, string>> = { banned: BANNED_NOTICE }

export type SignedIn =
  /** Signed in: send the browser to `goTo` (the lobby, or the room of the invite followed). */
  | { readonly user: User; readonly goTo: string }
  | { readonly refused: SignInRefusal }
  /** Not admitted (`SIGNUP=invite`, an invite used up): answer this page; nobody was made or changed. */
  | { readonly refusal: () => Response | Promise<Response> }

export interface SignInOptions {
  users: UserStore
  session: SessionCookies
  /** True for a banned user: no session is started. */
  isBanned?: ((userId: number) => Promise<boolean>) | undefined
  /** Whether this person may sign in (`SIGNUP`, invites), asked before the user is made or updated. */
  admit: Admit
}

/**
 * The one way every provider's callback ends, once the provider has vouched for
 * the person: admission (`admit`, before any account is made or changed), the
 * user created or brought up to date, and unless refused a new session. Checks
 * that decide who may sign in at all belong here, so no provider can skip them.
 */
export function signIns({ users, session, isBanned, admit }: SignInOptions) {
  return async function signInAs(c: Context<AppEnv>, identity: Identity): Promise<SignedIn> {
    const existing = identity.provider === 'github'
      ? await users.findUserById(identity.profile.id)
      : await users.findOidcUser(identity.profile.issuer, identity.profile.subject)
    // A newcomer from a provider has no id of ours yet: -1 stands for it (as for a new local sign-in).
    const candidate = existing ?? { id: identity.provider === 'github' ? identity.profile.id : -1, login: identity.profile.login }
    const admission = await admit(c, { known: existing !== undefined, candidate })
    if (!admission.admitted) return { refusal: admission.refusal }
    const user = identity.provider === 'github'
      ? await users.upsertGithubUser(identity.profile)
      : await users.upsertOidcUser(identity.profile)
    if (await isBanned?.(user.id)) return { refused: 'banned' }
    await session.startSession(c, user.id)
    c.get('log').info({ userId: user.id }, `signed in with ${identity.provider}`)
    return { user, goTo: await admission.welcome(user) }
  }
}

export type SignInAs = ReturnType<typeof signIns>
