import type cassandra from 'cassandra-driver'
import { termsOf } from '../../lib/words.ts'
import type { Appended, MessageChange, MessageStore, Reaction, StoredMessage } from '../ports.ts'
import { mayHaveReactions, withReactions } from '../reactions.ts'
import { roomClaims, type Entry } from './claims.ts'
import type { CassandraClient } from './connect.ts'
import { BUCKET_POSITIONS, long, MAX_BUCKET, positions, POSITION, roomLog, toMessage, type Positions } from './roomLog.ts'

type Row = cassandra.types.Row
type Create = Extract<Entry, { op: 'create' }>

/** A change as the log carries it and `apply` applies it. */
type Change =
  | { readonly op: 'edit' | 'delete'; readonly body: string; readonly at: Date }
  /** The card as JSON in `body`, or '' to take it off. */
  | { readonly op: 'preview'; readonly body: string; readonly at: Date }
  | { readonly op: 'react'; readonly reaction: Reaction; readonly at: Date }
  | { readonly op: 'unreact'; readonly reaction: Reaction; readonly at: Date }

/**
 * The most text one `appendMessages` step claims at once: its claims go out in batches of at most `maxGroup`,
 * and a logged batch over Cassandra's `batch_size_fail_threshold` (50 KB by default) is refused.
 */
const IMPORT_BATCH_BYTES = 24 * 1024

/** A change that keeps losing to newer ones gives up after this many tries. */
const CHANGE_ATTEMPTS = 5

export interface CassandraMessagesOptions {
  /** Positions per partition; small ones only in tests, to cross bucket edges often. */
  bucketPositions?: number
  /** Most entries one instance claims for a room in one batch. */
  maxGroup?: number
}

/**
 * Messages in Cassandra, as a per-room log of dense positions claimed in
 * commit order (see `claims.ts`): a message's id is its position, and an
 * edit or delete takes a position of its own that becomes the message's
 * `rev`. Readers resume from a position and stop at the first one they
 * cannot see yet, so nothing committed later can fall behind their cursor.
 *
 * A change is claimed first and applied to the message row after, by a
 * conditional update that applies it only to a message that is not deleted
 * and whose rev is older. A writer that dies in between leaves the claimed
 * change for the first reader to apply; a change overtaken by a newer one is
 * claimed again in the present, never written into the past.
 */
export function cassandraMessages(client: CassandraClient, options: CassandraMessagesOptions = {}): MessageStore {
  const at: Positions = positions(options.bucketPositions ?? BUCKET_POSITIONS)
  const log = roomLog(client, at)
  const claims = roomClaims(client, log, at, { maxGroup: options.maxGroup })

  /** The messages with their reactions, read in one query for those that may have any. */
  const reacted = async (roomId: string, messages: StoredMessage[]): Promise<StoredMessage[]> => {
    const ids = messages.filter(mayHaveReactions).map((m) => long(m.id))
    if (ids.length === 0) return messages
    const rows = (await log.run('SELECT message_id, emoji, user_id, login FROM message_reactions WHERE room_id = ? AND message_id IN ?', [long(roomId), ids])).rows
    return withReactions(messages, rows.map((r) => ({
      messageId: String(r.message_id), reaction: { emoji: r.emoji as string, userId: Number(String(r.user_id)), login: r.login as string },
    })))
  }

  const findMessage = async (roomId: string, id: string): Promise<StoredMessage | undefined> => {
    if (!/^\d{1,19}$/.test(id)) return undefined
    const row = await log.row(roomId, BigInt(id))
    return row && row.op === 'create' ? (await reacted(roomId, [toMessage(roomId, row)]))[0] : undefined
  }

  /**
   * Applies the change claimed at `rev` unless the message is deleted, has a newer rev, or already
   * says what the edit says (a retry of it on another instance won); true if applied. A reaction is
   * written first, stamped with its position, and the rev moved after: whoever sees the new rev sees it.
   */
  const apply = async (roomId: string, id: string, rev: bigint, change: Change) => {
    const key = [long(roomId), at.bucketOf(BigInt(id)), long(id)]
    const where = `WHERE room_id = ? AND bucket = ? AND entry = ${POSITION} AND pos = ? AND nonce_key = '' IF deleted_at = null AND rev < ?`
    if (change.op === 'react' || change.op === 'unreact') {
      const { emoji, userId, login } = change.reaction
      const one = [long(roomId), long(id), emoji, long(userId)]
      await (change.op === 'react'
        ? log.run('INSERT INTO message_reactions (room_id, message_id, emoji, user_id, login) VALUES (?, ?, ?, ?, ?) USING TIMESTAMP ?', [...one, login, long(rev)])
        : log.run('DELETE FROM message_reactions USING TIMESTAMP ? WHERE room_id = ? AND message_id = ? AND emoji = ? AND user_id = ?', [long(rev), ...one]))
      return (await client.execute(`UPDATE room_log SET rev = ? ${where}`, [long(rev), ...key, long(rev)], { prepare: true })).wasApplied()
    }
    const result = change.op === 'preview'
      ? await client.execute(`UPDATE room_log SET link_preview = ?, rev = ? ${where}`,
        [change.body === '' ? null : change.body, long(rev), ...key, long(rev)], { prepare: true })
      : change.op === 'edit'
      ? await client.execute(`UPDATE room_log SET body = ?, terms = ?, rev = ?, edited_at = ? ${where} AND body != ?`,
        [change.body, termsOf(change.body), long(rev), change.at, ...key, long(rev), change.body], { prepare: true })
      : await client.execute(`UPDATE room_log SET body = ?, terms = null, rev = ?, deleted_at = ? ${where}`,
        [change.body, long(rev), change.at, ...key, long(rev)], { prepare: true })
    return result.wasApplied()
  }

  /** The change a log row carries, as `apply` takes it. */
  const changeIn = (row: Row): Change => row.op === 'react' || row.op === 'unreact'
    ? { op: row.op, reaction: { emoji: row.body as string, userId: Number(String(row.author_id)), login: row.author_login as string }, at: row.edited_at as Date }
    : { op: row.op as 'edit' | 'delete' | 'preview', body: (row.body as string | null) ?? '', at: (row.edited_at ?? row.deleted_at) as Date }

  /**
   * The message once the change at `pos` (log row `row`) has had its turn: one claimed but not applied
   * yet (its writer is between the two steps, or gone) is applied now, in its place.
   */
  const caughtUp = async (roomId: string, message: StoredMessage | undefined, pos: bigint, row: Row) => {
    if (!message || message.deletedAt || BigInt(message.rev) >= pos) return message
    await apply(roomId, message.id, pos, changeIn(row))
    return (await findMessage(roomId, message.id)) ?? message
  }

  /** Walks the room's positions after `since` in order, handing each row on; stops at the first it cannot see. */
  async function* positionsAfter(roomId: string, since: bigint, pageSize: number) {
    let expected = since + 1n
    for (;;) {
      const bucket = at.bucketOf(expected)
      if (bucket > MAX_BUCKET) return
      const rows = await log.rows(roomId, bucket, { after: expected - 1n }, pageSize)
      for (const row of rows) {
        if (BigInt(String(row.pos)) !== expected) return
        claims.saw(roomId, expected)
        yield row
        expected++
      }
      // A short page ends the log, unless it ended exactly at the bucket's edge.
      if (rows.length < pageSize && expected - 1n !== at.lastOf(bucket)) return
    }
  }

  /** Appends one create: its position, or the stored message when its nonce was used before. */
  const append = async (entry: Create): Promise<Appended> => {
    const m = entry.message
    const { pos, created } = await claims.claim(m.roomId, entry)
    if (created) return { message: { ...m, id: String(pos), rev: String(pos), editedAt: null, deletedAt: null }, created, after: String(pos - 1n) }
    return { message: (await findMessage(m.roomId, String(pos)))!, created }
  }

  return {
    appendMessage: (m) => append({ op: 'create', message: m }),

    async appendMessages(list) {
      // Claimed in the order asked: each claim joins the room's queue at once, and the queue is taken a batch at a
      // time. Sent in parts of at most IMPORT_BATCH_BYTES of text, so no batch passes Cassandra's batch size limit.
      const entries: Create[] = []
      for (const { replyToEarlier, ...message } of list) {
        entries.push({ op: 'create', message, ...(replyToEarlier === undefined ? {} : { answers: entries[replyToEarlier] }) })
      }
      const out: Appended[] = []
      for (let i = 0; i < list.length;) {
        let bytes = 0
        let end = i
        while (end < list.length && (end === i || bytes + list[end]!.body.length < IMPORT_BATCH_BYTES)) bytes += list[end++]!.body.length
        out.push(...await Promise.all(entries.slice(i, end).map(append)))
        i = end
      }
      // A reply to an earlier message of the batch was written naming where that one went.
      return out.map((a, i) => {
        const earlier = list[i]!.replyToEarlier
        return a.created && earlier !== undefined ? { ...a, message: { ...a.message, replyTo: out[earlier]!.message.id } } : a
      })
    },

    findMessage,

    async changeMessage(roomId, id, change: MessageChange) {
      const body = change.kind === 'edit' ? change.body : change.kind === 'preview' && change.preview ? JSON.stringify(change.preview) : ''
      // Nothing (more) to do to a deleted message, or to one that already says what the edit says (a retry of it won).
      const settled = (m: StoredMessage) => m.deletedAt !== null || (change.kind === 'edit' && m.body === body)
      const entry: Change = change.kind === 'react'
        ? { op: change.on ? 'react' : 'unreact', reaction: change.reaction, at: change.at }
        : { op: change.kind, body, at: change.at }
      for (let attempt = 0; attempt < CHANGE_ATTEMPTS; attempt++) {
        const current = await findMessage(roomId, id)
        if (!current || settled(current)) return current
        const { pos } = await claims.claim(roomId, { ...entry, target: BigInt(id) })
        await apply(roomId, id, pos, entry)
        const now = (await findMessage(roomId, id))!
        // Applied here or by a reader, or settled: done. Overtaken by another change: again, in the present.
        if (now.rev === String(pos) || settled(now)) return now
      }
      throw Object.assign(new Error(`message ${id} changes too often to change now`), { code: 'ECONTENDED' })
    },

    async pageBefore(roomId, before, limit) {
      /** The newest `limit` messages at or below `top`, newest first, and the changes met among them. */
      const walk = async (top: bigint) => {
        const out: StoredMessage[] = []
        const changes: { pos: bigint; row: Row }[] = []
        let first = true
        let topEmpty = false
        for (let bucket = top > 0n ? at.bucketOf(top) : -1, upTo = top; bucket >= 0 && out.length < limit; bucket--, upTo = at.lastOf(bucket)) {
          for (;;) {
            const want = limit - out.length
            const rows = await log.rows(roomId, bucket, { upTo }, want)
            if (first) [first, topEmpty] = [false, rows.length === 0]
            if (topEmpty) return { out, changes, topEmpty }
            for (const row of rows) {
              if (row.op === 'create') out.push(toMessage(roomId, row))
              else changes.push({ pos: BigInt(String(row.pos)), row })
            }
            if (rows.length < want || out.length >= limit) break
            upTo = BigInt(String(rows.at(-1)!.pos)) - 1n
          }
        }
        return { out, changes, topEmpty }
      }
      const given = before !== undefined && /^\d{1,19}$/.test(before) ? BigInt(before) - 1n : undefined
      // A cursor past the last bucket there can be is above the head too.
      const asked = given !== undefined && given > 0n && at.bucketOf(given) > MAX_BUCKET ? undefined : given
      let page = await walk(asked ?? await log.head(roomId))
      // Positions are dense: nothing at the cursor's own bucket means it is above the head. Walking down
      // from there would read every empty bucket in between (a crafted `before` cost thousands): start at the head.
      if (asked !== undefined && page.topEmpty && asked > 0n) page = await walk(await log.head(roomId))
      const { out, changes } = page
      // A change claimed among these messages but not applied yet is applied now: this page may set a
      // reader's `since` above it, and it would never come.
      for (const { pos, row } of changes.reverse()) {
        const i = out.findIndex((m) => m.id === String(row.target))
        if (i >= 0) out[i] = (await caughtUp(roomId, out[i], pos, row))!
      }
      return reacted(roomId, out.reverse())
    },

    async pageAfter(roomId, after, limit) {
      const out: StoredMessage[] = []
      for await (const row of positionsAfter(roomId, BigInt(after), limit)) {
        if (row.op === 'create') out.push(toMessage(roomId, row))
        if (out.length >= limit) break
      }
      return reacted(roomId, out)
    },

    async changesSince(roomId, since, limit) {
      const out: StoredMessage[] = []
      for await (const row of positionsAfter(roomId, BigInt(since), limit)) {
        const pos = String(row.pos)
        if (row.op === 'create') {
          // Changed since: its latest state comes with the change, later in this walk.
          if (String(row.rev) === pos) out.push(toMessage(roomId, row))
        } else {
          const message = await caughtUp(roomId, await findMessage(roomId, String(row.target)), BigInt(pos), row)
          if (message?.rev === pos) out.push(message)
        }
        if (out.length >= limit) break
      }
      return out
    },

    async countAfter(roomId, after, { cap, until, reader }) {
      // Positions are dense, but edits and deletes take positions too: count the messages among them.
      const stop = until === undefined ? undefined : BigInt(until)
      let n = 0
      if (cap <= 0 || (stop !== undefined && stop <= BigInt(after))) return 0
      for await (const row of positionsAfter(roomId, BigInt(after), Math.min(Math.max(cap + 1, 32), 500))) {
        if (stop !== undefined && BigInt(String(row.pos)) > stop) break
        if (row.op !== 'create' || row.deleted_at || (reader !== undefined && Number(String(row.author_id)) === reader)) continue
        if (++n >= cap) break
      }
      return n
    },

    heard: (roomId, rev) => claims.saw(roomId, BigInt(rev)),
    denseRevs: true,

    async forgetRoom(roomId) {
      // Every bucket up to the head's, and one past it (opened while this ran). Reactions live in a table of their
      // own, by message: the log's react rows name the messages that ever had one, so only those are deleted.
      const head = await log.head(roomId)
      const last = head === 0n ? 0 : at.bucketOf(head) + 1
      const reacted = new Set<string>()
      for (let bucket = 0; bucket <= last; bucket++) {
        // A bucket holds at most `at.size` positions: one page.
        const rows = await client.execute(`SELECT op, target FROM room_log WHERE room_id = ? AND bucket = ? AND entry = ${POSITION}`, [long(roomId), bucket], { prepare: true, fetchSize: at.size + 1 })
        for (const row of rows.rows) if (row.op === 'react') reacted.add(String(row.target))
      }
      const ids = [...reacted]
      for (let i = 0; i < ids.length; i += 50) {
        await Promise.all(ids.slice(i, i + 50).map((id) => log.run('DELETE FROM message_reactions WHERE room_id = ? AND message_id = ?', [long(roomId), long(id)])))
      }
      for (let bucket = 0; bucket <= last; bucket++) await log.run('DELETE FROM room_log WHERE room_id = ? AND bucket = ?', [long(roomId), bucket])
      await Promise.all([
        log.run('DELETE FROM room_heads WHERE room_id = ?', [long(roomId)]),
        log.run('DELETE FROM room_nonces WHERE room_id = ?', [long(roomId)]),
      ])
    },

    async lastRev(roomId) {
      const head = await log.head(roomId)
      claims.saw(roomId, head)
      return String(head)
    },
  }
}
