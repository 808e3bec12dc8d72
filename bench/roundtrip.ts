/**
 * `npm run bench:roundtrip [-- messages big]`: a room's round trip through its JSON export, and the export's memory
 * (either part left out when its count is 0).
 *
 * 1. On each store (PostgreSQL; Cassandra with PostgreSQL beside it): a room of `messages` (10,000) written by five
 *    people, one in 7 a reply, one in 5 with reactions, one in 11 edited, one in 50 with a file; exported with its
 *    files (`GET /rooms/:room/export?format=json&files=1`), imported into a fresh instance (`importRtc`, what
 *    `npm run import:rtc` runs), then checked message by message (order, author, body, times, reactions, reply, files).
 * 2. A room of `big` (100,000) messages on PostgreSQL, exported as JSON by a separate process whose RSS is read from
 *    /proc every 100 ms: at the export's start, its peak, and its end.
 *
 * Needs the test services (PostgreSQL on 127.0.0.1:5432, Cassandra on 127.0.0.1:9042).
 */
import { spawn } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import cassandra from 'cassandra-driver'
import { importFiles } from '../src/import/files.ts'
import type { SlackImportDeps } from '../src/import/importer.ts'
import { progressLine } from '../src/import/progress.ts'
import { importRtc } from '../src/import/rtc.ts'
import { idMaker } from '../src/messages/ids.ts'
import { cassandraMessages } from '../src/store/cassandra/messages.ts'
import type { MessageStore } from '../src/store/ports.ts'
import { openDatabase, type Database } from '../src/store/postgres/connect.ts'
import { migrate } from '../src/store/postgres/migrate.ts'
import { postgresMessages } from '../src/store/postgres/messages.ts'
import { postgresModeration } from '../src/store/postgres/moderation.ts'
import { postgresReadState } from '../src/store/postgres/readState.ts'
import { postgresRooms } from '../src/store/postgres/rooms.ts'
import { postgresSlackImports } from '../src/store/postgres/slackImports.ts'
import { postgresUploads } from '../src/store/postgres/uploads.ts'
import { postgresUsers } from '../src/store/postgres/users.ts'
import { uploadFiles } from '../src/uploads/files.ts'
import { appOn, browser } from '../test/support/app.ts'
import { testKeyspace } from '../test/support/cassandra.ts'
import { createTestDatabase } from '../test/support/postgres.ts'
import { allMessages, differences, fillRoom } from '../test/support/roundtrip.ts'

const PEOPLE = ['ann', 'bob', 'cid', 'dee', 'eve'].map((n) => `bench-${n}`)
const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`
const mb = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(bytes < 10 * 1024 ** 2 ? 1 : 0)} MB`

interface Instance { db: Database; messages: MessageStore; dataDir: string; app: ReturnType<typeof appOn>['app']; url: string; keyspace?: string | undefined; close(): Promise<void> }

async function instance(store: 'postgres' | 'cassandra'): Promise<Instance> {
  const test = await createTestDatabase()
  const db = await openDatabase({ url: test.url, dataDir: '' })
  await migrate(db.sql)
  const ks = store === 'cassandra' ? await testKeyspace() : undefined
  const dataDir = await mkdtemp(join(tmpdir(), 'rtc-bench-roundtrip-'))
  const messages = ks ? cassandraMessages(ks.client) : postgresMessages(db.sql)
  return {
    db, messages, dataDir, url: test.url, keyspace: ks?.keyspace,
    app: appOn(db, { env: { DATA_DIR: dataDir, LOG_LEVEL: 'warn' }, deps: { messages } }).app,
    async close() {
      await ks?.drop()
      await db.close()
      await test.drop()
      await rm(dataDir, { recursive: true, force: true })
    },
  }
}

const depsOf = (i: Instance): SlackImportDeps => ({
  users: postgresUsers(i.db.sql), rooms: postgresRooms(i.db.sql), messages: i.messages, moderation: postgresModeration(i.db.sql),
  reads: postgresReadState(i.db.sql), imports: postgresSlackImports(i.db.sql), nextId: idMaker(9),
  files: importFiles(postgresUploads(i.db.sql), uploadFiles({ dir: join(i.dataDir, 'uploads'), previewMaxPixels: 1e6 })),
})

/** A room named "Bench" filled with `count` messages by PEOPLE; answers its id and the first person's client. */
async function filledRoom(i: Instance, count: number, options: { fileEvery: number; extras: boolean }) {
  const clients = []
  for (const login of PEOPLE) {
    const p = browser(i.app)
    await p.post('/auth/local', { login })
    clients.push(p)
  }
  await clients[0]!.post('/rooms', { name: 'Bench', visibility: 'private' })
  for (const login of PEOPLE.slice(1)) await clients[0]!.post('/rooms/bench/members', { login })
  const users = postgresUsers(i.db.sql)
  const people = await Promise.all(PEOPLE.map(async (login) => ({ userId: (await users.findUserByLogin(login))!.id, login, name: `${login.slice(6)} Example` })))
  const roomId = (await postgresRooms(i.db.sql).findRoomBySlug('bench'))!.id
  await fillRoom({ messages: i.messages, files: depsOf(i).files!, roomId, people, count, nextId: idMaker(1), ...options })
  return { roomId, client: clients[0]! }
}

async function roundTrip(store: 'postgres' | 'cassandra', count: number) {
  const from = await instance(store)
  const to = await instance(store)
  try {
    let t = performance.now()
    const { roomId, client } = await filledRoom(from, count, { fileEvery: 50, extras: true })
    console.log(`${store}: room of ${count.toLocaleString('en-US')} messages written in ${seconds(t)}`)
    t = performance.now()
    const res = await client.get('/rooms/bench/export?format=json&files=1')
    if (res.status !== 200) throw new Error(`export answered ${res.status}`)
    const zip = join(from.dataDir, 'bench.zip')
    await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), createWriteStream(zip))
    console.log(`${store}: exported with its files in ${seconds(t)} (${mb((await stat(zip)).size)} zip)`)
    t = performance.now()
    let last = 0
    const progress = await importRtc(zip, depsOf(to), {
      limits: { maxExpandedBytes: 8 * 1024 ** 3, maxFileBytes: 10 * 1024 ** 2 },
      onProgress: (p) => {
        if (performance.now() - last < 10_000) return
        last = performance.now()
        console.log(`  ${store} import ${seconds(t)}: ${progressLine(p)}`)
      },
    })
    const imported = seconds(t)
    console.log(`${store}: imported in ${imported}: ${progressLine(progress)}`)
    t = performance.now()
    const room = (await postgresModeration(to.db.sql).listRooms(10)).find((r) => r.name === 'Bench')!
    const [exported, found] = [await allMessages(from.messages, roomId), await allMessages(to.messages, room.id)]
    const diff = differences(exported, found)
    const stats = `${exported.filter((m) => m.editedAt).length} edited, ${exported.filter((m) => m.reactions?.length).length} with reactions, ` +
      `${exported.filter((m) => m.replyTo).length} replies, ${exported.filter((m) => m.attachments?.length).length} with a file`
    console.log(`${store}: checked ${found.length.toLocaleString('en-US')} of ${exported.length.toLocaleString('en-US')} messages (${stats}) in ${seconds(t)}: ` +
      (diff.length ? `${diff.length} differences:\n  ${diff.join('\n  ')}` : 'every message found in order, the same'))
    return { store, count, imported, same: diff.length === 0 }
  } finally {
    await from.close()
    await to.close()
  }
}

/** Runs in the exporting process: the app over the given stores, one export of the room read to its end. */
async function exportChild(url: string, keyspace: string, dataDir: string) {
  const db = await openDatabase({ url, dataDir: '' })
  const client = keyspace ? new cassandra.Client({ contactPoints: ['127.0.0.1'], localDataCenter: 'datacenter1', keyspace }) : undefined
  await client?.connect()
  const messages = client ? cassandraMessages(client) : postgresMessages(db.sql)
  const app = appOn(db, { env: { DATA_DIR: dataDir, LOG_LEVEL: 'warn' }, deps: { messages } }).app
  const me = browser(app)
  await me.post('/auth/local', { login: PEOPLE[0]! })
  const heap = () => {
    globalThis.gc?.()
    return process.memoryUsage().heapUsed
  }
  await new Promise((r) => setTimeout(r, 1000))
  const heapBefore = heap()
  process.stdout.write('start\n')
  const started = performance.now()
  const res = await me.get('/rooms/bench/export?format=json')
  let bytes = 0
  const reader = res.body!.getReader()
  for (let read = await reader.read(); !read.done; read = await reader.read()) bytes += read.value.byteLength
  process.stdout.write(`done ${bytes} ${((performance.now() - started) / 1000).toFixed(1)} ${heapBefore} ${heap()}\n`)
  await new Promise((r) => setTimeout(r, 1000))
  await client?.shutdown()
  await db.close()
  process.exit(0)
}

const rssOf = async (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(await readFile(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024

async function exportMemory(count: number) {
  const i = await instance('postgres')
  try {
    const t = performance.now()
    await filledRoom(i, count, { fileEvery: count + 1, extras: false })
    console.log(`postgres: room of ${count.toLocaleString('en-US')} messages written in ${seconds(t)}`)
    // As V8 sizes its heap by default, then with the old generation held to 64 MB: what is kept, not what waits for a collection.
    for (const flags of [[], ['--max-old-space-size=64']]) await sampledExport(i, count, flags)
  } finally {
    await i.close()
  }
}

/** One export of the big room by a separate process (node with `flags`), its RSS read from /proc every 100 ms. */
async function sampledExport(i: Instance, count: number, flags: string[]) {
  const child = spawn(process.execPath, [...flags, '--expose-gc', '--import', 'tsx', 'bench/roundtrip.ts', 'export-child', i.url, i.keyspace ?? '', i.dataDir], { stdio: ['ignore', 'pipe', 'inherit'] })
  const samples: { at: number; rss: number; phase: string }[] = []
  let phase = 'setup'
  let result = ''
  child.stdout.setEncoding('utf8')
  child.stdout.on('data', (s: string) => {
    for (const line of s.split('\n').filter(Boolean)) {
      if (line === 'start') phase = 'export'
      else if (line.startsWith('done')) {
        phase = 'after'
        result = line
      }
    }
  })
  const timer = setInterval(() => {
    void rssOf(child.pid!).then((rss) => samples.push({ at: performance.now(), rss, phase }), () => {})
  }, 100)
  await new Promise((r) => child.on('exit', r))
  clearInterval(timer)
  const during = samples.filter((s) => s.phase === 'export')
  const [, bytes, took, heapBefore, heapAfter] = result.split(' ')
  const start = during[0]?.rss ?? 0
  const peak = Math.max(...during.map((s) => s.rss))
  const end = samples.filter((s) => s.phase === 'after')[0]?.rss ?? during.at(-1)?.rss ?? 0
  const tenth = Math.max(1, Math.floor(during.length / 10))
  const curve = during.filter((_, n) => n % tenth === 0).map((s) => mb(s.rss)).join(' ')
  console.log(`export of ${count.toLocaleString('en-US')} messages as JSON (node ${flags.join(' ') || 'with its default heap'}): ${mb(Number(bytes))} in ${took} s, ` +
    `${during.length} RSS samples (every 100 ms): start ${mb(start)}, peak ${mb(peak)}, end ${mb(end)}; along the way: ${curve}; ` +
    `heap after a full collection: ${mb(Number(heapBefore))} before, ${mb(Number(heapAfter))} after`)
}

if (process.argv[2] === 'export-child') {
  await exportChild(process.argv[3]!, process.argv[4]!, process.argv[5]!)
} else {
  const count = Number(process.argv[2] ?? 10_000)
  const big = Number(process.argv[3] ?? 100_000)
  const results = []
  if (count > 0) for (const store of ['postgres', 'cassandra'] as const) results.push(await roundTrip(store, count))
  if (big > 0) await exportMemory(big)
  process.exit(results.every((r) => r.same) ? 0 : 1)
}
