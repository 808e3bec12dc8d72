import type { Sql } from 'postgres'
import type { BotStore, User } from '../ports.ts'
import { LoginTakenError, toUser } from './users.ts'

interface BotUserRow { id: bigint; login: string; name: string | null; avatar_url: string | null; kind: string }

/** Bots take their ids from the local users' negative sequence: never a GitHub id, never a person's. */
export function postgresBots(sql: Sql): BotStore {
  return {
    async createBot({ login, tokenHash, webhookUrl, webhookSecret, createdBy }) {
      return sql.begin(async (tx) => {
        const [row] = await tx<BotUserRow[]>`
          INSERT INTO users (id, login, name, kind) VALUES (-nextval('local_user_ids'), ${login}, ${login}, 'bot')
          ON CONFLICT (lower(login)) DO NOTHING RETURNING id, login, name, avatar_url, kind`
        if (!row) throw new LoginTakenError(login)
        await tx`INSERT INTO bots (user_id, token_hash, webhook_url, webhook_secret, created_by)
                 VALUES (${row.id.toString()}, ${tokenHash}, ${webhookUrl}, ${webhookSecret}, ${createdBy})`
        return toUser(row)
      })
    },

    async botByTokenHash(tokenHash) {
      const [row] = await sql<(BotUserRow & { banned: boolean })[]>`
        SELECT u.id, u.login, u.name, u.avatar_url, u.kind, u.banned_at IS NOT NULL AS banned FROM bots b JOIN users u ON u.id = b.user_id
        WHERE b.token_hash = ${tokenHash}`
      return row && { bot: toUser(row), banned: row.banned }
    },

    async listBots() {
      const rows = await sql<(BotUserRow & { webhook_url: string | null; created_at: Date })[]>`
        SELECT u.id, u.login, u.name, u.avatar_url, u.kind, b.webhook_url, b.created_at
        FROM bots b JOIN users u ON u.id = b.user_id ORDER BY lower(u.login)`
      return rows.map((r) => ({ user: toUser(r), webhookUrl: r.webhook_url, createdAt: r.created_at }))
    },

    async hooksFor(roomId, authorId, logins, everyBot) {
      const rows = await sql<(BotUserRow & { webhook_url: string; webhook_secret: string })[]>`
        SELECT u.id, u.login, u.name, u.avatar_url, u.kind, b.webhook_url, b.webhook_secret
        FROM room_members m JOIN bots b ON b.user_id = m.user_id JOIN users u ON u.id = b.user_id
        WHERE m.room_id = ${roomId} AND m.user_id <> ${authorId} AND b.webhook_url IS NOT NULL AND u.banned_at IS NULL
          AND (${everyBot} OR lower(u.login) = ANY(${logins as string[]}))`
      return rows.map((r) => ({ bot: toUser(r) as User, url: r.webhook_url, secret: r.webhook_secret }))
    },
  }
}
