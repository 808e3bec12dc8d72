import type cassandra from 'cassandra-driver'
import { wordsAt } from '../../lib/words.ts'
import { matchesExactly, snippetOf } from '../../lib/snippets.ts'
import type { MessageSearch, SearchCursor, SearchHit, SearchRequest, StoredMessage } from '../ports.ts'
import type { CassandraClient } from './connect.ts'
import { BUCKET_POSITIONS, COLUMNS, long, positions, POSITION, roomLog, toMessage } from './roomLog.ts'

type Row = cassandra.types.Row

export interface CassandraSearchOptions {
  /** Must be the message store's. */
  bucketPositions?: number
  /**
   * Positions the first query of a room covers; each next one covers four
   * times more (up to a bucket). A common word is then answered by a few
   * rows of one small window, a rare one by a few widening queries.
   */
  window?: number
  /** Rooms searched at once. */
  concurrency?: number
}

/** Newest first by (createdAt, roomId, id), the order every store answers in. */
export const newestFirst = (a: SearchCursor, b: SearchCursor) =>
  b.createdAt.getTime() - a.createdAt.getTime() || cmp(BigInt(b.roomId), BigInt(a.roomId)) || cmp(BigInt(b.id), BigInt(a.id))
const cmp = (a: bigint, b: bigint) => (a > b ? 1 : a < b ? -1 : 0)

/**
 * Search on Cassandra 5.0's Storage-Attached Index over `room_log.terms`
 * (the words of a message's current body, written with it; see claims.ts).
 * 5.0's SAI has no analyzers (`index_analyzer` and `:` came after 5.0), so
 * the words are cut in code (`lib/words.ts`) and matched with `CONTAINS`.
 *
 * Every query names its partition (room, bucket) and a window of positions,
 * newest window first, so a search reads only the rooms asked for and stops
 * in each once it has a page. Only message rows carry terms (edit and delete
 * rows never do), and a delete clears them, so neither is ever found.
 */
export function cassandraSearch(client: CassandraClient, options: CassandraSearchOptions = {}): MessageSearch {
  const at = positions(options.bucketPositions ?? BUCKET_POSITIONS)
  const log = roomLog(client, at)
  const firstWindow = BigInt(options.window ?? 64)
  const concurrency = options.concurrency ?? 16

  const query = (words: number) =>
    `SELECT ${COLUMNS} FROM room_log WHERE room_id = ? AND bucket = ? AND entry = ${POSITION} AND pos > ? AND pos <= ?` +
    ' AND terms CONTAINS ?'.repeat(words)

  async function searchRoom(roomId: string, { terms, authorId, before, limit }: SearchRequest): Promise<StoredMessage[]> {
    let top = await log.head(roomId)
    if (before && before.roomId === roomId) top = top < BigInt(before.id) - 1n ? top : BigInt(before.id) - 1n
    const statement = query(terms.words.length)
    // The index matched the words; phrases and exclusions are checked on the body.
    const exact = terms.phrases.length > 0 || terms.excluded.length > 0
    const out: StoredMessage[] = []
    for (let window = firstWindow; top > 0n && out.length < limit; window = window * 4n > BigInt(at.size) ? BigInt(at.size) : window * 4n) {
      const bucket = at.bucketOf(top)
      const floor = at.lastOf(bucket) - BigInt(at.size)
      const low = top - window > floor ? top - window : floor
      const rows: Row[] = (await log.run(statement, [long(roomId), bucket, long(low), long(top), ...terms.words])).rows
      // SAI answers in clustering order (oldest first) and cannot sort: the window is read whole, then reversed.
      for (const row of rows.reverse()) {
        if (row.op !== 'create' || row.deleted_at || (authorId !== undefined && Number(String(row.author_id)) !== authorId)) continue
        const message = toMessage(roomId, row)
        if (before && newestFirst(before, message) >= 0) continue
        if (exact && !matchesExactly(wordsAt(message.body), terms.phrases, terms.excluded)) continue
        out.push(message)
        if (out.length >= limit) break
      }
      top = low
    }
    return out
  }

  return {
    async searchMessages(request) {
      const rooms = [...new Set(request.roomIds)]
      const found: StoredMessage[] = []
      let next = 0
      const worker = async () => {
        while (next < rooms.length) found.push(...await searchRoom(rooms[next++]!, request))
      }
      await Promise.all(Array.from({ length: Math.min(concurrency, rooms.length) }, worker))
      const wanted = new Set(request.terms.words)
      return found.sort(newestFirst).slice(0, request.limit)
        .map((message): SearchHit => ({ message, snippet: snippetOf(message.body, wordsAt(message.body), wanted) }))
    },
  }
}
