/**
 * `npm run flood:attacks`: the instance stays responsive while the attacks of
 * issue 24 run at once, each from accounts within their default limits:
 * nine searches whose matches are all excluded over a 10,000-message room in
 * Cassandra (the search limit is 30 a minute; nine people, one search every
 * 2 s each), ten sockets asking for the whole room (`since=0`, reconnecting
 * every second), and four loops of multipart sends of 140,000 empty file
 * parts from a `nice`d process (test/support/attacks.ts; rate limits are off
 * for them, as many accounts each within its budget; the others keep to their
 * limits' pace). `/healthz` is probed every 20 ms, quiet first, then under each
 * attack alone, then under all at once, with the app's and Cassandra's CPU per
 * attempt. The goal: `/healthz` p99 at most 50 ms under all at once.
 * Needs PostgreSQL, Redis and the Cassandra node; prints a table. Not a test.
 */
import postgres from 'postgres'
import WebSocket from 'ws'
import { termsOf } from '../src/lib/words.ts'
import { createLogger } from '../src/log.ts'
import { connectCassandra } from '../src/store/cassandra/connect.ts'
import { BUCKET_POSITIONS, long, positions } from '../src/store/cassandra/roomLog.ts'
import { cassandraPids, cpuSeconds } from './procs.ts'
import { CASSANDRA_CONTACT_POINTS } from '../test/support/cassandra.ts'
import { ORIGIN, signIn, type Person } from '../test/support/chat.ts'
import { attacker, probeHealth, sleep, summary } from '../test/support/flood.ts'
import { createTestDatabase } from '../test/support/postgres.ts'
import { startServerProcess } from '../test/support/process.ts'
import { REDIS_URL, testRedisPrefix } from '../test/support/redis.ts'

const MESSAGES = 10_000
const QUIET_MS = Number(process.env.ATTACK_QUIET_MS ?? 10_000)
const ATTACK_MS = Number(process.env.ATTACK_MS ?? 30_000)
const say = (line: string) => console.log(`[attacks] ${line}`)

/** The room's messages, straight into the app's keyspace in the shape its store writes: every `ipsum` holds `lorem`. */
async function fillRoom(keyspace: string, roomId: string) {
  const client = await connectCassandra({ contactPoints: CASSANDRA_CONTACT_POINTS, localDc: 'datacenter1', keyspace, replication: '1', consistency: 'one' }, createLogger('warn'), { attempts: 1 })
  const at = positions(BUCKET_POSITIONS)
  const insert = `INSERT INTO room_log (room_id, bucket, entry, pos, nonce_key, op, target, author_id, author_login, author_name, terms, nonce, body, created_at, rev)
    VALUES (?, ?, 0, ?, '', 'create', ?, 1, 'filler', 'Filler', ?, ?, ?, ?, ?)`
  const t0 = Date.now() - MESSAGES * 1000
  for (let from = 1; from <= MESSAGES; from += 50) {
    const batch = []
    for (let pos = from; pos < from + 50 && pos <= MESSAGES; pos++) {
      const body = `lorem ipsum dolor sit amet ${pos}`
      batch.push({ query: insert, params: [long(roomId), at.bucketOf(BigInt(pos)), long(pos), long(pos), termsOf(body), `fill-${pos}`, body, new Date(t0 + pos * 1000), long(pos)] })
    }
    // One bucket per batch: 50 divides 4,096 unevenly, so a batch may span two partitions; unlogged is fine for a load.
    await client.batch(batch, { prepare: true, logged: false })
  }
  const last = at.bucketOf(BigInt(MESSAGES))
  for (let bucket = 0; bucket <= last; bucket++) {
    const head = bucket === last ? BigInt(MESSAGES) : at.lastOf(bucket)
    await client.execute('UPDATE room_log SET last_pos = ? WHERE room_id = ? AND bucket = ?', [long(head), long(roomId), bucket], { prepare: true })
  }
  await client.execute('INSERT INTO room_heads (room_id, bucket) VALUES (?, ?)', [long(roomId), last], { prepare: true })
  return client
}

/** `fresh`: ordinary sockets (nothing replayed), to set a socket's own cost apart from the replay's. */
type Attack = 'search' | 'sockets' | 'fresh' | 'multipart'

/** Runs `attempt` again and again until `until`, at most once per `everyMs`; counts answers by status. */
async function repeat(until: number, everyMs: number, attempt: () => Promise<number>, tally: Map<number, number>) {
  while (Date.now() < until) {
    const started = Date.now()
    const status = await attempt().catch(() => 0)
    tally.set(status, (tally.get(status) ?? 0) + 1)
    await sleep(Math.max(0, everyMs - (Date.now() - started)))
  }
}

/**
 * A socket asking for the whole room: answers its close code (4410 once the replay would pass its cap). With
 * `fromNow`, an ordinary socket instead (no `since`, nothing replayed) that closes itself after 200 ms: the
 * cost of a socket's comings and goings alone, to set the replay's apart.
 */
const wholeRoom = (url: string, person: Person, slug: string, fromNow = false) => new Promise<number>((resolve) => {
  const ws = new WebSocket(`${url.replace('http', 'ws')}/ws?room=${slug}${fromNow ? '' : '&since=0'}`, { headers: { cookie: person.cookie, origin: ORIGIN } })
  const timer = setTimeout(() => ws.terminate(), 5000)
  if (fromNow) ws.on('open', () => setTimeout(() => ws.close(1000), 200))
  ws.on('close', (code) => { clearTimeout(timer); resolve(code) })
  ws.on('error', () => {})
})

const redis = await testRedisPrefix()
const database = await createTestDatabase()
const keyspace = `rtc_attacks_${process.pid}`
const server = await startServerProcess({
  DATABASE_URL: database.url, REDIS_URL, REDIS_PREFIX: redis.prefix, PUBLIC_URL: ORIGIN, LOCAL_LOGIN: 'true',
  CASSANDRA_CONTACT_POINTS: CASSANDRA_CONTACT_POINTS.join(','), CASSANDRA_KEYSPACE: keyspace, RATE_LIMITS: 'off',
})
let met = false
let cassandra: Awaited<ReturnType<typeof fillRoom>> | undefined
try {
  const owner = await signIn(server.url, 'haystack-owner')
  const slug = await owner.createRoom('Haystack')
  const sql = postgres(database.url, { max: 1, onnotice: () => {} })
  const [room] = await sql<{ id: string }[]>`SELECT id::text FROM rooms WHERE slug = ${slug}`
  await sql.end()
  let t = Date.now()
  cassandra = await fillRoom(keyspace, room!.id)
  say(`${MESSAGES} messages in the room (${Date.now() - t} ms)`)
  const mallory = await signIn(server.url, 'multipart-mallory')
  await mallory.form(`/rooms/${slug}/join`, {})
  const multipart = attacker('multipart', { url: server.url, cookie: mallory.cookie, slug }, 4)
  const searchers = await Promise.all(Array.from({ length: 9 }, (_, i) => signIn(server.url, `needle-${i}`)))
  const sockets = await Promise.all(Array.from({ length: 10 }, (_, i) => signIn(server.url, `replayer-${i}`)))
  for (const person of sockets) await person.form(`/rooms/${slug}/join`, {})

  const server_ = server
  /** One phase: the attacks named run for ATTACK_MS while /healthz is probed; the app's and Cassandra's CPU per attempt. */
  const phase = async (name: string, attacks: Attack[]) => {
    const ms = attacks.length ? ATTACK_MS : QUIET_MS
    const until = Date.now() + ms
    const tallies = { search: new Map<number, number>(), sockets: new Map<number, number>(), multipart: new Map<string, number>() }
    const cpu = { app: cpuSeconds(server_.child.pid!), cassandra: cassandraPids().reduce((sum, pid) => sum + cpuSeconds(pid), 0) }
    const times: number[] = []
    if (attacks.includes('multipart')) multipart.go()
    await Promise.all([
      probeHealth(server_.url, ms, times),
      ...(attacks.includes('search') ? searchers.map((person) => repeat(until, 2000, async () => {
        const res = await person.send(`/search?q=${encodeURIComponent('ipsum -lorem')}&room=${slug}`)
        await res.arrayBuffer()
        return res.status
      }, tallies.search)) : []),
      ...(attacks.includes('sockets') ? sockets.map((person) => repeat(until, 1000, () => wholeRoom(server_.url, person, slug), tallies.sockets)) : []),
      ...(attacks.includes('fresh') ? sockets.map((person) => repeat(until, 1000, () => wholeRoom(server_.url, person, slug, true), tallies.sockets)) : []),
    ])
    if (attacks.includes('multipart')) for (const [outcome, n] of Object.entries(await multipart.halt())) if (n) tallies.multipart.set(outcome, n)
    const healthz = summary(times)
    const attempts = [...tallies.search.values(), ...tallies.sockets.values(), ...tallies.multipart.values()].reduce((a, b) => a + b, 0)
    const spent = { app: cpuSeconds(server_.child.pid!) - cpu.app, cassandra: cassandraPids().reduce((sum, pid) => sum + cpuSeconds(pid), 0) - cpu.cassandra }
    const row = {
      phase: name, healthz, attempts, answers: Object.fromEntries(Object.entries(tallies).filter(([, t]) => t.size).map(([k, t]) => [k, Object.fromEntries(t)])),
      cpuMsPerAttempt: attempts ? { app: +(spent.app * 1000 / attempts).toFixed(1), cassandra: +(spent.cassandra * 1000 / attempts).toFixed(1) } : undefined,
    }
    say(`${name}: /healthz p50 ${healthz.p50} p99 ${healthz.p99} max ${healthz.max} ms; ${attempts} attempts ${JSON.stringify(row.answers)}; CPU ms per attempt ${JSON.stringify(row.cpuMsPerAttempt)}`)
    return row
  }
  // ATTACK_PHASES=sockets,fresh (say) runs only those, at once, after the quiet phase.
  const only = process.env.ATTACK_PHASES?.split(',') as Attack[] | undefined
  const rows = [
    await phase('quiet', []),
    ...only ? [await phase(only.join(' + '), only)] : [
      await phase('excluded-term searches', ['search']),
      await phase('since=0 sockets', ['sockets']),
      await phase('multipart sends', ['multipart']),
      await phase('all at once', ['search', 'sockets', 'multipart']),
    ],
  ]
  const all = rows.at(-1)!
  met = all.healthz.p99 <= 50
  console.log(JSON.stringify(rows, null, 1))
  say(`/healthz with every attack at once: p99 ${all.healthz.p99} ms (goal <= 50): ${met ? 'met' : 'MISSED'}`)
  await multipart.end()
} finally {
  await server.stop()
  await cassandra?.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`)
  await cassandra?.shutdown()
  await database.drop()
  await redis.cleanup()
}
process.exit(met ? 0 : 1)
