import type { Sql } from 'postgres'
import type { SlackImportStore, SlackUserLink } from '../ports.ts'

interface LinkRow { slack_id: string; user_id: bigint; login: string; name: string; placeholder: bigint | null; claimed_at: Date | null }

const toLink = (r: LinkRow): SlackUserLink => ({
  slackId: r.slack_id, userId: Number(r.user_id), login: r.login, name: r.name,
  placeholderId: r.placeholder === null ? null : Number(r.placeholder), claimedAt: r.claimed_at,
})

/** Tries of `login`, `login-2`… before a placeholder's login gets a random suffix. */
const LOGIN_TRIES = 20

/** What a Slack import made, in PostgreSQL (or PGlite). */
export function postgresSlackImports(sql: Sql): SlackImportStore {
  const linkOf = async (slackId: string) => {
    const [row] = await sql<LinkRow[]>`SELECT * FROM slack_users WHERE slack_id = ${slackId}`
    return toLink(row!)
  }
  return {
    async usersBySlackId(slackIds) {
      if (slackIds.length === 0) return new Map()
      const rows = await sql<LinkRow[]>`SELECT * FROM slack_users WHERE slack_id = ANY(${slackIds as string[]})`
      return new Map(rows.map((r) => [r.slack_id, toLink(r)]))
    },

    async linkUser(slackId, userId, login, name) {
      await sql`INSERT INTO slack_users (slack_id, user_id, login, name) VALUES (${slackId}, ${userId}, ${login}, ${name})
        ON CONFLICT (slack_id) DO NOTHING`
      return linkOf(slackId)
    },

    async makePlaceholder(slackId, login, name) {
      return sql.begin(async (tx) => {
        // One import at a time links a Slack user: a second one waits here, then finds the link.
        await tx`SELECT pg_advisory_xact_lock(hashtext(${`slack-user:${slackId}`}))`
        const [known] = await tx<LinkRow[]>`SELECT * FROM slack_users WHERE slack_id = ${slackId}`
        if (known) return toLink(known)
        let id: string | undefined
        let chosen = login
        for (let n = 1; id === undefined; n++) {
          chosen = n === 1 ? login : n <= LOGIN_TRIES ? `${login.slice(0, 36)}-${n}` : `${login.slice(0, 30)}-${crypto.randomUUID().slice(0, 8)}`
          const [row] = await tx<{ id: bigint }[]>`
            INSERT INTO users (id, login, name) VALUES (-nextval('local_user_ids'), ${chosen}, ${name})
            ON CONFLICT (lower(login)) DO NOTHING RETURNING id`
          id = row && String(row.id)
        }
        const [row] = await tx<LinkRow[]>`
          INSERT INTO slack_users (slack_id, user_id, login, name, placeholder) VALUES (${slackId}, ${id}, ${chosen}, ${name}, ${id}) RETURNING *`
        return toLink(row!)
      })
    },

    async placeholders(limit) {
      const rows = await sql<LinkRow[]>`
        SELECT * FROM slack_users WHERE placeholder IS NOT NULL ORDER BY claimed_at IS NOT NULL, lower(login) LIMIT ${limit}`
      return rows.map(toLink)
    },

    async claim(user, which) {
      return sql.begin(async (tx) => {
        const rows = which
          ? await tx<LinkRow[]>`SELECT * FROM slack_users WHERE slack_id = ${which.slackId} AND placeholder IS NOT NULL AND claimed_at IS NULL FOR UPDATE`
          : await tx<LinkRow[]>`
              SELECT * FROM slack_users WHERE lower(login) = lower(${user.login}) AND placeholder IS NOT NULL AND claimed_at IS NULL FOR UPDATE`
        const placeholders = rows.map((r) => String(r.placeholder)).filter((id) => Number(id) !== user.id)
        if (placeholders.length === 0) return []
        await tx`INSERT INTO room_members (room_id, user_id)
          SELECT room_id, ${user.id} FROM room_members WHERE user_id = ANY(${placeholders}::bigint[]) ON CONFLICT DO NOTHING`
        await tx`DELETE FROM room_members WHERE user_id = ANY(${placeholders}::bigint[])`
        const claimed = await tx<LinkRow[]>`
          UPDATE slack_users SET user_id = ${user.id}, claimed_at = now() WHERE slack_id = ANY(${rows.map((r) => r.slack_id)}) RETURNING *`
        return claimed.map(toLink)
      })
    },

    async roomOf(channelId) {
      const [row] = await sql<{ room_id: bigint }[]>`SELECT room_id FROM slack_rooms WHERE slack_id = ${channelId}`
      return row && String(row.room_id)
    },

    async linkRoom(channelId, roomId) {
      await sql`INSERT INTO slack_rooms (slack_id, room_id) VALUES (${channelId}, ${roomId})
        ON CONFLICT (slack_id) DO UPDATE SET room_id = excluded.room_id`
    },

    async importedMessages(channelId, tss) {
      if (tss.length === 0) return new Map()
      const rows = await sql<{ ts: string; message_id: bigint }[]>`
        SELECT ts, message_id FROM slack_messages WHERE channel_id = ${channelId} AND ts = ANY(${tss as string[]})`
      return new Map(rows.map((r) => [r.ts, String(r.message_id)]))
    },

    async recordMessages(channelId, roomId, imported) {
      if (imported.length === 0) return
      await sql`
        INSERT INTO slack_messages (channel_id, ts, room_id, message_id)
        SELECT ${channelId}, ts, ${roomId}, id FROM unnest(${imported.map((m) => m.ts)}::text[], ${imported.map((m) => m.id)}::bigint[]) AS t(ts, id)
        ON CONFLICT (channel_id, ts) DO NOTHING`
    },
  }
}
