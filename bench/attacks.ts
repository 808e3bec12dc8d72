/**
 * `npm run flood:attacks`: the instance stays responsive while the attacks of
 * issue 24 run at once, each from accounts within their default limits:
 * nine searches whose matches are all excluded over a 10,000-message room in
 * Cassandra (the search limit is 30 a minute; nine people, one search every
 * 2 s each), ten sockets asking for the whole room (`since=0`, reconnecting
 * every second), and multipart sends of 140,000 empty file parts. A prober in
 * a process of its own asks `/healthz` every 50 ms, quiet first, then under
 * the attacks. The goal: `/healthz` p99 at most 50 ms under attack.
 * Needs PostgreSQL, Redis and the Cassandra node; prints a table. Not a test.
 */
import { spawn } from 'node:child_process'
import postgres from 'postgres'
import WebSocket from 'ws'
import { termsOf } from '../src/lib/words.ts'
import { createLogger } from '../src/log.ts'
import { connectCassandra } from '../src/store/cassandra/connect.ts'
import { BUCKET_POSITIONS, long, positions } from '../src/store/cassandra/roomLog.ts'
import { cassandraPids, cpuSeconds } from './procs.ts'
import { CASSANDRA_CONTACT_POINTS } from '../test/support/cassandra.ts'
import { ORIGIN, signIn, type Person } from '../test/support/chat.ts'
import { sleep, summary } from '../test/support/flood.ts'
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

/** `/healthz` every 50 ms from a process of its own, so the attackers' work here does not delay the probe. */
function prober(url: string) {
  const child = spawn(process.execPath, ['-e', `
    let times = [], on = false
    const tick = async () => {
      while (on) {
        const t = performance.now()
        const res = await fetch(process.env.URL + '/healthz').catch(() => undefined)
        if (res) await res.arrayBuffer()
        times.push(res && res.status === 200 ? performance.now() - t : 10000)
        await new Promise((r) => setTimeout(r, 50))
      }
    }
    require('node:readline').createInterface({ input: process.stdin }).on('line', async (line) => {
      if (line === 'go') { times = []; on = true; tick() }
      else if (line === 'halt') { on = false; await new Promise((r) => setTimeout(r, 100)); process.stdout.write(JSON.stringify(times) + '\\n') }
      else process.exit(0)
    })
  `], { env: { PATH: process.env.PATH ?? '', URL: url }, stdio: ['pipe', 'pipe', 'inherit'] })
  let out = ''
  let waiting: ((times: number[]) => void) | undefined
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString()
    const nl = out.indexOf('\n')
    if (nl >= 0) { waiting?.(JSON.parse(out.slice(0, nl)) as number[]); out = out.slice(nl + 1) }
  })
  return {
    go: () => void child.stdin!.write('go\n'),
    halt: () => new Promise<number[]>((resolve) => { waiting = resolve; child.stdin!.write('halt\n') }),
    end: () => new Promise<void>((resolve) => { child.once('exit', () => resolve()); child.stdin!.end('exit\n') }),
  }
}

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
  CASSANDRA_CONTACT_POINTS: CASSANDRA_CONTACT_POINTS.join(','), CASSANDRA_KEYSPACE: keyspace, RATE_LIMIT_SIGN_IN: '100/10m',
  // ATTACK_PROFILE=dir writes the app's CPU profile there (open it in Chrome's DevTools or `npx speedscope`).
  ...process.env.ATTACK_PROFILE ? { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${process.env.ATTACK_PROFILE}` } : {},
})
const probe = prober(server.url)
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
  const searchers = await Promise.all(Array.from({ length: 9 }, (_, i) => signIn(server.url, `needle-${i}`)))
  const sockets = await Promise.all(Array.from({ length: 10 }, (_, i) => signIn(server.url, `replayer-${i}`)))
  for (const person of sockets) await person.form(`/rooms/${slug}/join`, {})

  const server_ = server
  /** One phase: the attacks named run for ATTACK_MS while the prober asks; the app's and Cassandra's CPU per attempt. */
  const phase = async (name: string, attacks: ('search' | 'sockets' | 'fresh')[]) => {
    const until = Date.now() + (attacks.length ? ATTACK_MS : QUIET_MS)
    const tallies = { search: new Map<number, number>(), sockets: new Map<number, number>() }
    const cpu = { app: cpuSeconds(server_.child.pid!), cassandra: cassandraPids().reduce((sum, pid) => sum + cpuSeconds(pid), 0) }
    probe.go()
    await Promise.all([
      ...(attacks.includes('search') ? searchers.map((person) => repeat(until, 2000, async () => {
        const res = await person.send(`/search?q=${encodeURIComponent('ipsum -lorem')}&room=${slug}`)
        await res.arrayBuffer()
        return res.status
      }, tallies.search)) : []),
      ...(attacks.includes('sockets') ? sockets.map((person) => repeat(until, 1000, () => wholeRoom(server_.url, person, slug), tallies.sockets)) : []),
      ...(attacks.includes('fresh') ? sockets.map((person) => repeat(until, 1000, () => wholeRoom(server_.url, person, slug, true), tallies.sockets)) : []),
      attacks.length ? undefined : sleep(QUIET_MS),
    ])
    const healthz = summary(await probe.halt())
    const attempts = [...tallies.search.values(), ...tallies.sockets.values()].reduce((a, b) => a + b, 0)
    const spent = { app: cpuSeconds(server_.child.pid!) - cpu.app, cassandra: cassandraPids().reduce((sum, pid) => sum + cpuSeconds(pid), 0) - cpu.cassandra }
    const row = {
      phase: name, healthz, attempts, answers: { search: Object.fromEntries(tallies.search), sockets: Object.fromEntries(tallies.sockets) },
      cpuMsPerAttempt: attempts ? { app: +(spent.app * 1000 / attempts).toFixed(1), cassandra: +(spent.cassandra * 1000 / attempts).toFixed(1) } : undefined,
    }
    say(`${name}: /healthz p50 ${healthz.p50} p99 ${healthz.p99} max ${healthz.max} ms; ${attempts} attempts ${JSON.stringify(row.answers)}; CPU ms per attempt ${JSON.stringify(row.cpuMsPerAttempt)}`)
    return row
  }
  // ATTACK_PHASES=sockets (say) runs only that one after the quiet phase, for a profile (NODE_OPTIONS=--cpu-prof).
  const only = process.env.ATTACK_PHASES?.split(',') as ('search' | 'sockets' | 'fresh')[] | undefined
  const rows = [
    await phase('quiet', []),
    ...only ? [await phase(only.join(' + '), only)] : [
      await phase('excluded-term searches', ['search']),
      await phase('since=0 sockets', ['sockets']),
      await phase('all at once', ['search', 'sockets']),
    ],
  ]
  const all = rows.at(-1)!
  met = all.healthz.p99 <= 50
  console.log(JSON.stringify(rows, null, 1))
  say(`/healthz with every attack at once: p99 ${all.healthz.p99} ms (goal <= 50): ${met ? 'met' : 'MISSED'}`)
} finally {
  await probe.end()
  await server.stop()
  await cassandra?.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`)
  await cassandra?.shutdown()
  await database.drop()
  await redis.cleanup()
}
process.exit(met ? 0 : 1)
