import type { Sql } from 'postgres'
import type { SessionStore } from '../ports.ts'

export function postgresSessions(sql: Sql): SessionStore {
  return {
    async createSession(tokenHash, userId, expiresAt, device) {
      await sql`INSERT INTO sessions (token_hash, user_id, expires_at, device) VALUES (${tokenHash}, ${userId}, ${expiresAt}, ${device ?? null})`
    },

    async findSession(tokenHash, now) {
      const [row] = await sql<{ expires_at: Date; id: bigint; login: string; name: string | null; avatar_url: string | null }[]>`
        SELECT s.expires_at, u.id, u.login, u.name, u.avatar_url
        FROM sessions s JOIN users u ON u.id = s.user_id
        WHERE s.token_hash = ${tokenHash} AND s.expires_at > ${now}`
      if (!row) return undefined
      return {
        expiresAt: row.expires_at,
        user: { id: Number(row.id), login: row.login, name: row.name, avatarUrl: row.avatar_url },
      }
    },

    async renewSession(tokenHash, expiresAt, activeAt = new Date()) {
      await sql`UPDATE sessions SET expires_at = ${expiresAt}, last_active_at = ${activeAt} WHERE token_hash = ${tokenHash}`
    },

    async deleteSession(tokenHash) {
      await sql`DELETE FROM sessions WHERE token_hash = ${tokenHash}`
    },

    async deleteExpiredSessions(now) {
      const result = await sql`DELETE FROM sessions WHERE expires_at <= ${now}`
      return result.count
    },

    async listSessions(userId, now) {
      const rows = await sql<{ token_hash: string; created_at: Date; expires_at: Date; device: string | null; last_active_at: Date }[]>`
        SELECT token_hash, created_at, expires_at, device, coalesce(last_active_at, created_at) AS last_active_at FROM sessions
        WHERE user_id = ${userId} AND expires_at > ${now} ORDER BY created_at DESC, token_hash`
      return rows.map((r) => ({ tokenHash: r.token_hash, createdAt: r.created_at, expiresAt: r.expires_at, device: r.device, lastActiveAt: r.last_active_at }))
    },

    async deleteUserSessions(userId, except) {
      const rows = await sql<{ token_hash: string }[]>`
        DELETE FROM sessions WHERE user_id = ${userId} AND token_hash <> ${except ?? ''} RETURNING token_hash`
      return rows.map((r) => r.token_hash)
    },

    async trimSessions(userId, keep) {
      const rows = await sql<{ token_hash: string }[]>`
        DELETE FROM sessions WHERE token_hash IN (
          SELECT token_hash FROM sessions WHERE user_id = ${userId}
          ORDER BY created_at DESC, token_hash OFFSET ${keep}
        ) RETURNING token_hash`
      return rows.map((r) => r.token_hash)
    },
  }
}
