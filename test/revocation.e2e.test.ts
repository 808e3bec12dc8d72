import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ORIGIN, openSocket, signIn, startChatServer, type Person, type TestSocket } from './support/chat.ts'
import { createTestDatabase, type TestDatabase } from './support/postgres.ts'
import { REDIS_URL, testRedisPrefix } from './support/redis.ts'

type Server = Awaited<ReturnType<typeof startChatServer>>

let database: TestDatabase
let redis: Awaited<ReturnType<typeof testRedisPrefix>>
let a: Server
let b: Server
const instance = (id: number, env: Record<string, string> = {}) =>
  startChatServer({ DATABASE_URL: database.url, REDIS_URL, REDIS_PREFIX: redis.prefix, INSTANCE_ID: String(id), ...env })

beforeAll(async () => {
  redis = await testRedisPrefix()
  database = await createTestDatabase()
  a = await instance(21)
  b = await instance(22)
})
afterAll(async () => {
  await Promise.all([a?.close(), b?.close()])
  await database?.drop()
  await redis?.cleanup()
})

/** The same session talking to instance B. */
const onB = (person: Person): Person => ({
  ...person,
  send: (path, init = {}) => fetch(`${b.url}${path}`, { redirect: 'manual', ...init, headers: { cookie: person.cookie, origin: ORIGIN, ...init.headers } }),
  socket: (slug, since, headers = {}) => openSocket(b.url, slug, since, { cookie: person.cookie, origin: ORIGIN, ...headers }),
})

/** Resolves with the close and how long it took from `since`. */
const closedWithin = async (socket: TestSocket, since: number) => {
  const closed = await socket.closed
  return { ...closed, ms: Date.now() - since }
}

const notice = (socket: TestSocket) => socket.frames.find((f) => f.startsWith('<p id="conn"'))

describe('ending a session closes its sockets on every instance', () => {
  it('closes a socket on B within a second of signing out on A, with 4401 and the reason on the page', async () => {
    const alice = await signIn(a.url, 'rev-alice')
    const slug = await alice.createRoom('Revoked', 'private')
    const sockets = [await alice.socket(slug), await onB(alice).socket(slug)]
    const t = Date.now()
    expect((await alice.form('/logout', {})).status).toBe(303)
    for (const s of sockets) {
      const closed = await closedWithin(s, t)
      expect(closed.code).toBe(4401)
      expect(closed.ms).toBeLessThan(1000)
      expect(notice(s)).toContain('You signed out.')
    }
    // And nothing of the room reaches what is left: a new socket with the old cookie is refused.
    await expect(onB(alice).socket(slug)).rejects.toMatchObject({ status: 401 })
  })

  it('lists my sessions and ends every other one on both instances, keeping this one', async () => {
    const here = await signIn(a.url, 'rev-bob')
    const phone = await signIn(b.url, 'rev-bob')
    const laptop = await signIn(a.url, 'rev-bob')
    const listed = await here.send('/sessions', { headers: { accept: 'application/json' } })
    expect(listed.status).toBe(200)
    const { sessions } = await listed.json() as { sessions: { current: boolean; createdAt: string; expiresAt: string }[] }
    expect(sessions).toHaveLength(3)
    expect(sessions.filter((s) => s.current)).toHaveLength(1)
    expect(JSON.stringify(sessions)).not.toMatch(/[0-9a-f]{64}/)

    const slug = await here.createRoom('Everywhere else')
    await phone.form(`/rooms/${slug}/join`, {})
    await laptop.form(`/rooms/${slug}/join`, {})
    const mine = await here.socket(slug)
    const theirs = [await onB(phone).socket(slug), await laptop.socket(slug)]
    const t = Date.now()
    const ended = await here.send('/sessions/end-others', { method: 'POST', headers: { accept: 'application/json' } })
    expect(await ended.json()).toEqual({ ended: 2 })
    for (const s of theirs) {
      const closed = await closedWithin(s, t)
      expect(closed.code).toBe(4401)
      expect(closed.ms).toBeLessThan(1000)
      expect(notice(s)).toContain('signed out from another tab or device')
    }
    expect((await phone.send('/')).status).toBe(303)
    expect((await onB(laptop).send('/')).status).toBe(303)
    expect((await here.send('/')).status).toBe(200)
    const sent = await here.post(slug, 'still here')
    await mine.waitFor(() => mine.createdIds().includes(sent.id!), 'my own socket still live')
    expect(mine.ws.readyState).toBe(mine.ws.OPEN)
    await mine.close()
  })

  it('lists each session\'s browser, device and last use, and ends only the one asked for, closing its sockets', async () => {
    const firefox = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0'
    const iphone = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1'
    const here = await signIn(a.url, 'rev-dana', { 'user-agent': firefox })
    const phone = await signIn(b.url, 'rev-dana', { 'user-agent': iphone })
    const laptop = await signIn(a.url, 'rev-dana')
    const { sessions } = await (await here.send('/sessions', { headers: { accept: 'application/json' } })).json() as { sessions: { id: string; current: boolean; device: string | null; lastActiveAt: string }[] }
    expect(sessions.map((s) => s.device).sort()).toEqual(['Firefox 128 on Linux, desktop', 'Safari 17 on iOS, iPhone', null].sort())
    expect(sessions.every((s) => Date.parse(s.lastActiveAt) > 0)).toBe(true)
    const page = await (await here.send('/sessions', { headers: { accept: 'text/html' } })).text()
    expect(page).toContain('<strong>Safari 17 on iOS, iPhone</strong>')
    expect(page).toContain('last active <time')
    const phoneId = sessions.find((s) => s.device?.startsWith('Safari'))!.id

    const slug = await here.createRoom('Just the phone')
    await phone.form(`/rooms/${slug}/join`, {})
    await laptop.form(`/rooms/${slug}/join`, {})
    const onPhone = await onB(phone).socket(slug)
    const onLaptop = await laptop.socket(slug)
    // Someone else cannot end it, even knowing its id.
    const eve = await signIn(a.url, 'rev-eve')
    expect((await eve.send(`/sessions/${phoneId}/end`, { method: 'POST', headers: { accept: 'application/json' } })).status).toBe(404)
    const ended = await here.send(`/sessions/${phoneId}/end`, { method: 'POST', headers: { accept: 'text/html' } })
    expect(ended.status).toBe(200)
    expect(await ended.text()).toContain('Signed out that session.')
    expect((await onPhone.closed).code).toBe(4401)
    expect(notice(onPhone)).toContain('signed out from another tab or device')
    expect((await phone.send('/')).status).toBe(303)
    // The ended page's next request is told to sign in, with the way there.
    const refused = await phone.send(`/rooms/${slug}/messages`, { method: 'POST', body: new URLSearchParams({ body: 'hi', nonce: 'n1' }), headers: { accept: 'text/html' } })
    expect(refused.status).toBe(401)
    expect(await refused.text()).toMatch(/Please sign in first\.[\s\S]*<a href="\/login">Sign in<\/a>/)
    expect((await laptop.send('/')).status).toBe(200)
    expect((await here.send('/')).status).toBe(200)
    const sent = await laptop.post(slug, 'laptop still here')
    await onLaptop.waitFor(() => onLaptop.createdIds().includes(sent.id!), 'the laptop socket still live')
    await onLaptop.close()
  })

  it('shows the sessions page with a way to sign out everywhere else', async () => {
    const carol = await signIn(a.url, 'rev-carol')
    await signIn(b.url, 'rev-carol')
    const page = await (await carol.send('/sessions', { headers: { accept: 'text/html' } })).text()
    expect(page).toContain('This browser')
    expect(page).toContain('action="/sessions/end-others"')
    expect(page).toContain('Sign out everywhere else (1)')
  })
})

describe('caps and limits shared through Redis', () => {
  let capped: Server
  let cappedB: Server
  beforeAll(async () => {
    const env = { RATE_LIMITS: 'on', MAX_SOCKETS_PER_USER: '2', MAX_SESSIONS_PER_USER: '2', RATE_LIMIT_SOCKETS: '4/1m', RATE_LIMIT_SEND: '3/1m', RATE_LIMIT_SEND_BURST: '1/1m' }
    capped = await instance(23, env)
    cappedB = await instance(24, env)
  })
  afterAll(async () => { await Promise.all([capped?.close(), cappedB?.close()]) })

  it('closes my oldest socket with 4409 when I open more than the cap, and keeps the newer ones', async () => {
    const erin = await signIn(capped.url, 'cap-erin')
    const slug = await erin.createRoom('Capped')
    const first = await erin.socket(slug)
    const second = await erin.socket(slug)
    const third = await erin.socket(slug)
    expect((await first.closed).code).toBe(4409)
    expect(notice(first)).toContain('you opened more than 2 connections')
    await new Promise((r) => setTimeout(r, 100))
    expect(second.ws.readyState).toBe(second.ws.OPEN)
    expect(third.ws.readyState).toBe(third.ws.OPEN)
    await Promise.all([second.close(), third.close()])
  })

  it('refuses the socket opens beyond the limit with 4429 and a reason, counted across instances', async () => {
    const fred = await signIn(capped.url, 'lim-fred')
    const slug = await fred.createRoom('Opens')
    const fredOnB = { ...fred, socket: (s: string) => openSocket(cappedB.url, s, undefined, { cookie: fred.cookie, origin: ORIGIN }) }
    for (let i = 0; i < 4; i++) await (i % 2 ? fredOnB : fred).socket(slug).then((s) => s.close())
    const refused = await fredOnB.socket(slug)
    const closed = await refused.closed
    expect(closed.code).toBe(4429)
    expect(closed.reason).toMatch(/^rate limited; retry after \d+ s$/)
    expect(notice(refused)).toContain('Too many connections opened lately')
    expect(cappedB.logs.text()).toMatch(/"level":40[^\n]*"limit":"sockets"[^\n]*"msg":"rate limited"/)
  })

  it('counts one person\'s sends on both instances together: a burst, then 429 with Retry-After', async () => {
    const gina = await signIn(capped.url, 'lim-gina')
    const slug = await gina.createRoom('Sends')
    const onOther = (body: string) => fetch(`${cappedB.url}/rooms/${slug}/messages`, {
      method: 'POST', body: new URLSearchParams({ body, nonce: crypto.randomUUID() }), headers: { cookie: gina.cookie, origin: ORIGIN, 'hx-request': 'true' },
    })
    expect((await gina.post(slug, 'one')).status).toBe(200)
    expect((await onOther('two')).status).toBe(200)
    expect((await gina.post(slug, 'three')).status).toBe(200)
    expect((await onOther('four, from the burst')).status).toBe(200)
    const refused = await gina.post(slug, 'five')
    expect(refused.status).toBe(429)
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(refused.headers.get('hx-retarget')).toBe('#composer-error')
    expect(refused.html).toMatch(/^You are sending too fast\. Wait \d+ s and send again\.$/)
    expect((await onOther('six')).status).toBe(429)
  })

  it('ends the oldest session when I sign in more often than the session cap, closing its sockets', async () => {
    const oldest = await signIn(capped.url, 'cap-hal')
    const slug = await oldest.createRoom('Sessions cap')
    const socket = await openSocket(cappedB.url, slug, undefined, { cookie: oldest.cookie, origin: ORIGIN })
    await new Promise((r) => setTimeout(r, 5))
    const middle = await signIn(capped.url, 'cap-hal')
    await new Promise((r) => setTimeout(r, 5))
    const newest = await signIn(cappedB.url, 'cap-hal')
    expect((await socket.closed).code).toBe(4401)
    expect(notice(socket)).toContain('too many devices')
    expect((await oldest.send('/')).status).toBe(303)
    expect((await middle.send('/')).status).toBe(200)
    expect((await newest.send('/')).status).toBe(200)
  })
})

describe('limits with Redis away', () => {
  it('still refuses over the limit, counting in-process until Redis answers', async () => {
    const lonely = await startChatServer({
      DATABASE_URL: database.url, REDIS_URL: 'redis://127.0.0.1:1', REDIS_PREFIX: redis.prefix, INSTANCE_ID: '25', RATE_LIMITS: 'on', RATE_LIMIT_ROOMS: '1/10m',
    })
    try {
      const ivy = await signIn(lonely.url, 'lim-ivy')
      await ivy.createRoom('First')
      const refused = await ivy.form('/rooms', { name: 'Second' })
      expect(refused.status).toBe(429)
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
    } finally {
      await lonely.close()
    }
  })
})
