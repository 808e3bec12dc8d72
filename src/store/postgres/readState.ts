import type { Sql } from 'postgres'
import type { ReadStateStore } from '../ports.ts'

/** Read markers and mentions in PostgreSQL (a real server or PGlite). */
export function postgresReadState(sql: Sql): ReadStateStore {
  return {
    async advance(userId, roomId, id) {
      // The marker only rises: an older tab reporting late cannot bring unread messages back.
      const [row] = await sql<{ message_id: bigint; moved: boolean }[]>`
        WITH before AS (SELECT message_id FROM read_markers WHERE user_id = ${userId} AND room_id = ${roomId})
        INSERT INTO read_markers AS r (user_id, room_id, message_id) VALUES (${userId}, ${roomId}, ${id})
        ON CONFLICT (user_id, room_id) DO UPDATE SET message_id = greatest(r.message_id, excluded.message_id)
        RETURNING r.message_id, r.message_id > coalesce((SELECT message_id FROM before), 0) AS moved`
      return { marker: String(row!.message_id), moved: row!.moved }
    },

    async advanceAll(markers) {
      if (markers.length === 0) return
      const sorted = [...markers].sort((a, b) => a.userId - b.userId || (BigInt(a.roomId) < BigInt(b.roomId) ? -1 : 1))
      // Only for rooms that still exist: one deleted since the send must not fail everyone's markers.
      await sql`
        INSERT INTO read_markers AS r (user_id, room_id, message_id)
        SELECT t.user_id, t.room_id, t.message_id
        FROM unnest(${sorted.map((m) => m.userId)}::bigint[], ${sorted.map((m) => m.roomId)}::bigint[], ${sorted.map((m) => m.id)}::bigint[]) AS t(user_id, room_id, message_id)
        JOIN rooms ON rooms.id = t.room_id JOIN users ON users.id = t.user_id
        ON CONFLICT (user_id, room_id) DO UPDATE SET message_id = greatest(r.message_id, excluded.message_id)`
    },

    async markers(userId) {
      const rows = await sql<{ room_id: bigint; message_id: bigint }[]>`SELECT room_id, message_id FROM read_markers WHERE user_id = ${userId}`
      return new Map(rows.map((r) => [String(r.room_id), String(r.message_id)]))
    },

    async marker(userId, roomId) {
      const [row] = await sql<{ message_id: bigint }[]>`SELECT message_id FROM read_markers WHERE user_id = ${userId} AND room_id = ${roomId}`
      return String(row?.message_id ?? 0n)
    },

    async recordMentions(roomId, messageId, userIds) {
      if (userIds.length === 0) return
      await sql`INSERT INTO mentions ${sql(userIds.map((userId) => ({ user_id: userId, room_id: roomId, message_id: messageId })))} ON CONFLICT DO NOTHING`
    },

    async forgetMentions(roomId, messageId) {
      await sql`DELETE FROM mentions WHERE room_id = ${roomId} AND message_id = ${messageId}`
    },

    async unreadMentions(userId, cap, upTo) {
      if (upTo?.size === 0) return new Map()
      const bounds = upTo && sql`JOIN unnest(${[...upTo.keys()]}::bigint[], ${[...upTo.values()]}::bigint[]) AS b(room_id, up_to)
        ON b.room_id = m.room_id AND m.message_id <= b.up_to`
      const rows = await sql<{ room_id: bigint; n: number }[]>`
        SELECT m.room_id, least(count(*), ${cap})::int AS n FROM mentions m
        ${bounds ?? sql``}
        LEFT JOIN read_markers r ON r.user_id = m.user_id AND r.room_id = m.room_id
        WHERE m.user_id = ${userId} AND m.message_id > coalesce(r.message_id, 0)
        GROUP BY m.room_id`
      return new Map(rows.map((r) => [String(r.room_id), r.n]))
    },
  }
}
