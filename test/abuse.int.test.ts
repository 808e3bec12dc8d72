import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApp } from '../src/app.ts'
import { appOn, browser, TEST_ORIGIN, testConfig } from './support/app.ts'
import { startChatServer } from './support/chat.ts'
import { databaseBackends, type OpenedDatabase } from './support/databases.ts'
import { capturedLogger } from './support/logs.ts'
import { pushEnv } from './support/pushService.ts'
import { memoryBus } from '../src/store/memory/bus.ts'
import { postgresReadState } from '../src/store/postgres/readState.ts'
import { postgresMessages } from '../src/store/postgres/messages.ts'
import { postgresBots } from '../src/store/postgres/bots.ts'
import { postgresModeration } from '../src/store/postgres/moderation.ts'
import { postgresRooms } from '../src/store/postgres/rooms.ts'
import { postgresSessions } from '../src/store/postgres/sessions.ts'
import { postgresUsers } from '../src/store/postgres/users.ts'

const [, openPostgres] = databaseBackends[0]!
let opened: OpenedDatabase
beforeAll(async () => { opened = await openPostgres() })
afterAll(() => opened?.cleanup())

type App = ReturnType<typeof appOn>['app']
const signedIn = async (app: App, login: string) => {
  const user = browser(app)
  expect((await user.post('/auth/local', { login })).status).toBe(303)
  return user
}
const warnLines = (logs: { lines: string[] }, msg: string) =>
  logs.lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.level === 40 && l.msg === msg)

const LIMITED = { RATE_LIMITS: 'on', RATE_LIMIT_ROOMS: '2/10m', RATE_LIMIT_DIRECT_ROOMS: '1/10m', RATE_LIMIT_MEMBERS: '1/10m' }
const SIGN_IN_LIMITED = { RATE_LIMITS: 'on', RATE_LIMIT_SIGN_IN: '3/10m' }

describe('rate limits on room creation, direct rooms and member additions', () => {
  it('refuses the third room in the window with 429, Retry-After, the reason beside the form and a warn line', async () => {
    const { app, logs } = appOn(opened.db, { env: LIMITED })
    const ann = await signedIn(app, 'lim-ann')
    for (const name of ['One', 'Two']) expect((await ann.post('/rooms', { name, visibility: 'public' })).status).toBe(303)
    const refused = await ann.post('/rooms', { name: 'Three', visibility: 'public' })
    expect(refused.status).toBe(429)
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(500)
    const page = await refused.text()
    expect(page).toMatch(/<h2>New room<\/h2><p class="error" role="alert">You have created many rooms lately\. You can create another in \d+ min\.<\/p>/)
    expect(page).not.toContain('/rooms/three')
    expect(warnLines(logs, 'rate limited')).toEqual([expect.objectContaining({ limit: 'rooms', path: '/rooms' })])
    expect(logs.text()).not.toContain('"stack"')
  })

  it('refuses a second direct room and a second member addition in the window', async () => {
    const { app } = appOn(opened.db, { env: LIMITED })
    const bea = await signedIn(app, 'lim-bea')
    for (const login of ['lim-cy', 'lim-di', 'lim-ed']) await signedIn(app, login)
    expect((await bea.post('/direct-rooms', { login: 'lim-cy' })).status).toBe(303)
    const direct = await bea.post('/direct-rooms', { login: 'lim-di' })
    expect(direct.status).toBe(429)
    expect(direct.headers.get('retry-after')).toMatch(/^\d+$/)
    expect(await direct.text()).toMatch(/<h2>Direct message<\/h2><p class="error" role="alert">You have opened many direct rooms lately/)

    await bea.post('/rooms', { name: 'Members only', visibility: 'private' })
    expect((await bea.post('/rooms/members-only/members', { login: 'lim-di' })).status).toBe(303)
    const member = await bea.post('/rooms/members-only/members', { login: 'lim-ed' })
    expect(member.status).toBe(429)
    expect(member.headers.get('retry-after')).toMatch(/^\d+$/)
    expect(await member.text()).toMatch(/<form id="add-member"[^]*?<p class="error" role="alert">You have added many members lately\./)
  })

  it('lets everything through with RATE_LIMITS=off', async () => {
    const { app } = appOn(opened.db, { env: { ...LIMITED, RATE_LIMITS: 'off' } })
    const cat = await signedIn(app, 'lim-cat')
    for (let i = 0; i < 5; i++) expect((await cat.post('/rooms', { name: `Unlimited ${i}` })).status).toBe(303)
  })

  it('says at start-up that every limit is off under RATE_LIMITS=off', async () => {
    const server = await startChatServer({ DATABASE_URL: opened.url!, RATE_LIMITS: 'off' })
    try {
      expect(server.logs.lines.some((l) => l.includes('"level":40') && l.includes('RATE_LIMITS=off'))).toBe(true)
    } finally {
      await server.close()
    }
  })
})

describe('the send limit', () => {
  it('takes a burst beyond the steady rate, then refuses with 429 until the window ends, and lets the person send again after', async () => {
    const { app, logs } = appOn(opened.db, { env: { RATE_LIMITS: 'on', RATE_LIMIT_SEND: '2/2s', RATE_LIMIT_SEND_BURST: '1/1m' } })
    const hugo = await signedIn(app, 'lim-hugo')
    await hugo.post('/rooms', { name: 'Paced' })
    const send = (body: string) => hugo.post('/rooms/paced/messages', { body, nonce: crypto.randomUUID() }, { headers: { 'hx-request': 'true' } })
    for (const body of ['one', 'two', 'three from the burst']) expect((await send(body)).status).toBe(200)
    for (const body of ['four', 'five']) {
      const refused = await send(body)
      expect(refused.status).toBe(429)
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
      expect(refused.headers.get('hx-retarget')).toBe('#composer-error')
      expect(await refused.text()).toMatch(/^You are sending too fast\. Wait \d s and send again\.$/)
    }
    // One warn line for the window's first refusal; every refusal shows in the request log.
    expect(warnLines(logs, 'rate limited')).toEqual([expect.objectContaining({ limit: 'send', path: '/rooms/paced/messages' })])
    expect(logs.lines.filter((l) => l.includes('"msg":"request"') && l.includes('"status":429'))).toHaveLength(2)
    await new Promise((r) => setTimeout(r, 2100))
    expect((await send('six, after the window')).status).toBe(200)
    const page = await (await hugo.get('/rooms/paced')).text()
    expect(page).toContain('six, after the window')
    expect(page).not.toContain('four')
  })

  it('counts edits and reaction toggles against the same budget: each is pushed to every reader', async () => {
    const { app } = appOn(opened.db, { env: { RATE_LIMITS: 'on', RATE_LIMIT_SEND: '2/1m', RATE_LIMIT_SEND_BURST: '1/1m' } })
    const ivy = await signedIn(app, 'lim-ivy')
    await ivy.post('/rooms', { name: 'Fidget' })
    const htmx = { headers: { 'hx-request': 'true' } }
    const sent = await ivy.post('/rooms/fidget/messages', { body: 'steady', nonce: crypto.randomUUID() }, htmx)
    const id = /data-key="(\d+)"/.exec(await sent.text())![1]!
    expect((await ivy.post(`/rooms/fidget/messages/${id}/reactions`, { emoji: '👍' }, htmx)).status).toBe(200)
    expect((await ivy.post(`/rooms/fidget/messages/${id}`, { body: 'steadier' }, htmx)).status).toBe(200)
    for (const refused of [await ivy.post(`/rooms/fidget/messages/${id}/reactions`, { emoji: '🎉' }, htmx), await ivy.post(`/rooms/fidget/messages/${id}`, { body: 'again' }, htmx)]) {
      expect(refused.status).toBe(429)
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1)
    }
    const page = await (await ivy.get('/rooms/fidget')).text()
    expect(page).toContain('steadier')
    expect(page).not.toContain('aria-label="🎉')
  })
})

describe('sign-in attempts per client address', () => {
  const fromPeer = (app: App, peer: string, forwardedFor?: string) => app.request(`${TEST_ORIGIN}/auth/local`, {
    method: 'POST', body: new URLSearchParams({ login: 'lim-signer' }),
    headers: { origin: TEST_ORIGIN, accept: 'text/html', ...(forwardedFor ? { 'x-forwarded-for': forwardedFor } : {}) },
  }, { incoming: { socket: { remoteAddress: peer } } })

  it('counts each forwarded address apart behind a trusted proxy, and says why on the sign-in page', async () => {
    const { app, logs } = appOn(opened.db, { env: SIGN_IN_LIMITED })
    for (let i = 0; i < 3; i++) expect((await fromPeer(app, '127.0.0.1', '203.0.113.5')).status).toBe(303)
    const refused = await fromPeer(app, '127.0.0.1', '203.0.113.5')
    expect(refused.status).toBe(429)
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/)
    expect(await refused.text()).toMatch(/<p class="error" role="alert">Too many sign-in attempts from your address\. Try again in \d+ min\.<\/p>/)
    expect((await fromPeer(app, '127.0.0.1', '203.0.113.6')).status).toBe(303)
    expect(warnLines(logs, 'rate limited')).toEqual([expect.objectContaining({ limit: 'signIn' })])
  })

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy, so a client cannot rotate it', async () => {
    const { app } = appOn(opened.db, { env: SIGN_IN_LIMITED })
    for (let i = 0; i < 3; i++) expect((await fromPeer(app, '198.51.100.7', `10.9.9.${i}`)).status).toBe(303)
    expect((await fromPeer(app, '198.51.100.7', '10.9.9.99')).status).toBe(429)
  })

  it('trusts the proxies TRUSTED_PROXIES names, ranges included', async () => {
    const { app } = appOn(opened.db, { env: { ...SIGN_IN_LIMITED, TRUSTED_PROXIES: '172.16.0.0/12' } })
    for (let i = 0; i < 3; i++) expect((await fromPeer(app, '172.18.0.4', '203.0.113.9')).status).toBe(303)
    expect((await fromPeer(app, '172.18.0.4', '203.0.113.9')).status).toBe(429)
    expect((await fromPeer(app, '172.18.0.4', '203.0.113.10')).status).toBe(303)
  })
})

describe('bad input is a client error', () => {
  const brokenMultipart = {
    method: 'POST',
    headers: { origin: TEST_ORIGIN, 'content-type': 'multipart/form-data; boundary=XYZ' },
    body: '--XYZ\r\nContent-Disposition: form-data; name="login"\r\n\r\nunterminated',
  }

  it('answers a malformed multipart body with 400 and a short reason on every form route, logged at warn without a stack', async () => {
    const { app, logs } = appOn(opened.db)
    const fay = await signedIn(app, 'bad-fay')
    await fay.post('/rooms', { name: 'Forms', visibility: 'private' })
    expect((await app.request(`${TEST_ORIGIN}/auth/local`, { ...brokenMultipart, headers: { ...brokenMultipart.headers, accept: 'application/json' } })).status).toBe(400)
    for (const path of ['/rooms', '/direct-rooms', '/rooms/forms/messages', '/rooms/forms/members', '/auth/local']) {
      const res = await fay.post(path, {}, brokenMultipart)
      expect(res.status, path).toBe(400)
      expect(await res.text()).toContain('The form could not be read.')
    }
    // A body that is not a form at all (plain text, JSON) is no form either; no body is an empty one.
    for (const type of ['text/plain', 'application/json']) {
      const res = await fay.post('/rooms/forms/messages', {}, { body: 'body=hello', headers: { 'content-type': type } })
      expect(res.status, type).toBe(400)
      expect(await res.text()).toContain('The form could not be read.')
    }
    expect((await fay.post('/rooms', {}, { body: null })).status).toBe(400)
    const bad = warnLines(logs, 'bad request')
    expect(bad.length).toBeGreaterThanOrEqual(6)
    expect(logs.lines.filter((l) => l.includes('"level":50'))).toEqual([])
    expect(logs.text()).not.toContain('"stack"')
  })

  it('refuses text holding U+0000 with 400 and says why, in forms, multipart bodies, file names, addresses and push JSON; stores nothing', async () => {
    const { app, logs } = appOn(opened.db, { env: { ADMIN_LOGINS: 'nul-admin', ...pushEnv().env } })
    const ida = await signedIn(app, 'nul-ida')
    const admin = await signedIn(app, 'nul-admin')
    await ida.post('/rooms', { name: 'Nul', visibility: 'public' })
    const htmx = { headers: { 'hx-request': 'true' } }
    const sent = await ida.post('/rooms/nul/messages', { body: 'kept', nonce: 'nonce-nul-kept' }, htmx)
    const id = /data-key="(\d+)"/.exec(await sent.text())![1]!
    const multipart = (fields: [string, string | Blob, string?][]) => {
      const form = new FormData()
      for (const [name, value, file] of fields) {
        if (typeof value === 'string') form.append(name, value)
        else form.append(name, value, file)
      }
      return form
    }
    const refused = [
      await ida.post('/rooms/nul/messages', { body: 'a\u0000b', nonce: 'nonce-nul-1' }, htmx),
      await ida.post('/rooms/nul/messages', {}, { body: multipart([['body', 'm\u0000p'], ['nonce', 'nonce-nul-2']]), ...htmx }),
      await ida.post('/rooms/nul/messages', {}, { body: multipart([['nonce', 'nonce-nul-3'], ['file', new Blob(['hello']), 'a\u0000b.txt']]), ...htmx }),
      await ida.post(`/rooms/nul/messages/${id}`, { body: 'e\u0000' }, htmx),
      await ida.post('/rooms/nul/topic', { topic: 't\u0000' }),
      await ida.post('/rooms', { name: 'r\u0000', visibility: 'public' }),
      await ida.post('/direct-rooms', { login: 'x\u0000' }),
      await ida.post('/rooms/nul/members', { login: 'x\u0000' }),
      await admin.post('/rooms/nul/name', { name: 'n\u0000' }),
      await admin.post('/admin/users/a%00/ban'),
      await ida.get('/rooms/a%00'),
      await ida.get('/search?q=x&author=a%00'),
      await ida.post('/push/subscriptions', {}, { body: JSON.stringify({ endpoint: 'https://push.example/x\u0000', keys: { p256dh: 'a', auth: 'b' } }), headers: { 'content-type': 'application/json' } }),
      await browser(app).post('/auth/local', { login: 'x\u0000' }),
    ]
    for (const [i, res] of refused.entries()) {
      expect(res.status, `request ${i}`).toBe(400)
      expect(await res.text(), `request ${i}`).toContain('Text cannot contain the NUL character (U+0000).')
    }
    const page = await (await ida.get('/rooms/nul')).text()
    expect(page).toContain('kept')
    expect(page).not.toMatch(/m\u0000p|a\u0000b/)
    expect(logs.lines.filter((l) => l.includes('"level":50'))).toEqual([])
  })

  it('refuses an unsafe request from another origin whatever its content type, and one with no origin at all', async () => {
    const { app } = appOn(opened.db)
    const gus = await signedIn(app, 'bad-gus')
    await gus.post('/rooms', { name: 'Json' })
    for (const path of ['/rooms/json/join', '/rooms/json/leave', '/rooms/json/typing', '/logout']) {
      const json = await gus.post(path, {}, { body: '{}', headers: { 'content-type': 'application/json', origin: 'https://evil.example' } })
      expect(json.status, path).toBe(403)
    }
    const cookie = [...gus.jar].map(([k, v]) => `${k}=${v}`).join('; ')
    const typing = (headers: Record<string, string>) => app.request(`${TEST_ORIGIN}/rooms/json/typing`, { method: 'POST', headers: { cookie, ...headers } })
    expect((await typing({})).status).toBe(403)
    expect((await typing({ 'sec-fetch-site': 'cross-site' })).status).toBe(403)
    expect((await typing({ 'sec-fetch-site': 'same-origin' })).status).toBe(204)
    expect((await gus.get('/')).status).toBe(200)
  })

  it('keeps a well-formed request id from upstream and replaces anything else with its own', async () => {
    const { app, logs } = appOn(opened.db)
    const kept = await app.request(`${TEST_ORIGIN}/healthz`, { headers: { 'x-request-id': 'caddy-3f2a9c1e-77' } })
    expect(kept.headers.get('x-request-id')).toBe('caddy-3f2a9c1e-77')
    for (const forged of ['x', 'a'.repeat(65), 'evil"id', 'line\\nbreak', 'id with spaces here']) {
      const res = await app.request(`${TEST_ORIGIN}/healthz`, { headers: { 'x-request-id': forged } })
      expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
      expect(logs.text()).not.toContain(forged)
    }
  })

  it('logs a health check that succeeds at debug and every other request at info', async () => {
    const { app, logs } = appOn(opened.db)
    await app.request(`${TEST_ORIGIN}/healthz`)
    await app.request(`${TEST_ORIGIN}/login`)
    const lines = logs.lines.map((l) => JSON.parse(l) as { msg: string; path?: string; level: number }).filter((l) => l.msg === 'request')
    expect(lines.find((l) => l.path === '/healthz')?.level).toBe(20)
    expect(lines.find((l) => l.path === '/login')?.level).toBe(30)
  })

  it('answers /readyz with each backend up or down and nothing of the driver\'s error, which goes to the log', async () => {
    const captured = capturedLogger()
    const app = createApp({
      config: testConfig(), log: captured.log, bus: memoryBus(),
      users: postgresUsers(opened.db.sql), sessions: postgresSessions(opened.db.sql), rooms: postgresRooms(opened.db.sql), messages: postgresMessages(opened.db.sql),
      reads: postgresReadState(opened.db.sql),
      bots: postgresBots(opened.db.sql), moderation: postgresModeration(opened.db.sql),
      health: [
        { name: 'database', backend: 'postgres', check: async () => {} },
        { name: 'redis', backend: 'redis', check: async () => { throw new Error('connect ECONNREFUSED 10.1.2.3:6379 (internal-redis.lan)') } },
      ],
    })
    const res = await app.request(`${TEST_ORIGIN}/readyz`)
    expect(res.status).toBe(503)
    expect(await res.json()).toEqual({ status: 'unavailable', backends: { database: { backend: 'postgres', status: 'up' }, redis: { backend: 'redis', status: 'down' } } })
    expect(captured.text()).toContain('internal-redis.lan')
  })
})

describe('names that could mislead', () => {
  it('shows the author\'s @login beside a display name that differs from it', async () => {
    const { app } = appOn(opened.db)
    const mallory = await signedIn(app, 'mallory')
    await opened.db.sql`UPDATE users SET name = 'alice' WHERE login = 'mallory'`
    await mallory.post('/rooms', { name: 'Lookalikes' })
    const page = await (await mallory.get('/rooms/lookalikes')).text()
    const nonce = /name="nonce" value="([^"]+)"/.exec(page)![1]!
    await mallory.post('/rooms/lookalikes/messages', { body: 'trust me', nonce })
    const shown = await (await mallory.get('/rooms/lookalikes')).text()
    expect(shown).toMatch(/<a class="who"[^>]*><bdi>alice<\/bdi><\/a> <span class="login">@mallory<\/span>/)
  })
})
