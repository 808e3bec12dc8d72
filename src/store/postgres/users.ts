import type { Sql } from 'postgres'
import type { GithubProfile, User, UserStore } from '../ports.ts'
import { postgresOidcUsers } from './oidc.ts'

export interface UserRow { id: bigint; login: string; name: string | null; avatar_url: string | null; kind?: string }

export const toUser = (r: UserRow): User => ({
  id: Number(r.id), login: r.login, name: r.name, avatarUrl: r.avatar_url, ...(r.kind === 'bot' ? { kind: 'bot' as const } : {}),
})

export class LoginTakenError extends Error {
  readonly code = 'LOGIN_TAKEN'
  constructor(login: string) {
    super(`the name "${login}" belongs to a GitHub account, a single sign-on account or a bot`)
  }
}

export function postgresUsers(sql: Sql): UserStore {
  return {
    ...postgresOidcUsers(sql),

    async upsertGithubUser(p: GithubProfile) {
      return sql.begin(async (tx) => {
        // GitHub logins can be renamed and then taken by someone else: the
        // stale holder of this login steps aside, keyed as it is by its id.
        await tx`UPDATE users SET login = login || '~' || id::text
                 WHERE lower(login) = lower(${p.login}) AND id <> ${p.id} AND kind <> 'bot'
                   AND NOT EXISTS (SELECT 1 FROM oidc_identities i WHERE i.user_id = users.id)`
        // A bot, or a single sign-on account (whose login is not GitHub's to take back), keeps its name:
        // the person is known here by their login and id instead.
        const [held] = await tx`SELECT 1 FROM users WHERE lower(login) = lower(${p.login}) AND id <> ${p.id}`
        const login = held ? `${p.login}~${p.id}` : p.login
        const [row] = await tx<UserRow[]>`
          INSERT INTO users (id, login, name, avatar_url, account_name, account_avatar_url)
          VALUES (${p.id}, ${login}, ${p.name}, ${p.avatarUrl}, ${p.name}, ${p.avatarUrl})
          ON CONFLICT (id) DO UPDATE SET login = excluded.login,
            account_name = excluded.account_name, account_avatar_url = excluded.account_avatar_url,
            -- What the person chose on their profile outlives every sign-in; GitHub's shows only where they chose nothing.
            name = coalesce(users.display_name, excluded.name),
            avatar_url = CASE WHEN users.avatar_sha256 IS NULL THEN excluded.avatar_url ELSE users.avatar_url END,
            updated_at = now()
          RETURNING id, login, name, avatar_url`
        return toUser(row!)
      })
    },

    async upsertLocalUser(login: string) {
      // A bot never signs in through a browser; a GitHub or single sign-on (linked) account only through its provider.
      const someoneElses = (r: UserRow & { linked: boolean }) => r.id > 0n || r.kind === 'bot' || r.linked
      const [existing] = await sql<(UserRow & { linked: boolean })[]>`
        SELECT id, login, name, avatar_url, kind, EXISTS (SELECT 1 FROM oidc_identities i WHERE i.user_id = users.id) AS linked FROM users WHERE lower(login) = lower(${login})`
      if (existing && someoneElses(existing)) throw new LoginTakenError(login)
      if (existing) return toUser(existing)
      const [row] = await sql<(UserRow & { linked: boolean })[]>`
        INSERT INTO users (id, login, name, account_name) VALUES (-nextval('local_user_ids'), ${login}, ${login}, ${login})
        ON CONFLICT (lower(login)) DO UPDATE SET updated_at = now()
        RETURNING id, login, name, avatar_url, kind, EXISTS (SELECT 1 FROM oidc_identities i WHERE i.user_id = users.id) AS linked`
      if (someoneElses(row!)) throw new LoginTakenError(login)
      return toUser(row!)
    },

    async findUserById(id: number) {
      const [row] = await sql<UserRow[]>`SELECT id, login, name, avatar_url, kind FROM users WHERE id = ${id}`
      return row && toUser(row)
    },

    async touchLastSeen(userIds, at) {
      if (userIds.length === 0) return
      await sql`UPDATE users SET last_seen_at = greatest(last_seen_at, ${at}) WHERE id = ANY(${userIds as number[]})`
    },

    async findUserByLogin(login: string) {
      const [row] = await sql<UserRow[]>`
        SELECT id, login, name, avatar_url, kind FROM users WHERE lower(login) = lower(${login})`
      return row && toUser(row)
    },
  }
}
