/**
 * (e) The whole path: posting over HTTP to instance A, stored in the
 * configured message store (Cassandra when a node answers on 127.0.0.1:9042,
 * else PostgreSQL), woken through Redis and delivered by instance B, against
 * the product's transport alone at the same room size and rate.
 */
import { connect } from 'node:net'
import cassandra from 'cassandra-driver'
import { Redis } from 'ioredis'
import { createTestDatabase } from '../test/support/postgres.ts'
import { deleteKeysWithPrefix } from '../test/support/redis.ts'
import { percentiles, Probe } from './load.ts'
import { cpuSeconds, startPinned } from './procs.ts'
import { closeRooms, openRooms, startTransport, step } from './transport.ts'

const ORIGIN = 'http://localhost:8080'

const cassandraAnswers = () => new Promise<boolean>((resolve) => {
  const s = connect(9042, '127.0.0.1')
  s.once('connect', () => { s.destroy(); resolve(true) })
  s.once('error', () => resolve(false))
})

async function signIn(base: string, login: string): Promise<string> {
  const res = await fetch(`${base}/auth/local`, { method: 'POST', redirect: 'manual', body: new URLSearchParams({ login }), headers: { origin: ORIGIN } })
  return res.headers.getSetCookie()[0]!.split(';')[0]!
}

/** Leaves the shared Redis and Cassandra as they were: this run's keys and keyspace go. */
async function dropBenchState(prefix: string, keyspace: string | undefined) {
  const redis = new Redis('redis://127.0.0.1:6379')
  await deleteKeysWithPrefix(redis, prefix)
  redis.disconnect()
  if (!keyspace) return
  const client = new cassandra.Client({ contactPoints: ['127.0.0.1'], localDataCenter: 'datacenter1' })
  await client.connect()
  await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`)
  await client.shutdown()
}

export async function fullStack({ members, rate, measureMs }: { members: number; rate: number; measureMs: number }) {
  const database = await createTestDatabase()
  const useCassandra = await cassandraAnswers()
  const env: Record<string, string> = {
    DATABASE_URL: database.url, REDIS_URL: 'redis://127.0.0.1:6379', REDIS_PREFIX: `rtcbench:${process.pid}:`,
    LOCAL_LOGIN: 'true', HOST: '127.0.0.1', PUBLIC_URL: ORIGIN, LOG_LEVEL: 'warn', RATE_LIMITS: 'off',
    ...(useCassandra ? { CASSANDRA_CONTACT_POINTS: '127.0.0.1', CASSANDRA_KEYSPACE: `rtc_bench_${process.pid}` } : {}),
  }
  const [portA, portB] = [9500, 9501]
  const a = await startPinned('src/main.ts', [], { core: 0, port: portA, env: { ...env, PORT: String(portA), INSTANCE_ID: '1', LOG_LEVEL: 'info' }, ready: /rtc started/ })
  const b = await startPinned('src/main.ts', [], { core: 0, port: portB, env: { ...env, PORT: String(portB), INSTANCE_ID: '2', LOG_LEVEL: 'info' }, ready: /rtc started/ })
  const [baseA, baseB] = [`http://127.0.0.1:${portA}`, `http://127.0.0.1:${portB}`]
  const rows: Record<string, unknown>[] = []
  const probes: Probe[] = []
  try {
    const poster = await signIn(baseA, 'poster')
    const created = await fetch(`${baseA}/rooms`, { method: 'POST', redirect: 'manual', body: new URLSearchParams({ name: 'Bench room' }), headers: { cookie: poster, origin: ORIGIN } })
    const slug = created.headers.get('location')!.replace('/rooms/', '')
    const cookies = await Promise.all(Array.from({ length: Math.min(10, members) }, (_, i) => signIn(baseB, `member${i}`)))
    for (const cookie of cookies) await fetch(`${baseB}/rooms/${slug}/join`, { method: 'POST', redirect: 'manual', headers: { cookie, origin: ORIGIN } })
    for (let i = 0; i < members; i++) {
      const p = new Probe(`ws://127.0.0.1:${portB}/ws?room=${slug}`, { cookie: cookies[i % cookies.length]!, origin: ORIGIN })
      await p.ready
      probes.push(p)
    }
    const stamped = () => probes.reduce((n, p) => n + p.latencies.length, 0)
    const acks: number[] = []
    const cpuBefore = cpuSeconds(a.pid) + cpuSeconds(b.pid)
    const start = process.hrtime.bigint()
    const interval = 1e9 / rate
    const total = Math.floor((rate * measureMs) / 1000)
    const inflight: Promise<void>[] = []
    let failures = 0
    for (let i = 0; i < total;) {
      const due = Math.min(total, Math.floor(Number(process.hrtime.bigint() - start) / interval) + 1)
      for (; i < due; i++) {
        const t = start + BigInt(Math.round(i * interval))
        inflight.push(fetch(`${baseA}/rooms/${slug}/messages`, {
          method: 'POST', headers: { cookie: poster, origin: ORIGIN, 'hx-request': 'true' },
          body: new URLSearchParams({ body: `t=${String(t).padStart(20, '0')};s=${String(i).padStart(10, '0')}`, nonce: crypto.randomUUID() }),
        }).then(async (res) => {
          await res.arrayBuffer()
          if (res.status !== 200) failures++
          acks.push(Number(process.hrtime.bigint() - t) / 1e6)
        }))
      }
      await new Promise((r) => setTimeout(r, 1))
    }
    await Promise.all(inflight)
    const expected = total * members
    const deadline = Date.now() + 10_000
    while (stamped() < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    const elapsed = Number(process.hrtime.bigint() - start) / 1e9
    const delivered = stamped()
    const cpu = cpuSeconds(a.pid) + cpuSeconds(b.pid) - cpuBefore
    rows.push({
      kind: 'full stack', note: `HTTP→${useCassandra ? 'Cassandra' : 'PostgreSQL'}→Redis→B`, rate, expected, delivered, lost: expected - delivered + failures,
      deliveredPerSecond: Math.round(delivered / elapsed), latencyMs: percentiles(probes.flatMap((p) => p.latencies)),
      ackMs: percentiles(acks), cpuUsPerDelivery: (cpu * 1e6) / Math.max(1, delivered),
    })
    process.stderr.write(`full stack: p99 ${percentiles(probes.flatMap((p) => p.latencies)).p99.toFixed(1)} ms, ack p99 ${percentiles(acks).p99.toFixed(1)} ms, lost ${expected - delivered}\n`)
  } finally {
    for (const p of probes) p.close()
    await Promise.all([a.stop(), b.stop()])
    await database.drop()
    await dropBenchState(env.REDIS_PREFIX!, useCassandra ? env.CASSANDRA_KEYSPACE : undefined)
  }

  const transport = await startTransport('product')
  const rooms = await openRooms(transport, 1, members)
  try {
    const r = await step(transport, rooms, rate, 1000, measureMs)
    rows.push({ kind: 'product', note: 'transport only', ...r })
  } finally {
    closeRooms(rooms)
    await transport.stop()
  }
  return rows
}
