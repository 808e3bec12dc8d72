import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { unzipSync, strFromU8 } from 'fflate'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { EXPORT_PAGE } from '../src/export/transcript.ts'
import { cassandraMessages } from '../src/store/cassandra/messages.ts'
import { appOn, browser, TEST_ORIGIN } from './support/app.ts'
import { testKeyspace } from './support/cassandra.ts'
import { databaseBackends, type OpenedDatabase } from './support/databases.ts'

type Person = ReturnType<typeof browser>
const idOf = (res: Response) => /#m-(\d+)$/.exec(res.headers.get('location') ?? '')![1]!

// A room's transcript pages its store by position: PostgreSQL, and Cassandra beside PostgreSQL.
for (const messagesIn of ['postgres', 'cassandra'] as const) {
  describe(`room export, with messages in ${messagesIn}`, () => {
    const [, openPostgres] = databaseBackends[0]!
    let opened: OpenedDatabase
    let ks: Awaited<ReturnType<typeof testKeyspace>> | undefined
    let dataDir: string
    let app: ReturnType<typeof appOn>['app']
    let clock = new Date('2026-03-01T22:30:00Z')
    let ann: Person, bob: Person, eve: Person
    const person = async (login: string) => {
      const p = browser(app)
      await p.post('/auth/local', { login })
      return p
    }
    const send = async (who: Person, slug: string, body: string, extra: Record<string, string> = {}) =>
      idOf(await who.post(`/rooms/${slug}/messages`, { body, nonce: crypto.randomUUID(), ...extra }))

    beforeAll(async () => {
      opened = await openPostgres()
      if (messagesIn === 'cassandra') ks = await testKeyspace()
      dataDir = await mkdtemp(join(tmpdir(), 'rtc-export-'))
      app = appOn(opened.db, {
        env: { DATA_DIR: dataDir }, now: () => clock, deps: ks ? { messages: cassandraMessages(ks.client) } : {},
      }).app
      ;[ann, bob, eve] = [await person('exp-ann'), await person('exp-bob'), await person('exp-eve')]
      await ann.post('/rooms', { name: 'Family <Notes>', visibility: 'private' })
      await ann.post('/rooms/family-notes/members', { login: 'exp-bob' })
    })
    afterAll(async () => {
      await ks?.drop()
      await opened?.cleanup()
      await rm(dataDir, { recursive: true, force: true })
    })

    it('writes a readable Markdown transcript: days in the reader\'s zone, authors, edits, replies, files and reactions; deleted messages left out', async () => {
      const first = await send(ann, 'family-notes', 'Dinner at **eight**?')
      clock = new Date('2026-03-02T09:15:00Z')
      const answer = await send(bob, 'family-notes', 'Yes, see you then', { reply_to: first })
      await bob.post(`/rooms/family-notes/messages/${answer}`, { body: 'Yes, see you then!' })
      await ann.post(`/rooms/family-notes/messages/${answer}/reactions`, { emoji: '👍' })
      const gone = await send(ann, 'family-notes', 'a typo I deleted')
      await ann.post(`/rooms/family-notes/messages/${gone}/delete`)
      const form = new FormData()
      form.set('body', 'the list')
      form.set('nonce', crypto.randomUUID())
      form.append('file', new File([new TextEncoder().encode('milk\neggs\n')], 'shopping [list].txt', { type: 'text/plain' }))
      await bob.get('/rooms/family-notes/messages', { method: 'POST', body: form })

      const res = await bob.get('/rooms/family-notes/export?format=md&tz=America/New_York')
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toBe('text/markdown; charset=utf-8')
      expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="family-notes-2026-03-02\.md"$/)
      const md = await res.text()
      expect(md).toContain('# Family <Notes>\n')
      expect(md).toContain('Times are in America/New_York.')
      // 22:30 UTC on 1 March is 17:30 in New York, the same day; 09:15 UTC on the 2nd is 04:15 there.
      expect(md.indexOf('## Sunday, 1 March 2026')).toBeGreaterThan(0)
      expect(md.indexOf('## Monday, 2 March 2026')).toBeGreaterThan(md.indexOf('Dinner at **eight**?'))
      expect(md).toContain(`**@exp-ann**, [17:30](${TEST_ORIGIN}/rooms/family-notes/messages/${first})`)
      expect(md).toMatch(new RegExp(`\\*\\*@exp-bob\\*\\*, \\[04:15\\]\\([^)]+/messages/${answer}\\), edited `))
      expect(md).toContain(`↪ in reply to [an earlier message](${TEST_ORIGIN}/rooms/family-notes/messages/${first})`)
      expect(md).toContain('Yes, see you then!')
      expect(md).toContain('👍 1 (exp-ann)')
      expect(md).toMatch(/- \[shopping \\\[list\\\]\.txt\]\(http:\/\/localhost:8080\/rooms\/family-notes\/messages\/\d+\/files\/[0-9a-f]{64}\) \(10 bytes\)/)
      expect(md).not.toContain('a typo I deleted')

      // Without a zone: UTC, and said so.
      const utc = await (await bob.get('/rooms/family-notes/export')).text()
      expect(utc).toContain('Times are in UTC.')
      expect(utc).toContain('## Sunday, 1 March 2026')
      expect(utc).toContain('[22:30]')
    })

    it('writes JSON: one object per message with its source, author, times, reply, reactions and files', async () => {
      const res = await ann.get('/rooms/family-notes/export?format=json')
      expect(res.headers.get('content-type')).toBe('application/json; charset=utf-8')
      const doc = JSON.parse(await res.text()) as { room: { slug: string; name: string }; exported_by: string; messages: Record<string, unknown>[] }
      expect(doc.room).toMatchObject({ slug: 'family-notes', name: 'Family <Notes>' })
      expect(doc.exported_by).toBe('exp-ann')
      expect(doc.messages.map((m) => m.body)).toEqual(['Dinner at **eight**?', 'Yes, see you then!', 'the list'])
      const [first, answer, list] = doc.messages as { id: string; author: { login: string }; created_at: string; edited_at: string | null; reply_to: string | null; reactions: unknown; attachments: { name: string; size: number }[] }[]
      expect(first!.author.login).toBe('exp-ann')
      expect(first!.created_at).toBe('2026-03-01T22:30:00.000Z')
      expect(answer!.reply_to).toBe(first!.id)
      expect(answer!.edited_at).not.toBeNull()
      expect(answer!.reactions).toEqual([{ emoji: '👍', logins: ['exp-ann'] }])
      expect(list!.attachments).toMatchObject([{ name: 'shopping [list].txt', size: 10 }])
    })

    it('zips the transcript with the room\'s files, linked by their path in the zip', async () => {
      const res = await ann.get('/rooms/family-notes/export?format=md&files=1')
      expect(res.headers.get('content-type')).toBe('application/zip')
      const zip = unzipSync(new Uint8Array(await res.arrayBuffer()))
      const names = Object.keys(zip)
      const transcript = names.find((n) => n.endsWith('.md'))!
      expect(transcript).toMatch(/^family-notes-\d{4}-\d{2}-\d{2}\/family-notes-\d{4}-\d{2}-\d{2}\.md$/)
      const file = names.find((n) => n.includes('/files/'))!
      expect(file).toMatch(/\/files\/[0-9a-f]{12}-shopping \[list\]\.txt$/)
      expect(strFromU8(zip[file]!)).toBe('milk\neggs\n')
      const local = file.slice(file.indexOf('/') + 1)
      expect(strFromU8(zip[transcript]!)).toContain(`(${encodeURI(local)})`)
    })

    it('pages a long room in order, every message once', async () => {
      await ann.post('/rooms', { name: 'Long', visibility: 'public' })
      const count = EXPORT_PAGE * 2 + 17
      for (let i = 0; i < count; i++) await send(ann, 'long', `line ${i}`)
      const doc = JSON.parse(await (await ann.get('/rooms/long/export?format=json')).text()) as { messages: { body: string }[] }
      expect(doc.messages.map((m) => m.body)).toEqual(Array.from({ length: count }, (_, i) => `line ${i}`))
    }, 120_000)

    it('is for members only, and refuses a format or zone it does not know with a reason', async () => {
      expect((await eve.get('/rooms/family-notes/export')).status).toBe(404)
      expect((await eve.get('/rooms/long/export')).status).toBe(403)
      const format = await ann.get('/rooms/family-notes/export?format=pdf')
      expect(format.status).toBe(400)
      expect(await format.text()).toContain('An export is Markdown (format=md) or JSON (format=json).')
      const zone = await ann.get('/rooms/family-notes/export?tz=Mars/Olympus')
      expect(zone.status).toBe(400)
      expect(await zone.text()).toContain('is not a time zone this server knows')
    })
  })
}

describe('room export limits', () => {
  it('counts exports per person when rate limits are on', async () => {
    const [, openPostgres] = databaseBackends[0]!
    const opened = await openPostgres()
    try {
      const { app } = appOn(opened.db, { env: { RATE_LIMITS: 'on', RATE_LIMIT_EXPORT: '2/1h' } })
      const ann = browser(app)
      await ann.post('/auth/local', { login: 'lim-ann' })
      await ann.post('/rooms', { name: 'Counted', visibility: 'public' })
      expect((await ann.get('/rooms/counted/export')).status).toBe(200)
      expect((await ann.get('/rooms/counted/export?format=json')).status).toBe(200)
      const third = await ann.get('/rooms/counted/export')
      expect(third.status).toBe(429)
      expect(await third.text()).toContain('You have exported rooms many times lately.')
    } finally {
      await opened.cleanup()
    }
  })
})

describe('one\'s own data', () => {
  it('zips what the person wrote in every room, their files, reactions, read markers and settings, and nothing of anyone else', async () => {
    const [, openPostgres] = databaseBackends[0]!
    const opened = await openPostgres()
    const dataDir = await mkdtemp(join(tmpdir(), 'rtc-export-own-'))
    try {
      const { app } = appOn(opened.db, { env: { DATA_DIR: dataDir } })
      const person = async (login: string) => {
        const p = browser(app)
        await p.post('/auth/local', { login })
        return p
      }
      const [ivy, jon] = [await person('own-ivy'), await person('own-jon')]
      await ivy.post('/rooms', { name: 'Garden', visibility: 'public' })
      await jon.post('/rooms/garden/join')
      await jon.post('/rooms', { name: 'Jon only', visibility: 'private' })
      const mine = idOf(await ivy.post('/rooms/garden/messages', { body: 'tomatoes are in', nonce: crypto.randomUUID() }))
      const theirs = idOf(await jon.post('/rooms/garden/messages', { body: 'nice!', nonce: crypto.randomUUID() }))
      await jon.post('/rooms/jon-only/messages', { body: 'private note', nonce: crypto.randomUUID() })
      await ivy.post(`/rooms/garden/messages/${theirs}/reactions`, { emoji: '🍅' })
      await ivy.post('/settings/notifications', { choice: 'mentions' })
      const form = new FormData()
      form.set('body', 'photo list')
      form.set('nonce', crypto.randomUUID())
      form.append('file', new File([new TextEncoder().encode('basil\n')], 'plants.txt', { type: 'text/plain' }))
      await ivy.get('/rooms/garden/messages', { method: 'POST', body: form })
      await ivy.post(`/rooms/garden/read`, { id: theirs })

      const res = await ivy.get('/settings/export')
      expect(res.status).toBe(200)
      expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="rtc-own-ivy-\d{4}-\d{2}-\d{2}\.zip"$/)
      const zip = unzipSync(new Uint8Array(await res.arrayBuffer()))
      const entry = (suffix: string) => Object.entries(zip).find(([n]) => n.endsWith(suffix))?.[1]
      const you = JSON.parse(strFromU8(entry('/you.json')!)) as { user: { login: string }; notifications: string; rooms: { slug: string; read_up_to: string | null; notification_level: string }[] }
      expect(you.user.login).toBe('own-ivy')
      expect(you.notifications).toBe('mentions')
      expect(you.rooms.map((r) => r.slug)).toEqual(['garden'])
      expect(you.rooms[0]).toMatchObject({ notification_level: 'mentions' })
      expect(BigInt(you.rooms[0]!.read_up_to ?? '0')).toBeGreaterThanOrEqual(BigInt(theirs))
      const written = JSON.parse(strFromU8(entry('/messages.json')!)) as { room: string; id: string; body: string }[]
      expect(written.map((m) => [m.room, m.body])).toEqual([['garden', 'tomatoes are in'], ['garden', 'photo list']])
      expect(written[0]!.id).toBe(mine)
      expect(JSON.parse(strFromU8(entry('/reactions.json')!))).toEqual([{ room: 'garden', message_id: theirs, emoji: '🍅' }])
      expect(strFromU8(entry('-plants.txt')!)).toBe('basil\n')
      expect(Object.keys(zip).some((n) => n.includes('private'))).toBe(false)
      expect(JSON.stringify(written)).not.toContain('nice!')
    } finally {
      await opened.cleanup()
      await rm(dataDir, { recursive: true, force: true })
    }
  })
})
