import type { Sql } from 'postgres'
import type { KeptStore } from '../ports.ts'

interface PinRow { room_id: string; message_id: string; pinned_by: string; pinned_at: Date }
interface SavedRow { room_id: string; message_id: string; saved_at: Date }

/** Pinned and saved messages, by id, in PostgreSQL (users and rooms live there whichever store holds messages). */
export function postgresKept(sql: Sql): KeptStore {
  return {
    async pin(roomId, messageId, userId) {
      const rows = await sql`INSERT INTO pins (room_id, message_id, pinned_by) VALUES (${roomId}, ${messageId}, ${userId})
                             ON CONFLICT DO NOTHING RETURNING 1`
      return rows.length > 0
    },
    async unpin(roomId, messageId) {
      return (await sql`DELETE FROM pins WHERE room_id = ${roomId} AND message_id = ${messageId} RETURNING 1`).length > 0
    },
    async pins(roomId, limit) {
      const rows = await sql<PinRow[]>`
        SELECT room_id::text, message_id::text, pinned_by::text, pinned_at FROM pins
        WHERE room_id = ${roomId} ORDER BY pinned_at DESC, message_id DESC LIMIT ${limit}`
      return rows.map((r) => ({ roomId: r.room_id, messageId: r.message_id, pinnedBy: Number(r.pinned_by), at: r.pinned_at }))
    },
    async save(userId, roomId, messageId) {
      const rows = await sql`INSERT INTO saved_messages (user_id, room_id, message_id) VALUES (${userId}, ${roomId}, ${messageId})
                             ON CONFLICT DO NOTHING RETURNING 1`
      return rows.length > 0
    },
    async unsave(userId, roomId, messageId) {
      return (await sql`DELETE FROM saved_messages WHERE user_id = ${userId} AND room_id = ${roomId} AND message_id = ${messageId} RETURNING 1`).length > 0
    },
    async saved(userId, limit) {
      const rows = await sql<SavedRow[]>`
        SELECT room_id::text, message_id::text, saved_at FROM saved_messages
        WHERE user_id = ${userId} ORDER BY saved_at DESC, room_id DESC, message_id DESC LIMIT ${limit}`
      return rows.map((r) => ({ roomId: r.room_id, messageId: r.message_id, at: r.saved_at }))
    },
    async savedAmong(userId, roomId, messageIds) {
      if (messageIds.length === 0) return new Set()
      const rows = await sql<{ message_id: string }[]>`
        SELECT message_id::text FROM saved_messages
        WHERE user_id = ${userId} AND room_id = ${roomId} AND message_id = ANY(${messageIds as string[]}::bigint[])`
      return new Set(rows.map((r) => r.message_id))
    },
    async forgetMessage(roomId, messageId) {
      return sql.begin(async (tx) => {
        const unpinned = await tx`DELETE FROM pins WHERE room_id = ${roomId} AND message_id = ${messageId} RETURNING 1`
        await tx`DELETE FROM saved_messages WHERE room_id = ${roomId} AND message_id = ${messageId}`
        return { unpinned: unpinned.length > 0 }
      })
    },
  }
}
