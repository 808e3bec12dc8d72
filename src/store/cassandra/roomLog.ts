import cassandra from 'cassandra-driver'
import type { Attachment, LinkPreview, StoredMessage } from '../ports.ts'
import { serialOf, type CassandraClient } from './connect.ts'

const { types } = cassandra
type Row = cassandra.types.Row

/**
 * A room's log is a dense sequence of positions 1, 2, 3… in commit order:
 * every message, edit and delete takes the next one. Positions are grouped in
 * buckets of `size` (bucket 0 holds 1…size), one partition each, so a
 * partition stays small however old the room is and history walks buckets
 * that are never empty. A message's id is the position that created it; an
 * edit or delete moves the message's `rev` to its own position.
 */
export const BUCKET_POSITIONS = 4096

/** Buckets are CQL ints: a position beyond the last one cannot exist. */
export const MAX_BUCKET = 2 ** 31 - 1

export const POSITION = 0
export const NONCE = 1
export const COLUMNS = 'pos, op, target, author_id, author_login, author_name, author_avatar, nonce, body, created_at, rev, edited_at, deleted_at, attachments, reply_to, link_preview'

export const long = (value: string | number | bigint) => types.Long.fromString(String(value))
export const big = (value: unknown) => (value === null || value === undefined ? undefined : BigInt(String(value)))
/** The marker's key: one per (author, nonce) in a room. */
export const nonceKey = (authorId: number, nonce: string) => `${authorId}:${nonce}`

export function positions(size: number) {
  const n = BigInt(size)
  return {
    size,
    bucketOf: (pos: bigint) => Number((pos - 1n) / n),
    lastOf: (bucket: number) => (BigInt(bucket) + 1n) * n,
    /** True when the next position after `head` opens a new bucket (its partition is still empty). */
    opensBucket: (head: bigint) => head % n === 0n,
  }
}
export type Positions = ReturnType<typeof positions>

export const toMessage = (roomId: string, r: Row): StoredMessage => ({
  id: String(r.pos), roomId, authorId: Number(String(r.author_id)), authorLogin: r.author_login, authorName: r.author_name,
  ...(r.author_avatar ? { authorAvatarUrl: r.author_avatar as string } : {}),
  nonce: r.nonce, body: r.body ?? '', createdAt: r.created_at, rev: String(r.rev), editedAt: r.edited_at ?? null, deletedAt: r.deleted_at ?? null,
  // A deleted message's files are gone with it (and stop being served).
  ...(r.attachments && !r.deleted_at ? { attachments: JSON.parse(r.attachments as string) as Attachment[] } : {}),
  ...(r.reply_to !== null && r.reply_to !== undefined ? { replyTo: String(r.reply_to) } : {}),
  ...(r.link_preview && !r.deleted_at ? { preview: JSON.parse(r.link_preview as string) as LinkPreview } : {}),
})

/** Reads of the log tables; every write that orders anything is in `claims.ts`. */
export function roomLog(client: CassandraClient, at: Positions) {
  const run = (query: string, params: unknown[]) => client.execute(query, params, { prepare: true, isIdempotent: true })

  const lastPosIn = async (roomId: string, bucket: number) =>
    big((await run('SELECT last_pos FROM room_log WHERE room_id = ? AND bucket = ? LIMIT 1', [long(roomId), bucket])).first()?.last_pos)

  return {
    run,

    /**
     * The room's newest position (0 when empty). Starts at the bucket the
     * hint names (written after a bucket is opened, so never ahead of the
     * truth) and walks forward over full buckets.
     */
    async head(roomId: string): Promise<bigint> {
      let bucket = ((await run('SELECT bucket FROM room_heads WHERE room_id = ?', [long(roomId)])).first()?.bucket as number | undefined) ?? 0
      for (;;) {
        const last = await lastPosIn(roomId, bucket)
        if (last === undefined) return bucket === 0 ? 0n : at.lastOf(bucket - 1)
        if (last < at.lastOf(bucket)) return last
        bucket++
      }
    },

    /** Records that `bucket` is open; stamped with the bucket, so a lower one can never win. */
    async hint(roomId: string, bucket: number) {
      await run('INSERT INTO room_heads (room_id, bucket) VALUES (?, ?) USING TIMESTAMP ?', [long(roomId), bucket, long(bucket)])
    },

    /** Position rows of one bucket after `after` (ascending) or up to `upTo` (descending). */
    async rows(roomId: string, bucket: number, range: { after: bigint } | { upTo: bigint }, limit: number): Promise<Row[]> {
      const result = 'after' in range
        ? await run(`SELECT ${COLUMNS} FROM room_log WHERE room_id = ? AND bucket = ? AND entry = ${POSITION} AND pos > ? LIMIT ?`,
          [long(roomId), bucket, long(range.after), limit])
        : await run(`SELECT ${COLUMNS} FROM room_log WHERE room_id = ? AND bucket = ? AND entry = ${POSITION} AND pos <= ? ORDER BY entry DESC, pos DESC LIMIT ?`,
          [long(roomId), bucket, long(range.upTo), limit])
      return result.rows
    },

    async row(roomId: string, pos: bigint): Promise<Row | undefined> {
      if (pos < 1n || at.bucketOf(pos) > MAX_BUCKET) return undefined
      return (await run(`SELECT ${COLUMNS} FROM room_log WHERE room_id = ? AND bucket = ? AND entry = ${POSITION} AND pos = ? AND nonce_key = ''`,
        [long(roomId), at.bucketOf(pos), long(pos)])).first() ?? undefined
    },

    /** Records that these nonces are being tried in `bucket`, before the try. */
    async noteTries(roomId: string, bucket: number, keys: readonly string[]) {
      if (keys.length === 0) return
      await client.batch(keys.map((key) => ({
        query: 'INSERT INTO room_nonces (room_id, nonce_key, bucket) VALUES (?, ?, ?)', params: [long(roomId), key, bucket],
      })), { prepare: true, logged: false, isIdempotent: true })
    },

    /** The buckets below `below` these nonces were tried in before. */
    async triedBefore(roomId: string, below: number, keys: readonly string[]): Promise<Map<number, string[]>> {
      const out = new Map<number, string[]>()
      if (keys.length === 0 || below <= 0) return out
      const rows = (await run('SELECT nonce_key, bucket FROM room_nonces WHERE room_id = ? AND nonce_key IN ?', [long(roomId), [...keys]])).rows
      for (const row of rows) {
        const bucket = row.bucket as number
        if (bucket < below) out.set(bucket, [...(out.get(bucket) ?? []), row.nonce_key as string])
      }
      return out
    },

    /**
     * Which of these nonce keys already name a position in this bucket. A serial read: an earlier try's
     * claim that a quorum accepted but that was never (or only partly) committed, its coordinator killed
     * or cut off, is finished by this read's Paxos round and seen, instead of landing after a retry was
     * stored in a later bucket (a read at a plain quorum may ask the replicas the commit missed).
     */
    async markers(roomId: string, bucket: number, keys: readonly string[]): Promise<Map<string, bigint>> {
      if (keys.length === 0 || bucket < 0) return new Map()
      const rows = (await client.execute(`SELECT nonce_key, target FROM room_log WHERE room_id = ? AND bucket = ? AND entry = ${NONCE} AND pos = 0 AND nonce_key IN ?`,
        [long(roomId), bucket, [...keys]], { prepare: true, isIdempotent: true, consistency: serialOf(client) })).rows
      return new Map(rows.map((r) => [r.nonce_key as string, BigInt(String(r.target))]))
    },
  }
}

export type RoomLog = ReturnType<typeof roomLog>
