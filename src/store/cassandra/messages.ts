import cassandra from 'cassandra-driver'
import { KeyedSequencer } from '../../chat/sequencer.ts'
import type { MessageChange, MessageStore, NewMessage, StoredMessage } from '../ports.ts'
import { bucketOf } from './buckets.ts'
import type { CassandraClient } from './connect.ts'

const { types } = cassandra
type Row = cassandra.types.Row

const COLUMNS = 'room_id, id, author_id, author_login, author_name, nonce, body, created_at, rev, edited_at, deleted_at'
const LOCK_TTL_S = 10
/** Renewed well before it could expire under a writer that is still working. */
const LEASE_RENEW_MS = 4_000
/** How long an idle instance keeps a room's lease before letting others have it. */
const LEASE_IDLE_MS = 250
const LOCK_WAIT_MS = 15_000

const long = (value: string | number | bigint) => types.Long.fromString(String(value))
const str = (value: unknown) => (value === null || value === undefined ? undefined : String(value))

const toMessage = (r: Row): StoredMessage => ({
  id: String(r.id), roomId: String(r.room_id), authorId: Number(String(r.author_id)), authorLogin: r.author_login,
  authorName: r.author_name, nonce: r.nonce, body: r.body ?? '', createdAt: r.created_at, rev: String(r.rev),
  editedAt: r.edited_at ?? null, deletedAt: r.deleted_at ?? null,
})

/**
 * Messages in Cassandra. A room's writes take a short lease (a lightweight
 * transaction with a TTL), so its ids and revs are handed out and stored in
 * commit order across instances, as the port promises, and a send's nonce is
 * claimed under it. Every message write is stamped with its rev (`USING
 * TIMESTAMP`), so last-write-wins follows the room's order, never the
 * writers' clocks, and no edit can outlive a delete.
 */
export function cassandraMessages(client: CassandraClient, { owner = crypto.randomUUID() } = {}): MessageStore {
  const run = (query: string, params: unknown[], idempotent = true) => client.execute(query, params, { prepare: true, isIdempotent: idempotent })
  // Writers of one instance queue here first: contending for the lease in Paxos would cost far more.
  // While this instance has writes queued for a room it keeps the lease, renewing it as it ages;
  // it lets go when its queue for the room is empty.
  const local = new KeyedSequencer()
  const leases = new Map<string, { since: number; waiting: number; release?: ReturnType<typeof setTimeout> }>()

  async function withRoomLock<T>(roomId: string, work: () => Promise<T>): Promise<T> {
    const lease = leases.get(roomId) ?? { since: 0, waiting: 0 }
    leases.set(roomId, lease)
    clearTimeout(lease.release)
    lease.waiting++
    try {
      return await local.run(roomId, async () => {
        if (Date.now() - lease.since > LEASE_RENEW_MS) {
          await takeLease(roomId, lease.since > 0)
          lease.since = Date.now()
        }
        return work()
      })
    } finally {
      // Kept a moment after the last write, so a steady writer does not pay for the lease each time.
      if (--lease.waiting === 0) {
        lease.release = setTimeout(() => {
          if (lease.waiting > 0 || leases.get(roomId) !== lease) return
          leases.delete(roomId)
          if (lease.since > 0) void run('DELETE FROM room_locks WHERE room_id = ? IF owner = ?', [long(roomId), owner], false).catch(() => {})
        }, LEASE_IDLE_MS)
        lease.release.unref?.()
      }
    }
  }

  async function takeLease(roomId: string, renewing: boolean): Promise<void> {
    const started = Date.now()
    for (let attempt = 0; ; attempt++) {
      const taken = await (renewing
        ? run(`UPDATE room_locks USING TTL ${LOCK_TTL_S} SET owner = ? WHERE room_id = ? IF owner = ?`, [owner, long(roomId), owner], false)
        : run(`INSERT INTO room_locks (room_id, owner) VALUES (?, ?) IF NOT EXISTS USING TTL ${LOCK_TTL_S}`, [long(roomId), owner], false)
      ).then((r) => r.wasApplied(), () => false)
      if (taken) return
      renewing = false
      if (Date.now() - started > LOCK_WAIT_MS) throw Object.assign(new Error(`room ${roomId} is busy`), { code: 'ETIMEDOUT' })
      await new Promise((r) => setTimeout(r, Math.min(2 + attempt * 3, 50) * (0.5 + Math.random())))
    }
  }

  const roomState = async (roomId: string) => {
    const row = (await run('SELECT first_bucket, last_id FROM room_state WHERE room_id = ?', [long(roomId)])).first()
    return { firstBucket: row?.first_bucket as number | null | undefined ?? undefined, lastId: str(row?.last_id) ?? '0' }
  }

  /** The room's next id, above both the offer and the last one; recorded with the first bucket. Call under the lock. */
  const nextRoomId = async (roomId: string, offered: string) => {
    const state = await roomState(roomId)
    const id = BigInt(offered) > BigInt(state.lastId) ? offered : String(BigInt(state.lastId) + 1n)
    const first = state.firstBucket ?? bucketOf(id)
    // Stamped with the id like every ordered write: writers' clocks never decide which last_id wins.
    await run('UPDATE room_state USING TIMESTAMP ? SET last_id = ?, first_bucket = ? WHERE room_id = ?', [long(id), long(id), first, long(roomId)])
    return id
  }

  const findMessage = async (roomId: string, id: string) => {
    const row = (await run(`SELECT ${COLUMNS} FROM messages WHERE room_id = ? AND bucket = ? AND id = ?`,
      [long(roomId), bucketOf(id), long(id)])).first()
    return row ? toMessage(row) : undefined
  }

  /** The changes row is the commit point: readers replay from it, so it is written last. */
  const recordCreation = (roomId: string, id: string) =>
    run('INSERT INTO changes (room_id, bucket, rev, id) VALUES (?, ?, ?, ?)', [long(roomId), bucketOf(id), long(id), long(id)])
  const creationRecorded = async (roomId: string, id: string) =>
    (await run('SELECT rev FROM changes WHERE room_id = ? AND bucket = ? AND rev = ?', [long(roomId), bucketOf(id), long(id)])).rowLength > 0

  const writeMessage = async (m: NewMessage) => {
    await run(`INSERT INTO messages (room_id, bucket, id, author_id, author_login, author_name, nonce, body, created_at, rev)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) USING TIMESTAMP ?`,
      [long(m.roomId), bucketOf(m.id), long(m.id), long(m.authorId), m.authorLogin, m.authorName, m.nonce, m.body, m.createdAt, long(m.id), long(m.id)])
    // Last: once this row exists, readers replay the message.
    await recordCreation(m.roomId, m.id)
  }

  /** Buckets from `from` to `to` inclusive, in the order given. */
  const buckets = (from: number, to: number) => {
    const out: number[] = []
    for (let b = from; from <= to ? b <= to : b >= to; b += from <= to ? 1 : -1) out.push(b)
    return out
  }

  return {
    async appendMessage(m) {
      return withRoomLock(m.roomId, async () => {
        const claim = (await run('SELECT room_id, id FROM nonces WHERE author_id = ? AND nonce = ?', [long(m.authorId), m.nonce])).first()
        if (claim) {
          // Sent before: answer that message, finishing its write if an earlier attempt stopped half way.
          const roomId = String(claim.room_id)
          const id = String(claim.id)
          const existing = await findMessage(roomId, id)
          if (existing) {
            if (existing.rev !== existing.id || (await creationRecorded(roomId, id))) return { message: existing, created: false }
            // The earlier attempt stored the message but not its commit point: finish it, and let readers know.
            await recordCreation(roomId, id)
            return { message: existing, created: true }
          }
          if (roomId === m.roomId) {
            await writeMessage({ ...m, id })
            return { message: (await findMessage(roomId, id))!, created: true }
          }
        }
        // Under the room's lease no other writer can claim this nonce for this room, so a plain write does.
        const id = await nextRoomId(m.roomId, m.id)
        await run('INSERT INTO nonces (author_id, nonce, room_id, id) VALUES (?, ?, ?, ?)', [long(m.authorId), m.nonce, long(m.roomId), long(id)])
        await writeMessage({ ...m, id })
        return { message: { ...m, id, rev: id, editedAt: null, deletedAt: null }, created: true }
      })
    },

    findMessage,

    async changeMessage(roomId, id, change: MessageChange) {
      return withRoomLock(roomId, async () => {
        const current = await findMessage(roomId, id)
        if (!current || current.deletedAt) return current
        const rev = await nextRoomId(roomId, change.rev)
        const key = [long(roomId), bucketOf(id), long(id)]
        if (change.kind === 'edit') {
          await run('UPDATE messages USING TIMESTAMP ? SET body = ?, rev = ?, edited_at = ? WHERE room_id = ? AND bucket = ? AND id = ?',
            [long(rev), change.body, long(rev), change.at, ...key])
        } else {
          await run('UPDATE messages USING TIMESTAMP ? SET body = ?, rev = ?, deleted_at = ? WHERE room_id = ? AND bucket = ? AND id = ?',
            [long(rev), '', long(rev), change.at, ...key])
        }
        await run('INSERT INTO changes (room_id, bucket, rev, id) VALUES (?, ?, ?, ?)', [long(roomId), bucketOf(rev), long(rev), long(id)])
        return findMessage(roomId, id)
      })
    },

    async pageBefore(roomId, before, limit) {
      const { firstBucket, lastId } = await roomState(roomId)
      if (firstBucket === undefined) return []
      const top = before === undefined ? bucketOf(lastId) : bucketOf(before)
      const out: StoredMessage[] = []
      for (const bucket of buckets(top, firstBucket)) {
        const rows = before === undefined
          ? await run(`SELECT ${COLUMNS} FROM messages WHERE room_id = ? AND bucket = ? LIMIT ?`, [long(roomId), bucket, limit - out.length])
          : await run(`SELECT ${COLUMNS} FROM messages WHERE room_id = ? AND bucket = ? AND id < ? LIMIT ?`, [long(roomId), bucket, long(before), limit - out.length])
        out.push(...rows.rows.map(toMessage))
        if (out.length >= limit) break
      }
      return out.reverse()
    },

    async pageAfter(roomId, after, limit) {
      const { firstBucket, lastId } = await roomState(roomId)
      if (firstBucket === undefined) return []
      const out: StoredMessage[] = []
      for (const bucket of buckets(Math.max(bucketOf(after), firstBucket), bucketOf(lastId))) {
        const rows = await run(`SELECT ${COLUMNS} FROM messages WHERE room_id = ? AND bucket = ? AND id > ? ORDER BY id ASC LIMIT ?`,
          [long(roomId), bucket, long(after), limit - out.length])
        out.push(...rows.rows.map(toMessage))
        if (out.length >= limit) break
      }
      return out
    },

    async changesSince(roomId, since, limit) {
      const { firstBucket, lastId } = await roomState(roomId)
      if (firstBucket === undefined || BigInt(lastId) <= BigInt(since)) return []
      const out: StoredMessage[] = []
      for (const bucket of buckets(Math.max(bucketOf(since), firstBucket), bucketOf(lastId))) {
        let cursor = since
        for (;;) {
          const page = (await run('SELECT rev, id FROM changes WHERE room_id = ? AND bucket = ? AND rev > ? LIMIT ?',
            [long(roomId), bucket, long(cursor), limit])).rows
          for (const change of page) {
            const message = await findMessage(roomId, String(change.id))
            // A later change of the same message comes later in this walk: only its latest state is returned, once.
            if (message && message.rev === String(change.rev)) out.push(message)
            if (out.length >= limit) return out
          }
          if (page.length < limit) break
          cursor = String(page.at(-1)!.rev)
        }
      }
      return out
    },

    async lastRev(roomId) {
      return (await roomState(roomId)).lastId
    },
  }
}
