import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signIn, startChatServer, type Person } from './support/chat.ts'
import { createTestDatabase, type TestDatabase } from './support/postgres.ts'
import { pushEnv, startPushService, verifyVapid, type Subscriber } from './support/pushService.ts'
import { REDIS_URL, testRedisPrefix } from './support/redis.ts'

type Server = Awaited<ReturnType<typeof startChatServer>>
type PushService = Awaited<ReturnType<typeof startPushService>>

/** The instance's "pushes done" line for this message: its decision is complete and every push sent. */
async function pushesDone(server: Server, messageId: string | undefined) {
  const deadline = Date.now() + 10_000
  while (Date.now() < deadline) {
    for (const line of server.logs.lines) {
      const entry = JSON.parse(line) as { msg: string; messageId?: string; pushed: number; present: number; candidates: number }
      if (entry.msg === 'pushes done' && entry.messageId === messageId) return entry
    }
    await new Promise((r) => setTimeout(r, 20))
  }
  throw new Error(`no "pushes done" for message ${messageId}`)
}

const json = (person: Person, path: string, body: unknown) =>
  person.send(path, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json', accept: 'application/json' } })

/** Until the room page, as `viewer` sees it, shows `login` online or offline. */
async function waitForPresence(viewer: Person, slug: string, login: string, online: boolean) {
  const mark = new RegExp(`<li class="${online ? 'online' : 'offline'}">(?:(?!</li>).)*@${login}<`, 's')
  const deadline = Date.now() + 10_000
  while (!mark.test(await (await viewer.send(`/rooms/${slug}`)).text())) {
    if (Date.now() > deadline) throw new Error(`${login} never showed ${online ? 'online' : 'offline'}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

const backends: [string, () => Promise<{ env: Record<string, string>; cleanup(): Promise<void> }>][] = [
  ['PostgreSQL', async () => {
    const db = await createTestDatabase()
    return { env: { DATABASE_URL: db.url }, cleanup: () => db.drop() }
  }],
  ['PGlite', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rtc-push-'))
    return { env: { DATA_DIR: dir }, cleanup: () => rm(dir, { recursive: true, force: true }) }
  }],
]

describe.each(backends)('Web Push on %s', (_name, backend) => {
  const { vapid, env } = pushEnv()
  let storage: Awaited<ReturnType<typeof backend>>
  let server: Server
  let push: PushService
  let alice: Person, bob: Person
  let slug: string
  let bobsBrowser: Subscriber

  beforeAll(async () => {
    storage = await backend()
    push = await startPushService()
    server = await startChatServer({ ...env, ...storage.env, ADMIN_LOGINS: 'alice' })
    alice = await signIn(server.url, 'alice')
    bob = await signIn(server.url, 'bob')
    slug = await alice.createRoom('Launch plans')
    await bob.form(`/rooms/${slug}/join`, {})
    bobsBrowser = push.subscriber('bob')
    expect((await json(bob, '/push/subscriptions', bobsBrowser.json)).status).toBe(201)
  }, 60_000)
  afterAll(async () => {
    await server?.close()
    await push?.close()
    await storage?.cleanup()
  })

  /** Alice posts; answers what bob's browser was sent for it, decrypted, once the instance is done. */
  const mentionBob = async (body = 'hello @bob, the rocket is ready', room = slug) => {
    const before = push.to(bobsBrowser).length
    const { id, status } = await alice.post(room, body)
    expect(status).toBe(200)
    const done = await pushesDone(server, id)
    return { id, done, pushes: push.to(bobsBrowser).slice(before) }
  }

  it('sends a mention to a member with no tab open as one push, encrypted for their browser and signed with VAPID', async () => {
    expect((await json(bob, '/push/subscriptions', bobsBrowser.json)).status).toBe(200)
    const { id, pushes } = await mentionBob()
    expect(pushes).toHaveLength(1)
    const [received] = pushes
    expect(received!.headers['content-encoding']).toBe('aes128gcm')
    expect(Number(received!.headers.ttl)).toBeGreaterThan(0)
    expect(verifyVapid(received!.headers.authorization, vapid.publicKey, push.origin).sub).toBe('mailto:ops@example.org')
    expect(JSON.parse(bobsBrowser.decrypt(received!.body))).toEqual({
      title: 'alice in Launch plans', body: 'hello @bob, the rocket is ready', author: 'alice', room: slug,
      url: `/rooms/${slug}#m-${id}`, tag: `rtc-${slug}`,
    })
    // Another browser's keys cannot read it.
    expect(() => push.subscriber('eve').decrypt(received!.body)).toThrow()
  })

  it('notifies nobody of a mention of the author or of someone outside the room', async () => {
    const carol = await signIn(server.url, 'carol')
    const carolsBrowser = push.subscriber('carol')
    expect((await json(carol, '/push/subscriptions', carolsBrowser.json)).status).toBe(201)
    const { done, pushes } = await mentionBob('@alice and @carol, have a look')
    expect(done.candidates).toBe(0)
    expect(pushes).toHaveLength(0)
    expect(push.to(carolsBrowser)).toHaveLength(0)
  })

  it('sends nothing from a room the member set to nothing, every message once set to all, and mentions again by default', async () => {
    const none = await bob.form(`/rooms/${slug}/notifications`, { level: 'none' }, true)
    expect(none.status).toBe(200)
    expect(await none.text()).toContain('data-level="none"')
    expect(await (await bob.send(`/rooms/${slug}`)).text()).toContain('aria-label="Notifications: Nothing"')
    expect(await (await bob.send('/settings', { headers: { accept: 'application/json' } })).json())
      .toEqual({ notifications: 'all', mutedRooms: [slug], roomLevels: { [slug]: 'none' }, devices: 1 })
    expect((await mentionBob()).pushes).toHaveLength(0)
    expect((await bob.form(`/rooms/${slug}/notifications`, { level: 'all' })).status).toBe(303)
    expect((await mentionBob('no mention, and still for bob')).pushes).toHaveLength(1)
    expect((await bob.form(`/rooms/${slug}/notifications`, { level: 'mentions' })).status).toBe(303)
    expect((await mentionBob('no mention at all')).pushes).toHaveLength(0)
    expect((await mentionBob()).pushes).toHaveLength(1)
  })

  it('sends nothing to someone who chose "nothing"', async () => {
    const saved = await bob.form('/settings/notifications', { choice: 'nothing' }, true)
    expect(saved.status).toBe(200)
    expect(await saved.text()).toContain('Saved.')
    expect(await (await bob.send('/settings', { headers: { accept: 'text/html' } })).text()).toMatch(/value="nothing" checked/)
    expect((await mentionBob()).pushes).toHaveLength(0)
    expect((await bob.form('/settings/notifications', { choice: 'all' })).status).toBe(303)
    // A client not asking for HTML gets the refusal as JSON, with its status.
    const bogus = await bob.send('/settings/notifications', { method: 'POST', body: new URLSearchParams({ choice: 'bogus' }), headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' } })
    expect(bogus.status).toBe(422)
    expect(await bogus.json()).toMatchObject({ notifications: 'all', error: 'Choose what each room is set to, mentions only, or nothing.' })
  })

  it('pushes a direct message by default, but under "mentions only" only when it mentions them', async () => {
    const direct = (await alice.form('/direct-rooms', { login: 'bob' })).headers.get('location')!.replace('/rooms/', '')
    const first = await mentionBob('are you there?', direct)
    expect(first.pushes).toHaveLength(1)
    expect(JSON.parse(bobsBrowser.decrypt(first.pushes[0]!.body))).toMatchObject({ title: 'alice', body: 'are you there?', room: direct })
    expect((await bob.form('/settings/notifications', { choice: 'mentions' })).status).toBe(303)
    expect((await mentionBob('still there?', direct)).pushes).toHaveLength(0)
    expect((await mentionBob('@bob please answer', direct)).pushes).toHaveLength(1)
    expect((await mentionBob()).pushes).toHaveLength(1)
    expect((await bob.form('/settings/notifications', { choice: 'all' })).status).toBe(303)
    // A client not asking for HTML gets the refusal as JSON, with its status.
    const bogus = await bob.send('/settings/notifications', { method: 'POST', body: new URLSearchParams({ choice: 'bogus' }), headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' } })
    expect(bogus.status).toBe(422)
    expect(await bogus.json()).toMatchObject({ notifications: 'all', error: 'Choose what each room is set to, mentions only, or nothing.' })
  })

  /** Mentions bob until the instance finds him `present` (or not), a push each time he is not; answers that last message's pushes. */
  const mentionUntil = async (present: boolean) => {
    const deadline = Date.now() + 10_000
    for (;;) {
      const sent = await mentionBob()
      if ((sent.done.present === 1) === present) return sent.pushes
      if (Date.now() > deadline) throw new Error(`bob never counted as ${present ? 'present' : 'away'}`)
      await new Promise((r) => setTimeout(r, 50))
    }
  }

  it('sends nothing to someone looking at a tab, and pushes once it is hidden or closed, or says nothing', async () => {
    const socket = await bob.socket(slug)
    await waitForPresence(alice, slug, 'bob', true)
    // Online but silent (a tab whose page says nothing of being looked at): pushes go out.
    expect((await mentionBob()).pushes).toHaveLength(1)
    socket.tell('active')
    expect(await mentionUntil(true)).toHaveLength(0)
    socket.tell('hidden')
    expect(await mentionUntil(false)).toHaveLength(1)
    socket.tell('active')
    expect(await mentionUntil(true)).toHaveLength(0)
    await socket.close()
    expect(await mentionUntil(false)).toHaveLength(1)
  })

  it('forgets a subscription whose push service answers 410, and keeps the others', async () => {
    const oldBrowser = push.subscriber('bob-old')
    expect((await json(bob, '/push/subscriptions', oldBrowser.json)).status).toBe(201)
    push.answer(oldBrowser, 410)
    expect((await mentionBob()).pushes).toHaveLength(1)
    expect(push.to(oldBrowser)).toHaveLength(1)
    expect(server.logs.text()).toContain('push subscription gone; forgotten')
    expect((await mentionBob()).pushes).toHaveLength(1)
    expect(push.to(oldBrowser)).toHaveLength(1)
    expect(await (await bob.send('/settings', { headers: { accept: 'text/html' } })).text()).toContain('reach 1 browser of yours')
  })

  it('keeps the newest 10 browsers of a user, and an endpoint moves to whoever subscribed last in it', async () => {
    const dan = await signIn(server.url, 'dan')
    const browsers = Array.from({ length: 11 }, (_, i) => push.subscriber(`dan-${i}`))
    for (const b of browsers) expect((await json(dan, '/push/subscriptions', b.json)).status).toBe(201)
    const devices = async (p: Person) => ((await (await p.send('/settings', { headers: { accept: 'application/json' } })).json()) as { devices: number }).devices
    expect(await devices(dan)).toBe(10)
    expect(await (await json(dan, '/push/subscriptions/delete', { endpoint: browsers[0]!.json.endpoint })).json()).toEqual({ deleted: false, devices: 10 })
    const erin = await signIn(server.url, 'erin')
    expect((await json(erin, '/push/subscriptions', browsers[10]!.json)).status).toBe(201)
    expect([await devices(dan), await devices(erin)]).toEqual([9, 1])
  })

  /** Alice mentions `person` in the shared room and writes to them directly; answers what `browsers` were sent, once both are done. */
  const reach = async (person: Person, ...browsers: Subscriber[]) => {
    const before = browsers.map((b) => push.to(b).length)
    const direct = (await alice.form('/direct-rooms', { login: person.login })).headers.get('location')!.replace('/rooms/', '')
    for (const [room, body] of [[slug, `@${person.login} a mention`], [direct, 'a direct message']] as const) {
      const { id, status } = await alice.post(room, body)
      expect(status).toBe(200)
      await pushesDone(server, id)
    }
    return browsers.map((b, i) => push.to(b).length - before[i]!)
  }
  const devices = async (p: Person) => ((await (await p.send('/settings', { headers: { accept: 'application/json' } })).json()) as { devices: number }).devices

  it('pushes nothing to a banned user\'s browsers, and their subscriptions are gone', async () => {
    const frank = await signIn(server.url, 'frank')
    await frank.form(`/rooms/${slug}/join`, {})
    const browser = push.subscriber('frank')
    expect((await json(frank, '/push/subscriptions', browser.json)).status).toBe(201)
    expect(await reach(frank, browser)).toEqual([2])
    expect((await alice.form('/admin/users/frank/ban', {})).status).toBe(303)
    expect(await reach(frank, browser)).toEqual([0])
    // Unbanned and signed in again, no browser of theirs gets pushes until one subscribes anew.
    expect((await alice.form('/admin/users/frank/unban', {})).status).toBe(303)
    const again = await signIn(server.url, 'frank')
    expect(await devices(again)).toBe(0)
    expect(await reach(again, browser)).toEqual([0])
  })

  it('pushes nothing after "sign out everywhere", nor to the browser of a session that signed out, while another session\'s browser still gets them', async () => {
    const gina = await signIn(server.url, 'gina')
    await gina.form(`/rooms/${slug}/join`, {})
    const laptop = push.subscriber('gina-laptop')
    expect((await json(gina, '/push/subscriptions', laptop.json)).status).toBe(201)
    const ginaOnPhone = await signIn(server.url, 'gina')
    const phone = push.subscriber('gina-phone')
    expect((await json(ginaOnPhone, '/push/subscriptions', phone.json)).status).toBe(201)
    expect(await reach(gina, laptop, phone)).toEqual([2, 2])

    expect((await gina.form('/logout', {})).status).toBe(303)
    expect(await reach(gina, laptop, phone)).toEqual([0, 2])
    expect(await devices(ginaOnPhone)).toBe(1)
    // The ended session cannot subscribe again with its old cookie.
    expect((await json(gina, '/push/subscriptions', laptop.json)).status).toBe(401)

    const ginaAtWork = await signIn(server.url, 'gina')
    const work = push.subscriber('gina-work')
    expect((await json(ginaAtWork, '/push/subscriptions', work.json)).status).toBe(201)
    expect((await ginaOnPhone.form('/sessions/end-all', {})).status).toBe(303)
    expect(await reach(gina, laptop, phone, work)).toEqual([0, 0, 0])
    expect(await devices(await signIn(server.url, 'gina'))).toBe(0)
  })

  it('moves a browser\'s subscription to the session that posted it last: that session\'s sign-out ends it', async () => {
    const hana = await signIn(server.url, 'hana')
    await hana.form(`/rooms/${slug}/join`, {})
    const browser = push.subscriber('hana')
    expect((await json(hana, '/push/subscriptions', browser.json)).status).toBe(201)
    // Signed in again in the same browser (a new session), the settings page hands the subscription back.
    const hanaAgain = await signIn(server.url, 'hana')
    expect((await json(hanaAgain, '/push/subscriptions', browser.json)).status).toBe(201)
    expect((await json(hanaAgain, '/push/subscriptions', browser.json)).status).toBe(200)
    expect((await hana.form('/logout', {})).status).toBe(303)
    expect(await reach(hanaAgain, browser)).toEqual([2])
    expect((await hanaAgain.form('/logout', {})).status).toBe(303)
    expect(await reach(hanaAgain, browser)).toEqual([0])
  })

  it('refuses what is not a usable subscription with a clear 4xx, and deletes one on request', async () => {
    const good = push.subscriber('bob-extra').json
    const cases: [unknown, number, RegExp][] = [
      ['{not json', 400, /JSON/],
      [[good], 422, /object/],
      [{ ...good, endpoint: 'http://push.example.org/x' }, 422, /https/],
      [{ ...good, endpoint: 'https://10.1.2.3/x' }, 422, /private/],
      [{ ...good, endpoint: 'https://user:pw@push.example.org/x' }, 422, /credentials/],
      [{ ...good, keys: { ...good.keys, p256dh: good.keys.p256dh.slice(4) } }, 422, /p256dh/],
      [{ ...good, keys: { ...good.keys, p256dh: Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 7)]).toString('base64url') } }, 422, /P-256/],
      [{ ...good, keys: { ...good.keys, auth: 'short' } }, 422, /auth/],
      [{ ...good, padding: 'x'.repeat(5000) }, 413, /at most/],
    ]
    for (const [body, status, error] of cases) {
      const res = await json(bob, '/push/subscriptions', body)
      expect({ body, status: res.status }).toEqual({ body, status })
      expect((await res.json() as { error: string }).error).toMatch(error)
    }
    expect((await json(bob, '/push/subscriptions', good)).status).toBe(201)
    const deleted = await json(bob, '/push/subscriptions/delete', { endpoint: good.endpoint })
    expect(await deleted.json()).toEqual({ deleted: true, devices: 1 })
    expect((await json(bob, '/push/subscriptions/delete', { endpoint: 42 })).status).toBe(422)
    // A direct room's mute is its members' only; an outsider finds no room at all.
    const carol = await signIn(server.url, 'carol')
    const direct = (await alice.form('/direct-rooms', { login: 'bob' })).headers.get('location')!
    expect((await carol.form(`${direct}/mute`, { muted: 'on' })).status).toBe(404)
    expect((await bob.form(`${direct}/mute`, { muted: 'maybe' })).status).toBe(422)
  })
})

describe('Web Push across two instances sharing Redis', () => {
  const { env } = pushEnv()
  let database: TestDatabase
  let redis: Awaited<ReturnType<typeof testRedisPrefix>>
  let a: Server, b: Server
  let push: PushService

  beforeAll(async () => {
    database = await createTestDatabase()
    redis = await testRedisPrefix()
    push = await startPushService()
    const shared = { ...env, DATABASE_URL: database.url, REDIS_URL, REDIS_PREFIX: redis.prefix }
    a = await startChatServer({ ...shared, INSTANCE_ID: '1' })
    b = await startChatServer({ ...shared, INSTANCE_ID: '2' })
  }, 60_000)
  afterAll(async () => {
    await a?.close()
    await b?.close()
    await push?.close()
    await redis?.cleanup()
    await database?.drop()
  })

  it('sends no push to someone looking at a tab on the other instance, and one push, from the storing instance, once they leave', async () => {
    const alice = await signIn(a.url, 'alice')
    const bob = await signIn(b.url, 'bob')
    const slug = await alice.createRoom('Two instances')
    await bob.form(`/rooms/${slug}/join`, {})
    const browser = push.subscriber('bob')
    expect((await json(bob, '/push/subscriptions', browser.json)).status).toBe(201)

    const socket = await bob.socket(slug)
    socket.tell('active')
    // Bob's tab on b counts on a through Redis: mentions from a push nothing once a finds him present.
    const deadline = Date.now() + 10_000
    for (;;) {
      const seen = await alice.post(slug, '@bob can you see this?')
      if ((await pushesDone(a, seen.id)).present === 1) break
      if (Date.now() > deadline) throw new Error('bob never counted as present on the other instance')
    }
    const quiet = push.to(browser).length
    const seen = await alice.post(slug, '@bob still there?')
    expect((await pushesDone(a, seen.id)).present).toBe(1)
    expect(push.to(browser)).toHaveLength(quiet)

    await socket.close()
    await waitForPresence(alice, slug, 'bob', false)
    const away = await alice.post(slug, '@bob you left')
    expect((await pushesDone(a, away.id)).pushed).toBe(1)
    await new Promise((r) => setTimeout(r, 300))
    expect(push.to(browser)).toHaveLength(quiet + 1)
    expect(b.logs.text()).not.toContain('"msg":"pushes done"')
  })
})

describe('Web Push to someone whose visible tab is left alone', () => {
  const { env } = pushEnv()
  let database: TestDatabase
  let server: Server
  let push: PushService

  beforeAll(async () => {
    database = await createTestDatabase()
    push = await startPushService()
    server = await startChatServer({ ...env, DATABASE_URL: database.url, PRESENCE_IDLE_SECONDS: '3' })
  }, 60_000)
  afterAll(async () => {
    await server?.close()
    await push?.close()
    await database?.drop()
  })

  it('pushes once PRESENCE_IDLE_SECONDS pass without the tab saying it was used, though it stays open and shown', async () => {
    const alice = await signIn(server.url, 'alice')
    const bob = await signIn(server.url, 'bob')
    const slug = await alice.createRoom('Idle desk')
    await bob.form(`/rooms/${slug}/join`, {})
    const browser = push.subscriber('bob')
    expect((await json(bob, '/push/subscriptions', browser.json)).status).toBe(201)
    const socket = await bob.socket(slug)
    const mention = async () => {
      const { id } = await alice.post(slug, '@bob are you at your desk?')
      return pushesDone(server, id)
    }
    let deadline = Date.now() + 10_000
    for (;;) {
      socket.tell('active')
      if ((await mention()).present === 1) break
      if (Date.now() > deadline) throw new Error('bob never counted as present')
    }
    const before = push.to(browser).length
    // Nothing more from the tab: bob is away once his last use is PRESENCE_IDLE_SECONDS old.
    deadline = Date.now() + 15_000
    let done = await mention()
    while (done.present === 1) {
      if (Date.now() > deadline) throw new Error('bob never went idle')
      await new Promise((r) => setTimeout(r, 200))
      done = await mention()
    }
    expect(done.pushed).toBe(1)
    expect(push.to(browser).length).toBe(before + 1)
    await socket.close()
  })
})
