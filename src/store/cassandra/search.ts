import type cassandra from 'cassandra-driver'
import { MAX_WORD_CHARS, wordsAt } from '../../lib/words.ts'
import { matchesExactly, snippetOf } from '../../lib/snippets.ts'
import type { MessageSearch, SearchCursor, SearchHit, SearchRequest, StoredMessage } from '../ports.ts'
import type { CassandraClient } from './connect.ts'
import { BUCKET_POSITIONS, COLUMNS, long, positions, POSITION, roomLog, toMessage } from './roomLog.ts'

type Row = cassandra.types.Row

export interface CassandraSearchOptions {
  /** Must be the message store's. */
  bucketPositions?: number
  /**
   * Positions the first query of a room covers (32); each next one covers
   * four times more, sixteen after an empty one, up to a bucket. A common
   * word is answered by a few rows of one small window, a rare one by a few
   * widening queries.
   */
  window?: number
  /** Rooms searched at once. */
  concurrency?: number
  /**
   * The most one search may read: `rows` returned by the node (500) and `reads`
   * (queries: 64, plus 4 per room searched, so a reader of many rooms still gets a
   * few windows of each). Past either, the search stops with what it found and says
   * so, whatever the rooms' sizes: `ipsum -lorem` in a room where every `ipsum`
   * also holds `lorem` would otherwise read the whole room.
   */
  budget?: { rows?: number; reads?: number; readsPerRoom?: number }
}

/** The most rows one read may return; a window is narrowed to what the room's density says fits. */
const READ_ROWS = 128
/** Matches at least one position in this many: the words are common here, and windows are sliced rather than indexed. */
const DENSE = 16

/** Newest first by (createdAt, roomId, id), the order every store answers in. */
export const newestFirst = (a: SearchCursor, b: SearchCursor) =>
  b.createdAt.getTime() - a.createdAt.getTime() || cmp(BigInt(b.roomId), BigInt(a.roomId)) || cmp(BigInt(b.id), BigInt(a.id))
const cmp = (a: bigint, b: bigint) => (a > b ? 1 : a < b ? -1 : 0)

/**
 * Search on Cassandra 5.0's Storage-Attached Index over `room_log.terms`
 * (the words of a message's current body, written with it; see claims.ts).
 * 5.0's SAI has no analyzers (`index_analyzer` and `:` came after 5.0), so
 * the words are cut in code (`lib/words.ts`) and matched with `CONTAINS`.
 * Nor can it match the start of a set's values: a prefix word (`kube` for
 * `kubernetes`) is never asked of the index but checked in code against each
 * row's terms, and a query of a prefix alone is answered by slices only.
 *
 * Every query names its partition (room, bucket) and a window of positions,
 * newest window first, so a search reads only the rooms asked for; rooms are
 * walked in rounds and drop out once they cannot add to the page. Only
 * message rows carry terms (edit and delete rows never do), and a delete
 * clears them, so neither is ever found. Within a room, positions are taken
 * to follow time (the order messages were committed in).
 */
export function cassandraSearch(client: CassandraClient, options: CassandraSearchOptions = {}): MessageSearch {
  const at = positions(options.bucketPositions ?? BUCKET_POSITIONS)
  const log = roomLog(client, at)
  const firstWindow = BigInt(options.window ?? 32)
  const concurrency = options.concurrency ?? 16
  const bucketSize = BigInt(at.size)
  const rowBudget = options.budget?.rows ?? 500
  const readBudget = (rooms: number) => (options.budget?.reads ?? 64) + (options.budget?.readsPerRoom ?? 4) * rooms

  // A window read by position alone, where matches are dense (or not yet known): a slice of the partition costs
  // the node far less than the index does for a common word, whose postings it would walk for every window.
  const slice = `SELECT ${COLUMNS}, terms FROM room_log WHERE room_id = ? AND bucket = ? AND entry = ${POSITION} AND pos > ? AND pos <= ?`
  const query = (words: number) =>
    `SELECT ${COLUMNS}, terms FROM room_log WHERE room_id = ? AND bucket = ? AND entry = ${POSITION} AND pos > ? AND pos <= ?` +
    ' AND terms CONTAINS ?'.repeat(words) + ` LIMIT ${READ_ROWS + 1}`

  /**
   * The heads of many rooms in a few reads: their `room_heads` hints in one, the
   * static `last_pos` of each hinted bucket in one per bucket number; a room whose
   * hinted bucket is full (the hint lags) walks forward as `roomLog.head` does.
   */
  async function headsOf(roomIds: readonly string[]): Promise<Map<string, bigint>> {
    const hints = new Map<string, number>()
    for (const row of (await log.run('SELECT room_id, bucket FROM room_heads WHERE room_id IN ?', [roomIds.map(long)])).rows) {
      hints.set(String(row.room_id), row.bucket as number)
    }
    const byBucket = new Map<number, string[]>()
    for (const id of roomIds) byBucket.set(hints.get(id) ?? 0, [...(byBucket.get(hints.get(id) ?? 0) ?? []), id])
    const heads = new Map<string, bigint>()
    await Promise.all([...byBucket].map(async ([bucket, ids]) => {
      const rows = (await log.run('SELECT room_id, last_pos FROM room_log WHERE room_id IN ? AND bucket = ? PER PARTITION LIMIT 1', [ids.map(long), bucket])).rows
      const last = new Map(rows.map((r) => [String(r.room_id), r.last_pos === null || r.last_pos === undefined ? undefined : BigInt(String(r.last_pos))]))
      await Promise.all(ids.map(async (id) => {
        const pos = last.get(id)
        if (pos === undefined) heads.set(id, bucket === 0 ? 0n : at.lastOf(bucket - 1))
        else if (pos < at.lastOf(bucket)) heads.set(id, pos)
        else heads.set(id, await log.head(id))
      }))
    }))
    return heads
  }

  interface Walk { roomId: string; top: bigint; window: bigint; found: StoredMessage[]; done: boolean; matches: number; positions: bigint }
  /** What one search has read so far, against its budget. */
  interface Spent { rows: number; reads: number; readBudget: number }
  const exhausted = (spent: Spent) => spent.rows >= rowBudget || spent.reads >= spent.readBudget

  /** Reads the room's next window down, newest first; widens the next one, more when this one held nothing. */
  async function step(walk: Walk, { terms, authorId, before, limit }: SearchRequest, statement: string, spent: Spent) {
    if (exhausted(spent)) return
    const bucket = at.bucketOf(walk.top)
    const floor = at.lastOf(bucket) - bucketSize
    // One match in DENSE positions or more (or nothing read yet, or no whole word to ask for): the window is sliced.
    const indexed = terms.words.filter((w) => w !== terms.prefix)
    const dense = indexed.length === 0 || walk.positions === 0n || BigInt(walk.matches * DENSE) >= walk.positions
    const window = dense && walk.window > BigInt(READ_ROWS) ? BigInt(READ_ROWS) : walk.window
    const low = walk.top - window > floor ? walk.top - window : floor
    spent.reads++
    const read: Row[] = dense
      ? (await log.run(slice, [long(walk.roomId), bucket, long(low), long(walk.top)])).rows
      : (await log.run(statement, [long(walk.roomId), bucket, long(low), long(walk.top), ...indexed])).rows
    spent.rows += read.length
    if (read.length > READ_ROWS) {
      // Denser than the window was sized for: the rows are the window's oldest, not a newest-first run. Read it
      // again as a slice (a window of READ_ROWS positions cannot hold more rows than that).
      walk.matches += read.length
      walk.positions += walk.top - low
      walk.window = BigInt(READ_ROWS)
      return
    }
    // Only message rows carry words (edit and delete rows never do): in a slice, the ones holding every word match.
    const { prefix } = terms
    const holds = (row: Row) => indexed.every((w) => (row.terms as string[] | null)?.includes(w)) &&
      (prefix === undefined || ((row.terms as string[] | null) ?? []).some((t) => t.startsWith(prefix)))
    const rows = dense || prefix !== undefined ? read.filter(holds) : read
    walk.matches += rows.length
    walk.positions += walk.top - low
    // The words matched; phrases and exclusions are checked here. An excluded word is ruled out by the row's own
    // words, without cutting its body again (the costly part when every match holds it); phrases, and excluded
    // words too long to be indexed, need the body.
    const exact = terms.phrases.length > 0 || terms.excluded.some((x) => x.length > MAX_WORD_CHARS)
    // A slice and SAI both answer in clustering order (oldest first; SAI cannot sort): the window is read whole, then reversed.
    for (const row of rows.reverse()) {
      if (row.op !== 'create' || row.deleted_at || (authorId !== undefined && Number(String(row.author_id)) !== authorId)) continue
      const message = toMessage(walk.roomId, row)
      if (before && newestFirst(before, message) >= 0) continue
      if (terms.excluded.some((x) => (row.terms as string[] | null)?.includes(x))) continue
      if (exact && !matchesExactly(wordsAt(message.body), terms.phrases, terms.excluded)) continue
      walk.found.push(message)
      if (walk.found.length >= limit) break
    }
    const grow = rows.length === 0 ? 16n : 4n
    walk.window = walk.window * grow > bucketSize ? bucketSize : walk.window * grow
    // As many positions as, at the density seen so far, hold about READ_ROWS matches.
    const fits = walk.matches === 0 ? bucketSize : BigInt(Math.max(1, Math.floor(READ_ROWS * Number(walk.positions) / walk.matches)))
    if (walk.window > fits) walk.window = fits
    walk.top = low
    walk.done = walk.top <= 0n || walk.found.length >= limit
  }

  return {
    async searchMessages(request) {
      const rooms = [...new Set(request.roomIds)].filter((id) => /^\d{1,19}$/.test(id))
      if (rooms.length === 0) return { hits: [], stopped: false }
      const { before, limit } = request
      const spent: Spent = { rows: 0, reads: 0, readBudget: readBudget(rooms.length) }
      const heads = await headsOf(rooms)
      const walks: Walk[] = rooms.map((roomId) => {
        let top = heads.get(roomId) ?? 0n
        if (before && before.roomId === roomId && BigInt(before.id) - 1n < top) top = BigInt(before.id) - 1n
        return { roomId, top, window: firstWindow, found: [], done: top <= 0n, matches: 0, positions: 0n }
      })
      const statement = query(request.terms.words.filter((w) => w !== request.terms.prefix).length)
      // Rounds of one window per room still in the running, `concurrency` rooms at a time. Once a page's worth
      // is found, a room whose oldest match is past the page's last is done: its older windows hold older ones.
      for (;;) {
        const active = walks.filter((w) => !w.done)
        if (active.length === 0 || exhausted(spent)) break
        let next = 0
        await Promise.all(Array.from({ length: Math.min(concurrency, active.length) }, async () => {
          while (next < active.length) await step(active[next++]!, request, statement, spent)
        }))
        const all = walks.flatMap((w) => w.found).sort(newestFirst)
        if (all.length < limit) continue
        const edge = all[limit - 1]!
        for (const w of walks) if (w.found.length > 0 && newestFirst(edge, w.found.at(-1)!) <= 0) w.done = true
      }
      const { words, prefix } = request.terms
      const hits = walks.flatMap((w) => w.found).sort(newestFirst).slice(0, limit).map((message): SearchHit => {
        const said = wordsAt(message.body)
        const wanted = new Set([...words, ...said.map((w) => w.word).filter((w) => prefix !== undefined && w.startsWith(prefix))])
        return { message, snippet: snippetOf(message.body, said, wanted) }
      })
      return { hits, stopped: walks.some((w) => !w.done) }
    },
  }
}
