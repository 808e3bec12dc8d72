import type { MiddlewareHandler } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { AppEnv } from '../context.ts'
import type { ModerationStore, User } from '../store/ports.ts'

export interface AdminRule {
  /** `ADMIN_LOGINS`, lower-cased. */
  readonly logins: readonly string[]
  /** `ADMIN_GITHUB_IDS`: GitHub's numeric account ids. */
  readonly githubIds: readonly number[]
}

/**
 * Who administers this server (never a bot):
 * - a GitHub account whose numeric id is in `ADMIN_GITHUB_IDS`, whatever its login;
 * - an account whose login is in `ADMIN_LOGINS` and to which that login is
 *   pinned: the account holding it when the server first ran with it listed, or
 *   else the first to use it here. A pin never moves, so whoever takes the login
 *   after its holder renamed their GitHub account is not an administrator. This
 *   holds for GitHub, single sign-on (OpenID Connect) and local sign-in alike: a
 *   provider's username is no proof of being the person the list meant.
 * GitHub users are keyed by GitHub's id here; the others have negative ids.
 */
export function administrators(rule: AdminRule, pins: Pick<ModerationStore, 'pinAdminLogins' | 'adminLoginHolder' | 'adminLoginPin'>) {
  // A pin never moves: once read, it is remembered for the process's life.
  const holders = new Map<string, number>()
  let seeded: Promise<void> | undefined
  /** Pins the listed logins to their holders before anything else can happen (a sign-in may rename a holder). */
  const seed = () => (seeded ??= pins.pinAdminLogins(rule.logins).catch((err: unknown) => {
    seeded = undefined
    throw err
  }))
  const holderOf = async (login: string, userId: number) => {
    let holder = holders.get(login)
    if (holder === undefined) holders.set(login, holder = await pins.adminLoginHolder(login, userId))
    return holder
  }
  return {
    seed,
    async isAdmin(user: User | undefined): Promise<boolean> {
      if (!user || user.kind === 'bot') return false
      if (user.id > 0 && rule.githubIds.includes(user.id)) return true
      const login = user.login.toLowerCase()
      if (!rule.logins.includes(login)) return false
      await seed()
      return (await holderOf(login, user.id)) === user.id
    },
    /**
     * Whether someone signing in, perhaps for the first time (no account of ours yet: any negative id), would be
     * an administrator once in; pins nothing. A listed login pinned to no one yet would be theirs.
     */
    async wouldBeAdmin(candidate: Pick<User, 'id' | 'login'>): Promise<boolean> {
      if (candidate.id > 0 && rule.githubIds.includes(candidate.id)) return true
      const login = candidate.login.toLowerCase()
      if (!rule.logins.includes(login)) return false
      await seed()
      const holder = holders.get(login) ?? await pins.adminLoginPin(login)
      return holder === undefined || holder === candidate.id
    },
  }
}

export type Administrators = ReturnType<typeof administrators>

/** Sets `admin` for the signed-in user; runs after the session is loaded, and pins `ADMIN_LOGINS` first. */
export function loadAdmin(admins: Administrators): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await admins.seed()
    c.set('admin', await admins.isAdmin(c.get('user')))
    await next()
  }
}

/** Administrators only; to anyone else the address does not exist. */
export const requireAdmin: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (!c.get('admin')) throw new HTTPException(404, { message: 'There is nothing at this address.' })
  await next()
}
