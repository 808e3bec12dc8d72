/**
 * The whole product for the full-stack scenarios: a database, a Redis key
 * prefix and (when a node answers on 127.0.0.1:9042) a Cassandra keyspace of
 * this run's own, and app instances started fresh per scenario on core 0 with
 * rate limits off. Everything the run created goes when it closes.
 */
import { connect } from 'node:net'
import cassandra from 'cassandra-driver'
import { Redis } from 'ioredis'
import { createTestDatabase } from '../test/support/postgres.ts'
import { deleteKeysWithPrefix } from '../test/support/redis.ts'
import { cassandraPids, cassandraQuickJit, cpuSeconds, freePort, pidsNamed, rssBytes, startPinned, type ServerProcess } from './procs.ts'

export const ORIGIN = 'http://localhost:8080'

/** CASSANDRA_CONTACT_POINTS (one node, or the three of tools/cassandra/cluster.sh); the single test node by default. */
const contactPoints = (process.env.CASSANDRA_CONTACT_POINTS ?? '127.0.0.1').split(',').map((p) => p.trim()).filter(Boolean)

const cassandraAnswers = () => new Promise<boolean>((resolve) => {
  const [host, port = '9042'] = contactPoints[0]!.split(':')
  const s = connect(Number(port), host!)
  s.once('connect', () => { s.destroy(); resolve(true) })
  s.once('error', () => resolve(false))
})

export interface Instances {
  readonly bases: string[]
  /** Their process ids, in the order of `bases` (a restarted instance's new one). */
  readonly pids: number[]
  /** With `metrics`: where each serves `GET /metrics` (METRICS_LISTEN), in the same order. */
  readonly metrics: string[]
  /** Bytes each has logged (stdout and stderr), its processes before a restart included. */
  logBytes(): number[]
  /** Stops instance `i` (SIGTERM: it finishes what it is doing) and starts it again on the same port; answers how long each took. */
  restart(i: number): Promise<{ stopMs: number; startMs: number }>
  /** CPU seconds the instances have used, together. */
  cpu(): number
  /** Resident memory of the instances, together, in bytes. */
  rss(): number
  stop(): Promise<void>
}

export interface Stack {
  /** Where messages are stored: 'Cassandra' or 'PostgreSQL'. */
  readonly store: string
  /** The Cassandra contact points the instances use (CASSANDRA_CONTACT_POINTS, default 127.0.0.1), when messages go there. */
  readonly contactPoints: string[]
  /** This run's Redis key prefix. */
  readonly redisPrefix: string
  /**
   * Starts `count` app instances on core 0, one after the other (the first creates the schema); `postgresMessages`: messages in PostgreSQL even when Cassandra answers;
   * `nodeArgs`: Node flags for the instances (profiling); `metrics`: each serves GET /metrics on a loopback port of its own;
   * `pinned: false`: on any core (the soak, whose load generator is not pinned either).
   */
  instances(count: number, options?: { postgresMessages?: boolean; nodeArgs?: string[]; env?: Record<string, string>; metrics?: boolean; pinned?: boolean }): Promise<Instances>
  /**
   * The processes behind the app, by name, for their CPU: the Cassandra JVM (only when messages go there), every process named `postgres`
   * (the server's backends and background workers, this run's and anyone else's on the box) and redis-server.
   */
  services(): Record<string, () => number[]>
  close(): Promise<void>
}

export async function openStack(): Promise<Stack> {
  const database = await createTestDatabase()
  const useCassandra = await cassandraAnswers()
  const prefix = `rtcbench:${process.pid}:`
  const keyspace = `rtc_bench_${process.pid}`
  const env: Record<string, string> = {
    DATABASE_URL: database.url, REDIS_URL: 'redis://127.0.0.1:6379', REDIS_PREFIX: prefix, RATE_LIMITS: 'off',
    LOCAL_LOGIN: 'true', HOST: '127.0.0.1', PUBLIC_URL: ORIGIN, LOG_LEVEL: 'info',
    ...(useCassandra ? {
      CASSANDRA_CONTACT_POINTS: contactPoints.join(','), CASSANDRA_KEYSPACE: keyspace,
      // A cluster's keyspace is replicated to three nodes, as faults:cluster makes it.
      ...(contactPoints.length >= 3 ? { CASSANDRA_REPLICATION: 'datacenter1:3' } : {}),
    } : {}),
  }
  const quickJit = useCassandra && cassandraQuickJit()
  if (quickJit) console.warn('bench: the Cassandra node runs C1 only (started for tests); restart it with tools/cassandra/cassandra.sh for figures operators would see')
  return {
    store: useCassandra ? (quickJit ? 'Cassandra (C1 only)' : 'Cassandra') : 'PostgreSQL',
    contactPoints: useCassandra ? contactPoints : [],
    redisPrefix: prefix,
    async instances(count, { postgresMessages = false, nodeArgs, env: extra = {}, metrics = false, pinned = true } = {}) {
      const procs: ServerProcess[] = []
      const envs: Record<string, string>[] = []
      const logged: number[] = []
      const { CASSANDRA_CONTACT_POINTS: _points, CASSANDRA_KEYSPACE: _keyspace, CASSANDRA_REPLICATION: _replication, ...withoutCassandra } = env
      const start = (i: number) => startPinned('src/main.ts', [], { core: pinned ? 0 : undefined, port: Number(envs[i]!.PORT), env: envs[i], ready: /rtc started/, nodeArgs })
      try {
        for (let i = 0; i < count; i++) {
          const port = await freePort()
          envs.push({
            ...(postgresMessages ? withoutCassandra : env), ...extra, PORT: String(port), INSTANCE_ID: String(i + 1),
            ...(metrics ? { METRICS_LISTEN: `127.0.0.1:${await freePort()}` } : {}),
          })
          logged.push(0)
          procs.push(await start(i))
        }
      } catch (err) {
        await Promise.all(procs.map((p) => p.stop()))
        throw err
      }
      const pids = procs.map((p) => p.pid)
      return {
        bases: procs.map((p) => `http://127.0.0.1:${p.port}`),
        pids,
        metrics: metrics ? envs.map((e) => `http://${e.METRICS_LISTEN}/metrics`) : [],
        logBytes: () => procs.map((p, i) => logged[i]! + p.outputBytes()),
        async restart(i) {
          const t = Date.now()
          await procs[i]!.stop()
          logged[i]! += procs[i]!.outputBytes()
          const stopMs = Date.now() - t
          procs[i] = await start(i)
          pids[i] = procs[i]!.pid
          return { stopMs, startMs: Date.now() - t - stopMs }
        },
        cpu: () => procs.reduce((n, p) => n + cpuSeconds(p.pid), 0),
        rss: () => procs.reduce((n, p) => n + rssBytes(p.pid), 0),
        stop: async () => void (await Promise.all(procs.map((p) => p.stop()))),
      }
    },
    services: () => ({
      ...(useCassandra ? { cassandra: cassandraPids } : {}),
      postgres: () => pidsNamed('postgres'),
      redis: () => pidsNamed('redis-server'),
    }),
    async close() {
      await database.drop()
      const redis = new Redis('redis://127.0.0.1:6379')
      await deleteKeysWithPrefix(redis, prefix)
      redis.disconnect()
      if (!useCassandra) return
      const client = new cassandra.Client({ contactPoints, localDataCenter: 'datacenter1' })
      await client.connect()
      await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`)
      await client.shutdown()
    },
  }
}

const form = (base: string, path: string, cookie: string | undefined, body: Record<string, string> = {}) =>
  fetch(`${base}${path}`, {
    method: 'POST', redirect: 'manual', body: new URLSearchParams(body), headers: { origin: ORIGIN, ...(cookie ? { cookie } : {}) }, signal: AbortSignal.timeout(10_000),
  })

/** Signs a local user in; answers the session cookie. */
export async function signIn(base: string, login: string): Promise<string> {
  const res = await form(base, '/auth/local', undefined, { login })
  const cookie = res.headers.getSetCookie()[0]?.split(';')[0]
  if (!cookie) throw new Error(`sign-in of ${login} refused: ${res.status}`)
  return cookie
}

/** Creates a room as `cookie`'s user (who becomes its member) and answers its slug. */
export async function createRoom(base: string, cookie: string, name: string): Promise<string> {
  const res = await form(base, '/rooms', cookie, { name })
  const location = res.headers.get('location')
  if (!location?.startsWith('/rooms/')) throw new Error(`room ${name} not created: ${res.status}`)
  return location.replace('/rooms/', '')
}

export async function joinRoom(base: string, cookie: string, slug: string): Promise<void> {
  const res = await form(base, `/rooms/${slug}/join`, cookie)
  if (res.status >= 400) throw new Error(`join of ${slug} refused: ${res.status}`)
}

/** Sends a message as the page does (htmx, with a nonce); answers the response's status (200: acknowledged). */
export async function sendMessage(base: string, cookie: string, slug: string, body: string): Promise<number> {
  const res = await fetch(`${base}/rooms/${slug}/messages`, {
    method: 'POST', headers: { cookie, origin: ORIGIN, 'hx-request': 'true' },
    body: new URLSearchParams({ body, nonce: crypto.randomUUID() }), signal: AbortSignal.timeout(10_000),
  })
  await res.arrayBuffer()
  return res.status
}

/** Runs `task` over `items`, `parallel` at a time. */
export async function inParallel<T, R>(items: readonly T[], parallel: number, task: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      out[i] = await task(items[i]!, i)
    }
  }
  await Promise.all(Array.from({ length: Math.min(parallel, items.length) }, worker))
  return out
}
