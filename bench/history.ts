/**
 * `npm run bench:history`: the message stores side by side, in one run.
 * For Cassandra and PostgreSQL: appends per second (one room, one writer) and
 * the time to fetch a 50-message page, newest and 10,000 messages deep.
 * A benchmark, not a test: it needs PostgreSQL and a Cassandra node running
 * (tools/cassandra/cassandra.sh start) and prints a table.
 */
import { idMaker } from '../src/messages/ids.ts'
import { createLogger } from '../src/log.ts'
import { connectCassandra } from '../src/store/cassandra/connect.ts'
import { cassandraMessages } from '../src/store/cassandra/messages.ts'
import { openDatabase } from '../src/store/postgres/connect.ts'
import { postgresMessages } from '../src/store/postgres/messages.ts'
import { migrate } from '../src/store/postgres/migrate.ts'
import { postgresRooms } from '../src/store/postgres/rooms.ts'
import { postgresUsers } from '../src/store/postgres/users.ts'
import type { MessageStore } from '../src/store/ports.ts'
import { createTestDatabase } from '../test/support/postgres.ts'

const DEPTH = Number(process.env.BENCH_DEPTH ?? 10_000)
const PAGE = 50
const SAMPLES = 30

const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!
const ms = (n: number) => n.toFixed(2)

async function measure(name: string, store: MessageStore, roomId: string, authorId: number) {
  const nextId = idMaker(1)
  const started = performance.now()
  const ids: string[] = []
  for (let i = 0; i < DEPTH + PAGE; i++) {
    const { message } = await store.appendMessage({
      id: nextId(), roomId, authorId, authorLogin: 'bench', authorName: 'Bench', nonce: `bench-${name}-${i}`,
      body: `message ${i} `.padEnd(120, '.'), createdAt: new Date(),
    })
    ids.push(message.id)
  }
  const appendSeconds = (performance.now() - started) / 1000
  const time = async (before: string | undefined) => {
    const samples: number[] = []
    for (let i = 0; i < SAMPLES; i++) {
      const t = performance.now()
      const page = await store.pageBefore(roomId, before, PAGE)
      samples.push(performance.now() - t)
      if (page.length !== PAGE) throw new Error(`${name}: page of ${page.length}, expected ${PAGE}`)
    }
    return samples
  }
  const newest = await time(undefined)
  const deep = await time(ids[PAGE]!)
  return { name, appendsPerSecond: Math.round(ids.length / appendSeconds), newest, deep }
}

const log = createLogger('warn')
const database = await createTestDatabase()
const keyspace = `rtc_bench_${process.pid}`
const db = await openDatabase({ url: database.url, dataDir: '' })
const cassandra = await connectCassandra({ contactPoints: ['127.0.0.1'], localDc: 'datacenter1', keyspace, replication: '1', consistency: 'one' }, log, { attempts: 1 })
try {
  await migrate(db.sql)
  const user = await postgresUsers(db.sql).upsertLocalUser('bench')
  const room = await postgresRooms(db.sql).createRoom({ name: 'Bench', slug: 'bench', visibility: 'public', createdBy: user.id })
  const results = [
    await measure('cassandra', cassandraMessages(cassandra), room.id, user.id),
    await measure('postgres', postgresMessages(db.sql), room.id, user.id),
  ]
  console.log(`\nmessage history, ${DEPTH} messages in one room, ${SAMPLES} fetches of ${PAGE} per row (ms)\n`)
  console.log('store      appends/s  newest p50  newest p95  deep p50  deep p95')
  for (const r of results) {
    console.log(`${r.name.padEnd(10)} ${String(r.appendsPerSecond).padStart(9)}  ${ms(percentile(r.newest, 0.5)).padStart(10)}  ${ms(percentile(r.newest, 0.95)).padStart(10)}  ${ms(percentile(r.deep, 0.5)).padStart(8)}  ${ms(percentile(r.deep, 0.95)).padStart(8)}`)
  }
} finally {
  await cassandra.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`)
  await cassandra.shutdown()
  await db.close()
  await database.drop()
}
