import type { Sql } from 'postgres'
import type { NotificationStore, NotifyChoice, NotifyLevel, PushRecipient, PushSubscriptionKeys } from '../ports.ts'
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

    async levelOf(roomId, userId) {
      const [row] = await sql<{ level: NotifyLevel }[]>`SELECT level FROM room_notification_levels WHERE room_id = ${roomId} AND user_id = ${userId}`
      return row?.level
    },

    async setLevel(roomId, userId, level) {
      if (level === undefined) await sql`DELETE FROM room_notification_levels WHERE room_id = ${roomId} AND user_id = ${userId}`
      else {
        await sql`
          INSERT INTO room_notification_levels (room_id, user_id, level) VALUES (${roomId}, ${userId}, ${level})
          ON CONFLICT (room_id, user_id) DO UPDATE SET level = excluded.level, updated_at = now()`
      }
    },

    async roomLevels(userId) {
      const rows = await sql<(RoomRow & { level: NotifyLevel })[]>`
        SELECT ${sql.unsafe(ROOM_COLUMNS)}, l.level FROM room_notification_levels l JOIN rooms r ON r.id = l.room_id
        WHERE l.user_id = ${userId} ORDER BY lower(r.name), r.id`
      return rows.map((r) => ({ room: toRoom(r), level: r.level }))
    },

    async recipients(roomId, { logins, everyone, except }) {
      // A subscription counts while the session that made it is live (an expired one may not be swept yet); a banned user gets nothing.
      // Candidates come from small indexed sets (the mentioned logins, those who set the room to every message),
      // so a message in a big room with no mention reads a handful of rows, not every member.
      const rows = await sql<{ user_id: bigint; login: string; choice: NotifyChoice | null; level: NotifyLevel | null; endpoint: string | null; p256dh: string | null; auth: string | null }[]>`
        WITH candidates AS (
          SELECT user_id FROM room_members WHERE ${everyone} AND room_id = ${roomId}
          UNION SELECT id FROM users WHERE lower(login) = ANY(${logins as string[]}::text[])
          UNION SELECT user_id FROM room_notification_levels WHERE room_id = ${roomId} AND level = 'all'
        )
        SELECT u.id AS user_id, lower(u.login) AS login, s.choice, l.level, p.endpoint, p.p256dh, p.auth
        FROM candidates c
        JOIN room_members m ON m.room_id = ${roomId} AND m.user_id = c.user_id
        JOIN users u ON u.id = m.user_id
        LEFT JOIN notification_settings s ON s.user_id = u.id
        LEFT JOIN room_notification_levels l ON l.room_id = m.room_id AND l.user_id = u.id
        LEFT JOIN (push_subscriptions p JOIN sessions live ON live.token_hash = p.session_hash AND live.expires_at > now())
          ON p.user_id = u.id
        WHERE m.user_id <> ${except} AND u.banned_at IS NULL
        ORDER BY u.id, p.id`
      const byUser = new Map<number, PushRecipient & { subscriptions: PushRecipient['subscriptions'][number][] }>()
      for (const r of rows) {
        const userId = Number(r.user_id)
        let recipient = byUser.get(userId)
        if (!recipient) byUser.set(userId, recipient = { userId, login: r.login, choice: r.choice ?? DEFAULT_CHOICE, level: r.level ?? undefined, subscriptions: [] })
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

    async subscriptionsOf(userId) {
      return sql<PushSubscriptionKeys[]>`
        SELECT p.endpoint, p.p256dh, p.auth FROM push_subscriptions p JOIN sessions live ON live.token_hash = p.session_hash
        WHERE p.user_id = ${userId} AND live.expires_at > now() ORDER BY p.created_at DESC, p.id DESC`
    },
  }
}
