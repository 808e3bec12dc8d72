import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { migrate } from '../src/store/postgres/migrate.ts'
import { migrations } from '../src/store/postgres/migrations.ts'
import { postgresNotifications } from '../src/store/postgres/notifications.ts'
import { postgresRooms } from '../src/store/postgres/rooms.ts'
import { postgresUsers } from '../src/store/postgres/users.ts'
import { appOn, browser } from './support/app.ts'
import { databaseBackends, type OpenedDatabase } from './support/databases.ts'
import { pushEnv, startPushService, type Subscriber } from './support/pushService.ts'

type Browser = ReturnType<typeof browser>
type PushService = Awaited<ReturnType<typeof startPushService>>
type App = ReturnType<typeof appOn>

const json = (who: Browser, path: string, body: unknown) =>
  who.get(path, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', accept: 'application/json' } })

/** The instance's "pushes done" line for this message: its decision is made and every push sent. */
async function pushesDone(logs: App['logs'], messageId: string) {
  const deadline = Date.now() + 10_000
  while (Date.now() < deadline) {
    for (const line of logs.lines) {
      const entry = JSON.parse(line) as { msg: string; messageId?: string; pushed: number; candidates: number }
      if (entry.msg === 'pushes done' && entry.messageId === messageId) return entry
    }
    await new Promise((r) => setTimeout(r, 20))
  }
  throw new Error(`no "pushes done" for message ${messageId}`)
}

describe.each(databaseBackends)('notification levels per room on %s', (_name, open) => {
  const { env } = pushEnv()
  let opened: OpenedDatabase
  let push: PushService
  let world: App
  let ann: Browser, bob: Browser
  let bobsBrowser: Subscriber
  let slug: string
  let direct: string

  const person = async (login: string) => {
    const b = browser(world.app)
    await b.post('/auth/local', { login })
    return b
  }
  /** Ann writes `body` in `room`; answers how many pushes bob's browser got for it. */
  const pushesToBob = async (body: string, room = slug) => {
    const before = push.to(bobsBrowser).length
    const sent = await ann.post(`/rooms/${room}/messages`, { body, nonce: crypto.randomUUID() })
    expect(sent.status).toBe(303)
    await pushesDone(world.logs, /#m-(\d+)$/.exec(sent.headers.get('location')!)![1]!)
    return push.to(bobsBrowser).length - before
  }
  const level = (who: Browser, room: string, value: string, headers: Record<string, string> = {}) =>
    who.post(`/rooms/${room}/notifications`, { level: value }, { headers })
  const settings = async (who: Browser) => (await who.get('/settings', { headers: { accept: 'application/json' } })).json()

  beforeAll(async () => {
    opened = await open()
    push = await startPushService()
    world = appOn(opened.db, { env })
    ;[ann, bob] = [await person('lv-ann'), await person('lv-bob')]
    await ann.post('/rooms', { name: 'Family', visibility: 'public' })
    slug = 'family'
    expect((await bob.post(`/rooms/${slug}/join`)).status).toBe(303)
    direct = (await ann.post('/direct-rooms', { login: 'lv-bob' })).headers.get('location')!.replace('/rooms/', '')
    bobsBrowser = push.subscriber('lv-bob')
    expect((await json(bob, '/push/subscriptions', bobsBrowser.json)).status).toBe(201)
  }, 60_000)
  afterAll(async () => {
    await push?.close()
    await opened?.cleanup()
  })

  it('pushes only mentions from a room by default, every message once set to all, and nothing once set to none', async () => {
    expect(await pushesToBob('dinner at seven')).toBe(0)
    expect(await pushesToBob('@lv-bob dinner at seven?')).toBe(1)

    const all = await level(bob, slug, 'all')
    expect(all.status).toBe(303)
    expect(all.headers.get('location')).toBe(`/rooms/${slug}`)
    expect(await pushesToBob('the cake is here')).toBe(1)
    expect(await pushesToBob('@lv-bob the cake is here')).toBe(1)

    expect((await level(bob, slug, 'none')).status).toBe(303)
    expect(await pushesToBob('@lv-bob are you coming?')).toBe(0)
    expect(await pushesToBob('anyone?')).toBe(0)

    expect((await level(bob, slug, 'mentions')).status).toBe(303)
    expect(await pushesToBob('no mention here')).toBe(0)
    expect(await pushesToBob('@lv-bob a mention')).toBe(1)
    // A room's default is stored as no choice at all.
    expect(await settings(bob)).toMatchObject({ roomLevels: {}, mutedRooms: [] })
  })

  it('pushes every message of a direct room by default, and its level changes that', async () => {
    expect(await pushesToBob('just you', direct)).toBe(1)
    expect((await level(bob, direct, 'mentions')).status).toBe(303)
    expect(await settings(bob)).toMatchObject({ roomLevels: { [direct]: 'mentions' } })
    expect(await pushesToBob('still just you', direct)).toBe(0)
    expect(await pushesToBob('@lv-bob now?', direct)).toBe(1)
    expect((await level(bob, direct, 'none')).status).toBe(303)
    expect(await pushesToBob('@lv-bob hello?', direct)).toBe(0)
    expect((await level(bob, direct, 'all')).status).toBe(303)
    expect(await settings(bob)).toMatchObject({ roomLevels: {} })
    expect(await pushesToBob('back to every message', direct)).toBe(1)
  })

  it('lets the choice for all rooms narrow a room\'s level: mentions only, or nothing', async () => {
    expect((await level(bob, slug, 'all')).status).toBe(303)
    expect((await bob.post('/settings/notifications', { choice: 'mentions' })).status).toBe(303)
    expect(await pushesToBob('every message, but not for now')).toBe(0)
    expect(await pushesToBob('@lv-bob this one')).toBe(1)
    expect((await bob.post('/settings/notifications', { choice: 'nothing' })).status).toBe(303)
    expect(await pushesToBob('@lv-bob not this one')).toBe(0)
    expect(await pushesToBob('nor this', direct)).toBe(0)
    expect((await bob.post('/settings/notifications', { choice: 'all' })).status).toBe(303)
    expect(await pushesToBob('and again')).toBe(1)
    expect((await level(bob, slug, 'mentions')).status).toBe(303)
  })

  it('refuses a level that is not one with a clear 400, and a room the person is not in', async () => {
    for (const value of ['loud', '', 'ALL', 'nothing']) {
      const res = await level(bob, slug, value, { accept: 'application/json' })
      expect({ value, status: res.status }).toEqual({ value, status: 400 })
      expect(await res.json()).toMatchObject({ error: 'level must be all (every message), mentions or none (nothing).' })
    }
    expect((await bob.post(`/rooms/${slug}/notifications`, {}, { headers: { accept: 'application/json' } })).status).toBe(400)
    const eve = await person('lv-eve')
    expect((await level(eve, direct, 'all')).status).toBe(404)
    await ann.post('/rooms', { name: 'Secret', visibility: 'private' })
    expect((await level(eve, 'secret', 'all')).status).toBe(404)
    expect((await level(eve, slug, 'all')).status).toBe(403)
  })

  it('answers htmx with the room\'s menu and a script with the level; the older mute route sets nothing and back', async () => {
    const menu = await (await level(bob, slug, 'all', { 'hx-request': 'true' })).text()
    expect(menu).toMatch(/^<details id="notify-level" class="notify-level" data-level="all">/)
    expect(menu).toContain('<button type="submit" name="level" value="all" aria-pressed="true">')
    expect(menu).toContain('<button type="submit" name="level" value="mentions" aria-pressed="false"><span class="choice-label">Mentions (default)</span>')
    expect(await (await level(bob, slug, 'none', { accept: 'application/json' })).json()).toEqual({ level: 'none' })

    expect((await bob.post(`/rooms/${slug}/mute`, { muted: 'off' })).status).toBe(303)
    expect(await settings(bob)).toMatchObject({ roomLevels: {}, mutedRooms: [] })
    const muted = await bob.post(`/rooms/${slug}/mute`, { muted: 'on' }, { headers: { 'hx-request': 'true' } })
    expect(await muted.text()).toContain('data-level="none"')
    expect(await settings(bob)).toMatchObject({ roomLevels: { [slug]: 'none' }, mutedRooms: [slug] })
    expect(await pushesToBob('@lv-bob muted')).toBe(0)
    expect((await bob.post(`/rooms/${slug}/mute`, { muted: 'maybe' })).status).toBe(422)
    expect((await bob.post(`/rooms/${slug}/mute`, { muted: 'off' })).status).toBe(303)
    expect(await pushesToBob('@lv-bob unmuted')).toBe(1)
  })

  it('shows each room\'s level in the room\'s header, the sidebar and the settings page', async () => {
    expect((await level(bob, slug, 'all')).status).toBe(303)
    const page = await (await bob.get(`/rooms/${slug}`)).text()
    expect(page).toContain('<details id="notify-level" class="notify-level" data-level="all">')
    expect(page).toContain('aria-label="Notifications: Every message"')
    expect(page).toMatch(new RegExp(`<a id="side-\\d+" class="side-room" href="/rooms/${slug}" data-kind="public" data-level="all"`))
    expect(page).toMatch(new RegExp(`<a id="side-\\d+" class="side-room" href="/rooms/${direct}" data-kind="direct" data-level="all"`))
    const settingsPage = await (await bob.get('/settings')).text()
    expect(settingsPage).toContain('<li data-level="all"><a href="/rooms/family"><bdi>Family</bdi></a>: Every message</li>')
    // Someone reading a public room without joining gets no menu.
    const eve = await person('lv-eve2')
    expect(await (await eve.get(`/rooms/${slug}`)).text()).not.toContain('id="notify-level"')
    expect((await level(bob, slug, 'mentions')).status).toBe(303)
  })

  it('sends a test notification to each browser of the person and says how many it reached, or that none get them', async () => {
    const res = await bob.post('/settings/notifications/test', {}, { headers: { accept: 'application/json' } })
    expect(await res.json()).toEqual({ browsers: 1, reached: 1 })
    const last = push.to(bobsBrowser).at(-1)!
    expect(JSON.parse(bobsBrowser.decrypt(last.body))).toEqual({ title: 'rtc: test notification', body: 'Notifications reach this device.', url: '/settings', tag: 'rtc-test' })
    const fragment = await (await bob.post('/settings/notifications/test', {}, { headers: { 'hx-request': 'true' } })).text()
    expect(fragment).toContain('Sent: it reached 1 browser of yours.')

    const carl = await person('lv-carl')
    const page = await carl.post('/settings/notifications/test')
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('No browser of yours gets push notifications yet: turn them on with &quot;Notify this browser&quot; first.')

    const gone = push.subscriber('lv-carl-old')
    expect((await json(carl, '/push/subscriptions', gone.json)).status).toBe(201)
    push.answer(gone, 410)
    expect(await (await carl.post('/settings/notifications/test', {}, { headers: { accept: 'application/json' } })).json()).toEqual({ browsers: 1, reached: 0 })
    expect(await settings(carl)).toMatchObject({ devices: 0 })
  })
})

describe('the test notification\'s rate limit', () => {
  const [, openPostgres] = databaseBackends[0]!
  let opened: OpenedDatabase
  let push: PushService
  beforeAll(async () => {
    opened = await openPostgres()
    push = await startPushService()
  })
  afterAll(async () => {
    await push?.close()
    await opened?.cleanup()
  })

  it('refuses a third test within the window with 429, Retry-After and the reason, beside the button', async () => {
    const { app } = appOn(opened.db, { env: { ...pushEnv().env, RATE_LIMITS: 'on', RATE_LIMIT_TEST_PUSH: '2/1h' } })
    const dan = browser(app)
    await dan.post('/auth/local', { login: 'lv-dan' })
    const answers = []
    for (let i = 0; i < 3; i++) answers.push(await dan.post('/settings/notifications/test', {}, { headers: { 'hx-request': 'true' } }))
    expect(answers.map((r) => r.status)).toEqual([200, 200, 429])
    expect(Number(answers[2]!.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(await answers[2]!.text()).toMatch(/You have sent several test notifications lately\. Try again in \d+ min\./)
  })
})

describe('the migration to notification levels', () => {
  const [, openPostgres] = databaseBackends[0]!
  let opened: OpenedDatabase
  beforeAll(async () => { opened = await openPostgres({ migrated: false }) })
  afterAll(async () => { await opened?.cleanup() })

  it('turns each room a person muted into "nothing" for them, and leaves the others at their default', async () => {
    const levels = migrations.find((m) => m.name.startsWith('notification levels per room'))!
    await migrate(opened.db.sql, migrations.filter((m) => m.version < levels.version))
    const users = postgresUsers(opened.db.sql)
    const rooms = postgresRooms(opened.db.sql)
    const [amy, ben] = [await users.upsertLocalUser('mig-amy'), await users.upsertLocalUser('mig-ben')]
    const quiet = await rooms.createRoom({ name: 'Quiet', slug: 'quiet', visibility: 'public', createdBy: amy.id })
    const loud = await rooms.createRoom({ name: 'Loud', slug: 'loud', visibility: 'public', createdBy: amy.id })
    await opened.db.sql`INSERT INTO room_mutes (room_id, user_id) VALUES (${quiet.id}, ${ben.id})`
    expect(await migrate(opened.db.sql)).toContain(levels.version)
    const notifications = postgresNotifications(opened.db.sql)
    expect(await notifications.levelOf(quiet.id, ben.id)).toBe('none')
    expect(await notifications.levelOf(loud.id, ben.id)).toBeUndefined()
    expect(await notifications.levelOf(quiet.id, amy.id)).toBeUndefined()
    expect((await notifications.roomLevels(ben.id)).map((r) => [r.room.slug, r.level])).toEqual([['quiet', 'none']])
  })
})
