import { createHash } from 'node:crypto'
import type { Sql } from 'postgres'
import type { OidcProfile, SignInStateStore, User } from '../ports.ts'
import { toUser, type UserRow } from './users.ts'

/** Suffix lengths tried, shortest first, when the login wanted is taken. */
const SUFFIX_LENGTHS = [8, 12, 16, 64]
/** Two first sign-ins can race for one login or one identity; the loser runs again and finds what the winner made. */
const ATTEMPTS = 3

const isUniqueViolation = (err: unknown) => (err as { code?: string }).code === '23505'

/** The logins tried in order: the one wanted, then `login~<hash>`, the hash of (issuer, subject) so it is stable. */
export function loginCandidates(p: OidcProfile): string[] {
  const hash = createHash('sha256').update(`${p.issuer}\n${p.subject}`).digest('hex')
  return [p.login, ...SUFFIX_LENGTHS.map((n) => `${p.login}~${hash.slice(0, n)}`)]
}

/** `UserStore.upsertOidcUser` on PostgreSQL: the identity row links (issuer, subject) to a user with a negative id. */
export function postgresOidcUsers(sql: Sql) {
  const once = (p: OidcProfile) => sql.begin(async (tx): Promise<User> => {
    // What the person chose on their profile outlives every sign-in; the provider's shows only where they chose nothing.
    const [known] = await tx<UserRow[]>`
      UPDATE users u SET account_name = ${p.name}, account_avatar_url = ${p.avatarUrl},
        name = coalesce(u.display_name, ${p.name}),
        avatar_url = CASE WHEN u.avatar_sha256 IS NULL THEN ${p.avatarUrl} ELSE u.avatar_url END,
        updated_at = now()
      FROM oidc_identities i
      WHERE i.issuer = ${p.issuer} AND i.subject = ${p.subject} AND u.id = i.user_id
      RETURNING u.id, u.login, u.name, u.avatar_url`
    if (known) return toUser(known)
    const candidates = loginCandidates(p)
    const taken = new Set((await tx<{ login: string }[]>`
      SELECT lower(login) AS login FROM users WHERE lower(login) = ANY(${candidates.map((l) => l.toLowerCase())}::text[])`).map((r) => r.login))
    const login = candidates.find((l) => !taken.has(l.toLowerCase()))!
    const [row] = await tx<UserRow[]>`
      INSERT INTO users (id, login, name, avatar_url, account_name, account_avatar_url)
      VALUES (-nextval('local_user_ids'), ${login}, ${p.name}, ${p.avatarUrl}, ${p.name}, ${p.avatarUrl})
      RETURNING id, login, name, avatar_url`
    await tx`INSERT INTO oidc_identities (issuer, subject, user_id) VALUES (${p.issuer}, ${p.subject}, ${String(row!.id)})`
    return toUser(row!)
  })

  return {
    async findOidcUser(issuer: string, subject: string): Promise<User | undefined> {
      const [row] = await sql<UserRow[]>`
        SELECT u.id, u.login, u.name, u.avatar_url FROM oidc_identities i JOIN users u ON u.id = i.user_id
        WHERE i.issuer = ${issuer} AND i.subject = ${subject}`
      return row && toUser(row)
    },

    async upsertOidcUser(p: OidcProfile): Promise<User> {
      for (let attempt = 1; ; attempt++) {
        try {
          return await once(p)
        } catch (err) {
          if (!isUniqueViolation(err) || attempt === ATTEMPTS) throw err
        }
      }
    },
  }
}

interface PendingRow { code_verifier: string; nonce: string; expires_at: Date }

/** Sign-ins under way in PostgreSQL, so any instance can finish one and none can finish it twice. */
export function postgresSignInStates(sql: Sql): SignInStateStore {
  return {
    async putSignIn(stateHash, pending, expiresAt) {
      // The table holds only sign-ins of the last few minutes: abandoned ones go as new ones come.
      await sql`DELETE FROM oidc_sign_ins WHERE expires_at <= now()`
      await sql`INSERT INTO oidc_sign_ins (state_hash, code_verifier, nonce, expires_at)
                VALUES (${stateHash}, ${pending.codeVerifier}, ${pending.nonce}, ${expiresAt})`
    },

    async takeSignIn(stateHash, now) {
      const [row] = await sql<PendingRow[]>`
        DELETE FROM oidc_sign_ins WHERE state_hash = ${stateHash} RETURNING code_verifier, nonce, expires_at`
      if (!row || row.expires_at <= now) return undefined
      return { codeVerifier: row.code_verifier, nonce: row.nonce }
    },
  }
}
