/**
 * `npm run bench:import [-- messages]`: makes a Slack export of 100,000 messages (10 channels, 40 people, 100
 * messages a day; one in 20 a reply in a thread, one in 20 with a reaction or two, one in 50 with a file noted by
 * name), then times importing it into a fresh database with messages in PostgreSQL, and again with messages in
 * Cassandra. Needs the test services (PostgreSQL on 127.0.0.1:5432, Cassandra on 127.0.0.1:9042).
 */
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { strToU8, zipSync, type Zippable } from 'fflate'
import { importSlack } from '../src/import/importer.ts'
import { progressLine } from '../src/import/progress.ts'
import { idMaker } from '../src/messages/ids.ts'
import { cassandraMessages } from '../src/store/cassandra/messages.ts'
import { openDatabase } from '../src/store/postgres/connect.ts'
import { migrate } from '../src/store/postgres/migrate.ts'
import { postgresMessages } from '../src/store/postgres/messages.ts'
import { postgresModeration } from '../src/store/postgres/moderation.ts'
import { postgresReadState } from '../src/store/postgres/readState.ts'
import { postgresRooms } from '../src/store/postgres/rooms.ts'
import { postgresSlackImports } from '../src/store/postgres/slackImports.ts'
import { postgresUsers } from '../src/store/postgres/users.ts'
import { testKeyspace } from '../test/support/cassandra.ts'
import { createTestDatabase } from '../test/support/postgres.ts'

const TOTAL = Number(process.argv[2] ?? 100_000)
const CHANNELS = 10
const PEOPLE = 40
const PER_DAY = 100
const WORDS = 'the a deploy build is green again lunch at noon can someone review my change looks good to me thanks ship it tomorrow'.split(' ')

function makeExport(): Uint8Array {
  const users = Array.from({ length: PEOPLE }, (_, i) => ({ id: `U${1000 + i}`, name: `person.${i}`, real_name: `Person ${i}`, profile: { display_name: `p${i}` } }))
  const channels = Array.from({ length: CHANNELS }, (_, i) => ({
    id: `C${100 + i}`, name: `channel-${i}`, created: 1514764800, creator: users[i % PEOPLE]!.id, members: users.map((u) => u.id), topic: { value: `Channel ${i}` },
  }))
  const files: Zippable = { 'users.json': strToU8(JSON.stringify(users)), 'channels.json': strToU8(JSON.stringify(channels)) }
  let seed = 42
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!
  const perChannel = Math.ceil(TOTAL / CHANNELS)
  for (const channel of channels) {
    let day: Record<string, unknown>[] = []
    let start = Date.parse('2018-01-01T08:00:00Z') / 1000
    const parents: string[] = []
    for (let n = 0; n < perChannel; n++) {
      const ts = `${start + (n % PER_DAY) * 60}.${String(n % 1_000_000).padStart(6, '0')}`
      const m: Record<string, unknown> = { type: 'message', user: pick(users).id, text: Array.from({ length: 4 + Math.floor(random() * 14) }, () => pick(WORDS)).join(' '), ts }
      if (n % 20 === 7 && parents.length) m.thread_ts = pick(parents.slice(-20))
      else parents.push(ts)
      if (n % 20 === 3) m.reactions = [{ name: pick(['+1', 'tada', 'heart', 'eyes']), users: [pick(users).id, pick(users).id], count: 2 }]
      if (n % 50 === 11) m.files = [{ id: `F${channel.id}${n}`, name: `report-${n}.pdf` }]
      if (n % 30 === 5) m.text = `${m.text as string} <@${pick(users).id}> see <https://example.org/${n}|the notes>`
      day.push(m)
      if (day.length === PER_DAY || n === perChannel - 1) {
        files[`${channel.name}/${new Date(start * 1000).toISOString().slice(0, 10)}.json`] = strToU8(JSON.stringify(day))
        day = []
        start += 86_400
      }
    }
  }
  return zipSync(files, { level: 6 })
}

async function time(store: 'postgres' | 'cassandra', path: string) {
  const test = await createTestDatabase()
  const db = await openDatabase({ url: test.url, dataDir: '' })
  const ks = store === 'cassandra' ? await testKeyspace() : undefined
  try {
    await migrate(db.sql)
    const started = performance.now()
    let last = 0
    const progress = await importSlack(path, {
      users: postgresUsers(db.sql), rooms: postgresRooms(db.sql),
      messages: ks ? cassandraMessages(ks.client) : postgresMessages(db.sql),
      moderation: postgresModeration(db.sql), reads: postgresReadState(db.sql), imports: postgresSlackImports(db.sql), nextId: idMaker(1),
    }, {
      limits: { maxExpandedBytes: 8 * 1024 ** 3, maxFileBytes: 10 * 1024 ** 2 },
      onProgress: (p) => {
        if (performance.now() - last < 10_000) return
        last = performance.now()
        console.log(`  ${store} ${((performance.now() - started) / 1000).toFixed(0)} s: ${progressLine(p)}`)
      },
    })
    const seconds = (performance.now() - started) / 1000
    console.log(`${store}: ${progress.messages.imported.toLocaleString('en-US')} messages in ${seconds.toFixed(1)} s ` +
      `(${Math.round(progress.messages.imported / seconds).toLocaleString('en-US')}/s), ${progress.reactions.added} reactions, ${progress.messages.replies} replies`)
    const again = performance.now()
    const second = await importSlack(path, {
      users: postgresUsers(db.sql), rooms: postgresRooms(db.sql),
      messages: ks ? cassandraMessages(ks.client) : postgresMessages(db.sql),
      moderation: postgresModeration(db.sql), reads: postgresReadState(db.sql), imports: postgresSlackImports(db.sql), nextId: idMaker(1),
    }, { limits: { maxExpandedBytes: 8 * 1024 ** 3, maxFileBytes: 10 * 1024 ** 2 } })
    console.log(`${store}, again: ${second.messages.imported} imported, ${second.messages.known.toLocaleString('en-US')} found in ${((performance.now() - again) / 1000).toFixed(1)} s`)
  } finally {
    await ks?.drop()
    await db.close()
    await test.drop()
  }
}

const dir = await mkdtemp(join(tmpdir(), 'rtc-bench-import-'))
try {
  const path = join(dir, 'export.zip')
  const made = performance.now()
  await writeFile(path, makeExport())
  console.log(`export: ${TOTAL.toLocaleString('en-US')} messages, ${(await stat(path)).size.toLocaleString('en-US')} bytes zipped, made in ${((performance.now() - made) / 1000).toFixed(1)} s`)
  for (const store of ['postgres', 'cassandra'] as const) await time(store, path)
} finally {
  await rm(dir, { recursive: true, force: true })
}
process.exit(0)
