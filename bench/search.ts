/**
 * `npm run bench:search`: search latency over a big message store, on
 * PostgreSQL (tsvector + GIN) and on Cassandra (SAI over each message's words).
 * Loads BENCH_MESSAGES (1,000,000) messages into BENCH_ROOMS (1,000) rooms of a
 * database and a keyspace of its own, straight into the stores' tables in the
 * shape the stores write (COPY on PostgreSQL, concurrent prepared inserts on
 * Cassandra; the Cassandra load resumes room by room when run again), with
 * words drawn from a Zipf distribution, then times one-room and all-my-rooms
 * searches (a reader in BENCH_MY_ROOMS = 50 rooms) for common, middling and
 * rare words, the cost of a send with and without the index, and the index
 * sizes. Drops its data at the end (BENCH_KEEP=1 keeps it).
 * Needs PostgreSQL and the Cassandra node; prints a table. Not a test.
 */
import postgres from 'postgres'
import { idMaker } from '../src/messages/ids.ts'
import { termsOf } from '../src/lib/words.ts'
import { createLogger } from '../src/log.ts'
import { connectCassandra } from '../src/store/cassandra/connect.ts'
import { cassandraMessages } from '../src/store/cassandra/messages.ts'
import { long } from '../src/store/cassandra/roomLog.ts'
import { cassandraSearch } from '../src/store/cassandra/search.ts'
import { openDatabase } from '../src/store/postgres/connect.ts'
import { postgresMessages } from '../src/store/postgres/messages.ts'
import { migrate } from '../src/store/postgres/migrate.ts'
import { postgresSearch } from '../src/store/postgres/search.ts'
import type { MessageSearch, MessageStore } from '../src/store/ports.ts'
import { parseQuery } from '../src/search/query.ts'
import { ADMIN_URL } from '../test/support/postgres.ts'

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 1_000_000)
const ROOMS = Number(process.env.BENCH_ROOMS ?? 1_000)
const MY_ROOMS = Number(process.env.BENCH_MY_ROOMS ?? 50)
const QUERIES = Number(process.env.BENCH_QUERIES ?? 100)
const SENDS = Number(process.env.BENCH_SENDS ?? 300)
const STORES = (process.env.BENCH_STORES ?? 'postgres,cassandra').split(',')
const KEEP = process.env.BENCH_KEEP === '1'
const NAME = 'rtc_bench_search'
const AUTHORS = 500
const VOCABULARY = 30_000
const PER_ROOM = Math.ceil(MESSAGES / ROOMS)
const T0 = Date.UTC(2026, 0, 1)

/** mulberry32: the same data on every run. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Pronounceable made-up words, rank 0 the most common; drawn with Zipf's law (s = 1). */
const SYLLABLES = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'ti', 'vo', 'ze', 'pa', 'do', 'gu', 'he', 'ji', 'bo', 'fa', 'cy', 'wu', 'xe', 'qo']
const words = Array.from({ length: VOCABULARY }, (_, i) => {
  let w = ''
  for (let n = i + SYLLABLES.length; n > 0; n = Math.floor(n / SYLLABLES.length)) w += SYLLABLES[n % SYLLABLES.length]
  return w
})
const cdf: number[] = []
{
  let sum = 0
  for (let r = 1; r <= VOCABULARY; r++) cdf.push((sum += 1 / r))
  for (let i = 0; i < cdf.length; i++) cdf[i]! /= sum
}
function zipfWord(rnd: () => number) {
  const x = rnd()
  let [lo, hi] = [0, cdf.length - 1]
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (cdf[mid]! < x) lo = mid + 1
    else hi = mid
  }
  return words[lo]!
}

interface Row { roomId: number; pos: number; authorId: number; body: string; createdAt: Date }
/** Message `pos` (1-based) of room `roomId` (1-based): the same every time. */
function messageAt(roomId: number, pos: number): Row {
  const rnd = random(roomId * 1_000_003 + pos)
  const length = 4 + Math.floor(rnd() * 16)
  const body = Array.from({ length }, () => zipfWord(rnd)).join(' ')
  // Rooms interleave in time: about one message a minute across the whole store.
  return { roomId, pos, authorId: 1 + Math.floor(rnd() * AUTHORS), body, createdAt: new Date(T0 + ((pos - 1) * ROOMS + roomId) * 60_000) }
}

const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!
const ms = (n: number) => n.toFixed(1)
const seconds = (t: number) => ((performance.now() - t) / 1000).toFixed(1)
const say = (text: string) => console.log(`[bench:search] ${text}`)

async function loadPostgres() {
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {} })
  await admin.unsafe(`DROP DATABASE IF EXISTS ${NAME} WITH (FORCE)`)
  await admin.unsafe(`CREATE DATABASE ${NAME}`)
  const url = new URL(ADMIN_URL)
  url.pathname = `/${NAME}`
  const db = await openDatabase({ url: url.href, dataDir: '' })
  await migrate(db.sql)
  const sql = db.sql
  await sql`INSERT INTO users (id, login, name) SELECT g, 'user' || g, 'User ' || g FROM generate_series(1, ${AUTHORS}) g`
  await sql`INSERT INTO rooms (id, slug, name, visibility, created_by, last_message_id)
    SELECT g, 'room-' || g, 'Room ' || g, 'public', 1, ${PER_ROOM} FROM generate_series(1, ${ROOMS}) g`
  await sql`SELECT setval('rooms_id_seq', ${ROOMS})`
  await sql`DROP INDEX messages_search`
  await sql`DROP INDEX messages_room_created`
  let t = performance.now()
  const copy = await sql`COPY messages (room_id, id, author_id, author_login, author_name, nonce, body, created_at, rev) FROM STDIN`.writable()
  const write = (chunk: string) => new Promise<void>((resolve) => (copy.write(chunk) ? resolve() : copy.once('drain', resolve)))
  for (let room = 1; room <= ROOMS; room++) {
    let chunk = ''
    for (let pos = 1; pos <= PER_ROOM; pos++) {
      const m = messageAt(room, pos)
      chunk += `${room}\t${pos}\t${m.authorId}\tuser${m.authorId}\tUser ${m.authorId}\tb-${room}-${pos}\t${m.body}\t${m.createdAt.toISOString()}\t${pos}\n`
    }
    await write(chunk)
  }
  await new Promise<void>((resolve, reject) => copy.end(() => resolve()).once('error', reject))
  const copied = seconds(t)
  t = performance.now()
  await sql`CREATE INDEX messages_search ON messages USING gin (search)`
  await sql`CREATE INDEX messages_room_created ON messages (room_id, created_at)`
  await sql`VACUUM ANALYZE messages`
  say(`postgres: COPY of ${ROOMS * PER_ROOM} messages (tsvector computed on the way) ${copied} s, indexes and ANALYZE ${seconds(t)} s`)
  const [size] = await sql<{ table: string; gin: string; tsvector: string }[]>`
    SELECT pg_size_pretty(pg_table_size('messages')) AS table, pg_size_pretty(pg_relation_size('messages_search')) AS gin,
      pg_size_pretty(sum(pg_column_size(search))) AS tsvector FROM messages`
  say(`postgres: messages table ${size!.table} (of which the tsvector column ${size!.tsvector}), GIN index ${size!.gin}`)
  return {
    search: postgresSearch(sql) as MessageSearch,
    store: postgresMessages(sql) as MessageStore,
    dropIndex: async () => { await sql`DROP INDEX messages_search` },
    close: async () => {
      await db.close()
      if (!KEEP) await admin.unsafe(`DROP DATABASE IF EXISTS ${NAME} WITH (FORCE)`)
      await admin.end()
    },
  }
}

async function loadCassandra() {
  const client = await connectCassandra({ contactPoints: ['127.0.0.1'], localDc: 'datacenter1', keyspace: NAME, replication: '1', consistency: 'one' }, createLogger('warn'), { attempts: 1 })
  const t = performance.now()
  const insert = `INSERT INTO room_log (room_id, bucket, entry, pos, nonce_key, op, target, author_id, author_login, author_name, terms, nonce, body, created_at, rev)
    VALUES (?, 0, 0, ?, '', 'create', ?, ?, ?, ?, ?, ?, ?, ?, ?)`
  let skipped = 0
  const rooms: number[] = []
  for (let room = 1; room <= ROOMS; room++) {
    const done = (await client.execute('SELECT last_pos FROM room_log WHERE room_id = ? AND bucket = 0 LIMIT 1', [long(room)], { prepare: true })).first()?.last_pos
    if (done !== undefined && done !== null && Number(String(done)) >= PER_ROOM) skipped++
    else rooms.push(room)
  }
  let loaded = 0
  const loadRoom = async (room: number) => {
    // Unlogged batches of one partition's rows: one mutation each on the node.
    for (let from = 1; from <= PER_ROOM; from += 50) {
      const batch = Array.from({ length: Math.min(50, PER_ROOM - from + 1) }, (_, i) => {
        const m = messageAt(room, from + i)
        return { query: insert, params: [long(room), long(m.pos), long(m.pos), long(m.authorId), `user${m.authorId}`, `User ${m.authorId}`, termsOf(m.body), `b-${room}-${m.pos}`, m.body, m.createdAt, long(m.pos)] }
      })
      // A busy node times writes out; the rows are the same each time, so try again after a pause.
      for (let attempt = 1; ; attempt++) {
        try {
          await client.batch(batch, { prepare: true, logged: false, isIdempotent: true })
          break
        } catch (err) {
          if (attempt >= 8) throw err
          await new Promise((r) => setTimeout(r, 500 * attempt))
        }
      }
    }
    // The room's head last: a room is loaded once it is there, so a run cut short resumes at the next room.
    await client.execute('UPDATE room_log SET last_pos = ? WHERE room_id = ? AND bucket = 0', [long(PER_ROOM), long(room)], { prepare: true })
    if (++loaded % 100 === 0) say(`cassandra: ${loaded + skipped} rooms loaded, ${seconds(t)} s`)
  }
  let next = 0
  await Promise.all(Array.from({ length: 6 }, async () => { while (next < rooms.length) await loadRoom(rooms[next++]!) }))
  say(`cassandra: load of ${(ROOMS - skipped) * PER_ROOM} messages (${skipped} rooms already there) ${seconds(t)} s`)
  // Flush soon, so the sizes below are of SSTables and their index files.
  await client.execute('ALTER TABLE room_log WITH memtable_flush_period_in_ms = 5000')
  await new Promise((r) => setTimeout(r, 15_000))
  const sai = (await client.execute('SELECT per_column_disk_size FROM system_views.sai_sstable_indexes WHERE keyspace_name = ? AND table_name = ?', [NAME, 'room_log'])).rows
    .reduce((sum, r) => sum + Number(String(r.per_column_disk_size)), 0)
  const disk = (await client.execute('SELECT mebibytes FROM system_views.disk_usage WHERE keyspace_name = ? AND table_name = ?', [NAME, 'room_log'])).first()?.mebibytes
  say(`cassandra: room_log on disk ${disk} MiB, the SAI index on terms ${(sai / 2 ** 20).toFixed(1)} MiB`)
  // Back to flushing when full, and queries only once compaction has settled (at most 3 min), as on a live node.
  await client.execute('ALTER TABLE room_log WITH memtable_flush_period_in_ms = 0')
  const settled = performance.now()
  while (performance.now() - settled < 180_000 && (await client.execute('SELECT kind FROM system_views.sstable_tasks')).rows.length > 0) {
    await new Promise((r) => setTimeout(r, 2000))
  }
  say(`cassandra: compaction settled after ${seconds(settled)} s`)
  return {
    search: cassandraSearch(client) as MessageSearch,
    store: cassandraMessages(client) as MessageStore,
    dropIndex: async () => { await client.execute('DROP INDEX IF EXISTS room_log_terms') },
    close: async () => {
      if (!KEEP) await client.execute(`DROP KEYSPACE IF EXISTS ${NAME}`)
      await client.shutdown()
    },
  }
}

const CLASSES: Record<string, (rnd: () => number) => string> = {
  'common word (rank 1-10)': (rnd) => words[Math.floor(rnd() * 10)]!,
  'middling word (rank 100-1000)': (rnd) => words[100 + Math.floor(rnd() * 900)]!,
  'rare word (rank 5000-30000)': (rnd) => words[5000 + Math.floor(rnd() * 25_000)]!,
  'two words (common + middling)': (rnd) => `${words[Math.floor(rnd() * 10)]} ${words[100 + Math.floor(rnd() * 900)]}`,
}

async function measure(name: string, target: Awaited<ReturnType<typeof loadPostgres>>) {
  const mine = Array.from({ length: MY_ROOMS }, (_, i) => String(1 + Math.floor(i * ROOMS / MY_ROOMS)))
  const rows: string[] = []
  for (const [scope, rooms] of [['one room', (rnd: () => number) => [mine[Math.floor(rnd() * mine.length)]!]], [`all my ${MY_ROOMS} rooms`, () => mine]] as const) {
    for (const [label, query] of Object.entries(CLASSES)) {
      const rnd = random(label.length * 31 + scope.length)
      const samples: number[] = []
      let hits = 0
      for (let i = -10; i < QUERIES; i++) {
        const parsed = parseQuery(query(rnd))
        if (!parsed.ok) throw new Error(parsed.error)
        const t = performance.now()
        const { hits: found } = await target.search.searchMessages({ terms: parsed.terms, roomIds: rooms(rnd), limit: 20 })
        if (i >= 0) { samples.push(performance.now() - t); hits += found.length }
      }
      rows.push(`| ${name} | ${scope} | ${label} | ${ms(percentile(samples, 0.5))} | ${ms(percentile(samples, 0.99))} | ${(hits / QUERIES).toFixed(1)} |`)
      say(rows.at(-1)!)
    }
  }
  const nextId = idMaker(5)
  const send = async (tag: string) => {
    const samples: number[] = []
    for (let i = 0; i < SENDS; i++) {
      const body = messageAt(7, i + 1).body
      const t = performance.now()
      await target.store.appendMessage({ id: nextId(), roomId: String(1 + (i % ROOMS)), authorId: 1, authorLogin: 'user1', authorName: 'User 1', nonce: `send-${tag}-${i}-${Date.now()}`, body, createdAt: new Date() })
      samples.push(performance.now() - t)
    }
    return `p50 ${ms(percentile(samples, 0.5))} ms, p99 ${ms(percentile(samples, 0.99))} ms`
  }
  const withIndex = await send('with')
  // Kept data keeps its index (building it again over a million rows would hold up the next run).
  const without = KEEP ? 'not measured (BENCH_KEEP=1)' : (await target.dropIndex(), await send('without'))
  const sends = `${name}: a send with the index ${withIndex}; without it ${without}`
  say(`${sends}; load ${(await import('node:os')).loadavg().map((l) => l.toFixed(2)).join(' ')}`)
  return { rows, sends }
}

say(`${ROOMS * PER_ROOM} messages in ${ROOMS} rooms, ${QUERIES} queries per row; load at start: ${(await import('node:os')).loadavg().map((l) => l.toFixed(2)).join(' ')}`)
const table = ['| store | scope | query | p50 ms | p99 ms | hits/query |', '|---|---|---|---|---|---|']
const sends: string[] = []
for (const name of STORES) {
  const target = name === 'postgres' ? await loadPostgres() : await loadCassandra()
  try {
    const result = await measure(name, target)
    table.push(...result.rows)
    sends.push(result.sends)
  } finally {
    await target.close()
  }
}
console.log(table.join('\n'))
for (const line of sends) console.log(line)
say(`load at end: ${(await import('node:os')).loadavg().map((l) => l.toFixed(2)).join(' ')}`)
