import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { strToU8, zipSync } from 'fflate'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { importFiles } from '../src/import/files.ts'
import type { SlackImportDeps } from '../src/import/importer.ts'
import { importRtc, MAX_MESSAGE_CHARS } from '../src/import/rtc.ts'
import { idMaker } from '../src/messages/ids.ts'
import { cassandraMessages } from '../src/store/cassandra/messages.ts'
import type { MessageStore } from '../src/store/ports.ts'
import type { Database } from '../src/store/postgres/connect.ts'
import { postgresMessages } from '../src/store/postgres/messages.ts'
import { postgresModeration } from '../src/store/postgres/moderation.ts'
import { postgresReadState } from '../src/store/postgres/readState.ts'
import { postgresRooms } from '../src/store/postgres/rooms.ts'
import { postgresSlackImports } from '../src/store/postgres/slackImports.ts'
import { postgresUploads } from '../src/store/postgres/uploads.ts'
import { postgresUsers } from '../src/store/postgres/users.ts'
import { uploadFiles } from '../src/uploads/files.ts'
import { appOn, browser } from './support/app.ts'
import { testKeyspace } from './support/cassandra.ts'
import { databaseBackends, type OpenedDatabase } from './support/databases.ts'
import { allMessages, differences, fillRoom } from './support/roundtrip.ts'

const [, openPostgres] = databaseBackends[0]!
type Person = ReturnType<typeof browser>
const ADMIN_ENV = { ADMIN_LOGINS: 'rt-admin' }
/** Kept small for the suite's time; `npm run bench:roundtrip` does 10,000. */
const COUNT = 300
const limits = { maxExpandedBytes: 1024 ** 3, maxFileBytes: 1024 ** 2 }

const importDeps = (db: Database, messages: MessageStore, dataDir: string): SlackImportDeps => ({
  users: postgresUsers(db.sql), rooms: postgresRooms(db.sql), messages, moderation: postgresModeration(db.sql),
  reads: postgresReadState(db.sql), imports: postgresSlackImports(db.sql), nextId: idMaker(5),
  files: importFiles(postgresUploads(db.sql), uploadFiles({ dir: join(dataDir, 'uploads'), previewMaxPixels: 1e6 })),
})

/** Uploads the export on /admin/import as an rtc export, and waits for the page to say it ended. */
async function importThroughPage(admin: Person, bytes: Uint8Array, name: string) {
  const form = new FormData()
  form.set('format', 'rtc')
  form.set('archive', new File([bytes as Uint8Array<ArrayBuffer>], name))
  const res = await admin.get('/admin/import', { method: 'POST', body: form })
  expect(res.status).toBe(303)
  for (const started = Date.now(); Date.now() - started < 120_000; await new Promise((r) => setTimeout(r, 100))) {
    const status = await (await admin.get('/admin/import/status')).text()
    if (/<h2>(Imported|Refused|Stopped)/.test(status)) return status
  }
  throw new Error('the import did not end within two minutes')
}

// Exported from one instance as JSON with its files, imported into a fresh one: on PostgreSQL, and on Cassandra.
for (const messagesIn of ['postgres', 'cassandra'] as const) {
  describe(`a room's round trip through its JSON export, with messages in ${messagesIn}`, () => {
    const opened: OpenedDatabase[] = []
    const keyspaces: Awaited<ReturnType<typeof testKeyspace>>[] = []
    const dirs: string[] = []
    let source: { messages: MessageStore; roomId: string; app: ReturnType<typeof appOn>['app'] }
    let target: { db: Database; messages: MessageStore; dataDir: string; app: ReturnType<typeof appOn>['app'] }
    let zip: Uint8Array
    let status: string

    const instance = async () => {
      const db = await openPostgres()
      opened.push(db)
      const ks = messagesIn === 'cassandra' ? await testKeyspace() : undefined
      if (ks) keyspaces.push(ks)
      const dataDir = await mkdtemp(join(tmpdir(), 'rtc-roundtrip-'))
      dirs.push(dataDir)
      const messages = ks ? cassandraMessages(ks.client) : postgresMessages(db.db.sql)
      return { db: db.db, messages, dataDir, app: appOn(db.db, { env: { DATA_DIR: dataDir, ...ADMIN_ENV }, deps: { messages } }).app }
    }

    beforeAll(async () => {
      const from = await instance()
      const people = []
      for (const login of ['rt-ann', 'rt-bob', 'rt-cid']) {
        const p = browser(from.app)
        await p.post('/auth/local', { login })
        people.push(p)
      }
      await people[0]!.post('/rooms', { name: 'Trip Notes', visibility: 'private' })
      for (const login of ['rt-bob', 'rt-cid']) await people[0]!.post('/rooms/trip-notes/members', { login })
      const users = postgresUsers(from.db.sql)
      const writers = await Promise.all(['rt-ann', 'rt-bob', 'rt-cid'].map(async (login) => {
        const u = (await users.findUserByLogin(login))!
        return { userId: u.id, login: u.login, name: `${login.slice(3)} ✈︎ ${login === 'rt-cid' ? 'כהן' : 'Example'}` }
      }))
      const roomId = (await postgresRooms(from.db.sql).findRoomBySlug('trip-notes'))!.id
      await fillRoom({ messages: from.messages, files: importDeps(from.db, from.messages, from.dataDir).files!, roomId, people: writers, count: COUNT, nextId: idMaker(1) })
      source = { messages: from.messages, roomId, app: from.app }
      const res = await people[1]!.get('/rooms/trip-notes/export?format=json&files=1')
      expect(res.status).toBe(200)
      zip = new Uint8Array(await res.arrayBuffer())

      target = await instance()
      const admin = browser(target.app)
      await admin.post('/auth/local', { login: 'rt-admin' })
      status = await importThroughPage(admin, zip, 'trip-notes.zip')
    }, 240_000)
    afterAll(async () => {
      for (const ks of keyspaces) await ks.drop()
      for (const db of opened) await db.cleanup()
      for (const dir of dirs) await rm(dir, { recursive: true, force: true })
    })

    const importedRoom = async () => (await postgresModeration(target.db.sql).listRooms(10)).find((r) => r.name === 'Trip Notes')!

    it('finds every message in order with its author, body, times, reactions, reply and files', async () => {
      expect(status).toContain('<h2>Imported: <bdi>trip-notes.zip</bdi></h2>')
      // A batch whose write timed out (a busy Cassandra) is tried again, and finds its messages there: "already there".
      const [, made, known] = /<strong>(\d+)<\/strong> messages imported(?:, (\d+) already there)?, \d+ of them replies in threads/.exec(status) ?? []
      expect(Number(made) + Number(known ?? 0)).toBe(COUNT)
      expect(status).toMatch(/<strong>0<\/strong> people matched to accounts here, <strong>3<\/strong> placeholders made/)
      expect(status).toMatch(/<strong>3<\/strong> files attached, <strong>0<\/strong> noted by name only/)
      const exported = await allMessages(source.messages, source.roomId)
      expect(exported).toHaveLength(COUNT)
      // The room filled as the suite means it: edits, reactions, replies and files are all there to carry over.
      expect(exported.filter((m) => m.editedAt).length).toBeGreaterThan(20)
      expect(exported.filter((m) => m.reactions?.length).length).toBeGreaterThan(50)
      expect(exported.filter((m) => m.replyTo).length).toBeGreaterThan(30)
      const room = await importedRoom()
      expect(room).toMatchObject({ visibility: 'private', members: 3 })
      const imported = await allMessages(target.messages, room.id)
      expect(differences(exported, imported)).toEqual([])
    })

    it('serves the imported files to the room\'s members (the placeholder becomes its person at sign-in)', async () => {
      const room = await importedRoom()
      const withFile = (await allMessages(target.messages, room.id)).find((m) => m.attachments?.length)!
      const ann = browser(target.app)
      await ann.post('/auth/local', { login: 'rt-ann' })
      const res = await ann.get(`/rooms/${room.slug}/messages/${withFile.id}/files/${withFile.attachments![0]!.sha256}`)
      expect(res.status).toBe(200)
      expect(await res.text()).toBe('file of message 99\n'.repeat(5))
    })

    it('imports the same export again without making anything twice', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'rtc-roundtrip-again-'))
      dirs.push(dir)
      const path = join(dir, 'again.zip')
      await writeFile(path, zip)
      const again = await importRtc(path, importDeps(target.db, target.messages, target.dataDir), { limits })
      expect(again.messages).toMatchObject({ imported: 0, known: COUNT })
      expect(again.rooms).toEqual({ made: 0, known: 1 })
      expect(again.people).toMatchObject({ matched: 0, placeholders: 0, known: 3 })
      expect(again.reactions.added).toBe(0)
      expect((await postgresModeration(target.db.sql).listRooms(10)).map((r) => r.name)).toEqual(['Trip Notes'])
      expect(await allMessages(target.messages, (await importedRoom()).id)).toHaveLength(COUNT)
    })
  })
}

describe('import:rtc refusals and the command line', () => {
  let opened: OpenedDatabase
  let dir: string
  beforeAll(async () => {
    opened = await openPostgres()
    dir = await mkdtemp(join(tmpdir(), 'rtc-roundtrip-bad-'))
  })
  afterAll(async () => {
    await opened?.cleanup()
    await rm(dir, { recursive: true, force: true })
  })
  const nothingWritten = async () => {
    expect(await postgresModeration(opened.db.sql).listRooms(10)).toEqual([])
    expect((await opened.db.sql`SELECT (SELECT count(*) FROM slack_users)::int + (SELECT count(*) FROM messages)::int AS n`)[0]!.n).toBe(0)
  }

  const room = { id: '7', slug: 'trip', name: 'Trip', visibility: 'public', url: 'https://old.example/rooms/trip' }
  const message = (id: string, extra: Record<string, unknown> = {}) => ({
    id, url: `https://old.example/rooms/trip/messages/${id}`, author: { id: 3, login: 'old-ann', name: 'Ann' }, created_at: '2024-05-01T10:00:00.000Z',
    edited_at: null, body: `hello ${id}`, reply_to: null, reactions: [], attachments: [], link_preview: null, ...extra,
  })
  const transcript = (messages: unknown[], head: Record<string, unknown> = { room }) => JSON.stringify({ ...head, exported_by: 'old-ann', exported_at: '2024-06-01T00:00:00.000Z', messages })
  const file = async (name: string, content: string | Uint8Array) => {
    const path = join(dir, name)
    await writeFile(path, content)
    return path
  }

  describe('refuses malformed input with a clear message before writing anything', () => {
    afterEach(nothingWritten)
    it.each([
      ['bad JSON', () => file('bad.json', transcript([message('1')]).slice(0, -20)), /bad\.json is not an rtc export: .*not valid JSON|ends before the document does/],
      ['a list instead of an export', () => file('list.json', '[1, 2]'), /list\.json is not an rtc export: it does not start with "\{"/],
      ['a Slack export\'s JSON', () => file('users.json', '{"users": []}'), /users\.json has no "room": this is not an rtc room export/],
      ['messages that are not a list', () => file('shape.json', JSON.stringify({ room, messages: { 1: 'x' } })), /"messages" is not a list/],
      ['a message without an author', () => file('author.json', transcript([message('1'), message('2', { author: 'ann' })])), /message 2 has no author \(id, login and name\); nothing was imported/],
      ['messages out of order', () => file('order.json', transcript([message('5'), message('4')])), /message 2 \(id 4\) is out of order/],
      ['a huge message', () => file('huge.json', transcript([message('1', { body: 'x'.repeat(MAX_MESSAGE_CHARS) })])), /item 1 of "messages" is larger than 1,048,576 characters/],
      ['a zip entry that climbs out of the archive', () => file('climb.zip', zipSync({ 'trip/trip.json': strToU8(transcript([message('1')])), '../../etc/evil.txt': strToU8('x') })), /the entry "\.\.\/\.\.\/etc\/evil\.txt" points outside the archive/],
      ['a file address that climbs out of the export', () => file('address.zip', zipSync({
        'trip/trip.json': strToU8(transcript([message('1', { attachments: [{ name: 'passwd', type: 'text/plain', size: 3, sha256: 'a'.repeat(64), url: '../../etc/passwd' }] })])),
      })), /the file "\.\.\/\.\.\/etc\/passwd" points outside the export's folder/],
      ['a zip without a transcript', () => file('empty.zip', zipSync({ 'notes.txt': strToU8('hi') })), /This zip holds no rtc transcript/],
      ['a room to import into that is not there', () => file('cli.json', transcript([message('1')])), /There is no room "nowhere" here to import into; nothing was imported\./, 'nowhere'],
    ])('%s', async (_what, make, refusal, into?: string) => {
      await expect(importRtc(await make(), importDeps(opened.db, postgresMessages(opened.db.sql), dir), { limits, room: into })).rejects.toThrow(refusal)
    })
  })

  const run = (...args: string[]) => promisify(execFile)('npx', ['tsx', 'src/ops/importRtc.ts', ...args], {
    env: { ...process.env, DATABASE_URL: opened.url!, DATA_DIR: dir, LOG_LEVEL: 'warn' }, timeout: 120_000,
  }).then((r) => ({ code: 0, ...r }), (err: { code: number; stdout: string; stderr: string }) => ({ code: err.code, stdout: err.stdout, stderr: err.stderr }))

  it('npm run import:rtc imports a JSON export into an existing room (--room), notes files it does not have, refuses on stderr with exit code 1', async () => {
    const bad = await run(await file('cli-bad.json', '{"room": 1}'))
    expect(bad.code).toBe(1)
    expect(bad.stderr).toContain('"room" has no id, slug, name and visibility')
    await nothingWritten()

    const app = appOn(opened.db, { env: { DATA_DIR: dir } }).app
    const me = browser(app)
    await me.post('/auth/local', { login: 'cli-owner' })
    await me.post('/rooms', { name: 'Landing', visibility: 'public' })
    const file1 = { name: 'a.txt', type: 'text/plain', size: 3, sha256: 'b'.repeat(64), url: 'https://old.example/rooms/trip/messages/2/files/bbb' }
    const json = await file('cli.json', transcript([
      message('1', { edited_at: '2024-05-01T11:00:00.000Z', body: 'changed', reactions: [{ emoji: '👍', logins: ['old-bob'] }] }),
      message('2', { reply_to: '1', attachments: [file1], author: { id: 4, login: 'old-bob', name: 'Bob' } }),
      message('3', { reply_to: '99' }),
    ]))
    const first = await run(json, '--room', 'landing')
    expect(first.stderr).toBe('')
    expect(first.stdout).toMatch(/^done · 3\/3 messages · 3 messages imported \(0 already there, 0 notices left out\) · 0 people matched, 2 placeholders \(0 known from before\) · 0 rooms made \(1 already there\) · 1 reactions \(0 custom emoji left out\) · 0 files attached, 1 noted by name/m)
    const again = await importRtc(json, importDeps(opened.db, postgresMessages(opened.db.sql), dir), { limits, room: 'landing' })
    expect(again.messages).toMatchObject({ imported: 0, known: 3 })
    const landing = (await postgresRooms(opened.db.sql).findRoomBySlug('landing'))!
    const [one, two, three] = await allMessages(postgresMessages(opened.db.sql), landing.id)
    expect(one).toMatchObject({ body: 'changed', authorLogin: 'old-ann', editedAt: new Date('2024-05-01T11:00:00.000Z'), createdAt: new Date('2024-05-01T10:00:00.000Z') })
    expect(one!.reactions!.map((r) => `${r.emoji} ${r.login}`)).toEqual(['👍 old-bob'])
    expect(two).toMatchObject({ replyTo: one!.id, authorLogin: 'old-bob', body: 'hello 2\n\n📎 a.txt (only its link was in the export)' })
    // A reply to a message the export does not have (deleted before it) stands alone.
    expect(three!.replyTo).toBeUndefined()
  }, 120_000)
})
