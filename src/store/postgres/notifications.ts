import type { Sql } from 'postgres'
import type { NotificationStore, NotifyChoice, PushRecipient } from '../ports.ts'
import { ROOM_COLUMNS, toRoom, type RoomRow } from './rooms.ts'

const DEFAULT_CHOICE: NotifyChoice = 'all'
const FOREIGN_KEY_VIOLATION = '23503'

export function postgresNotifications(sql: Sql): NotificationStore {
  return {
    async choiceOf(userId) {
      const [row] = await sql<{ choice: NotifyChoice }[]>`SELECT choice FROM notification_settings WHERE user_id = ${userId}`
      return row?.choice ?? DEFAULT_CHOICE
    },

    async setChoice(userId, choice) {
      await sql`
        INSERT INTO notification_settings (user_id, choice) VALUES (${userId}, ${choice})
        ON CONFLICT (user_id) DO UPDATE SET choice = excluded.choice, updated_at = now()`
    },

    async isMuted(roomId, userId) {
      const [row] = await sql`SELECT 1 FROM room_mutes WHERE room_id = ${roomId} AND user_id = ${userId}`
      return row !== undefined
    },

    async setMuted(roomId, userId, muted) {
      if (muted) await sql`INSERT INTO room_mutes (room_id, user_id) VALUES (${roomId}, ${userId}) ON CONFLICT DO NOTHING`
      else await sql`DELETE FROM room_mutes WHERE room_id = ${roomId} AND user_id = ${userId}`
    },

    async mutedRooms(userId) {
      const rows = await sql<RoomRow[]>`
        SELECT ${sql.unsafe(ROOM_COLUMNS)} FROM room_mutes m JOIN rooms r ON r.id = m.room_id
        WHERE m.user_id = ${userId} ORDER BY lower(r.name), r.id`
      return rows.map(toRoom)
    },

    async recipients(roomId, { logins, everyone, except }) {
      if (!everyone && logins.length === 0) return []
      // A subscription counts while the session that made it is live (an expired one may not be swept yet); a banned user gets nothing.
      const rows = await sql<{ user_id: bigint; login: string; choice: NotifyChoice | null; muted: boolean; endpoint: string | null; p256dh: string | null; auth: string | null }[]>`
        SELECT u.id AS user_id, lower(u.login) AS login, s.choice,
               EXISTS (SELECT 1 FROM room_mutes x WHERE x.room_id = m.room_id AND x.user_id = u.id) AS muted,
               p.endpoint, p.p256dh, p.auth
        FROM room_members m
        JOIN users u ON u.id = m.user_id
        LEFT JOIN notification_settings s ON s.user_id = u.id
        LEFT JOIN (push_subscriptions p JOIN sessions live ON live.token_hash = p.session_hash AND live.expires_at > now())
          ON p.user_id = u.id
        WHERE m.room_id = ${roomId} AND m.user_id <> ${except} AND u.banned_at IS NULL
          AND (${everyone} OR lower(u.login) = ANY(${logins as string[]}::text[]))
        ORDER BY u.id, p.id`
      const byUser = new Map<number, PushRecipient & { subscriptions: PushRecipient['subscriptions'][number][] }>()
      for (const r of rows) {
        const userId = Number(r.user_id)
        let recipient = byUser.get(userId)
        if (!recipient) byUser.set(userId, recipient = { userId, login: r.login, choice: r.choice ?? DEFAULT_CHOICE, muted: r.muted, subscriptions: [] })
        if (r.endpoint !== null) recipient.subscriptions.push({ endpoint: r.endpoint, p256dh: r.p256dh!, auth: r.auth! })
      }
      return [...byUser.values()]
    },

    async addSubscription(userId, sessionHash, { endpoint, p256dh, auth }, keep) {
      // An endpoint names one browser: it moves to the user and session that subscribed last, as their newest.
      // Only a live session of this user can hold one; a session ended meanwhile (sign-out, ban) stores nothing.
      let changed
      try {
        changed = await sql<{ id: bigint }[]>`
          INSERT INTO push_subscriptions (endpoint, user_id, session_hash, p256dh, auth)
          SELECT ${endpoint}, ${userId}, token_hash, ${p256dh}, ${auth} FROM sessions
          WHERE token_hash = ${sessionHash} AND user_id = ${userId} AND expires_at > now()
          ON CONFLICT (endpoint) DO UPDATE SET user_id = excluded.user_id, session_hash = excluded.session_hash,
            p256dh = excluded.p256dh, auth = excluded.auth, created_at = now()
          WHERE (push_subscriptions.user_id, push_subscriptions.session_hash, push_subscriptions.p256dh, push_subscriptions.auth)
            IS DISTINCT FROM (excluded.user_id, excluded.session_hash, excluded.p256dh, excluded.auth)
          RETURNING id`
      } catch (err) {
        // The session was deleted between the read and the insert's foreign-key check.
        if ((err as { code?: string }).code === FOREIGN_KEY_VIOLATION) return 'ended'
        throw err
      }
      if (changed.length === 0) {
        const [mine] = await sql`SELECT 1 FROM push_subscriptions WHERE endpoint = ${endpoint} AND session_hash = ${sessionHash}`
        if (!mine) return 'ended'
      }
      await sql`
        DELETE FROM push_subscriptions WHERE id IN (
          SELECT id FROM push_subscriptions WHERE user_id = ${userId} ORDER BY created_at DESC, id DESC OFFSET ${keep})`
      return changed.length > 0 ? 'added' : 'kept'
    },

    async removeSubscription(userId, endpoint) {
      const result = await sql`DELETE FROM push_subscriptions WHERE user_id = ${userId} AND endpoint = ${endpoint}`
      return result.count > 0
    },

    async forgetEndpoint(endpoint) {
      await sql`DELETE FROM push_subscriptions WHERE endpoint = ${endpoint}`
    },

    async countSubscriptions(userId) {
      const [row] = await sql<{ n: number }[]>`
        SELECT count(*)::int AS n FROM push_subscriptions p JOIN sessions live ON live.token_hash = p.session_hash
        WHERE p.user_id = ${userId} AND live.expires_at > now()`
      return row?.n ?? 0
    },
  }
}
