import cassandra from 'cassandra-driver'
import postgres from 'postgres'
import { cassandraMessages } from '../../src/store/cassandra/messages.ts'
import { CASSANDRA_CONTACT_POINTS } from './cassandra.ts'
import { createdIdsIn, ORIGIN, openSocket, signIn, startChatServer, type TestSocket } from './chat.ts'
import { cqlProxy, type CqlProxy } from './cqlProxy.ts'
import { startServerProcess, type ServerProcess } from './process.ts'
import { createTestDatabase } from './postgres.ts'
import { REDIS_URL, testRedisPrefix } from './redis.ts'

/**
 * Two or more app instances sharing PostgreSQL, Redis and a Cassandra
 * keyspace, each talking to Cassandra through a CQL proxy of its own that can
 * cut or hold it at a chosen statement; a writer that retries a failed send
 * with the same nonce on the next instance; readers that resume with `since`
 * after every close, as the page does; and a checker that counts what each
 * reader and the store got wrong.
 */
/** An app instance as writers and readers see it: where it answers (a restarted one answers elsewhere), and whether it is up. */
export interface Endpoint {
  readonly url: string
  alive: boolean
}

export interface Instance extends Endpoint {
  readonly proxy: CqlProxy
  /** Stops it: gracefully (SIGTERM-like close) or, for a process, with SIGKILL. */
  stop(): Promise<void>
}

/** What a fault room needs: the instances, PostgreSQL (room ids) and a Cassandra client of its own (what is stored). */
export interface RoomContext {
  readonly instances: readonly Endpoint[]
  readonly sql: postgres.Sql
  readonly direct: InstanceType<typeof cassandra.Client>
  readonly bucketPositions: number
}

export interface SendOptions {
  /** The instance tried first; later tries go round the others. */
  first?: number
  /** How long one try may go unanswered before the next instance is tried. */
  patienceMs?: number
  /** Keep trying until this long has passed (else 40 tries): for outages longer than a few seconds. */
  giveUpMs?: number
}

export interface Tally {
  acknowledged: number
  lost: number
  duplicated: number
  reordered: number
  phantom: number
  /** Nonces stored more than once. */
  doubledNonces: number
}

const [cassandraHost, cassandraPort = '9042'] = CASSANDRA_CONTACT_POINTS[0]!.split(':')
export const BUCKET_POSITIONS = 8

export async function faultWorld() {
  const database = await createTestDatabase()
  const redis = await testRedisPrefix()
  const keyspace = `rtc_faults_${process.pid}_${Math.random().toString(36).slice(2, 8)}`
  const instances: Instance[] = []
  const env = (proxy: CqlProxy, id: number) => ({
    DATABASE_URL: database.url, REDIS_URL, REDIS_PREFIX: redis.prefix, INSTANCE_ID: String(id), RATE_LIMITS: 'off',
    CASSANDRA_CONTACT_POINTS: `127.0.0.1:${proxy.port}`, CASSANDRA_KEYSPACE: keyspace,
    // Small partitions: every round crosses bucket edges, opens buckets and checks earlier tries' markers.
    CASSANDRA_BUCKET_POSITIONS: String(BUCKET_POSITIONS),
  })
  const target = { host: cassandraHost!, port: Number(cassandraPort) }

  /** An instance in this process; `stop` closes it as SIGTERM would. */
  async function startInProcess(): Promise<Instance> {
    const proxy = await cqlProxy(target)
    const server = await startChatServer(env(proxy, instances.length + 1))
    const instance: Instance = { url: server.url, proxy, alive: true, async stop() { instance.alive = false; await server.close() } }
    instances.push(instance)
    return instance
  }

  /** An instance as a process of its own; `stop` kills it with SIGKILL, mid-whatever. */
  async function startProcess(): Promise<Instance> {
    const proxy = await cqlProxy(target)
    const child: ServerProcess = await startServerProcess({ ...env(proxy, instances.length + 1), PUBLIC_URL: ORIGIN, LOCAL_LOGIN: 'true', LOG_LEVEL: 'info' })
    const instance: Instance = { url: child.url, proxy, alive: true, async stop() { instance.alive = false; await child.stop('SIGKILL') } }
    instances.push(instance)
    return instance
  }

  await startInProcess()
  await startInProcess()
  const sql = postgres(database.url, { max: 1, onnotice: () => {} })
  const direct = new cassandra.Client({ contactPoints: CASSANDRA_CONTACT_POINTS, localDataCenter: 'datacenter1', keyspace })
  await direct.connect()

  return {
    instances,
    startInProcess,
    startProcess,

    /** A public room with a writer and `readers` members, each reading from instance i % 2. */
    room: (name: string, readers = 4) => faultRoom({ instances, sql, direct, bucketPositions: BUCKET_POSITIONS }, name, readers),

    async close() {
      for (const i of instances) if (i.alive) await i.stop().catch(() => {})
      for (const i of instances) await i.proxy.close()
      await sql.end()
      await direct.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`).catch(() => {})
      await direct.shutdown()
      await redis.cleanup()
      await database.drop()
    },
  }
}

/**
 * A public room with a writer and `readers` members, each reading from instance i % 2 (and resuming
 * with `since` wherever it can after any close); `tally` counts what they and the store got wrong.
 */
export async function faultRoom({ instances, sql, direct, bucketPositions }: RoomContext, name: string, readers = 4) {
  const home = () => instances.find((i) => i.alive) ?? instances[0]!
  const writer = await signIn(home().url, `writer-${name}`.slice(0, 39))
  const slug = await writer.createRoom(name)
  const people = await Promise.all(Array.from({ length: readers }, (_, i) => signIn(home().url, `reader${i}-${name}`.slice(0, 39))))
  for (const p of people) await p.form(`/rooms/${slug}/join`, {})
  const [row] = await sql<{ id: string }[]>`SELECT id::text FROM rooms WHERE slug = ${slug}`
  const roomId = row!.id
  const acked = new Map<string, string>()
  const live = people.map((p, i) => resumingReader(instances, i % 2, slug, p.cookie))
  await Promise.all(live.map((r) => r.ready))

  /** Answers seen, by status (`none` for no answer in time); and the texts of the 503s. */
  const answers = new Map<number | 'none', number>()
  const unavailable = new Set<string>()
  const count = (status: number | 'none') => answers.set(status, (answers.get(status) ?? 0) + 1)

  /**
   * POSTs the form as the page does, to instance `first` and then the next ones after any failure or
   * silence longer than `patienceMs`, the same form each time; answers the first 2xx's text.
   */
  async function untilAcknowledged(path: string, form: Record<string, string>, what: string, { first = 0, patienceMs = 1_500, giveUpMs }: SendOptions = {}) {
    const started = Date.now()
    for (let attempt = 0; giveUpMs === undefined ? attempt < 40 : Date.now() - started < giveUpMs; attempt++) {
      const target = instances[(first + attempt) % instances.length]!
      if (!target.alive) {
        await new Promise((r) => setTimeout(r, 50))
        continue
      }
      try {
        const res = await fetch(`${target.url}${path}`, {
          method: 'POST', body: new URLSearchParams(form), redirect: 'manual',
          headers: { cookie: writer.cookie, origin: ORIGIN, 'hx-request': 'true' }, signal: AbortSignal.timeout(patienceMs),
        })
        const text = await res.text()
        count(res.status)
        if (res.ok) return text
        if (res.status === 503) unavailable.add(/<p data-reason[^>]*>([^<]*)<\/p>/.exec(text)?.[1] ?? text.slice(0, 200))
      } catch { count('none') /* no answer: try the next instance */ }
      // A long outage is waited out without hammering it.
      await new Promise((r) => setTimeout(r, giveUpMs === undefined ? 50 : Math.min(50 * 2 ** Math.min(attempt, 4), 500)))
    }
    throw new Error(`${what} was never acknowledged`)
  }

  /** Sends until an instance acknowledges it, with one nonce for every try; answers the id. */
  async function send(body: string, options: SendOptions = {}): Promise<string> {
    const nonce = crypto.randomUUID()
    const answer = await untilAcknowledged(`/rooms/${slug}/messages`, { body, nonce }, `send "${body}"`, options)
    const id = /data-key="(\d+)"/.exec(answer)?.[1]
    if (!id) throw new Error(`send "${body}" was answered without a message`)
    acked.set(nonce, id)
    return id
  }

  /** Edits as the page does, retrying on the next instance after a failure. */
  async function edit(id: string, body: string, options: SendOptions = {}) {
    await untilAcknowledged(`/rooms/${slug}/messages/${id}`, { body }, `edit of ${id}`, options)
  }

  return {
    slug, send, edit, readers: live, answers, unavailable,

    /** Waits until every reader holds every acknowledged message (or gives up), then counts. */
    async tally(settleMs = 20_000): Promise<Tally & { perReader: Tally[]; doubled: { nonce: string; ids: string[]; acked: string | undefined }[] }> {
      const want = [...acked.values()]
      const start = Date.now()
      while (live.some((r) => !want.every((id) => r.ids().includes(id))) && Date.now() - start < settleMs) {
        await new Promise((r) => setTimeout(r, 50))
      }
      await new Promise((r) => setTimeout(r, 300))
      const ackedIds = new Set(want)
      const perReader = live.map((r) => {
        // A frame inserts its messages by id (htmx's sorted upsert): within one frame order does not matter.
        // A message seen again with other content is an edit brought as new, not a duplicate.
        const seen = new Map<string, string>()
        let duplicated = 0
        let reordered = 0
        let highest = 0n
        for (const frame of r.frames()) {
          if (!frame.startsWith('<div id="messages"')) continue
          const articles = [...frame.matchAll(/<article id="m-(\d+)"[\s\S]*?<\/article>/g)].map((m) => [m[1]!, m[0]] as const)
          for (const [id, html] of articles.sort(([a], [b]) => (BigInt(a) < BigInt(b) ? -1 : 1))) {
            if (process.env.FAULT_DEBUG) r.trace.push(`${id}${seen.has(id) ? (seen.get(id) === html ? '=' : '~') : ''}`)
            if (seen.has(id)) {
              if (seen.get(id) === html) duplicated++
              seen.set(id, html)
              continue
            }
            seen.set(id, html)
            // An edited or deleted message a reader first meets through its change comes in the change's
            // place (the page inserts it in id order); only messages as first sent must come in id order.
            if (/class="edited"|class="msg deleted/.test(html)) continue
            if (BigInt(id) < highest) reordered++
            else highest = BigInt(id)
          }
        }
        return {
          acknowledged: ackedIds.size, duplicated, reordered,
          lost: want.filter((id) => !seen.has(id)).length,
          phantom: [...seen.keys()].filter((id) => !ackedIds.has(id)).length,
          doubledNonces: 0,
        }
      })
      const stored = await cassandraMessages(direct, { bucketPositions }).pageBefore(roomId!, undefined, 10_000)
      const perNonce = new Map<string, string[]>()
      for (const m of stored) perNonce.set(m.nonce, [...(perNonce.get(m.nonce) ?? []), m.id])
      const sum = (k: keyof Tally) => perReader.reduce((n, t) => n + t[k], 0)
      return {
        acknowledged: ackedIds.size,
        lost: sum('lost'), duplicated: sum('duplicated'), reordered: sum('reordered'),
        phantom: sum('phantom') + stored.filter((m) => !ackedIds.has(m.id)).length,
        doubledNonces: [...perNonce.values()].filter((ids) => ids.length > 1).length,
        doubled: [...perNonce].filter(([, ids]) => ids.length > 1).map(([nonce, ids]) => ({ nonce, ids, acked: acked.get(nonce) })),
        perReader,
      }
    },

    /** The newest frame each reader got that carries message `id`. */
    lastFrameOf: (id: string) => live.map((r) => r.frames().filter((f) => f.includes(`id="m-${id}"`)).at(-1)),
    close: () => Promise.all(live.map((r) => r.stop())),
  }
}

/** A member's tab: a socket to one instance that, whenever it closes, comes back (to a live instance) with `since`. */
function resumingReader(instances: readonly Endpoint[], home: number, slug: string, cookie: string) {
  const done: string[] = []
  let current: TestSocket | undefined
  let stopped = false
  let connections = 0
  const ids = () => [...done, ...(current?.frames ?? [])].flatMap(createdIdsIn)
  const since = () => ids().reduce((max, id) => (BigInt(id) > BigInt(max) ? id : max), '0')

  async function open(): Promise<void> {
    for (let attempt = 0; !stopped; attempt++) {
      const candidates = [instances[home]!, ...instances].filter((i) => i.alive)
      const target = candidates[attempt % candidates.length]
      try {
        if (!target) throw new Error('no instance alive')
        // As the page does: it always knows the newest id it holds, '0' in a room it opened empty.
        const s = await openSocket(target.url, slug, since(), { cookie, origin: ORIGIN })
        connections++
        current = s
        void s.closed.then(() => {
          done.push(...s.frames)
          if (current === s) current = undefined
          if (!stopped) setTimeout(() => void open(), 20)
        })
        return
      } catch {
        await new Promise((r) => setTimeout(r, 100))
      }
    }
  }

  return {
    /** With FAULT_DEBUG: each message as it first came, `=` a repeat, `~` an update; `|` a new connection. */
    trace: [] as string[],
    ready: open(),
    ids,
    frames: () => [...done, ...(current?.frames ?? [])],
    connections: () => connections,
    async stop() {
      stopped = true
      await current?.close()
    },
  }
}
