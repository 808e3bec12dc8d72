import { termsOf } from '../../lib/words.ts'
import type { NewMessage, Reaction } from '../ports.ts'
import type { CassandraClient } from './connect.ts'
import { long, NONCE, nonceKey, POSITION, type Positions, type RoomLog } from './roomLog.ts'

/** A nonce marker names its message for 30 days; a retry later than that is a new message. */
const NONCE_TTL_S = 30 * 24 * 60 * 60

/** Rooms whose head an instance remembers; a forgotten one is read again on its next send. */
const MAX_HEADS = 10_000

/** Lost races in a row before the waiting entries fail (each loss means another writer made progress). */
const MAX_CONTENDED = 100

class Contended extends Error {
  readonly code = 'ECONTENDED'
  constructor(roomId: string) {
    super(`room ${roomId} is too busy to append to; try again`)
  }
}

export type Entry =
  /** `answers`: the create of an earlier message it replies to, claimed in the same call (its position is not known yet). */
  | { readonly op: 'create'; readonly message: NewMessage; readonly answers?: Entry }
  | { readonly op: 'edit' | 'delete'; readonly target: bigint; readonly body: string; readonly at: Date }
  /** A link's card attached (as JSON in `body`) or taken off (an empty `body`). */
  | { readonly op: 'preview'; readonly target: bigint; readonly body: string; readonly at: Date }
  /** A reaction added or removed: the emoji in `body`, its person in `author_id` and `author_login`. */
  | { readonly op: 'react'; readonly target: bigint; readonly reaction: Reaction; readonly at: Date }
  | { readonly op: 'unreact'; readonly target: bigint; readonly reaction: Reaction; readonly at: Date }

/** The position an entry took, or for a create whose nonce was used before, the position it took then. */
export type Claimed = { readonly pos: bigint; readonly created: boolean }

interface Pending {
  readonly entry: Entry
  resolve(claimed: Claimed): void
  reject(err: unknown): void
}

/**
 * Appends entries to a room's log, each at the next free position, with one
 * conditional batch on the head bucket's partition (applied under Paxos, all
 * or nothing): the static `last_pos` moves from the head this instance knows
 * to the new one, the rows go in, and each create's nonce marker is inserted
 * if it does not exist. So a position is visible only once claimed, it can
 * be claimed only right after the one before it (commit order is position
 * order), a writer that stalled or died mid-claim can only fail later, never
 * land in the past, and a nonce names one message. An instance queues a
 * room's entries and claims all that are waiting in one batch, so its own
 * writers never contend in Paxos; instances contend only with each other,
 * and a loser learns the new head from the failed batch's answer.
 */
export function roomClaims(client: CassandraClient, log: RoomLog, at: Positions, { maxGroup = 32 } = {}) {
  const queues = new Map<string, Pending[]>()
  const heads = new Map<string, bigint>()
  /** Where creates went (new or repeated): a reply claimed after its message, in the same round or a later one, names it. */
  const placed = new WeakMap<Entry, bigint>()

  const statements = (roomId: string, bucket: number, head: bigint, group: readonly Pending[]) => {
    const key = [long(roomId), bucket]
    const next = head + BigInt(group.length)
    const out: { query: string; params: unknown[] }[] = [at.opensBucket(head)
      ? { query: 'UPDATE room_log SET last_pos = ? WHERE room_id = ? AND bucket = ? IF last_pos = null', params: [long(next), ...key] }
      : { query: 'UPDATE room_log SET last_pos = ? WHERE room_id = ? AND bucket = ? IF last_pos = ?', params: [long(next), ...key, long(head)] }]
    group.forEach(({ entry }, i) => {
      const pos = long(head + BigInt(i) + 1n)
      if (entry.op === 'create') {
        const m = entry.message
        // Only the columns a message has: a null would be written as a tombstone.
        const terms = termsOf(m.body)
        const optional: [column: string, value: unknown][] = []
        if (m.authorAvatarUrl) optional.push(['author_avatar', m.authorAvatarUrl])
        if (m.attachments?.length) optional.push(['attachments', JSON.stringify(m.attachments)])
        const answered = entry.answers && group.findIndex((p) => p.entry === entry.answers)
        const replyTo = answered === undefined ? m.replyTo : answered >= 0 ? head + BigInt(answered) + 1n : placed.get(entry.answers!)
        if (replyTo !== undefined) optional.push(['reply_to', long(replyTo)])
        // The words search finds it by (see lib/words.ts); edits rewrite them, deletes clear them.
        if (terms.length) optional.push(['terms', terms])
        out.push({
          query: `INSERT INTO room_log (room_id, bucket, entry, pos, nonce_key, op, target, author_id, author_login, author_name, ${optional.map(([c]) => `${c}, `).join('')}nonce, body, created_at, rev)
            VALUES (?, ?, ${POSITION}, ?, '', 'create', ?, ?, ?, ?, ${optional.map(() => '?, ').join('')}?, ?, ?, ?)`,
          params: [...key, pos, pos, long(m.authorId), m.authorLogin, m.authorName, ...optional.map(([, v]) => v), m.nonce, m.body, m.createdAt, pos],
        }, {
          query: `INSERT INTO room_log (room_id, bucket, entry, pos, nonce_key, target) VALUES (?, ?, ${NONCE}, 0, ?, ?) IF NOT EXISTS USING TTL ${NONCE_TTL_S}`,
          params: [...key, nonceKey(m.authorId, m.nonce), pos],
        })
      } else if (entry.op === 'react' || entry.op === 'unreact') {
        out.push({
          query: `INSERT INTO room_log (room_id, bucket, entry, pos, nonce_key, op, target, body, author_id, author_login, edited_at)
            VALUES (?, ?, ${POSITION}, ?, '', ?, ?, ?, ?, ?, ?)`,
          params: [...key, pos, entry.op, long(entry.target), entry.reaction.emoji, long(entry.reaction.userId), entry.reaction.login, entry.at],
        })
      } else {
        // The change itself, so a reader that finds it unapplied can apply it (see messages.ts).
        out.push({
          query: `INSERT INTO room_log (room_id, bucket, entry, pos, nonce_key, op, target, body, ${entry.op === 'delete' ? 'deleted_at' : 'edited_at'})
            VALUES (?, ?, ${POSITION}, ?, '', ?, ?, ?, ?)`,
          params: [...key, pos, entry.op, long(entry.target), entry.body, entry.at],
        })
      }
    })
    return out
  }

  /** Raises what this instance knows of a room's head (never lowers it); forgets the rooms heard of longest ago. */
  const learn = (roomId: string, pos: bigint) => {
    const known = heads.get(roomId)
    if (known !== undefined && known >= pos) return
    heads.delete(roomId)
    heads.set(roomId, pos)
    if (heads.size > MAX_HEADS) heads.delete(heads.keys().next().value!)
  }

  const keyOf = (p: Pending) => (p.entry.op === 'create' ? nonceKey(p.entry.message.authorId, p.entry.message.nonce) : undefined)

  /** Answers the creates whose nonce already names a position, and takes them off the queue. */
  const settleRepeats = (queue: Pending[], found: Map<string, bigint>) => {
    for (let i = queue.length - 1; i >= 0; i--) {
      const pos = found.get(keyOf(queue[i]!) ?? '')
      if (pos === undefined) continue
      placed.set(queue[i]!.entry, pos)
      queue[i]!.resolve({ pos, created: false })
      queue.splice(i, 1)
    }
  }

  async function claimWaiting(roomId: string, queue: Pending[]): Promise<void> {
    const head = heads.get(roomId) ?? await log.head(roomId)
    const bucket = at.bucketOf(head + 1n)
    // A nonce twice in one batch would pass both its markers' checks: the second waits for the next round.
    const keys = new Set<string>()
    const group = queue.filter((p) => {
      const key = keyOf(p)
      if (key === undefined) return true
      if (keys.has(key)) return false
      keys.add(key)
      return true
    }).slice(0, Math.min(maxGroup, Number(at.lastOf(bucket) - head)))
    // A retry may come after the bucket of an earlier try filled up, however long ago: every try notes its
    // bucket first, so the markers of exactly those earlier buckets are read (in parallel with the note).
    const tries = group.flatMap((p) => keyOf(p) ?? [])
    const [, earlier] = await Promise.all([log.noteTries(roomId, bucket, tries), log.triedBefore(roomId, bucket, tries)])
    if (earlier.size > 0) {
      for (const [old, tried] of earlier) settleRepeats(queue, await log.markers(roomId, old, tried))
      // A try of this group found stored before is answered now and must not go out again: the group is made
      // afresh without it. (Asked of the group itself: sends that joined the queue during the reads above
      // make its length no guide, and a group sent with an answered repeat stored that nonce a second time.)
      if (group.some((p) => !queue.includes(p))) return
    }
    const result = await client.batch(statements(roomId, bucket, head, group), { prepare: true })
    if (result.wasApplied()) {
      for (const p of group) {
        const i = queue.indexOf(p)
        if (i >= 0) queue.splice(i, 1)
      }
      learn(roomId, head + BigInt(group.length))
      group.forEach((p, i) => placed.set(p.entry, head + BigInt(i) + 1n))
      group.forEach((p, i) => p.resolve({ pos: head + BigInt(i) + 1n, created: true }))
      if (at.opensBucket(head) && bucket > 0) await log.hint(roomId, bucket).catch(() => {})
      return
    }
    // Not applied: someone else took the next position (the answer carries the head), or a nonce is taken.
    const found = new Map<string, bigint>()
    let last: bigint | undefined
    for (const row of result.rows) {
      if (row.last_pos !== null && row.last_pos !== undefined) last = BigInt(String(row.last_pos))
      if (row.entry === NONCE && row.nonce_key && row.target !== null) found.set(row.nonce_key, BigInt(String(row.target)))
    }
    settleRepeats(queue, found)
    if (last === undefined) heads.delete(roomId)
    else heads.set(roomId, last)
    throw new Contended(roomId)
  }

  async function drain(roomId: string, queue: Pending[]): Promise<void> {
    let contended = 0
    while (queue.length > 0) {
      try {
        await claimWaiting(roomId, queue)
        contended = 0
      } catch (err) {
        if (err instanceof Contended && ++contended < MAX_CONTENDED) continue
        contended = 0
        // Unknown outcome (a timeout may still apply later, or never): the callers retry with their nonce.
        heads.delete(roomId)
        for (const p of queue.splice(0, Math.min(maxGroup, queue.length))) p.reject(err)
      }
    }
    queues.delete(roomId)
  }

  return {
    /**
     * A read of this instance saw the room's log reach `pos`: the next claim starts from there,
     * not from a head another instance has since moved (which would cost a lost Paxos round).
     */
    saw: (roomId: string, pos: bigint) => learn(roomId, pos),

    /** Appends the entry at the room's next position. */
    claim(roomId: string, entry: Entry): Promise<Claimed> {
      return new Promise((resolve, reject) => {
        let queue = queues.get(roomId)
        const start = !queue
        if (!queue) queues.set(roomId, (queue = []))
        queue.push({ entry, resolve, reject })
        if (start) void drain(roomId, queue)
      })
    },
  }
}

export type RoomClaims = ReturnType<typeof roomClaims>
