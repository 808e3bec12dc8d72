import type { JSONValue, Sql, TransactionSql } from 'postgres'
import type { Appended, Attachment, BatchedMessage, LinkPreview, MessageStore, StoredMessage } from '../ports.ts'
import { mayHaveReactions, withReactions } from '../reactions.ts'

export interface MessageRow {
  room_id: bigint; id: bigint; author_id: bigint; author_login: string; author_name: string; author_avatar_url: string | null; nonce: string
  body: string; created_at: Date; rev: bigint; edited_at: Date | null; deleted_at: Date | null; attachments: Attachment[] | null
  reply_to: bigint | null
  link_preview: LinkPreview | null
}

export const MESSAGE_COLUMNS = 'room_id, id, author_id, author_login, author_name, author_avatar_url, nonce, body, created_at, rev, edited_at, deleted_at, attachments, reply_to, link_preview'
export const toMessage = (r: MessageRow): StoredMessage => ({
  id: String(r.id), roomId: String(r.room_id), authorId: Number(r.author_id), authorLogin: r.author_login,
  authorName: r.author_name, ...(r.author_avatar_url ? { authorAvatarUrl: r.author_avatar_url } : {}), nonce: r.nonce, body: r.body, createdAt: r.created_at, rev: String(r.rev),
  editedAt: r.edited_at, deletedAt: r.deleted_at, ...(r.attachments?.length && !r.deleted_at ? { attachments: r.attachments } : {}),
  ...(r.reply_to !== null && r.reply_to !== undefined ? { replyTo: String(r.reply_to) } : {}),
  ...(r.link_preview && !r.deleted_at ? { preview: r.link_preview } : {}),
})

async function byNonce(sql: Sql | TransactionSql, authorId: number, nonce: string) {
  const [row] = await sql<MessageRow[]>`SELECT ${sql.unsafe(MESSAGE_COLUMNS)} FROM messages WHERE author_id = ${authorId} AND nonce = ${nonce}`
  return row && toMessage(row)
}

/**
 * The room's next id: the offered one, or one past the room's last when the offer is not above it; and the
 * last one before it. The row stays locked until commit, so nothing can land between the two.
 */
async function nextRoomId(tx: TransactionSql, roomId: string, offered: string): Promise<{ id: string; after: string }> {
  const [row] = await tx<{ last_message_id: bigint; before: bigint }[]>`
    UPDATE rooms r SET last_message_id = greatest(${offered}::bigint, r.last_message_id + 1)
    FROM (SELECT id, last_message_id AS before FROM rooms WHERE id = ${roomId} FOR UPDATE) old
    WHERE r.id = old.id
    RETURNING r.last_message_id, old.before`
  if (!row) throw Object.assign(new Error(`room ${roomId} does not exist`), { code: 'ROOM_NOT_FOUND' })
  return { id: String(row.last_message_id), after: String(row.before) }
}

/** The messages with their reactions, read in one query for the (changed) messages that may have any. */
async function reacted(sql: Sql | TransactionSql, rows: readonly MessageRow[]): Promise<StoredMessage[]> {
  const messages = rows.map(toMessage)
  const ids = messages.filter(mayHaveReactions).map((m) => m.id)
  if (ids.length === 0) return messages
  const found = await sql<{ message_id: bigint; emoji: string; user_id: bigint; login: string }[]>`
    SELECT message_id, emoji, user_id, login FROM message_reactions WHERE room_id = ${messages[0]!.roomId} AND message_id = ANY(${ids}::bigint[])`
  return withReactions(messages, found.map((r) => ({ messageId: String(r.message_id), reaction: { emoji: r.emoji, userId: Number(r.user_id), login: r.login } })))
}

/** Messages in PostgreSQL (a real server or the embedded PGlite). */
export function postgresMessages(sql: Sql): MessageStore {
  const columns = sql.unsafe(MESSAGE_COLUMNS)
  return {
    async appendMessage(m) {
      const existing = await byNonce(sql, m.authorId, m.nonce)
      if (existing) return { message: existing, created: false }
      return sql.begin(async (tx) => {
        // Locks the room's row until commit: a room's ids are handed out in commit order.
        const { id, after } = await nextRoomId(tx, m.roomId, m.id)
        const [row] = await tx<MessageRow[]>`
          INSERT INTO messages (room_id, id, author_id, author_login, author_name, author_avatar_url, nonce, body, created_at, rev, attachments, reply_to)
          VALUES (${m.roomId}, ${id}, ${m.authorId}, ${m.authorLogin}, ${m.authorName}, ${m.authorAvatarUrl ?? null}, ${m.nonce}, ${m.body}, ${m.createdAt}, ${id},
            ${m.attachments?.length ? tx.json(m.attachments as unknown as JSONValue) : null}, ${m.replyTo ?? null})
          ON CONFLICT (author_id, nonce) DO NOTHING
          RETURNING ${columns}`
        if (row) return { message: toMessage(row), created: true, after }
        return { message: (await byNonce(tx, m.authorId, m.nonce))!, created: false }
      })
    },

    async appendMessages(list) {
      if (list.length === 0) return []
      const roomId = list[0]!.roomId
      if (list.some((m) => m.roomId !== roomId)) throw new Error('appendMessages takes messages of one room')
      const keyOf = (authorId: number | bigint, nonce: string) => `${authorId}:${nonce}`
      return sql.begin(async (tx) => {
        // The room's row, locked until commit, as for one append: ids are handed out in commit order.
        const [room] = await tx<{ last_message_id: bigint }[]>`SELECT last_message_id FROM rooms WHERE id = ${roomId} FOR UPDATE`
        if (!room) throw Object.assign(new Error(`room ${roomId} does not exist`), { code: 'ROOM_NOT_FOUND' })
        const found = await tx<MessageRow[]>`
          SELECT ${columns} FROM messages WHERE (author_id, nonce) IN
            (SELECT * FROM unnest(${list.map((m) => m.authorId)}::bigint[], ${list.map((m) => m.nonce)}::text[]))`
        const stored = new Map(found.map((r) => [keyOf(r.author_id, r.nonce), toMessage(r)]))
        const fresh = list.filter((m, i) => !stored.has(keyOf(m.authorId, m.nonce)) && list.findIndex((o) => o.authorId === m.authorId && o.nonce === m.nonce) === i)
        let last = room.last_message_id
        const ids = fresh.map((m) => (last = BigInt(m.id) > last ? BigInt(m.id) : last + 1n))
        // Where each of the batch goes (found, or the id it is about to take): a reply to an earlier one names it.
        const planned = new Map(fresh.map((m, i) => [keyOf(m.authorId, m.nonce), String(ids[i])]))
        const idAt = (i: number) => stored.get(keyOf(list[i]!.authorId, list[i]!.nonce))?.id ?? planned.get(keyOf(list[i]!.authorId, list[i]!.nonce))
        const replyOf = (m: BatchedMessage) => (m.replyToEarlier === undefined ? m.replyTo ?? null : idAt(m.replyToEarlier) ?? null)
        const made = new Map<string, StoredMessage>()
        if (fresh.length) {
          const rows = await tx<MessageRow[]>`
            INSERT INTO messages (room_id, id, author_id, author_login, author_name, author_avatar_url, nonce, body, created_at, rev, attachments, reply_to)
            SELECT ${roomId}, id, author_id, author_login, author_name, author_avatar_url, nonce, body, created_at, id, attachments::jsonb, reply_to
            FROM unnest(${ids.map(String)}::bigint[], ${fresh.map((m) => m.authorId)}::bigint[], ${fresh.map((m) => m.authorLogin)}::text[],
              ${fresh.map((m) => m.authorName)}::text[], ${fresh.map((m) => m.authorAvatarUrl ?? null)}::text[], ${fresh.map((m) => m.nonce)}::text[],
              ${fresh.map((m) => m.body)}::text[], ${fresh.map((m) => m.createdAt.toISOString())}::timestamptz[],
              ${fresh.map((m) => (m.attachments?.length ? JSON.stringify(m.attachments) : null))}::text[], ${fresh.map(replyOf)}::bigint[])
              AS t(id, author_id, author_login, author_name, author_avatar_url, nonce, body, created_at, attachments, reply_to)
            ORDER BY id
            ON CONFLICT (author_id, nonce) DO NOTHING
            RETURNING ${columns}`
          await tx`UPDATE rooms SET last_message_id = ${String(last)} WHERE id = ${roomId}`
          for (const r of rows) made.set(keyOf(r.author_id, r.nonce), toMessage(r))
        }
        const answers: Appended[] = []
        // The rev right before each new one: the one made before it here, or the room's last before these.
        let previous = String(room.last_message_id)
        for (const m of list) {
          const key = keyOf(m.authorId, m.nonce)
          const message = made.get(key)
          if (message) {
            made.delete(key)
            stored.set(key, message)
            answers.push({ message, created: true, after: previous })
            previous = message.id
          } else {
            answers.push({ message: stored.get(key) ?? (await byNonce(tx, m.authorId, m.nonce))!, created: false })
          }
        }
        return answers
      })
    },

    async findMessage(roomId, id) {
      if (!/^\d{1,19}$/.test(id)) return undefined
      const [row] = await sql<MessageRow[]>`SELECT ${columns} FROM messages WHERE room_id = ${roomId} AND id = ${id}`
      return row && (await reacted(sql, [row]))[0]
    },

    async changeMessage(roomId, id, change) {
      const changed = await sql.begin(async (tx) => {
        const [current] = await tx`SELECT 1 FROM messages WHERE room_id = ${roomId} AND id = ${id} AND deleted_at IS NULL`
        if (!current) return undefined
        const { id: rev } = await nextRoomId(tx, roomId, change.rev)
        if (change.kind === 'react') {
          const { emoji, userId, login } = change.reaction
          if (change.on) {
            await tx`INSERT INTO message_reactions (room_id, message_id, emoji, user_id, login)
              VALUES (${roomId}, ${id}, ${emoji}, ${userId}, ${login}) ON CONFLICT DO NOTHING`
          } else {
            await tx`DELETE FROM message_reactions WHERE room_id = ${roomId} AND message_id = ${id} AND emoji = ${emoji} AND user_id = ${userId}`
          }
        }
        const [row] = change.kind === 'react'
          ? await tx<MessageRow[]>`
              UPDATE messages SET rev = ${rev} WHERE room_id = ${roomId} AND id = ${id} AND deleted_at IS NULL RETURNING ${columns}`
          : change.kind === 'preview'
          ? await tx<MessageRow[]>`
              UPDATE messages SET link_preview = ${change.preview ? tx.json(change.preview as unknown as JSONValue) : null}, rev = ${rev}
              WHERE room_id = ${roomId} AND id = ${id} AND deleted_at IS NULL RETURNING ${columns}`
          : change.kind === 'edit'
          ? await tx<MessageRow[]>`
              UPDATE messages SET body = ${change.body}, rev = ${rev}, edited_at = ${change.at}
              WHERE room_id = ${roomId} AND id = ${id} AND deleted_at IS NULL RETURNING ${columns}`
          : await tx<MessageRow[]>`
              UPDATE messages SET body = '', link_preview = NULL, rev = ${rev}, deleted_at = ${change.at}
              WHERE room_id = ${roomId} AND id = ${id} AND deleted_at IS NULL RETURNING ${columns}`
        return row && (await reacted(tx, [row]))[0]
      })
      return changed ?? this.findMessage(roomId, id)
    },

    async pageBefore(roomId, before, limit) {
      const rows = before === undefined
        ? await sql<MessageRow[]>`SELECT ${columns} FROM messages WHERE room_id = ${roomId} ORDER BY id DESC LIMIT ${limit}`
        : await sql<MessageRow[]>`
            SELECT ${columns} FROM messages WHERE room_id = ${roomId} AND id < ${before} ORDER BY id DESC LIMIT ${limit}`
      return (await reacted(sql, rows)).reverse()
    },

    async pageAfter(roomId, after, limit) {
      const rows = await sql<MessageRow[]>`
        SELECT ${columns} FROM messages WHERE room_id = ${roomId} AND id > ${after} ORDER BY id LIMIT ${limit}`
      return reacted(sql, rows)
    },

    async lastRev(roomId) {
      const [row] = await sql<{ last_message_id: bigint }[]>`SELECT last_message_id FROM rooms WHERE id = ${roomId}`
      return String(row?.last_message_id ?? 0n)
    },

    async countAfter(roomId, after, { cap, until, reader }) {
      const [row] = await sql<{ n: number }[]>`
        SELECT count(*)::int AS n FROM (
          SELECT 1 FROM messages WHERE room_id = ${roomId} AND id > ${after} AND deleted_at IS NULL
            ${until === undefined ? sql`` : sql`AND id <= ${until}`} ${reader === undefined ? sql`` : sql`AND author_id <> ${reader}`}
          LIMIT ${cap}) capped`
      return row!.n
    },

    async forgetRoom(roomId) {
      // Reactions and search terms go with their rows; deleting the room itself would cascade the same way.
      await sql`DELETE FROM messages WHERE room_id = ${roomId}`
    },

    async changesSince(roomId, since, limit) {
      const rows = await sql<MessageRow[]>`
        SELECT ${columns} FROM messages WHERE room_id = ${roomId} AND rev > ${since} ORDER BY rev LIMIT ${limit}`
      return reacted(sql, rows)
    },
  }
}
