/**
 * `npm run soak`: the product left running under a steady load, sampled as it goes. SOAK_USERS (1,000)
 * people each hold one socket (WSS) to a room of SOAK_ROOM_SIZE (20) through Caddy (the project's
 * Caddyfile, `tls internal`, its CA trusted by this process only) in front of two app instances, messages
 * in Cassandra (CASSANDRA_CONTACT_POINTS: the single node by default, or the three of
 * tools/cassandra/cluster.sh). Open loop: SOAK_RATE (20) sends a second, and a tenth as many each of
 * edits, reaction toggles and history reads; a send unanswered or answered 5xx is sent again with its
 * nonce. 5% of the sockets a minute are closed and come back with `since`, as the page does; every
 * quarter of the run (15 minutes of the default 60) one instance is restarted (SIGTERM, then a new
 * process on the same port), A and B in turn.
 *
 * It samples every minute (every SOAK_MINUTES × 2 s under 30 minutes, so a short run still has 30
 * samples; SOAK_SAMPLE_SECONDS overrides): each instance's RSS and file descriptors (/proc), its heap,
 * event-loop lag (p99 and max since the last sample) and open sockets (its own GET /metrics on
 * METRICS_LISTEN), and its log bytes (stdout); Caddy's RSS, fds and log bytes; Redis's memory (INFO)
 * and this run's keys; the Cassandra JVMs' RSS (/proc: the single node has no JMX for nodetool).
 * At the end every socket must hold every acknowledged message of its room exactly once: any lost or
 * duplicated delivery fails the run. It prints each memory figure's slope per hour (least squares over
 * the samples after the first 10 minutes, or the first fifth of a shorter run; for an instance, within
 * each of its processes, each past its own first 10 minutes), and writes the samples as JSON and a plot
 * (SVG) to bench/results/soak-<time>.{json,svg}. SOAK_MINUTES (default 60). Stops by itself and stops
 * everything it started, also on SIGINT/SIGTERM or when it overruns by 20 minutes.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { Agent } from 'node:https'
import { createSecureContext, type SecureContext } from 'node:tls'
import { Redis } from 'ioredis'
import WebSocket from 'ws'
import { startCaddy, type Caddy } from '../test/support/caddy.ts'
import { httpsForm, httpsRequest, httpsSignIn } from '../test/support/https.ts'
import { percentiles } from './load.ts'
import { chartsSvg, type Panel } from './plot.ts'
import { freePort, listenerPids, openFds, rssBytes } from './procs.ts'
import { inParallel, openStack, type Instances, type Stack } from './stack.ts'

const number = (name: string, fallback: number, min: number) => {
  const raw = process.env[name]
  const n = raw === undefined || raw === '' ? fallback : Number(raw)
  if (!Number.isFinite(n) || n < min) throw new Error(`${name} must be a number of at least ${min} (got "${raw}")`)
  return n
}
const MINUTES = number('SOAK_MINUTES', 60, 1)
const USERS = Math.round(number('SOAK_USERS', 1000, 2))
const ROOM_SIZE = Math.round(number('SOAK_ROOM_SIZE', 20, 2))
const RATE = number('SOAK_RATE', 20, 0.1)
const SAMPLE_MS = number('SOAK_SAMPLE_SECONDS', MINUTES >= 30 ? 60 : MINUTES * 2, 1) * 1000
const RUN_MS = MINUTES * 60_000
const RESTART_EVERY_MS = RUN_MS / 4
/** Samples before this (minutes into the run, and into a process's life) are warm-up, left out of the slopes. */
const WARMUP_MIN = Math.min(10, MINUTES / 5)
const RECONNECTS_PER_MINUTE = 0.05
/** HTTP requests at once (a keep-alive pool, as many browsers' worth): more wait their turn, their wait counted in the ack time. */
const CONNECTIONS = 32
const TIMEOUT_MS = 30_000
const ROOMS = Math.ceil(USERS / ROOM_SIZE)
const MiB = 1024 * 1024

const t0 = Date.now()
const say = (line: string) => console.log(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(5)} s] ${line}`)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

// ---- everything started is stopped again, whatever happens ----
const cleanups: (() => Promise<unknown>)[] = []
let cleaning: Promise<void> | undefined
const cleanUp = () => (cleaning ??= (async () => {
  for (const fn of cleanups.reverse()) await fn().catch((err: Error) => say(`cleanup: ${err.message}`))
})())
const watchdog = setTimeout(() => {
  say(`overran by 20 minutes; stopping everything`)
  void cleanUp().finally(() => process.exit(1))
}, RUN_MS + 20 * 60_000)
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void cleanUp().finally(() => process.exit(130)))

/** One person's tab: a WSS socket to their room that, whenever it closes, comes back with `since` (the newest id it holds). */
class Reader {
  /** Message id -> a hash of its markup as first received (an id again with the same markup is a duplicate). */
  readonly seen = new Map<number, number>()
  duplicated = 0
  /** An id received again with other markup: an edit it missed, brought with the message on resuming. */
  changedAgain = 0
  reordered = 0
  connections = 0
  highest = 0
  ws: WebSocket | undefined
  stopped = false

  constructor(readonly room: number, private readonly url: string, private readonly headers: Record<string, string>, private readonly tls: SecureContext) {}

  /** Opens (again) until it is open, backing off with jitter as the page does; resolves then. */
  async open(): Promise<void> {
    for (let attempt = 0; !this.stopped; attempt++) {
      try {
        await this.connect()
        return
      } catch {
        await sleep(Math.min(500 * 2 ** attempt, 10_000) * (0.5 + Math.random()))
      }
    }
  }

  private connect() {
    // ws hands its options to tls.connect: one secure context trusting Caddy's CA, not one made per socket.
    const options = { headers: this.headers, secureContext: this.tls, perMessageDeflate: false, handshakeTimeout: 15_000 } as WebSocket.ClientOptions
    const ws = new WebSocket(`${this.url}&since=${this.highest}`, options)
    ws.on('message', (data: Buffer) => this.onFrame(data.toString()))
    return new Promise<void>((resolve, reject) => {
      ws.once('open', () => {
        this.ws = ws
        this.connections++
        ws.once('close', () => {
          if (this.ws === ws) this.ws = undefined
          // Not all at once after an instance goes: within 0.25–2.25 s.
          if (!this.stopped) setTimeout(() => void this.open(), 250 + Math.random() * 2_000)
        })
        resolve()
      })
      ws.once('error', (err) => { ws.terminate(); reject(err) })
    })
  }

  private onFrame(text: string) {
    // New messages come in the messages list; changes (edits, reactions) are out-of-band swaps, not counted here.
    if (!text.startsWith('<div id="messages"')) return
    for (const m of text.matchAll(/<article id="m-(\d+)"[\s\S]*?<\/article>/g)) {
      const id = Number(m[1])
      const hash = fnv(m[0])
      const before = this.seen.get(id)
      if (before !== undefined) {
        if (before === hash) this.duplicated++
        else this.changedAgain++
        continue
      }
      this.seen.set(id, hash)
      if (id < this.highest) this.reordered++
      else this.highest = id
    }
  }

  get connected() {
    return this.ws?.readyState === WebSocket.OPEN
  }

  /** Closes the socket as a tab going away would; it comes back by itself. */
  churn() {
    this.ws?.close()
  }

  stop() {
    this.stopped = true
    this.ws?.terminate()
  }
}

/** FNV-1a, 32 bits: enough to tell the same markup from changed markup. */
function fnv(s: string) {
  let h = 0x811c9dc5
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193)
  return h >>> 0
}

// ---- samples ----
interface AppSample {
  pid: number
  rssMB: number
  heapUsedMB?: number
  heapTotalMB?: number
  externalMB?: number
  lagP99Ms?: number
  lagMaxMs?: number
  openSockets?: number
  fds: number
  socketFds: number
  logBytes: number
}
interface Sample {
  minute: number
  apps: (AppSample | undefined)[]
  caddy: { rssMB: number; fds: number; logBytes: number }
  redis: { usedMB: number; rssMB: number; keys: number }
  cassandra: { rssMB: number; jvms: number }
  generator: { rssMB: number; heapUsedMB: number }
  load: {
    sends: number; acknowledged: number; ackP50Ms: number; ackP99Ms: number; edits: number; reactions: number; reads: number
    failed: Record<string, number>; reconnects: number; connected: number
  }
}

const metric = (text: string, name: string) => {
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(text)
  return m ? Number(m[1]) : undefined
}

async function sampleApp(apps: Instances, i: number): Promise<AppSample | undefined> {
  const pid = apps.pids[i]!
  try {
    const text = await (await fetch(apps.metrics[i]!, { signal: AbortSignal.timeout(5_000) })).text()
    const mb = (name: string) => { const v = metric(text, name); return v === undefined ? undefined : v / MiB }
    const ms = (name: string) => { const v = metric(text, name); return v === undefined ? undefined : v * 1000 }
    const { fds, sockets } = openFds(pid)
    const rss = rssBytes(pid)
    if (!Number.isFinite(rss)) return undefined // exiting
    return {
      pid, rssMB: rss / MiB, heapUsedMB: mb('nodejs_heap_size_used_bytes'), heapTotalMB: mb('nodejs_heap_size_total_bytes'),
      externalMB: mb('nodejs_external_memory_bytes'), lagP99Ms: ms('nodejs_eventloop_lag_p99_seconds'), lagMaxMs: ms('nodejs_eventloop_lag_max_seconds'),
      openSockets: metric(text, 'rtc_open_sockets'), fds, socketFds: sockets, logBytes: apps.logBytes()[i]!,
    }
  } catch {
    return undefined // restarting just now, or no answer within 5 s
  }
}

async function redisSample(redis: Redis, prefix: string) {
  const info = await redis.info('memory')
  const field = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? NaN)
  let keys = 0
  let cursor = '0'
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)
    cursor = next
    keys += batch.length
  } while (cursor !== '0')
  return { usedMB: field('used_memory') / MiB, rssMB: field('used_memory_rss') / MiB, keys }
}

/** Least-squares slope per hour of `points` ([minute, value, group]): within each group (a process), pooled. */
function slopePerHour(points: [number, number, number][]): number | undefined {
  const groups = new Map<number, [number, number][]>()
  for (const [x, y, g] of points) groups.set(g, [...(groups.get(g) ?? []), [x, y]])
  let sxy = 0
  let sxx = 0
  for (const ps of groups.values()) {
    if (ps.length < 2) continue
    const mx = ps.reduce((n, [x]) => n + x, 0) / ps.length
    const my = ps.reduce((n, [, y]) => n + y, 0) / ps.length
    for (const [x, y] of ps) {
      sxy += (x - mx) * (y - my)
      sxx += (x - mx) ** 2
    }
  }
  return sxx > 0 ? (sxy / sxx) * 60 : undefined
}

async function main() {
  say(`soak: ${MINUTES} min, ${USERS} users in ${ROOMS} rooms of ${ROOM_SIZE}, ${RATE} sends/s, a sample every ${SAMPLE_MS / 1000} s, ` +
    `an instance restarted every ${(RESTART_EVERY_MS / 60_000).toFixed(2)} min; slopes after minute ${WARMUP_MIN}`)
  const stack: Stack = await openStack()
  cleanups.push(() => stack.close())
  if (stack.store !== 'Cassandra') {
    throw new Error(`no Cassandra answers at ${process.env.CASSANDRA_CONTACT_POINTS ?? '127.0.0.1:9042'}: start it (tools/cassandra/cassandra.sh start, or tools/cassandra/cluster.sh start)`)
  }
  const httpsPort = await freePort()
  const base = `https://localhost:${httpsPort}`
  const apps = await stack.instances(2, { metrics: true, pinned: false, env: { PUBLIC_URL: base } })
  cleanups.push(() => apps.stop())
  const caddy: Caddy = await startCaddy(apps.bases.map((b) => b.replace('http://', '')), { httpsPort })
  cleanups.push(() => caddy.stop())
  const { ca } = caddy
  const tls = createSecureContext({ ca })
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS, ca })
  const pool = { agent, timeoutMs: TIMEOUT_MS }
  cleanups.push(async () => agent.destroy())
  say(`two instances (pids ${apps.pids.join(', ')}) behind Caddy at ${base}; messages in Cassandra at ${stack.contactPoints.join(',')}`)
  const cassandraPids = () => stack.contactPoints.flatMap((p) => listenerPids(p.split(':')[0]!, Number(p.split(':')[1] ?? 9042)))
  let jvms = cassandraPids()
  if (jvms.length === 0) say('the Cassandra JVM was not found through /proc (not root?): its memory is not sampled')

  // ---- people, rooms, sockets (each step tried again on a 5xx or no answer: the box may be busy) ----
  const setupStep = async <T>(what: string, step: () => Promise<T>): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await step()
      } catch (err) {
        if (attempt >= 5 || (err as { status?: number }).status! < 500) throw err
        say(`${what}: ${(err as Error).message}; trying again`)
        await sleep(1_000 * attempt)
      }
    }
  }
  const answered = <R extends { status: number }>(what: string, res: R, ok: (status: number) => boolean): R => {
    if (!ok(res.status)) throw Object.assign(new Error(`${what} refused: ${res.status}`), { status: res.status })
    return res
  }
  const cookies = await inParallel(Array.from({ length: USERS }, (_, i) => `soak-${process.pid}-${i}`), 16, (login) =>
    setupStep(`sign-in of ${login}`, () => httpsSignIn(base, ca, login).catch((err: Error) => { throw Object.assign(err, { status: Number(/failed: (\d+)/.exec(err.message)?.[1] ?? 599) }) })))
  const roomOf = (user: number) => Math.floor(user / ROOM_SIZE)
  const slugs = await inParallel(Array.from({ length: ROOMS }, (_, r) => r), 8, async (r) => {
    const created = await setupStep(`room ${r}`, async () => answered(`room ${r}`, await httpsForm(base, ca, cookies[r * ROOM_SIZE]!, '/rooms', { name: `Soak ${process.pid} ${r}` }, false, {}, pool), (s) => s === 303))
    const slug = String(created.headers.location ?? '').replace('/rooms/', '')
    for (let u = r * ROOM_SIZE + 1; u < Math.min(USERS, (r + 1) * ROOM_SIZE); u++) {
      await setupStep(`join of ${slug}`, async () => answered(`join of ${slug}`, await httpsForm(base, ca, cookies[u]!, `/rooms/${slug}/join`, {}, false, {}, pool), (s) => s < 400))
    }
    return slug
  })
  const membersOf = (r: number) => Array.from({ length: Math.min(USERS, (r + 1) * ROOM_SIZE) - r * ROOM_SIZE }, (_, k) => r * ROOM_SIZE + k)
  const readers = cookies.map((cookie, u) => new Reader(roomOf(u), `${base.replace('https', 'wss')}/ws?room=${slugs[roomOf(u)]}`, { cookie, origin: base }, tls))
  cleanups.push(async () => { for (const r of readers) r.stop() })
  await inParallel(readers, 50, (r) => r.open())
  say(`${USERS} signed in, ${ROOMS} rooms, ${readers.filter((r) => r.connected).length} sockets open; load starts`)

  // ---- the load ----
  const acked: number[][] = slugs.map(() => [])
  const authors: Map<number, number>[] = slugs.map(() => new Map())
  const failed: Record<string, number> = {}
  const fail = (why: string) => void (failed[why] = (failed[why] ?? 0) + 1)
  let window = { sends: 0, acks: [] as number[], edits: 0, reactions: 0, reads: 0, reconnects: 0 }
  const inflight = new Set<Promise<void>>()
  const track = (p: Promise<void>) => { inflight.add(p); void p.finally(() => inflight.delete(p)) }
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(Math.random() * xs.length)]!
  const htmx = (cookie: string) => ({ cookie, origin: base, 'hx-request': 'true' })

  /** Sends until acknowledged, the same nonce each time, for up to five minutes (an instance restarting, Caddy trying the other). */
  async function send(r: number, n: number) {
    const user = pick(membersOf(r))
    const nonce = crypto.randomUUID()
    const started = performance.now()
    for (let attempt = 0; performance.now() - started < 300_000; attempt++) {
      try {
        const res = await httpsForm(base, ca, cookies[user]!, `/rooms/${slugs[r]}/messages`, { body: `soak ${r} ${n}`, nonce }, true, {}, pool)
        if (res.status === 200) {
          const id = Number(/data-key="(\d+)"/.exec(res.text)?.[1])
          if (!id) return fail('200 without a message')
          acked[r]!.push(id)
          authors[r]!.set(id, user)
          window.acks.push(performance.now() - started)
          return
        }
        fail(`send ${res.status}`)
        if (res.status < 500) return
      } catch (err) {
        fail(`send ${(err as Error).name}`)
      }
      await sleep(Math.min(1_000 * 2 ** attempt, 8_000) * (0.5 + Math.random()))
    }
    fail('send given up')
  }
  async function edit(r: number) {
    const id = acked[r]!.at(-1 - Math.floor(Math.random() * Math.min(20, acked[r]!.length)))
    if (id === undefined) return
    window.edits++
    const res = await httpsForm(base, ca, cookies[authors[r]!.get(id)!]!, `/rooms/${slugs[r]}/messages/${id}`, { body: `soak ${r} edited ${Date.now()}` }, true, {}, pool)
      .catch((err: Error) => ({ status: err.name }))
    if (res.status !== 200) fail(`edit ${res.status}`)
  }
  async function react(r: number) {
    const id = acked[r]!.at(-1 - Math.floor(Math.random() * Math.min(50, acked[r]!.length)))
    if (id === undefined) return
    window.reactions++
    const res = await httpsForm(base, ca, cookies[pick(membersOf(r))]!, `/rooms/${slugs[r]}/messages/${id}/reactions`, { emoji: pick(['👍', '🎉', '❤️']) }, true, {}, pool)
      .catch((err: Error) => ({ status: err.name }))
    if (typeof res.status !== 'number' || res.status >= 300) fail(`reaction ${res.status}`)
  }
  async function read(r: number) {
    const newest = acked[r]!.at(-1)
    window.reads++
    const res = await httpsRequest(`${base}/rooms/${slugs[r]}/messages${newest ? `?before=${newest}&limit=50` : ''}`, ca, { headers: htmx(cookies[pick(membersOf(r))]!), ...pool })
      .catch((err: Error) => ({ status: err.name }))
    if (res.status !== 200) fail(`read ${res.status}`)
  }

  let sent = 0
  const loadStart = Date.now()
  const minute = () => (Date.now() - loadStart) / 60_000
  const loop = setInterval(() => {
    const due = Math.min(Math.floor(((Date.now() - loadStart) / 1000) * RATE), Math.floor((RUN_MS / 1000) * RATE))
    for (; sent < due; sent++) {
      if (inflight.size > 2_000) { fail('generator backlog'); continue }
      const r = (sent * 7919) % ROOMS
      window.sends++
      track(send(r, sent))
      if (sent % 10 === 3) track(edit(r))
      if (sent % 10 === 6) track(react((r + 1) % ROOMS))
      if (sent % 10 === 9) track(read((r + 2) % ROOMS))
    }
  }, 50)
  let churnOwed = 0
  const churn = setInterval(() => {
    churnOwed += (USERS * RECONNECTS_PER_MINUTE) / 60
    for (; churnOwed >= 1; churnOwed--) {
      const r = pick(readers)
      if (r.connected) { r.churn(); window.reconnects++ }
    }
  }, 1_000)
  cleanups.push(async () => { clearInterval(loop); clearInterval(churn) })

  const restarts: { minute: number; instance: string; stopMs: number; startMs: number }[] = []
  const restarting = (async () => {
    for (let k = 1; k * RESTART_EVERY_MS < RUN_MS; k++) {
      await sleep(loadStart + k * RESTART_EVERY_MS - Date.now())
      const i = (k - 1) % 2
      const at = minute()
      const { stopMs, startMs } = await apps.restart(i)
      restarts.push({ minute: at, instance: 'AB'[i]!, stopMs, startMs })
      say(`instance ${'AB'[i]} restarted: SIGTERM, stopped in ${stopMs} ms; a new process (${apps.pids[i]}) on the same port started in ${startMs} ms`)
    }
  })()

  const redis = new Redis('redis://127.0.0.1:6379')
  cleanups.push(async () => redis.disconnect())
  const samples: Sample[] = []
  const takeSample = async () => {
    if (jvms.some((pid) => { try { rssBytes(pid); return false } catch { return true } })) jvms = cassandraPids()
    const w = window
    window = { sends: 0, acks: [], edits: 0, reactions: 0, reads: 0, reconnects: 0 }
    const ack = percentiles(w.acks)
    const caddyFds = openFds(caddy.pid)
    const s: Sample = {
      minute: minute(),
      apps: await Promise.all([0, 1].map((i) => sampleApp(apps, i))),
      caddy: { rssMB: rssBytes(caddy.pid) / MiB, fds: caddyFds.fds, logBytes: caddy.logBytes() },
      redis: await redisSample(redis, stack.redisPrefix),
      cassandra: { rssMB: jvms.reduce((n, pid) => { try { return n + rssBytes(pid) } catch { return n } }, 0) / MiB, jvms: jvms.length },
      generator: { rssMB: process.memoryUsage().rss / MiB, heapUsedMB: process.memoryUsage().heapUsed / MiB },
      load: {
        sends: w.sends, acknowledged: w.acks.length, ackP50Ms: ack.p50, ackP99Ms: ack.p99, edits: w.edits, reactions: w.reactions, reads: w.reads,
        failed: { ...failed }, reconnects: w.reconnects, connected: readers.filter((r) => r.connected).length,
      },
    }
    samples.push(s)
    const app = (a: AppSample | undefined, name: string) => (a
      ? `${name} rss ${a.rssMB.toFixed(0)} heap ${a.heapUsedMB?.toFixed(0)} MB lag p99 ${a.lagP99Ms?.toFixed(0)} ms sockets ${a.openSockets} fds ${a.fds}`
      : `${name} no answer (restarting?)`)
    say(`min ${s.minute.toFixed(1)}: ${app(s.apps[0], 'A')}; ${app(s.apps[1], 'B')}; redis ${s.redis.usedMB.toFixed(1)} MB; cassandra rss ${s.cassandra.rssMB.toFixed(0)} MB; ` +
      `${w.acks.length}/${w.sends} acked (p99 ${ack.p99.toFixed(0)} ms), ${s.load.connected} connected`)
  }
  await takeSample()
  const sampler = setInterval(() => void takeSample().catch((err: Error) => say(`sample failed: ${err.message}`)), SAMPLE_MS)
  cleanups.push(async () => clearInterval(sampler))
  await sleep(RUN_MS - (Date.now() - loadStart))
  clearInterval(loop)
  clearInterval(churn)
  clearInterval(sampler)
  await restarting
  await takeSample()
  say(`load stopped (${sent} sends); waiting for ${inflight.size} requests in flight`)
  await Promise.all(inflight)

  // ---- the count: every socket must hold every acknowledged message of its room, once ----
  const holdsAll = (r: Reader) => r.connected && acked[r.room]!.every((id) => r.seen.has(id))
  const settleStart = Date.now()
  while (!readers.every(holdsAll) && Date.now() - settleStart < 120_000) await sleep(500)
  await sleep(500)
  const ackedSets = acked.map((ids) => new Set(ids))
  let lost = 0
  let duplicated = 0
  let phantom = 0
  let reordered = 0
  let changedAgain = 0
  for (const r of readers) {
    lost += acked[r.room]!.filter((id) => !r.seen.has(id)).length
    phantom += [...r.seen.keys()].filter((id) => !ackedSets[r.room]!.has(id)).length
    duplicated += r.duplicated
    reordered += r.reordered
    changedAgain += r.changedAgain
  }
  const expected = readers.reduce((n, r) => n + acked[r.room]!.length, 0)
  const acknowledged = acked.reduce((n, ids) => n + ids.length, 0)
  const connections = readers.reduce((n, r) => n + r.connections, 0)
  const notConnected = readers.filter((r) => !r.connected).length

  // ---- slopes ----
  const after = samples.filter((s) => s.minute >= WARMUP_MIN)
  /** Per instance, its samples past the warm-up of the run and of its process, grouped by process. */
  const appPoints = (i: number, read: (a: AppSample) => number | undefined) => {
    const born = new Map<number, number>()
    for (const s of samples) { const a = s.apps[i]; if (a && !born.has(a.pid)) born.set(a.pid, s.minute) }
    const restartedAt = restarts.filter((r) => r.instance === 'AB'[i]).map((r) => r.minute)
    return after.flatMap((s): [number, number, number][] => {
      const a = s.apps[i]
      const v = a && read(a)
      if (!a || v === undefined) return []
      const start = Math.max(0, ...restartedAt.filter((m) => m <= born.get(a.pid)!))
      return s.minute - start >= WARMUP_MIN ? [[s.minute, v, a.pid]] : []
    })
  }
  const plain = (read: (s: Sample) => number): [number, number, number][] => after.map((s) => [s.minute, read(s), 0])
  const appFigure = (name: string, i: number, unit: string, read: (a: AppSample) => number | undefined) =>
    ({ name, unit, points: appPoints(i, read), of: (s: Sample) => { const a = s.apps[i]; return a && read(a) } })
  const figure = (name: string, unit: string, read: (s: Sample) => number) => ({ name, unit, points: plain(read), of: read })
  const figures = [
    appFigure('app A RSS', 0, 'MB', (a) => a.rssMB), appFigure('app B RSS', 1, 'MB', (a) => a.rssMB),
    appFigure('app A heap used', 0, 'MB', (a) => a.heapUsedMB), appFigure('app B heap used', 1, 'MB', (a) => a.heapUsedMB),
    appFigure('app A fds', 0, 'fds', (a) => a.fds), appFigure('app B fds', 1, 'fds', (a) => a.fds),
    figure('Caddy RSS', 'MB', (s) => s.caddy.rssMB), figure('Redis used_memory', 'MB', (s) => s.redis.usedMB),
    figure('Redis keys (this run)', 'keys', (s) => s.redis.keys), figure('Cassandra JVM RSS', 'MB', (s) => s.cassandra.rssMB),
    figure('load generator RSS', 'MB', (s) => s.generator.rssMB),
  ]
  const first = samples[0]!
  const last = samples.at(-1)!
  const fmt = (v: number | undefined, digits = 1) => (v === undefined || Number.isNaN(v) ? '–' : v.toFixed(digits))
  const table = figures.map(({ name, unit, points, of }) => {
    const all = samples.map(of).filter((v): v is number => v !== undefined)
    return { figure: name, unit, first: of(first), last: of(last), min: Math.min(...all), max: Math.max(...all), perHour: slopePerHour(points), points: points.length }
  })
  const lags = samples.flatMap((s) => s.apps.flatMap((a) => (a?.lagP99Ms === undefined ? [] : [a.lagP99Ms])))
  const lagMax = Math.max(...samples.flatMap((s) => s.apps.flatMap((a) => (a?.lagMaxMs === undefined ? [] : [a.lagMaxMs]))))
  const logBytes = last.apps.map((a, i) => a?.logBytes ?? apps.logBytes()[i]!)

  console.log(`\nsoak (${MINUTES} min, Cassandra at ${stack.contactPoints.join(',')}): ${samples.length} samples; slopes per hour over samples after minute ${WARMUP_MIN}` +
    ' (an instance: within each of its processes, each past its own first minutes of warm-up)')
  console.log('| figure | first | last | min | max | slope per hour | samples in slope |')
  console.log('|---|---|---|---|---|---|---|')
  for (const t of table) console.log(`| ${t.figure} (${t.unit}) | ${fmt(t.first)} | ${fmt(t.last)} | ${fmt(t.min)} | ${fmt(t.max)} | ${fmt(t.perHour)} | ${t.points} |`)
  console.log(`event-loop lag p99 per sample: median ${fmt(percentiles(lags).p50)} ms, worst ${fmt(Math.max(...lags))} ms; worst single lag ${fmt(lagMax)} ms`)
  console.log(`logs: app A ${(logBytes[0]! / 1024).toFixed(0)} KiB, app B ${(logBytes[1]! / 1024).toFixed(0)} KiB, Caddy ${(caddy.logBytes() / 1024).toFixed(0)} KiB ` +
    `(${(((logBytes[0]! + logBytes[1]!) / MiB) * (60 / MINUTES)).toFixed(1)} MiB/hour from the app)`)
  console.log(`restarts: ${restarts.map((r) => `${r.instance} at min ${r.minute.toFixed(1)} (stopped in ${r.stopMs} ms, started in ${r.startMs} ms)`).join(', ') || 'none'}`)
  console.log(`load: ${sent} sends, ${acknowledged} acknowledged; failed or retried requests: ${JSON.stringify(failed)}; ${connections} socket connections for ${USERS} sockets`)
  console.log(`deliveries: ${expected} expected, lost ${lost}, duplicated ${duplicated}, phantom ${phantom}, reordered ${reordered}, ` +
    `brought again with changes on resuming ${changedAgain}; ${notConnected} sockets not connected at the end`)

  const stamp = new Date(t0).toISOString().replace(/[:.]/g, '-')
  mkdirSync('bench/results', { recursive: true })
  const result = {
    kind: 'soak', startedAt: new Date(t0).toISOString(), minutes: MINUTES, users: USERS, rooms: ROOMS, roomSize: ROOM_SIZE, rate: RATE,
    sampleSeconds: SAMPLE_MS / 1000, warmupMinutes: WARMUP_MIN, contactPoints: stack.contactPoints,
    heapSource: 'prom-client nodejs_heap_size_used_bytes from each instance\'s GET /metrics (METRICS_LISTEN)',
    cassandraMemorySource: 'RSS of the JVM(s) listening on the contact points, from /proc',
    restarts, table, totals: { sent, acknowledged, failed, expected, lost, duplicated, phantom, reordered, changedAgain, connections, notConnected, logBytes, caddyLogBytes: caddy.logBytes() },
    samples,
  }
  writeFileSync(`bench/results/soak-${stamp}.json`, JSON.stringify(result, null, 1))
  const series = (name: string, read: (s: Sample) => number | undefined) => ({ name, points: samples.map((s): [number, number | undefined] => [s.minute, read(s)]) })
  const panels: Panel[] = [
    { title: 'app RSS', unit: 'MB', series: [series('A', (s) => s.apps[0]?.rssMB), series('B', (s) => s.apps[1]?.rssMB)] },
    { title: 'app heap used', unit: 'MB', series: [series('A', (s) => s.apps[0]?.heapUsedMB), series('B', (s) => s.apps[1]?.heapUsedMB)] },
    { title: 'app event-loop lag p99', unit: 'ms', series: [series('A', (s) => s.apps[0]?.lagP99Ms), series('B', (s) => s.apps[1]?.lagP99Ms)] },
    { title: 'app open fds / sockets', unit: 'count', series: [series('A fds', (s) => s.apps[0]?.fds), series('B fds', (s) => s.apps[1]?.fds), series('A sockets', (s) => s.apps[0]?.openSockets), series('B sockets', (s) => s.apps[1]?.openSockets)] },
    { title: 'Redis used_memory', unit: 'MB', series: [series('Redis', (s) => s.redis.usedMB)] },
    { title: 'Cassandra JVM RSS', unit: 'MB', series: [series('Cassandra', (s) => s.cassandra.rssMB)] },
    { title: 'Caddy RSS', unit: 'MB', series: [series('Caddy', (s) => s.caddy.rssMB)] },
    { title: 'app log', unit: 'MiB', series: [series('A', (s) => (s.apps[0] ? s.apps[0].logBytes / MiB : undefined)), series('B', (s) => (s.apps[1] ? s.apps[1].logBytes / MiB : undefined))] },
  ]
  writeFileSync(`bench/results/soak-${stamp}.svg`, chartsSvg(`rtc soak: ${MINUTES} min, ${USERS} sockets, ${RATE} sends/s, ${new Date(t0).toISOString().slice(0, 16)}Z`, panels, { marks: restarts.map((r) => r.minute) }))
  console.log(`samples: bench/results/soak-${stamp}.json, plot: bench/results/soak-${stamp}.svg`)

  const failures = [
    ...(lost ? [`${lost} deliveries lost`] : []), ...(duplicated ? [`${duplicated} deliveries duplicated`] : []),
    ...(acknowledged === 0 ? ['no send was acknowledged'] : []), ...(notConnected ? [`${notConnected} sockets not connected at the end`] : []),
  ]
  console.log(failures.length ? `soak FAILED: ${failures.join('; ')}` : 'soak passed: every socket got every message of its room exactly once')
  return failures.length === 0
}

let ok = false
try {
  ok = await main()
} catch (err) {
  console.error(`soak failed: ${(err as Error).stack ?? String(err)}`)
} finally {
  clearTimeout(watchdog)
  await cleanUp()
}
process.exit(ok ? 0 : 1)
