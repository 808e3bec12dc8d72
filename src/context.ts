import type { Logger } from './log.ts'
import type { Room, User } from './store/ports.ts'

/** The typed request context every route and middleware shares. */
export interface AppVariables {
  requestId: string
  log: Logger
  /** The signed-in user, or undefined when signed out. */
  user: User | undefined
  /** Hash of the current session token, to end it on sign-out. */
  sessionHash: string | undefined
  /** When the current session expires (after any renewal by this request). */
  sessionExpiresAt: Date | undefined
  /** Set by `loadRoom` on /rooms/:room routes. */
  room: Room
  /** Whether the signed-in user belongs to `room`. */
  member: boolean
  /** Whether the signed-in user is an administrator (`ADMIN_GITHUB_IDS`, `ADMIN_LOGINS`; src/admin/admins.ts). */
  admin: boolean
}

export interface AppEnv {
  Variables: AppVariables
}

/** Narrows `c.get('user')` on routes behind `requireSignIn`. */
export function signedInUser(user: User | undefined): User {
  if (!user) throw new Error('route reached without a signed-in user: is it on the public list by mistake?')
  return user
}
