import type { Sql } from 'postgres'
import type { MessageStore, StoredMessage } from '../ports.ts'

interface MessageRow {
  room_id: bigint; id: bigint; author_id: bigint; author_login: string; author_name: string; nonce: string
  body: string; created_at: Date; rev: bigint; edited_at: Date | null; deleted_at: Date | null
}

const COLUMNS = 'room_id, id, author_id, author_login, author_name, nonce, body, created_at, rev, edited_at, deleted_at'
const toMessage = (r: MessageRow): StoredMessage => ({
  id: String(r.id), roomId: String(r.room_id), authorId: Number(r.author_id), authorLogin: r.author_login,
  authorName: r.author_name, nonce: r.nonce, body: r.body, createdAt: r.created_at, rev: String(r.rev),
  editedAt: r.edited_at, deletedAt: r.deleted_at,
})

/** Messages in PostgreSQL (a real server or the embedded PGlite). */
export function postgresMessages(sql: Sql): MessageStore {
  const columns = sql.unsafe(COLUMNS)
  return {
    async appendMessage(m) {
      const [row] = await sql<MessageRow[]>`
        INSERT INTO messages (room_id, id, author_id, author_login, author_name, nonce, body, created_at, rev)
        VALUES (${m.roomId}, ${m.id}, ${m.authorId}, ${m.authorLogin}, ${m.authorName}, ${m.nonce}, ${m.body}, ${m.createdAt}, ${m.id})
        ON CONFLICT (author_id, nonce) DO NOTHING
        RETURNING ${columns}`
      if (row) return { message: toMessage(row), created: true }
      const [existing] = await sql<MessageRow[]>`
        SELECT ${columns} FROM messages WHERE author_id = ${m.authorId} AND nonce = ${m.nonce}`
      return { message: toMessage(existing!), created: false }
    },

    async findMessage(roomId, id) {
      const [row] = await sql<MessageRow[]>`SELECT ${columns} FROM messages WHERE room_id = ${roomId} AND id = ${id}`
      return row && toMessage(row)
    },

    async changeMessage(roomId, id, change) {
      const [row] = change.kind === 'edit'
        ? await sql<MessageRow[]>`
            UPDATE messages SET body = ${change.body}, rev = ${change.rev}, edited_at = ${change.at}
            WHERE room_id = ${roomId} AND id = ${id} AND deleted_at IS NULL RETURNING ${columns}`
        : await sql<MessageRow[]>`
            UPDATE messages SET body = '', rev = ${change.rev}, deleted_at = ${change.at}
            WHERE room_id = ${roomId} AND id = ${id} AND deleted_at IS NULL RETURNING ${columns}`
      return row ? toMessage(row) : this.findMessage(roomId, id)
    },

    async pageBefore(roomId, before, limit) {
      const rows = before === undefined
        ? await sql<MessageRow[]>`SELECT ${columns} FROM messages WHERE room_id = ${roomId} ORDER BY id DESC LIMIT ${limit}`
        : await sql<MessageRow[]>`
            SELECT ${columns} FROM messages WHERE room_id = ${roomId} AND id < ${before} ORDER BY id DESC LIMIT ${limit}`
      return rows.map(toMessage).reverse()
    },

    async pageAfter(roomId, after, limit) {
      const rows = await sql<MessageRow[]>`
        SELECT ${columns} FROM messages WHERE room_id = ${roomId} AND id > ${after} ORDER BY id LIMIT ${limit}`
      return rows.map(toMessage)
    },

    async changesSince(roomId, since, limit) {
      const rows = await sql<MessageRow[]>`
        SELECT ${columns} FROM messages WHERE room_id = ${roomId} AND rev > ${since} ORDER BY rev LIMIT ${limit}`
      return rows.map(toMessage)
    },
  }
}
