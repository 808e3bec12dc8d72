/**
 * `npm run faults:cluster`: two app instances (processes of their own) on a Cassandra cluster, with
 * writers that retry by nonce and readers that resume with `since`, while
 *   (a) one node is killed with SIGKILL mid-claim and started again,
 *   (b) a node is paused (SIGSTOP) longer than the driver's 12 s read timeout, then resumed,
 *   (c) two nodes of three are down: sends answer 503 "may have been stored; sending it again is
 *       safe", and go through again once one node is back,
 *   (d) the app instances are restarted one after the other (a rolling deploy) all the while.
 * Every room is then counted: lost, duplicated, reordered and phantom messages and doubled nonces
 * must all be zero. Ack latency (first try to acknowledgement, retries included) is reported per case
 * and after the faults.
 *
 * CASSANDRA_CONTACT_POINTS (default 127.0.0.2,127.0.0.3,127.0.0.4, the nodes of
 * tools/cassandra/cluster.sh, which this starts if none answers and stops again after). With one
 * contact point (127.0.0.1, the single test node) cases a–c are skipped, saying so, and (d) runs.
 * FAULTS_CLUSTER_MINUTES (default 20): the run gives up, cleans up and fails after this long.
 * FAULTS_PATIENCE_MS (default 15000): how long a writer waits for an answer before trying the other
 * instance (the first try still running there); 3000 makes tries of one nonce overlap far more often.
 */
import { spawn } from 'node:child_process'
import cassandra from 'cassandra-driver'
import postgres from 'postgres'
import { ORIGIN } from './support/chat.ts'
import { faultRoom, type Endpoint, type Tally } from './support/faults.ts'
import { createTestDatabase } from './support/postgres.ts'
import { startServerProcess, type ServerProcess } from './support/process.ts'
import { REDIS_URL, testRedisPrefix } from './support/redis.ts'

const points = (process.env.CASSANDRA_CONTACT_POINTS ?? '127.0.0.2,127.0.0.3,127.0.0.4').split(',').map((p) => p.trim()).filter(Boolean)
const CLUSTER = 'tools/cassandra/cluster.sh'
const BUCKET_POSITIONS = 8
const minutes = Number(process.env.FAULTS_CLUSTER_MINUTES ?? 20)
const patienceMs = Number(process.env.FAULTS_PATIENCE_MS ?? 15_000)
/** Node N of cluster.sh listens on 127.0.0.(N+1). */
const nodeOf = (point: string) => {
  const m = /^127\.0\.0\.(\d+)$/.exec(point.split(':')[0]!)
  const n = m ? Number(m[1]) - 1 : 0
  return n >= 1 && n <= 9 ? n : undefined
}
const ours = points.length >= 3 && points.every((p) => nodeOf(p) !== undefined)
const started = Date.now()
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const since = () => `${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s`
const say = (line: string) => console.log(`[${since()}] ${line}`)

/** Runs cluster.sh, its lines indented under ours; rejects on a non-zero exit. */
function cluster(...args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [CLUSTER, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    const out = (d: Buffer) => { for (const l of d.toString().split('\n').filter(Boolean)) console.log(`          ${l}`) }
    child.stdout.on('data', out)
    child.stderr.on('data', out)
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${CLUSTER} ${args.join(' ')} exited with ${code}`))))
  })
}

const answersCql = (point: string) => new Promise<boolean>((resolve) => {
  import('node:net').then(({ connect }) => {
    const socket = connect({ host: point.split(':')[0]!, port: Number(point.split(':')[1] ?? 9042) })
    socket.setTimeout(1_000)
    socket.once('connect', () => { socket.destroy(); resolve(true) })
    socket.once('error', () => resolve(false))
    socket.once('timeout', () => { socket.destroy(); resolve(false) })
  })
})

// ---- what this run changed, so that cleaning up puts it back ----
const startedNodes = new Set<number>()
const killedNodes = new Set<number>()
const pausedNodes = new Set<number>()
const cleanups: (() => Promise<unknown>)[] = []
let cleaning: Promise<void> | undefined
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    for (const n of pausedNodes) await cluster('resume', String(n)).catch(() => {})
    for (const fn of cleanups.reverse()) await fn().catch((err: Error) => say(`cleanup: ${err.message}`))
    // Nodes this run took down come back (the cluster is left as found), then the ones it started go.
    const down = [...killedNodes].filter((n) => !startedNodes.has(n))
    if (down.length) await cluster('start', ...down.map(String)).catch(() => {})
    if (startedNodes.size) await cluster('stop', ...[...startedNodes].map(String)).catch(() => {})
  })()
  return cleaning
}
const watchdog = setTimeout(() => {
  say(`gave up after ${minutes} minutes (FAULTS_CLUSTER_MINUTES); cleaning up`)
  void cleanUp().finally(() => process.exit(1))
}, minutes * 60_000)
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void cleanUp().finally(() => process.exit(130)))

// ---- the nodes ----
say(`faults:cluster: CASSANDRA_CONTACT_POINTS=${points.join(',')}`)
if (ours) {
  const silent = []
  for (const p of points) if (!(await answersCql(p))) silent.push(nodeOf(p)!)
  if (silent.length) {
    say(`starting node${silent.length > 1 ? 's' : ''} ${silent.join(', ')} of ${CLUSTER} (stopped again at the end)`)
    for (const n of silent) startedNodes.add(n)
    await cluster('start', ...silent.map(String))
  }
} else {
  for (const p of points) if (!(await answersCql(p))) throw new Error(`no Cassandra answers at ${p}; start it (tools/cassandra/cassandra.sh start, or ${CLUSTER} start)`)
}
const several = points.length > 1
const replication = points.length >= 3 ? 'datacenter1:3' : '1'

// ---- the app: two processes on one keyspace, PostgreSQL database and Redis prefix of this run's own ----
const database = await createTestDatabase()
cleanups.push(() => database.drop())
const redis = await testRedisPrefix()
cleanups.push(() => redis.cleanup())
const keyspace = `rtc_cluster_faults_${process.pid}`
const env = (id: number) => ({
  DATABASE_URL: database.url, REDIS_URL, REDIS_PREFIX: redis.prefix, INSTANCE_ID: String(id), RATE_LIMITS: 'off',
  CASSANDRA_CONTACT_POINTS: points.join(','), CASSANDRA_KEYSPACE: keyspace, CASSANDRA_REPLICATION: replication,
  CASSANDRA_BUCKET_POSITIONS: String(BUCKET_POSITIONS), PUBLIC_URL: ORIGIN, LOCAL_LOGIN: 'true', LOG_LEVEL: 'info',
})

/** The app's error lines (level 50), by message and error, gathered from every process of the run. */
const appErrors = new Map<string, number>()
function harvest(p: ServerProcess) {
  for (const line of p.stdout.splice(0)) {
    if (!line.includes('"level":50')) continue
    try {
      const { msg, err } = JSON.parse(line) as { msg: string; err?: { type?: string; name?: string; code?: unknown; message?: string } }
      const key = `${msg}: ${err?.type ?? err?.name ?? ''}${err?.code !== undefined ? ` (code ${String(err.code)})` : ''} ${err?.message?.slice(0, 160) ?? ''}`
      appErrors.set(key, (appErrors.get(key) ?? 0) + 1)
    } catch { /* not JSON */ }
  }
}

interface AppInstance extends Endpoint {
  url: string
  readonly id: number
  process: ServerProcess
  restart(): Promise<number>
}

async function startInstance(id: number): Promise<AppInstance> {
  const instance: AppInstance = {
    id, alive: true, url: '', process: await startServerProcess(env(id), 'node', { timeoutMs: 180_000 }),
    /** A deploy's step: SIGTERM (it finishes what it is doing), then a new process; answers the ms it was away. */
    async restart() {
      const t = Date.now()
      instance.alive = false
      await instance.process.stop('SIGTERM')
      harvest(instance.process)
      // It may come up while Cassandra is short of a quorum: it tries again until it starts.
      for (let attempt = 1; ; attempt++) {
        try {
          instance.process = await startServerProcess(env(id), 'node', { timeoutMs: 180_000 })
          break
        } catch (err) {
          if (attempt >= 5) throw err
          say(`instance ${id} did not start (attempt ${attempt}): ${(err as Error).message.split('\n').slice(-3).join(' ')}`)
          await sleep(5_000)
        }
      }
      instance.url = instance.process.url
      instance.alive = true
      return Date.now() - t
    },
  }
  instance.url = instance.process.url
  return instance
}
// One after the other: two instances making the same tables at once on a cluster can disagree on the schema.
const instances = [await startInstance(1)]
instances.push(await startInstance(2))
cleanups.push(async () => { for (const i of instances) { i.alive = false; await i.process.stop('SIGTERM') } })
const ready = instances[0]!.process.stdout.find((l) => l.includes('Cassandra keyspace'))
if (ready) {
  const { replication: r, consistency, serialConsistency } = JSON.parse(ready) as { replication: object; consistency: string; serialConsistency: string }
  say(`app instances up; keyspace ${keyspace} ${JSON.stringify(r)}, consistency ${consistency}, serial ${serialConsistency}`)
}

const sql = postgres(database.url, { max: 2, onnotice: () => {} })
cleanups.push(() => sql.end())
const direct = new cassandra.Client({
  contactPoints: points, localDataCenter: 'datacenter1', keyspace,
  queryOptions: { consistency: several ? cassandra.types.consistencies.localQuorum : cassandra.types.consistencies.one },
})
await direct.connect()
cleanups.push(async () => {
  await direct.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`).catch(() => {})
  await direct.shutdown()
})
const context = { instances, sql, direct, bucketPositions: BUCKET_POSITIONS }

// ---- writers ----
type Room = Awaited<ReturnType<typeof faultRoom>>
interface Ack { at: number; ms: number }

/**
 * Three writers sending into `room` until `stop()` says so, each retrying a send (same nonce) for up to three minutes;
 * a try unanswered for FAULTS_PATIENCE_MS (15 s: past the driver's 12 s read timeout, so the app answers first) goes to the other instance.
 */
function writers(room: Room, label: string, acks: Ack[]) {
  let stopping = false
  const errors: string[] = []
  const done = Promise.all([0, 1, 2].map(async (w) => {
    for (let i = 0; !stopping; i++) {
      const t = Date.now()
      try {
        await room.send(`${label} w${w} m${i}`, { first: (w + i) % 2, patienceMs, giveUpMs: 180_000 })
        acks.push({ at: Date.now(), ms: Date.now() - t })
      } catch (err) {
        errors.push((err as Error).message)
        return
      }
      await sleep(150)
    }
  }))
  return { errors, stop: async () => { stopping = true; await done } }
}

const pct = (xs: number[], p: number) => {
  if (!xs.length) return NaN
  const sorted = [...xs].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}
const latency = (acks: Ack[], from = 0, to = Infinity) => {
  const ms = acks.filter((a) => a.at >= from && a.at <= to).map((a) => a.ms)
  return ms.length ? `${ms.length} acks, p50 ${pct(ms, 50)} ms, p95 ${pct(ms, 95)} ms, max ${Math.max(...ms)} ms` : 'no acks'
}
const answersOf = (room: Room) => [...room.answers].map(([status, n]) => `${status === 'none' ? 'no answer' : status}×${n}`).join(', ')

// ---- the cases ----
interface CaseResult { name: string; room?: Room; skipped?: string; notes: string[]; failures: string[] }
const results: CaseResult[] = []
const skip = (name: string, why: string) => {
  results.push({ name, skipped: why, notes: [], failures: [] })
  say(`${name}: SKIPPED: ${why}`)
}
const oneNode = `one node (CASSANDRA_CONTACT_POINTS=${points.join(',')}): no other replica keeps answering while it is down, and it is not this run's to stop`
const notOurs = `the nodes are not ones ${CLUSTER} runs (127.0.0.2–127.0.0.10), so this run cannot kill or pause them`
const cannotControl = !several ? oneNode : !ours ? notOurs : undefined

// (d) runs under everything: a room whose writers go on from the first case to the last, and an instance restarted every 25 s.
const deployRoom = await faultRoom(context, 'rolling-deploy')
const deployAcks: Ack[] = []
const deployWriters = writers(deployRoom, 'd', deployAcks)
let rolling = true
const restarts: number[] = []
/** A room is set up (sign-ins, the room, its readers) between restarts, never across one: a request cut by a restart failed the run. */
let settingUp = 0
let restarting: Promise<number> | undefined
async function quietRoom(label: string): Promise<Room> {
  settingUp++
  try {
    await restarting
    return await faultRoom(context, label)
  } finally {
    settingUp--
  }
}
const rollingDeploy = (async () => {
  for (let k = 0; rolling; k++) {
    for (let t = 0; t < 25 && rolling; t++) await sleep(1_000)
    while (settingUp > 0 && rolling) await sleep(100)
    if (!rolling) break
    const instance = instances[k % instances.length]!
    const away = await (restarting = instance.restart()).finally(() => { restarting = undefined })
    restarts.push(away)
    say(`(d) instance ${instance.id} restarted (SIGTERM, new process): away ${away} ms`)
  }
})()
cleanups.push(async () => { rolling = false; await rollingDeploy })

async function runCase(name: string, label: string, fault: (room: Room, result: CaseResult, acks: Ack[]) => Promise<void>) {
  const room = await quietRoom(label)
  const result: CaseResult = { name, room, notes: [], failures: [] }
  results.push(result)
  const acks: Ack[] = []
  const w = writers(room, label, acks)
  await sleep(3_000)
  const from = Date.now()
  await fault(room, result, acks)
  const to = Date.now()
  await sleep(5_000)
  await w.stop()
  for (const e of w.errors) result.failures.push(e)
  result.notes.push(`ack latency during the fault: ${latency(acks, from, to)}; whole case: ${latency(acks)}; answers: ${answersOf(room)}`)
  say(`${name}: ${result.notes.at(-1)}`)
}

const [first, second, third] = points.map((p) => nodeOf(p))

if (cannotControl) skip('(a) a node killed mid-claim', cannotControl)
else {
  await runCase('(a) a node killed mid-claim', 'kill', async () => {
    // The writers are sending all the while, so claims are in flight at the kill.
    killedNodes.add(second!)
    await cluster('kill', String(second))
    say(`(a) node ${second} killed (SIGKILL); sends go on at a quorum of the other two`)
    await sleep(8_000)
    await cluster('start', String(second))
    killedNodes.delete(second!)
    say(`(a) node ${second} back`)
  })
}

if (cannotControl) skip('(b) a node paused past the driver\'s timeouts', cannotControl)
else {
  await runCase('(b) a node paused past the driver\'s timeouts', 'pause', async () => {
    pausedNodes.add(third!)
    await cluster('pause', String(third))
    say(`(b) node ${third} paused (SIGSTOP) for 16 s (the driver's read timeout is 12 s, Cassandra's write timeout 2 s)`)
    await sleep(16_000)
    await cluster('resume', String(third))
    pausedNodes.delete(third!)
    say(`(b) node ${third} resumed`)
  })
}

if (cannotControl) skip('(c) two nodes of three down', cannotControl)
else {
  await runCase('(c) two nodes of three down', 'two-down', async (room, result, acks) => {
    killedNodes.add(second!)
    killedNodes.add(third!)
    await Promise.all([cluster('kill', String(second)), cluster('kill', String(third))])
    const down = Date.now()
    say(`(c) nodes ${second} and ${third} killed: only node ${first} is left, short of a quorum`)
    const before = room.answers.get(503) ?? 0
    await sleep(15_000)
    const unavailable = (room.answers.get(503) ?? 0) - before
    const acked = acks.filter((a) => a.at > down + 3_000).length
    result.notes.push(`with two nodes down: ${unavailable} answers 503 (${[...room.unavailable].map((t) => `"${t}"`).join(' / ')}), ${acked} sends acknowledged after the first 3 s`)
    say(`(c) ${result.notes.at(-1)}`)
    if (unavailable === 0) result.failures.push('no send was answered 503 while two nodes were down')
    if (![...room.unavailable].some((t) => t.includes('may have been stored; sending it again is safe'))) {
      result.failures.push(`the 503s did not say that sending again is safe: ${[...room.unavailable].join(' / ')}`)
    }
    await cluster('start', String(second))
    killedNodes.delete(second!)
    const back = Date.now()
    say(`(c) node ${second} back`)
    const waited = Date.now()
    while (!acks.some((a) => a.at > back) && Date.now() - waited < 60_000) await sleep(100)
    const resumed = acks.find((a) => a.at > back)
    result.notes.push(resumed ? `first send acknowledged ${resumed.at - back} ms after node ${second} answered CQL (that send waited ${resumed.ms} ms in all)` : 'no send was acknowledged within 60 s of a node returning')
    say(`(c) ${result.notes.at(-1)}`)
    if (!resumed) result.failures.push('sends did not resume when a node returned')
    await cluster('start', String(third))
    killedNodes.delete(third!)
    say(`(c) node ${third} back`)
  })
}

if (!cannotControl) say('(d) rolling deploy: ran under (a)–(c)')
else {
  say(`(d) rolling deploy on ${points.join(',')}: 60 s of sends while the instances are restarted in turn`)
  await sleep(60_000)
}
rolling = false
await rollingDeploy
await deployWriters.stop()
for (const e of deployWriters.errors) say(`(d) ${e}`)
results.push({ name: '(d) rolling deploy', room: deployRoom, notes: [`${restarts.length} restarts (away ${restarts.join(', ')} ms); ack latency: ${latency(deployAcks)}; answers: ${answersOf(deployRoom)}`], failures: deployWriters.errors })
if (restarts.length === 0) results.at(-1)!.failures.push('no instance was restarted')

// After: no fault at all, for the latency a send costs on this cluster when it is whole.
const afterRoom = await faultRoom(context, 'after') // the restarts have stopped by now
const afterAcks: Ack[] = []
const afterWriters = writers(afterRoom, 'after', afterAcks)
await sleep(15_000)
await afterWriters.stop()
results.push({ name: 'after the faults', room: afterRoom, notes: [`ack latency: ${latency(afterAcks)}`], failures: afterWriters.errors })

/** For a nonce stored twice: the buckets its tries noted, and each marker with the time its claim was committed. */
async function evidence(slug: string, nonce: string): Promise<string> {
  const [row] = await sql<{ id: string }[]>`SELECT id::text FROM rooms WHERE slug = ${slug}`
  const roomId = cassandra.types.Long.fromString(row!.id)
  const notes = await direct.execute('SELECT nonce_key, bucket FROM room_nonces WHERE room_id = ?', [roomId], { prepare: true })
  const mine = notes.rows.filter((n) => String(n.nonce_key).endsWith(`:${nonce}`))
  const key = mine[0]?.nonce_key as string | undefined
  const buckets = mine.map((n) => n.bucket as number)
  const markers = []
  for (const bucket of new Set([...buckets, ...buckets.map((b) => b + 1)])) {
    const m = await direct.execute('SELECT target, writetime(target) AS at FROM room_log WHERE room_id = ? AND bucket = ? AND entry = 1 AND pos = 0 AND nonce_key = ?',
      [roomId, bucket, key ?? ''], { prepare: true })
    for (const x of m.rows) markers.push(`bucket ${bucket} -> ${String(x.target)} at ${new Date(Number(String(x.at)) / 1000).toISOString()}`)
  }
  return `tries noted in buckets [${buckets.join(', ')}]; markers: ${markers.join('; ') || 'none'}`
}

// ---- the count ----
say('counting: every reader must hold every acknowledged message, once, in order; the store one message per nonce')
let bad = 0
const total: Tally = { acknowledged: 0, lost: 0, duplicated: 0, reordered: 0, phantom: 0, doubledNonces: 0 }
for (const r of results) {
  if (r.skipped) {
    console.log(`${r.name}: SKIPPED (${r.skipped})`)
    continue
  }
  const t = await r.room!.tally(60_000)
  for (const k of Object.keys(total) as (keyof Tally)[]) total[k] += t[k]
  const wrong = t.lost + t.duplicated + t.reordered + t.phantom + t.doubledNonces + r.failures.length
  if (wrong) bad++
  console.log(`${r.name}: ${wrong ? 'FAILED' : 'clean'}: ${t.acknowledged} acknowledged, lost ${t.lost}, duplicated ${t.duplicated}, reordered ${t.reordered}, ` +
    `phantom ${t.phantom}, doubled nonces ${t.doubledNonces}`)
  for (const n of r.notes) console.log(`    ${n}`)
  for (const d of t.doubled) {
    console.log(`    doubled nonce ${d.nonce}: stored at positions ${d.ids.join(' and ')} (buckets of ${BUCKET_POSITIONS}: ${d.ids.map((id) => Math.floor((Number(id) - 1) / BUCKET_POSITIONS)).join(' and ')}), acknowledged as ${d.acked ?? 'nothing'}`)
    console.log(`      ${await evidence(r.room!.slug, d.nonce)}`)
  }
  for (const f of r.failures) console.log(`    FAILURE: ${f}`)
  await r.room!.close()
}
console.log(`faults:cluster: ${bad ? `${bad} case(s) FAILED` : 'every case clean'}; ${total.acknowledged} acknowledged in all, lost ${total.lost}, duplicated ${total.duplicated}, ` +
  `reordered ${total.reordered}, phantom ${total.phantom}, doubled nonces ${total.doubledNonces}; ${results.filter((r) => r.skipped).length} case(s) skipped; ${Math.round((Date.now() - started) / 1000)} s`)
for (const i of instances) harvest(i.process)
console.log(appErrors.size ? 'the app\'s error lines (each answered 503 unless it says unhandled, a 500):' : 'the app logged no errors')
for (const [key, n] of [...appErrors].sort((a, b) => b[1] - a[1])) console.log(`    ${n} × ${key}`)
clearTimeout(watchdog)
await cleanUp()
process.exit(bad ? 1 : 0)
