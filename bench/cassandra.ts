/**
 * `npm run bench:cassandra`: what a send costs the Cassandra node itself, in CPU of its JVM
 * (from /proc) per operation, at the paced rates chat traffic has. Three shapes over 100 rooms:
 * the product's append (the nonce note, then the conditional batch that claims the position),
 * the conditional batch alone, and the same rows as a plain (unconditional) batch. Run it alone
 * on the box with a node on 127.0.0.1:9042 (tools/cassandra/cassandra.sh start).
 * BENCH_RATES (comma-separated sends a second) and BENCH_SECONDS change the plan; TEST_CASSANDRA_CONTACT_POINTS
 * (host:port) and BENCH_CASSANDRA_PID measure another node.
 */
import { cassandraMessages } from '../src/store/cassandra/messages.ts'
import type { NewMessage } from '../src/store/ports.ts'
import { testKeyspace } from '../test/support/cassandra.ts'
import { cassandraPids, cassandraQuickJit, cpuSeconds } from './procs.ts'

const RATES = (process.env.BENCH_RATES ?? '50,200,400').split(',').map(Number)
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10)
const ROOMS = 100

/** The JVM measured: BENCH_CASSANDRA_PID, else the node tools/cassandra started (or any CassandraDaemon). */
function cassandraPid(): number {
  const pid = Number(process.env.BENCH_CASSANDRA_PID) || cassandraPids()[0]
  if (!pid) throw new Error('no Cassandra JVM found (tools/cassandra/cassandra.sh start)')
  return pid
}

let n = 0
const draft = (roomId: string): NewMessage => ({
  id: String(++n), roomId, authorId: 1 + (n % 10), authorLogin: 'bench', authorName: 'Bench', nonce: `n-${n}-${Math.random()}`,
  body: 'a message of a usual length, some forty or fifty characters', createdAt: new Date(),
})

/** Runs `op` at `rate` a second for `seconds`, open-loop; answers the node's CPU per op and the ops' p99. */
async function paced(pid: number, rate: number, seconds: number, op: (i: number) => Promise<unknown>) {
  const total = rate * seconds
  const latencies: number[] = []
  const inflight: Promise<unknown>[] = []
  const cpu0 = cpuSeconds(pid)
  const started = performance.now()
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate
    const wait = due - performance.now()
    if (wait > 1) await new Promise((r) => setTimeout(r, wait))
    const t = performance.now()
    inflight.push(op(i).then(() => latencies.push(performance.now() - t)))
  }
  await Promise.all(inflight)
  const cpu = cpuSeconds(pid) - cpu0
  latencies.sort((a, b) => a - b)
  return { cpuMsPerOp: (cpu * 1000) / total, p99Ms: latencies[Math.floor(latencies.length * 0.99)]! }
}

async function main() {
  const pid = cassandraPid()
  const ks = await testKeyspace()
  const store = cassandraMessages(ks.client)
  const rooms = Array.from({ length: ROOMS }, (_, i) => String(1000 + i))
  const claimRow = `UPDATE room_log SET last_pos = ? WHERE room_id = ? AND bucket = 0 IF last_pos = ?`
  const plainRow = `UPDATE room_log SET last_pos = ? WHERE room_id = ? AND bucket = 0`
  const insert = `INSERT INTO room_log (room_id, bucket, entry, pos, nonce_key, op, author_id, author_login, author_name, nonce, body, created_at, rev)
    VALUES (?, 0, 1, ?, '', 'create', 1, 'bench', 'Bench', ?, 'a message of a usual length', ?, ?)`
  const heads = new Map<string, number>()
  const batchOf = (roomId: string, conditional: boolean) => {
    const head = heads.get(roomId) ?? 0
    heads.set(roomId, head + 1)
    const room = String(BigInt(roomId) + 1_000_000n)
    return ks.client.batch([
      conditional ? { query: claimRow, params: [head + 1, room, head === 0 ? null : head] } : { query: plainRow, params: [head + 1, room] },
      { query: insert, params: [room, head + 1, `x${head}`, new Date(), head + 1] },
    ], { prepare: true })
  }
  const shapes: [string, (i: number) => Promise<unknown>][] = [
    ['product append (note + conditional batch)', (i) => store.appendMessage(draft(rooms[i % ROOMS]!))],
    ['conditional batch alone', (i) => batchOf(rooms[i % ROOMS]!, true)],
    ['plain batch, same rows', (i) => batchOf(String(5000 + (i % ROOMS)), false)],
  ]
  try {
    // Warm the JIT and the prepared statements before anything is measured.
    for (const [, op] of shapes) await paced(pid, 200, 5, op)
    console.log(`Cassandra JVM CPU per operation (pid ${pid}), ${ROOMS} rooms, ${SECONDS} s per step`)
    if (cassandraQuickJit()) console.log('  the node runs C1 only (-XX:TieredStopAtLevel=1, as tools/test.sh starts it): it costs more CPU per write than the full JIT operators run')
    console.log('shape                                        rate/s   ms CPU/op   p99 ms')
    for (const rate of RATES) {
      for (const [name, op] of shapes) {
        const r = await paced(pid, rate, SECONDS, op)
        console.log(`${name.padEnd(44)} ${String(rate).padStart(6)}   ${r.cpuMsPerOp.toFixed(2).padStart(9)}   ${r.p99Ms.toFixed(1).padStart(6)}`)
      }
    }
  } finally {
    await ks.drop()
  }
}

await main()
