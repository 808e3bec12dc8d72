import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { promisify } from 'node:util'
import { join } from 'node:path'
import { strToU8 } from 'fflate'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { cassandraMessages } from '../src/store/cassandra/messages.ts'
import { importSlack, type SlackImportDeps } from '../src/import/importer.ts'
import { idMaker } from '../src/messages/ids.ts'
import type { MessageStore } from '../src/store/ports.ts'
import { postgresReadState } from '../src/store/postgres/readState.ts'
import { postgresMessages } from '../src/store/postgres/messages.ts'
import { postgresModeration } from '../src/store/postgres/moderation.ts'
import { postgresRooms } from '../src/store/postgres/rooms.ts'
import { postgresSlackImports } from '../src/store/postgres/slackImports.ts'
import { postgresUsers } from '../src/store/postgres/users.ts'
import { appOn, browser } from './support/app.ts'
import { testKeyspace } from './support/cassandra.ts'
import { databaseBackends, type OpenedDatabase } from './support/databases.ts'
import { fakeGithub } from './support/github.ts'
import { slackZip, tsOf, writeSlackZip, type SlackExportSpec } from './support/slackExport.ts'

const [, openPostgres] = databaseBackends[0]!
type Person = ReturnType<typeof browser>

const T1 = tsOf('2020-01-01T10:00:00Z', 100)
const T2 = tsOf('2020-01-01T10:01:00Z')
const T3 = tsOf('2020-01-01T10:05:00Z', 200)
const T4 = tsOf('2020-01-02T09:00:00Z')
const NOTES = strToU8('milk\neggs\n')

/** A small workspace: a person who has an account here, two who do not, a bot; every kind of conversation. */
const WORKSPACE: SlackExportSpec = {
  users: [
    { id: 'U1ANN', name: 'imp-ann', real_name: 'Ann Example', profile: { email: 'ann@example.org', display_name: 'ann' } },
    { id: 'U2BOB', name: 'bob.smith', real_name: 'Bob Smith', profile: { display_name: 'Bobby' } },
    { id: 'U3CAROL', name: 'carol', profile: { real_name: 'Carol Jones', display_name: '' } },
  ],
  channels: [
    { id: 'C1GEN', name: 'general', created: 1577836800, creator: 'U1ANN', is_archived: false, members: ['U1ANN', 'U2BOB', 'U3CAROL'], topic: { value: 'Everything & more' }, purpose: { value: '' } },
    { id: 'C2OLD', name: 'old-news', created: 1577836800, creator: 'U2BOB', is_archived: true, members: ['U2BOB'] },
  ],
  groups: [{ id: 'G1SEC', name: 'secret-plans', created: 1577836800, creator: 'U1ANN', members: ['U1ANN', 'U2BOB'] }],
  dms: [{ id: 'D1AB', created: 1577836800, members: ['U1ANN', 'U2BOB'] }],
  mpims: [{ id: 'M1ABC', name: 'mpdm-imp-ann--bob.smith--carol-1', created: 1577836800, creator: 'U3CAROL', members: ['U1ANN', 'U2BOB', 'U3CAROL'] }],
  days: {
    // Out of order in the file, as nothing promises otherwise: the import sorts by ts.
    'general/2020-01-01.json': [
      { type: 'message', user: 'U2BOB', text: 'I agree', ts: T3, thread_ts: T1 },
      { type: 'message', subtype: 'channel_join', user: 'U3CAROL', text: '<@U3CAROL> has joined the channel', ts: tsOf('2020-01-01T09:00:00Z') },
      {
        type: 'message', user: 'U1ANN', ts: T1, thread_ts: T1, reply_count: 2,
        text: 'Hello <@U2BOB>, see <#C2OLD|old-news> and <https://example.org/a?b=1&amp;c=2|the site> &amp; *bold* ~gone~ :tada: &lt;not a tag&gt; `<@U2BOB> stays`',
        reactions: [{ name: '+1', users: ['U2BOB', 'U3CAROL'], count: 2 }, { name: 'partyparrot', users: ['U1ANN'], count: 1 }, { name: 'heart', users: ['U1ANN'], count: 1 }],
      },
      {
        type: 'message', subtype: 'file_share', user: 'U3CAROL', text: 'the list', ts: T2,
        files: [{ id: 'F1NOTES', name: 'notes.txt', title: 'notes' }, { id: 'F2GONE', name: 'report.pdf', url_private: 'https://files.slack.com/files-pri/T1-F2GONE/report.pdf' }],
      },
    ],
    'general/2020-01-02.json': [
      { type: 'message', user: 'U3CAROL', text: 'a day later, still in the thread', ts: T4, thread_ts: T1 },
      { type: 'message', subtype: 'bot_message', bot_id: 'B1', username: 'deploy bot', text: 'deployed <!here>', ts: tsOf('2020-01-02T09:30:00Z') },
    ],
    'old-news/2019-12-31.json': [{ type: 'message', user: 'U2BOB', text: 'before it was archived', ts: tsOf('2019-12-31T12:00:00Z') }],
    'secret-plans/2020-01-03.json': [{ type: 'message', user: 'U1ANN', text: 'just us two', ts: tsOf('2020-01-03T12:00:00Z') }],
    'D1AB/2020-01-04.json': [{ type: 'message', user: 'U2BOB', text: 'psst', ts: tsOf('2020-01-04T12:00:00Z') }],
    'mpdm-imp-ann--bob.smith--carol-1/2020-01-05.json': [{ type: 'message', user: 'U3CAROL', text: 'all three of us', ts: tsOf('2020-01-05T12:00:00Z') }],
  },
  raw: { '__uploads/F1NOTES/notes.txt': NOTES },
}

const ADMIN_ENV = { ADMIN_LOGINS: 'imp-admin' }

/** Uploads the export on /admin/import as the administrator, and waits for the page to say it ended. */
async function importThroughPage(admin: Person, zip: Uint8Array, name = 'export.zip') {
  const form = new FormData()
  form.set('archive', new File([zip as Uint8Array<ArrayBuffer>], name, { type: 'application/zip' }))
  const res = await admin.get('/admin/import', { method: 'POST', body: form })
  expect(res.status).toBe(303)
  // Polled as the page does (it may be called from beforeAll, where expect.poll is not available).
  for (const started = Date.now(); Date.now() - started < 60_000; await new Promise((r) => setTimeout(r, 100))) {
    const status = await (await admin.get('/admin/import/status')).text()
    if (/<h2>(Imported|Refused|Stopped)/.test(status)) return status
  }
  throw new Error('the import did not end within a minute')
}

const bodies = async (messages: MessageStore, roomId: string) => (await messages.pageAfter(roomId, '0', 100)).map((m) => m.body)

for (const messagesIn of ['postgres', 'cassandra'] as const) {
  describe(`importing a Slack export, with messages in ${messagesIn}`, () => {
    let opened: OpenedDatabase
    let ks: Awaited<ReturnType<typeof testKeyspace>> | undefined
    let dataDir: string
    let messages: MessageStore
    let app: ReturnType<typeof appOn>['app']
    let admin: Person
    let ann: Person
    let status: string

    beforeAll(async () => {
      opened = await openPostgres()
      if (messagesIn === 'cassandra') ks = await testKeyspace()
      dataDir = await mkdtemp(join(tmpdir(), 'rtc-slack-'))
      messages = ks ? cassandraMessages(ks.client) : postgresMessages(opened.db.sql)
      app = appOn(opened.db, { env: { DATA_DIR: dataDir, ...ADMIN_ENV }, deps: { messages } }).app
      admin = browser(app)
      await admin.post('/auth/local', { login: 'imp-admin' })
      ann = browser(app)
      await ann.post('/auth/local', { login: 'imp-ann' })
      status = await importThroughPage(admin, slackZip(WORKSPACE))
    }, 120_000)
    afterAll(async () => {
      await ks?.drop()
      await opened?.cleanup()
      await rm(dataDir, { recursive: true, force: true })
    })

    const roomNamed = async (name: string) => (await postgresModeration(opened.db.sql).listRooms(100)).find((r) => r.name === name)!

    it('says on the page what it imported, and removes the uploaded archive', async () => {
      expect(status).toContain('<h2>Imported: <bdi>export.zip</bdi></h2>')
      expect(status).toMatch(/<strong>9<\/strong> messages imported, 2 of them replies in threads/)
      expect(status).toMatch(/<strong>1<\/strong> person matched to accounts here, <strong>3<\/strong> placeholders made/)
      expect(status).toMatch(/<strong>5<\/strong> rooms made/)
      expect(status).toMatch(/<strong>3<\/strong> reactions \(1 with a custom emoji left out\)/)
      expect(status).toMatch(/<strong>1<\/strong> file attached, <strong>1<\/strong> noted by name only/)
      expect(status).toContain('1 notice (joins, leaves, topic changes) left out')
      expect(status).not.toContain('hx-trigger')
      expect(await readdir(join(dataDir, 'imports'))).toEqual([])
    })

    it('matches a person by login and makes placeholders, which nobody can sign in as', async () => {
      const users = postgresUsers(opened.db.sql)
      const annHere = await users.findUserByLogin('imp-ann')
      const links = await postgresSlackImports(opened.db.sql).usersBySlackId(['U1ANN', 'U2BOB', 'U3CAROL', 'bot:B1'])
      expect(links.get('U1ANN')).toMatchObject({ userId: annHere!.id, placeholderId: null })
      for (const [slackId, login] of [['U2BOB', 'bob-smith'], ['U3CAROL', 'carol'], ['bot:B1', 'deploy-bot']] as const) {
        const link = links.get(slackId)!
        expect(link).toMatchObject({ login, placeholderId: link.userId, claimedAt: null })
        expect(link.userId).toBeLessThan(0)
      }
      const page = await (await admin.get('/admin/import')).text()
      expect(page).toContain('Bob Smith</bdi> <span class="muted">@bob-smith</span>')
    })

    it('makes public, private, direct and group rooms with their Slack members, topic and archive state', async () => {
      const rooms = postgresRooms(opened.db.sql)
      const general = await roomNamed('general')
      expect(general).toMatchObject({ visibility: 'public', topic: 'Everything & more', archivedAt: null, members: 3 })
      expect((await rooms.listMembers(general.id)).map((m) => m.login)).toEqual(['bob-smith', 'carol', 'imp-ann'])
      expect(await roomNamed('old-news')).toMatchObject({ visibility: 'public', archivedAt: expect.any(Date) })
      expect(await roomNamed('secret-plans')).toMatchObject({ visibility: 'private', members: 2 })
      expect(await roomNamed('imp-ann, bob-smith, carol')).toMatchObject({ visibility: 'private', members: 3 })
      const direct = (await rooms.roomsOf((await postgresUsers(opened.db.sql).findUserByLogin('imp-ann'))!.id)).find((r) => r.visibility === 'direct')!
      expect(direct.peer?.login).toBe('bob-smith')
      expect(await bodies(messages, direct.id)).toEqual(['psst'])
      // Ann's own rooms list shows them, history already read.
      const lobby = await (await ann.get('/')).text()
      expect(lobby).toContain('secret-plans')
    })

    it('writes the messages in Slack\'s order with their original times, as Markdown, threads as replies', async () => {
      const general = await roomNamed('general')
      const list = await messages.pageAfter(general.id, '0', 100)
      expect(list.map((m) => [m.authorLogin, m.createdAt.toISOString()])).toEqual([
        ['imp-ann', '2020-01-01T10:00:00.000Z'], ['carol', '2020-01-01T10:01:00.000Z'], ['bob-smith', '2020-01-01T10:05:00.000Z'],
        ['carol', '2020-01-02T09:00:00.000Z'], ['deploy-bot', '2020-01-02T09:30:00.000Z'],
      ])
      const ids = list.map((m) => BigInt(m.id))
      expect(ids.every((id, i) => i === 0 || id > ids[i - 1]!)).toBe(true)
      const [first, files, agree, later, bot] = list
      expect(first!.body).toBe('Hello @bob-smith, see #old-news and [the site](https://example.org/a?b=1&c=2) & **bold** ~~gone~~ 🎉 <not a tag> `<@U2BOB> stays`')
      expect(first!.authorName).toBe('Ann Example')
      expect(first!.replyTo).toBeUndefined()
      expect(agree!.replyTo).toBe(first!.id)
      expect(later!.replyTo).toBe(first!.id)
      expect(bot!.body).toBe('deployed @here')
      expect(files!.body).toBe('the list\n\n📎 report.pdf (only its link was in the Slack export)')
      expect(files!.attachments).toEqual([expect.objectContaining({ name: 'notes.txt', size: NOTES.byteLength, sha256: createHash('sha256').update(NOTES).digest('hex') })])
      const file = await ann.get(`/rooms/general/messages/${files!.id}/files/${files!.attachments![0]!.sha256}`)
      expect(file.status).toBe(200)
      expect(new Uint8Array(await file.arrayBuffer())).toEqual(NOTES)
    })

    it('adds the reactions Slack names have an emoji for, by the people who reacted', async () => {
      const general = await roomNamed('general')
      const [first] = await messages.pageAfter(general.id, '0', 1)
      expect(first!.reactions?.map((r) => [r.emoji, r.login]).sort()).toEqual([['❤️', 'imp-ann'], ['👍', 'bob-smith'], ['👍', 'carol']])
    })

    it('imports the same export again without making anything twice, and adds only what is new', async () => {
      const general = await roomNamed('general')
      const before = await messages.pageAfter(general.id, '0', 100)
      const again = await importThroughPage(admin, slackZip(WORKSPACE))
      expect(again).toMatch(/<strong>0<\/strong> messages imported, 9 already there/)
      expect(again).toMatch(/<strong>0<\/strong> rooms made, 5 found from before/)
      expect(again).toMatch(/<strong>0<\/strong> reactions/)
      expect(await messages.pageAfter(general.id, '0', 100)).toEqual(before)
      expect((await opened.db.sql`SELECT count(*)::int AS n FROM rooms`)[0]!.n).toBe(5)

      // A later export of the same workspace: one more message in the thread.
      const more = structuredClone(WORKSPACE)
      more.days!['general/2020-01-03.json'] = [{ type: 'message', user: 'U2BOB', text: 'one more', ts: tsOf('2020-01-03T08:00:00Z'), thread_ts: T1 }]
      const third = await importThroughPage(admin, slackZip(more))
      expect(third).toMatch(/<strong>1<\/strong> message imported, 9 already there/)
      const after = await messages.pageAfter(general.id, '0', 100)
      expect(after.slice(0, 5)).toEqual(before)
      expect(after[5]).toMatchObject({ body: 'one more', replyTo: before[0]!.id })
    })

    it('hands a placeholder over to an account an administrator names', async () => {
      const ben = browser(app)
      await ben.post('/auth/local', { login: 'imp-ben' })
      const res = await admin.post('/admin/import/placeholders/U2BOB/claim', { login: 'imp-ben' })
      expect(res.status).toBe(200)
      expect(await res.text()).toContain('@bob-smith&#39;s rooms are now @imp-ben&#39;s')
      const secret = await roomNamed('secret-plans')
      expect((await postgresRooms(opened.db.sql).listMembers(secret.id)).map((m) => m.login)).toEqual(['imp-ann', 'imp-ben'])
      expect((await ben.get('/rooms/secret-plans')).status).toBe(200)
      expect((await admin.post('/admin/import/placeholders/U2BOB/claim', { login: 'imp-ben' })).status).toBe(409)
      expect((await admin.post('/admin/import/placeholders/U3CAROL/claim', { login: 'nobody-here' })).status).toBe(400)
    })
  })
}

describe('a Slack placeholder claimed at GitHub sign-in', () => {
  const CLIENT_ID = 'Iv1.slackclient'
  const CLIENT_SECRET = 'slack-import-test-secret-0123456789'
  const github = fakeGithub(CLIENT_ID, CLIENT_SECRET)
  let opened: OpenedDatabase
  let dataDir: string
  beforeAll(async () => {
    opened = await openPostgres()
    dataDir = await mkdtemp(join(tmpdir(), 'rtc-slack-'))
    github.install()
  })
  afterAll(async () => {
    github.uninstall()
    await opened?.cleanup()
    await rm(dataDir, { recursive: true, force: true })
  })

  it('goes to the person signing in with GitHub under the login chosen for it, with its rooms', async () => {
    const env = { PUBLIC_URL: 'https://chat.example.test', LOCAL_LOGIN: 'false', CLIENT_ID, CLIENT_SECRET, ADMIN_GITHUB_IDS: '7001', DATA_DIR: dataDir }
    const { app } = appOn(opened.db, { env })
    const signIn = async (id: number, login: string) => {
      const who = browser(app, 'https://chat.example.test')
      github.setUser({ id, login, name: login, avatar_url: `https://avatars.githubusercontent.com/u/${id}` })
      const start = await who.get('/auth/github')
      const authorize = start.headers.get('location')!
      const res = await who.get(`/auth/github/callback?code=${github.approve(authorize)}&state=${new URL(authorize).searchParams.get('state')}`)
      expect(res.status).toBe(303)
      return who
    }
    const admin = await signIn(7001, 'the-admin')
    await importThroughPage(admin, slackZip(WORKSPACE))
    const imports = postgresSlackImports(opened.db.sql)
    const placeholder = (await imports.usersBySlackId(['U3CAROL'])).get('U3CAROL')!
    expect(placeholder.claimedAt).toBeNull()

    const carol = await signIn(7003, 'Carol')
    expect((await imports.usersBySlackId(['U3CAROL'])).get('U3CAROL')).toMatchObject({ userId: 7003, placeholderId: placeholder.userId, claimedAt: expect.any(Date) })
    const general = (await postgresModeration(opened.db.sql).listRooms(100)).find((r) => r.name === 'general')!
    const members = (await postgresRooms(opened.db.sql).listMembers(general.id)).map((m) => m.id)
    expect(members).toContain(7003)
    expect(members).not.toContain(placeholder.userId)
    // Her messages still show the name she had in Slack, now under her login.
    const page = await (await carol.get('/rooms/general')).text()
    expect(page).toContain('a day later, still in the thread')
    expect(await (await admin.get('/admin/import')).text()).toMatch(/@carol<\/span><\/span>\s*<span class="badge">claimed/)
  })
})

describe('refusing an archive', () => {
  let opened: OpenedDatabase
  let dataDir: string
  let admin: Person
  let app: ReturnType<typeof appOn>['app']
  beforeAll(async () => {
    opened = await openPostgres()
    dataDir = await mkdtemp(join(tmpdir(), 'rtc-slack-'))
    app = appOn(opened.db, { env: { DATA_DIR: dataDir, ...ADMIN_ENV, IMPORT_MAX_EXPANDED_BYTES: String(200 * 1024 * 1024) } }).app
    admin = browser(app)
    await admin.post('/auth/local', { login: 'imp-admin' })
  })
  afterAll(async () => {
    await opened?.cleanup()
    await rm(dataDir, { recursive: true, force: true })
  })
  afterEach(async () => {
    // Nothing half-imported: a refused archive leaves no room, no placeholder and no link behind.
    expect(await postgresModeration(opened.db.sql).listRooms(10)).toEqual([])
    expect((await opened.db.sql`SELECT count(*)::int AS n FROM slack_users`)[0]!.n).toBe(0)
  })

  const small = (extra: Partial<SlackExportSpec>) => ({ users: WORKSPACE.users, channels: WORKSPACE.channels, days: { 'general/2020-01-01.json': [] }, ...extra })

  it.each([
    ['bytes that are no zip', () => strToU8('PK? not really a zip at all'), /This is not a zip archive/],
    ['a zip that is not a Slack export', () => slackZip({ raw: { 'readme.txt': 'hello' } }), /This is not a Slack export: it has no users\.json and channels\.json/],
    ['a day file that is not JSON', () => slackZip(small({ raw: { 'general/2020-01-02.json': '[{"type": "message", "text": ' } })), /general\/2020-01-02\.json is not valid JSON/],
    ['users.json that is not a list', () => slackZip({ users: { members: [] }, channels: [] }), /users\.json is not a list/],
    ['channels without names', () => slackZip({ users: [], channels: [{ id: 'C1' }] }), /channels\.json: entry 1 has no id and name/],
    ['an entry that climbs out of the archive', () => slackZip(small({ raw: { '../../etc/evil.json': '[]' } })), /the entry &quot;\.\.\/\.\.\/etc\/evil\.json&quot; points outside the archive; nothing was imported/],
    ['an entry with an absolute path', () => slackZip(small({ raw: { '/tmp/evil.json': '[]' } })), /the entry &quot;\/tmp\/evil\.json&quot; is an absolute path/],
    ['a JSON file over 50 MB', () => slackZip(small({ raw: { 'general/2020-01-03.json': `[${' '.repeat(51 * 1024 * 1024)}]` } })), /general\/2020-01-03\.json is 51 MB: a JSON file of an export may be at most 50 MB/],
  ])('refuses %s with a message that says why, and imports nothing', async (_what, zip, message) => {
    const status = await importThroughPage(admin, zip())
    expect(status).toContain('<h2>Refused')
    expect(status).toMatch(message)
  })

  it('refuses an archive that expands past IMPORT_MAX_EXPANDED_BYTES', async () => {
    const { app: tight } = appOn(opened.db, { env: { DATA_DIR: dataDir, ...ADMIN_ENV, IMPORT_MAX_EXPANDED_BYTES: '2048' } })
    const root = browser(tight)
    await root.post('/auth/local', { login: 'imp-admin' })
    const status = await importThroughPage(root, slackZip(WORKSPACE))
    expect(status).toMatch(/The archive expands to more than 2 KB \(IMPORT_MAX_EXPANDED_BYTES\); nothing was imported/)
  })

  it('shows the page and its actions to administrators only', async () => {
    const eve = browser(app)
    await eve.post('/auth/local', { login: 'imp-eve' })
    const form = new FormData()
    form.set('archive', new File([slackZip(WORKSPACE) as Uint8Array<ArrayBuffer>], 'x.zip'))
    for (const res of [
      await eve.get('/admin/import'), await eve.get('/admin/import/status'), await eve.get('/admin/import', { method: 'POST', body: form }),
      await eve.post('/admin/import/placeholders/U2BOB/claim', { login: 'imp-eve' }),
    ]) expect(res.status).toBe(404)
    expect(await readdir(join(dataDir, 'imports')).catch(() => [])).toEqual([])
    const page = await (await admin.get('/admin/import')).text()
    expect(page).toContain('<h1>Import from Slack</h1>')
    expect(page).toContain('enctype="multipart/form-data"')
  })

  it('refuses an upload without a file, and an upload past IMPORT_UPLOAD_MAX_BYTES before reading it', async () => {
    const empty = new FormData()
    empty.set('archive', new File([], 'empty.zip'))
    const res = await admin.get('/admin/import', { method: 'POST', body: empty })
    expect(res.status).toBe(400)
    expect(await res.text()).toContain('Choose the Slack export')
    const { app: tight } = appOn(opened.db, { env: { DATA_DIR: dataDir, ...ADMIN_ENV, IMPORT_UPLOAD_MAX_BYTES: '2048' } })
    const root = browser(tight)
    await root.post('/auth/local', { login: 'imp-admin' })
    const big = new FormData()
    big.set('archive', new File([new Uint8Array(4096)], 'big.zip'))
    const refused = await root.get('/admin/import', { method: 'POST', body: big })
    expect(refused.status).toBe(413)
    expect(await refused.text()).toContain('That archive is too large to upload: at most 2 KB')
  })
})

describe('npm run import:slack', () => {
  let opened: OpenedDatabase
  let dataDir: string
  beforeAll(async () => {
    opened = await openPostgres()
    dataDir = await mkdtemp(join(tmpdir(), 'rtc-slack-cli-'))
  })
  afterAll(async () => {
    await opened?.cleanup()
    await rm(dataDir, { recursive: true, force: true })
  })
  const run = (file: string) => promisify(execFile)('npx', ['tsx', 'src/ops/importSlack.ts', file], {
    env: { ...process.env, DATABASE_URL: opened.url!, DATA_DIR: dataDir, LOG_LEVEL: 'warn' }, timeout: 120_000,
  }).then((r) => ({ code: 0, ...r }), (err: { code: number; stdout: string; stderr: string }) => ({ code: err.code, stdout: err.stdout, stderr: err.stderr }))

  it('imports into the configured stores, prints its progress, and finds everything again on a second run', async () => {
    const file = await writeSlackZip(dataDir, 'export.zip', WORKSPACE)
    const first = await run(file)
    expect(first.code).toBe(0)
    expect(first.stdout).toMatch(/^done · 6\/6 days · 9 messages imported \(0 already there, 1 notices left out\) · 0 people matched, 4 placeholders \(0 known from before\) · 5 rooms made/m)
    const second = await run(file)
    expect(second.stdout).toMatch(/^done · 6\/6 days · 0 messages imported \(9 already there, 1 notices left out\)/m)
    expect((await opened.db.sql`SELECT count(*)::int AS n FROM messages`)[0]!.n).toBe(9)
  }, 120_000)

  it('refuses a bad archive on stderr with exit code 1', async () => {
    const file = await writeSlackZip(dataDir, 'bad.zip', { users: WORKSPACE.users, channels: WORKSPACE.channels, raw: { 'general/2020-01-01.json': '{oops' } })
    const res = await run(file)
    expect(res.code).toBe(1)
    expect(res.stderr).toContain('general/2020-01-01.json is not valid JSON')
  }, 120_000)
})

describe('an import that fails part way', () => {
  let opened: OpenedDatabase
  let dir: string
  beforeAll(async () => {
    opened = await openPostgres()
    dir = await mkdtemp(join(tmpdir(), 'rtc-slack-fail-'))
  })
  afterAll(async () => {
    await opened?.cleanup()
    await rm(dir, { recursive: true, force: true })
  })

  const depsWith = (messages: MessageStore): SlackImportDeps => ({
    users: postgresUsers(opened.db.sql), rooms: postgresRooms(opened.db.sql), messages, moderation: postgresModeration(opened.db.sql),
    reads: postgresReadState(opened.db.sql), imports: postgresSlackImports(opened.db.sql), nextId: idMaker(3),
  })
  const limits = { maxExpandedBytes: 1024 ** 3, maxFileBytes: 1024 ** 2 }

  it('tries a batch that timed out again, stops after a store keeps failing, and a second run finishes it with nothing twice', async () => {
    const file = await writeSlackZip(dir, 'export.zip', WORKSPACE)
    const real = postgresMessages(opened.db.sql)
    // The store writes the batch, then answers with a timeout (as a Cassandra write whose outcome is unknown does).
    let failures = 1
    const flaky: MessageStore = {
      ...real,
      appendMessages: async (list) => {
        const done = await real.appendMessages!(list)
        if (failures-- > 0) throw new Error('Server timeout during write query at consistency LOCAL_SERIAL')
        return done
      },
    }
    const first = await importSlack(file, depsWith(flaky), { limits, batch: 2 })
    expect(first.messages.imported + first.messages.known).toBe(9)
    const count = async () => (await opened.db.sql`SELECT count(*)::int AS n FROM messages`)[0]!.n
    expect(await count()).toBe(9)

    // A store that fails for good past the first batches: the import stops, saying so; what was written stays.
    const more = structuredClone(WORKSPACE)
    more.days!['general/2020-01-03.json'] = Array.from({ length: 6 }, (_, i) => ({ type: 'message', user: 'U2BOB', text: `later ${i}`, ts: tsOf('2020-01-03T08:00:00Z', i) }))
    const later = await writeSlackZip(dir, 'later.zip', more)
    let calls = 0
    const broken: MessageStore = {
      ...real,
      appendMessages: async (list) => {
        if (++calls > 1) throw new Error('the store is down')
        return real.appendMessages!(list)
      },
    }
    await expect(importSlack(later, depsWith(broken), { limits, batch: 2 })).rejects.toThrow('the store is down')
    expect(await count()).toBe(11)
    const resumed = await importSlack(later, depsWith(real), { limits, batch: 2 })
    expect(resumed.messages).toMatchObject({ imported: 4, known: 11 })
    expect(await count()).toBe(15)
    const general = (await postgresModeration(opened.db.sql).listRooms(10)).find((r) => r.name === 'general')!
    expect((await real.pageAfter(general.id, '0', 100)).map((m) => m.body).slice(-6)).toEqual(['later 0', 'later 1', 'later 2', 'later 3', 'later 4', 'later 5'])
  }, 60_000)
})
