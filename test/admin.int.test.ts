import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { verifyWebhook } from '../src/bots/signature.ts'
import type { AppDeps } from '../src/app.ts'
import { appOn, browser, TEST_ORIGIN } from './support/app.ts'
import { databaseBackends, type OpenedDatabase } from './support/databases.ts'
import { fakeGithub } from './support/github.ts'
import { postgresBots } from '../src/store/postgres/bots.ts'
import { postgresModeration } from '../src/store/postgres/moderation.ts'
import { postgresUsers } from '../src/store/postgres/users.ts'

const [, openPostgres] = databaseBackends[0]!
let opened: OpenedDatabase
beforeAll(async () => { opened = await openPostgres() })
afterAll(() => opened?.cleanup())

const ENV = { ADMIN_LOGINS: 'Root-Admin,other-admin', WEBHOOK_ALLOW_HOSTS: '127.0.0.1' }
type App = ReturnType<typeof appOn>['app']
type Browser = ReturnType<typeof browser>

const setup = (env: Record<string, string> = {}, timing: AppDeps['webhookTiming'] = {}) => {
  const made = appOn(opened.db, { env: { ...ENV, ...env }, deps: { webhookTiming: { minBackoffMs: 20, timeoutMs: 2000, ...timing } } })
  const person = async (login: string) => {
    const b = browser(made.app)
    const res = await b.post('/auth/local', { login })
    if (res.status !== 303) throw new Error(`sign-in of ${login} answered ${res.status}`)
    return b
  }
  return { ...made, person }
}

const slugOf = (res: Response) => res.headers.get('location')!.replace('/rooms/', '')
const tokenOn = (page: string, id: string) => new RegExp(`id="${id}"[^>]*value="([A-Za-z0-9_-]{43})"`).exec(page)?.[1]

/** Creates a bot as the administrator and answers its token and webhook secret, read off the page shown once. */
const createBot = async (admin: Browser, name: string, webhookUrl = '') => {
  const res = await admin.post('/admin/bots', { name, webhook_url: webhookUrl })
  const page = await res.text()
  return { res, page, token: tokenOn(page, 'bot-token'), secret: tokenOn(page, 'bot-secret') }
}

/** The bot API as a script calls it: no cookie, no Origin. */
const api = (app: App, slug: string, init: { token?: string; body?: string; type?: string; key?: string; cookie?: string } = {}) => {
  const headers: Record<string, string> = { 'content-type': init.type ?? 'application/json' }
  if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`
  if (init.key) headers['idempotency-key'] = init.key
  if (init.cookie) headers.cookie = init.cookie
  return app.request(`${TEST_ORIGIN}/api/rooms/${slug}/messages`, { method: 'POST', headers, body: init.body ?? '{"body":"hello"}' })
}

const cookieOf = (b: Browser) => [...b.jar].map(([k, v]) => `${k}=${v}`).join('; ')

describe('administrators', () => {
  it('hides /admin and its actions from everyone but administrators, whose login matches without case', async () => {
    const { person } = setup()
    const eve = await person('eve-curious')
    for (const res of [await eve.get('/admin'), await eve.post('/admin/bots', { name: 'sneaky' }), await eve.post('/admin/users/eve-curious/ban')]) {
      expect(res.status).toBe(404)
      expect(await res.text()).not.toMatch(/admin/i)
    }
    expect(await (await eve.get('/')).text()).not.toContain('href="/admin"')
    const admin = await person('root-admin')
    // The lobby, where an administrator lands, links the page.
    expect(await (await admin.get('/')).text()).toContain('<a href="/admin">Administration</a>')
    const page = await admin.get('/admin')
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('Audit list')
    // Two rooms of one name are told apart by the second's address.
    await admin.post('/rooms', { name: 'Twins', visibility: 'public' })
    const second = slugOf(await eve.post('/rooms', { name: 'Twins', visibility: 'public' }))
    const rooms = await (await admin.get('/admin')).text()
    expect(rooms).toContain(`<bdi>Twins</bdi></a><span class="slug"> #${second}</span>`)
    expect(rooms).toContain('<bdi>Twins</bdi></a> <span class="muted">')
  })

  it('bans a user: their cookie stops working at once, sign-in is refused with a page saying why, what they wrote stays; unban lets them back', async () => {
    const { person, app } = setup()
    const admin = await person('root-admin')
    const mallory = await person('mallory')
    const slug = slugOf(await mallory.post('/rooms', { name: 'Spam corner' }))
    await mallory.post(`/rooms/${slug}/messages`, { body: 'buy cheap watches', nonce: 'spam-nonce-1' })

    expect((await admin.post('/admin/users/mallory/ban')).status).toBe(303)
    const after = await mallory.get('/')
    expect(after.status).toBe(303)
    expect(after.headers.get('location')).toBe('/login')
    const again = await browser(app).post('/auth/local', { login: 'mallory' })
    expect(again.status).toBe(403)
    expect(again.headers.getSetCookie().join()).not.toMatch(/rtc_session=[^;]/)
    expect(await again.text()).toContain('suspended by an administrator')
    expect(await (await admin.get(`/rooms/${slug}`)).text()).toContain('buy cheap watches')

    const listed = await (await admin.get('/admin')).text()
    expect(listed).toMatch(/@root-admin<\/td><td>ban<\/td><td>@mallory<\/td><td>1 session ended/)
    expect((await admin.post('/admin/users/root-admin/ban')).status).toBe(400)
    expect((await admin.post('/admin/users/other-admin/ban')).status).toBe(404)

    expect((await admin.post('/admin/users/mallory/unban')).status).toBe(303)
    expect((await browser(app).post('/auth/local', { login: 'mallory' })).status).toBe(303)
    expect(await (await admin.get('/admin')).text()).toMatch(/<td>unban<\/td><td>@mallory<\/td>/)
  })
})

describe('GitHub sign-in and administration', () => {
  it('refuses a banned GitHub account with the reason, and stores a person whose login a bot holds under login~id', async () => {
    const github = fakeGithub('Iv1.admin', 'admin-test-secret')
    github.install()
    try {
      const origin = 'https://chat.example.test'
      const made = appOn(opened.db, { env: { ...ENV, PUBLIC_URL: origin, LOCAL_LOGIN: 'false', CLIENT_ID: 'Iv1.admin', CLIENT_SECRET: 'admin-test-secret' } })
      const viaGithub = async (user: { id: number; login: string }) => {
        github.setUser({ ...user, name: null, avatar_url: 'https://avatars.githubusercontent.com/u/1' })
        const b = browser(made.app, origin)
        const start = await b.get('/auth/github')
        const authorize = start.headers.get('location')!
        return b.get(`/auth/github/callback?code=${github.approve(authorize)}&state=${new URL(authorize).searchParams.get('state')}`)
      }
      expect((await viaGithub({ id: 7001, login: 'gh-spammer' })).status).toBe(303)
      await postgresModeration(opened.db.sql).setBanned(7001, new Date())
      const refused = await viaGithub({ id: 7001, login: 'gh-spammer' })
      expect(refused.headers.get('location')).toBe('/login?error=banned')
      expect(refused.headers.getSetCookie().join()).not.toMatch(/rtc_session=[^;]/)
      expect(await (await browser(made.app, origin).get('/login?error=banned')).text()).toContain('suspended by an administrator')

      await postgresBots(opened.db.sql).createBot({ login: 'release-bot', tokenHash: 'h'.repeat(64), webhookUrl: null, webhookSecret: null, createdBy: 7001 })
      expect((await viaGithub({ id: 7002, login: 'Release-Bot' })).status).toBe(303)
      const users = postgresUsers(opened.db.sql)
      expect((await users.findUserById(7002))?.login).toBe('Release-Bot~7002')
      expect(await users.findUserByLogin('release-bot')).toMatchObject({ kind: 'bot' })
    } finally {
      github.uninstall()
    }
  })
})

describe('administrators signing in with GitHub', () => {
  const origin = 'https://chat.example.test'
  const github = fakeGithub('Iv1.admin', 'admin-test-secret')
  beforeAll(() => github.install())
  afterAll(() => github.uninstall())
  const instance = (env: Record<string, string>) => {
    const made = appOn(opened.db, { env: { PUBLIC_URL: origin, LOCAL_LOGIN: 'false', CLIENT_ID: 'Iv1.admin', CLIENT_SECRET: 'admin-test-secret', ...env } })
    /** Signs in through GitHub as this account; answers the browser. */
    return async (user: { id: number; login: string }) => {
      github.setUser({ ...user, name: null, avatar_url: 'https://avatars.githubusercontent.com/u/1' })
      const b = browser(made.app, origin)
      const authorize = (await b.get('/auth/github')).headers.get('location')!
      const res = await b.get(`/auth/github/callback?code=${github.approve(authorize)}&state=${new URL(authorize).searchParams.get('state')}`)
      if (res.status !== 303 || res.headers.get('location') !== '/') throw new Error(`GitHub sign-in of ${user.login} answered ${res.status}`)
      return b
    }
  }
  const isAdmin = async (b: Browser) => (await b.get('/admin')).status === 200

  it('keeps an ADMIN_LOGINS login to the GitHub account that held it: whoever takes it after a rename is not an administrator', async () => {
    const signIn = instance({ ADMIN_LOGINS: 'gh-root' })
    const root = await signIn({ id: 8101, login: 'gh-root' })
    expect(await isAdmin(root)).toBe(true)
    // The administrator renames their GitHub account; someone else registers the freed login.
    const renamed = await signIn({ id: 8101, login: 'gh-root-2026' })
    expect(await isAdmin(renamed)).toBe(false)
    const usurper = await signIn({ id: 8102, login: 'gh-root' })
    expect(await isAdmin(usurper)).toBe(false)
    expect(await (await usurper.get('/')).text()).not.toContain('href="/admin"')
    // Taking the login back makes the first account an administrator again.
    expect(await isAdmin(await signIn({ id: 8101, login: 'GH-Root' }))).toBe(true)
  })

  it('pins a listed login to its holder as the server starts, before a rename is even seen', async () => {
    // gh-boss signed in while the server did not list them yet.
    await instance({})({ id: 8201, login: 'gh-boss' })
    // Restarted with gh-boss listed: the first request is a stranger's sign-in under the login, after gh-boss renamed.
    const signIn = instance({ ADMIN_LOGINS: 'gh-boss' })
    expect(await isAdmin(await signIn({ id: 8202, login: 'gh-boss' }))).toBe(false)
    expect(await isAdmin(await signIn({ id: 8201, login: 'gh-boss' }))).toBe(true)
  })

  it('makes the accounts named in ADMIN_GITHUB_IDS administrators whatever their login, and no one else by id', async () => {
    const signIn = instance({ ADMIN_GITHUB_IDS: '8301', ADMIN_LOGINS: 'gh-ops' })
    expect(await isAdmin(await signIn({ id: 8301, login: 'gh-anyone' }))).toBe(true)
    expect(await isAdmin(await signIn({ id: 8301, login: 'gh-anyone-renamed' }))).toBe(true)
    expect(await isAdmin(await signIn({ id: 8302, login: 'gh-anyone' }))).toBe(false)
    // An administrator by id cannot be banned from the page either.
    const ops = await signIn({ id: 8303, login: 'gh-ops' })
    const admin = await signIn({ id: 8301, login: 'gh-anyone' })
    const page = await (await admin.get('/admin')).text()
    expect(page).toMatch(/@gh-anyone<\/span><\/span><span class="badge">admin<\/span>/)
    expect((await ops.post('/admin/users/gh-anyone/ban')).status).toBe(400)
  })
})

describe('bots', () => {
  it('shows a new bot\'s token once; the bot posts with it to rooms it was added to, and never without it', async () => {
    const { person, app } = setup()
    const admin = await person('root-admin')
    const { res, page, token, secret } = await createBot(admin, 'ci-bot')
    expect(res.status).toBe(200)
    expect(res.headers.get('cache-control')).toBe('no-store')
    expect(token).toBeDefined()
    expect(secret).toBeUndefined()
    expect(page).toContain('shown only on this page')
    expect(await (await admin.get('/admin')).text()).not.toContain(token)
    // A bot never signs in through a browser, and a person cannot take its name.
    expect((await browser(app).post('/auth/local', { login: 'CI-bot' })).status).toBe(409)
    expect((await createBot(admin, 'ci-bot')).res.status).toBe(409)

    const alice = await person('alice-builds')
    const slug = slugOf(await alice.post('/rooms', { name: 'Builds' }))
    const secretRoom = slugOf(await alice.post('/rooms', { name: 'Secret plans', visibility: 'private' }))
    expect((await api(app, slug, { token })).status).toBe(403)
    expect((await alice.post(`/rooms/${slug}/members`, { login: '@ci-bot' })).status).toBe(303)

    const unauthenticated = await api(app, slug)
    expect(unauthenticated.status).toBe(401)
    expect(await unauthenticated.json()).toMatchObject({ code: 'UNAUTHORIZED' })
    expect((await api(app, slug, { token: 'x'.repeat(43) })).status).toBe(401)
    // A signed-in person's cookie is no credential here.
    expect((await api(app, slug, { cookie: cookieOf(alice) })).status).toBe(401)
    expect((await api(app, 'no-such-room', { token })).status).toBe(404)
    expect((await api(app, secretRoom, { token })).status).toBe(404)

    const first = await api(app, slug, { token, key: 'build-42-passed', body: '{"body":"Build 42 passed"}' })
    expect(first.status).toBe(201)
    const { id } = await first.json() as { id: string }
    const retry = await api(app, slug, { token, key: 'build-42-passed', body: '{"body":"Build 42 passed"}' })
    expect(retry.status).toBe(200)
    expect(await retry.json()).toMatchObject({ id })
    expect((await api(app, slug, { token, type: 'text/plain; charset=utf-8', body: 'plain deploy note' })).status).toBe(201)
    for (const bad of [{ body: '{}' }, { body: 'not json' }, { body: '{"body":"   "}' }, { type: 'application/xml', body: '<b/>' }, { key: 'short' }]) {
      const refused = await api(app, slug, { token, ...bad })
      expect(refused.status).toBe(422)
      expect(await refused.json()).toHaveProperty('error')
    }

    // The scheme in any case; a banned bot is told so.
    const lower = await app.request(`${TEST_ORIGIN}/api/rooms/${slug}/messages`, { method: 'POST', headers: { authorization: `bearer ${token}`, 'content-type': 'text/plain' }, body: 'lower-case scheme' })
    expect(lower.status).toBe(201)
    expect((await admin.post('/admin/users/ci-bot/ban')).status).toBe(303)
    const banned = await api(app, slug, { token })
    expect(banned.status).toBe(403)
    expect(await banned.json()).toMatchObject({ code: 'BANNED' })
    expect((await admin.post('/admin/users/ci-bot/unban')).status).toBe(303)

    const room = await (await alice.get(`/rooms/${slug}`)).text()
    expect(room).toContain('<span class="muted">@ci-bot</span> <span class="badge">bot</span>')
    expect(room.match(/Build 42 passed/g)).toHaveLength(1)
    expect(room).toContain('plain deploy note')
  })

  it('limits a bot\'s sends like a person\'s: 429 with Retry-After', async () => {
    const { person, app } = setup({ RATE_LIMITS: 'on', RATE_LIMIT_SEND: '2/1m', RATE_LIMIT_SEND_BURST: '1/1m' })
    const admin = await person('root-admin')
    const { token } = await createBot(admin, 'chatty-bot')
    const slug = slugOf(await admin.post('/rooms', { name: 'Chatter' }))
    await admin.post(`/rooms/${slug}/members`, { login: 'chatty-bot' })
    const statuses = []
    for (let i = 0; i < 4; i++) statuses.push((await api(app, slug, { token, body: `{"body":"n${i}"}` })).status)
    expect(statuses).toEqual([201, 201, 201, 429])
    const limited = await api(app, slug, { token })
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(await limited.json()).toMatchObject({ code: 'RATE_LIMITED' })
  })
})

describe('outgoing webhooks', () => {
  let receiver: Server
  let url: string
  const received: { body: string; signature: string | undefined; path: string }[] = []
  /** What the receiver answers, per path, in order; the last one repeats. */
  const answers = new Map<string, { status: number; type?: string; body?: string; first?: () => Promise<unknown> }[]>()
  beforeAll(async () => {
    receiver = createServer((req: IncomingMessage, res) => {
      let body = ''
      req.on('data', (chunk: Buffer) => { body += chunk.toString() })
      req.on('end', () => {
        received.push({ body, signature: req.headers['x-rtc-signature'] as string | undefined, path: req.url! })
        const queue = answers.get(req.url!) ?? [{ status: 204 }]
        const answer = queue.length > 1 ? queue.shift()! : queue[0]!
        void (answer.first?.() ?? Promise.resolve()).then(() => {
          res.writeHead(answer.status, answer.type ? { 'content-type': answer.type } : {})
          res.end(answer.body ?? '')
        })
      })
    })
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
    url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`
  })
  afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())))

  const until = async (what: string, check: () => boolean | Promise<boolean>) => {
    const start = Date.now()
    while (!(await check())) {
      if (Date.now() - start > 10_000) throw new Error(`timed out waiting for ${what}`)
      await new Promise((r) => setTimeout(r, 20))
    }
  }

  it('refuses a webhook to a private address unless its host is allowed', async () => {
    const { person } = setup({ WEBHOOK_ALLOW_HOSTS: '' })
    const admin = await person('root-admin')
    for (const [target, range] of [[`${url}/x`, 'loopback'], ['http://10.0.0.7/hook', 'private'], ['http://[::ffff:192.168.1.1]/', 'private'], ['http://169.254.169.254/', 'linkLocal']]) {
      const { res, page, token } = await createBot(admin, `probe-${range!.toLowerCase()}-${received.length}`, target)
      expect(res.status).toBe(400)
      expect(page).toContain(`is a ${range} address`)
      expect(page).toContain('WEBHOOK_ALLOW_HOSTS')
      expect(token).toBeUndefined()
    }
    const allowed = setup({ WEBHOOK_ALLOW_HOSTS: '127.0.0.1' })
    expect((await createBot(await allowed.person('root-admin'), 'allowed-hook', `${url}/allowed`)).secret).toBeDefined()
  })

  it('POSTs a signed message when the bot is mentioned, retries after a 500, and posts the answer as the bot\'s reply', async () => {
    const { person, logs } = setup()
    const admin = await person('root-admin')
    const { token, secret } = await createBot(admin, 'echo-bot', `${url}/echo`)
    answers.set('/echo', [{ status: 500 }, { status: 200, type: 'application/json', body: '{"body":"pong from the hook"}' }])
    const bob = await person('bob-mentions')
    const slug = slugOf(await bob.post('/rooms', { name: 'Echo chamber' }))
    await bob.post(`/rooms/${slug}/members`, { login: 'echo-bot' })
    await bob.post(`/rooms/${slug}/messages`, { body: 'no bot here', nonce: 'plain-message-1' })
    await bob.post(`/rooms/${slug}/messages`, { body: 'hey @Echo-Bot ping', nonce: 'mention-message-1' })

    const messages = () => bob.get(`/rooms/${slug}/messages?after=0`, { headers: { 'hx-request': 'true' } }).then((r) => r.text())
    await until('the bot\'s reply', async () => (await messages()).includes('pong from the hook'))
    const echo = received.filter((r) => r.path === '/echo')
    expect(echo).toHaveLength(2)
    for (const r of echo) expect(verifyWebhook(secret!, r.body, r.signature)).toBe(true)
    expect(verifyWebhook('wrong secret', echo[1]!.body, echo[1]!.signature)).toBe(false)
    const payload = JSON.parse(echo[1]!.body)
    expect(payload).toMatchObject({ room: { slug }, message: { body: 'hey @Echo-Bot ping', author: { login: 'bob-mentions' } }, bot: { login: 'echo-bot' } })
    expect(logs.text()).toContain('the receiver answered 500')
    expect(logs.text()).not.toContain(secret!)
    expect(logs.text()).not.toContain(token!)
    // The reply is the bot's, and it calls no webhook itself.
    expect(await messages()).toMatch(/title="@echo-bot"><bdi>echo-bot<\/bdi><\/a>[\s\S]*pong from the hook/)
    expect(received.filter((r) => r.path === '/echo')).toHaveLength(2)
  })

  it('posts no reply for a bot removed from the room while its receiver was answering', async () => {
    const { person, logs } = setup()
    const admin = await person('root-admin')
    await createBot(admin, 'late-bot', `${url}/late`)
    const dora = await person('dora-owner')
    const slug = slugOf(await dora.post('/rooms', { name: 'Late replies', visibility: 'private' }))
    await dora.post(`/rooms/${slug}/members`, { login: 'late-bot' })
    answers.set('/late', [{
      status: 200, type: 'application/json', body: '{"body":"too late"}',
      first: () => dora.post(`/rooms/${slug}/members/late-bot/delete`, {}),
    }])
    await dora.post(`/rooms/${slug}/messages`, { body: 'still there @late-bot?', nonce: 'late-question-1' })
    await until('the refusal in the log', () => logs.text().includes('webhook reply not posted'))
    const page = await (await dora.get(`/rooms/${slug}/messages?after=0`, { headers: { 'hx-request': 'true' } })).text()
    expect(page).toContain('still there')
    expect(page).not.toContain('too late')
  })

  it('posts no reply in a room archived while the receiver was answering', async () => {
    const { person, logs } = setup()
    const admin = await person('root-admin')
    await createBot(admin, 'archived-bot', `${url}/archived`)
    const slug = slugOf(await admin.post('/rooms', { name: 'Closing soon' }))
    await admin.post(`/rooms/${slug}/members`, { login: 'archived-bot' })
    answers.set('/archived', [{
      status: 200, type: 'application/json', body: '{"body":"after the archive"}',
      first: () => admin.post(`/rooms/${slug}/archive`, {}),
    }])
    await admin.post(`/rooms/${slug}/messages`, { body: 'last call @archived-bot', nonce: 'archive-question-1' })
    await until('the refusal in the log', () => logs.text().includes('webhook reply not posted'))
    expect(logs.text()).toContain('archived')
    const page = await (await admin.get(`/rooms/${slug}/messages?after=0`, { headers: { 'hx-request': 'true' } })).text()
    expect(page).toContain('last call')
    expect(page).not.toContain('after the archive')
  })

  it('writes to the bot of a direct room without a mention, and never retries a 4xx', async () => {
    const { person, logs } = setup()
    const admin = await person('root-admin')
    await createBot(admin, 'helpdesk', `${url}/helpdesk`)
    answers.set('/helpdesk', [{ status: 400, type: 'text/plain', body: 'no' }])
    const carol = await person('carol-asks')
    const direct = await carol.post('/direct-rooms', { login: 'helpdesk' })
    const slug = slugOf(direct)
    await carol.post(`/rooms/${slug}/messages`, { body: 'is anyone there?', nonce: 'direct-question-1' })
    await until('the failure log line', () => logs.text().includes('webhook not delivered'))
    const calls = received.filter((r) => r.path === '/helpdesk')
    expect(calls).toHaveLength(1)
    expect(JSON.parse(calls[0]!.body).message.body).toBe('is anyone there?')
    expect(logs.text()).toMatch(/"bot":"helpdesk".*the receiver answered 400/)
  })

  it('queues each bot apart: a receiver that never answers delays only its own bot, and its circuit opens, then closes once it answers', async () => {
    const { person, logs } = setup({}, { timeoutMs: 300, breakAfter: 3, breakForMs: 500 })
    const admin = await person('root-admin')
    await createBot(admin, 'silent-bot', `${url}/silent`)
    await createBot(admin, 'lively-bot', `${url}/lively`)
    let wake = () => {}
    const held = new Promise<void>((resolve) => { wake = resolve })
    answers.set('/silent', [{ status: 200, type: 'text/plain', body: 'woke up', first: () => held }])
    answers.set('/lively', [{ status: 200, type: 'text/plain', body: 'lively here' }])
    const erin = await person('erin-waits')
    const silent = slugOf(await erin.post('/direct-rooms', { login: 'silent-bot' }))
    const lively = slugOf(await erin.post('/direct-rooms', { login: 'lively-bot' }))
    const messages = (slug: string) => erin.get(`/rooms/${slug}/messages?after=0`, { headers: { 'hx-request': 'true' } }).then((r) => r.text())
    try {
      for (let i = 0; i < 12; i++) await erin.post(`/rooms/${silent}/messages`, { body: `hello ${i}?`, nonce: `silent-question-${i}` })
      await erin.post(`/rooms/${lively}/messages`, { body: 'are you there?', nonce: 'lively-question-1' })
      // One shared queue of four put the lively bot behind the silent one's 48 attempts; now it answers at once.
      await until('the lively bot\'s reply', async () => (await messages(lively)).includes('lively here'))
      const order = received.filter((r) => r.path === '/silent' || r.path === '/lively').map((r) => JSON.parse(r.body).message.body as string)
      const last = order.indexOf('hello 11?')
      expect(order.indexOf('are you there?')).toBeLessThan(last === -1 ? Infinity : last)
      await until('the silent bot\'s circuit to open', () => logs.text().includes('circuit open'))
      const tried = received.filter((r) => r.path === '/silent').length
      const opened = () => logs.text().split('circuit open').length
      const before = opened()
      await erin.post(`/rooms/${silent}/messages`, { body: 'one more?', nonce: 'silent-question-12' })
      await until('a delivery failed at once, unsent', () => opened() > before)
      expect(received.filter((r) => r.path === '/silent').length).toBe(tried)
      expect(logs.text()).not.toContain('"bot":"lively-bot","roomId"')
    } finally {
      wake()
    }
    answers.set('/silent', [{ status: 200, type: 'text/plain', body: 'back again' }])
    // Once the circuit half-opens (500 ms here), a delivery that gets through closes it.
    await until('the silent bot\'s reply after it recovers', async () => {
      await erin.post(`/rooms/${silent}/messages`, { body: 'back?', nonce: `silent-retry-${Date.now()}` })
      await new Promise((r) => setTimeout(r, 200))
      return (await messages(silent)).includes('back again')
    })
  }, 30_000)
})

describe('room owners and moderation', () => {
  it('limits how often one person changes rooms: renames, topics and removals, a 429 with Retry-After past it', async () => {
    const { person } = setup({ RATE_LIMITS: 'on', RATE_LIMIT_MANAGE: '3/10m' })
    const owner = await person('rita-renames')
    const slug = slugOf(await owner.post('/rooms', { name: 'Renamed often', visibility: 'private' }))
    expect((await owner.post(`/rooms/${slug}/name`, { name: 'Once' })).status).toBe(303)
    expect((await owner.post(`/rooms/${slug}/topic`, { topic: 'Twice' })).status).toBe(303)
    expect((await owner.post(`/rooms/${slug}/name`, { name: 'Thrice' })).status).toBe(303)
    const refused = await owner.post(`/rooms/${slug}/name`, { name: 'Too often' })
    expect(refused.status).toBe(429)
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0)
    expect(await refused.text()).toContain('You have changed rooms many times lately')
    expect(await (await owner.get(`/rooms/${slug}`)).text()).toContain('Thrice')
  })

  it('lets the creator of a private room rename it and remove members, members set the topic, and admins archive, delete messages and delete rooms; all of it in the audit list', async () => {
    const { person, app } = setup()
    const admin = await person('root-admin')
    const owner = await person('olga-owner')
    const member = await person('mike-member')
    const slug = slugOf(await owner.post('/rooms', { name: 'Planning', visibility: 'private' }))
    await owner.post(`/rooms/${slug}/members`, { login: 'mike-member' })
    await owner.post(`/rooms/${slug}/members`, { login: 'root-admin' })

    expect((await member.post(`/rooms/${slug}/name`, { name: 'Mine now' })).status).toBe(403)
    expect((await member.post(`/rooms/${slug}/members/olga-owner/delete`)).status).toBe(403)
    expect((await member.post(`/rooms/${slug}/topic`, { topic: 'Q3 <b>roadmap</b>' })).status).toBe(303)
    expect((await owner.post(`/rooms/${slug}/name`, { name: 'Planning Q3' })).status).toBe(303)
    const page = await (await member.get(`/rooms/${slug}`)).text()
    expect(page).toContain('Planning Q3')
    expect(page).toContain('<p class="room-topic"><bdi>Q3 &lt;b&gt;roadmap&lt;/b&gt;</bdi></p>')
    expect((await owner.post(`/rooms/${slug}/name`, { name: '' })).status).toBe(400)
    expect((await browser(app).post(`/rooms/${slug}/topic`, { topic: 'x' })).status).toBe(401)

    const said = await member.post(`/rooms/${slug}/messages`, { body: 'something regrettable', nonce: 'regret-nonce-1' }, { headers: { 'hx-request': 'true' } })
    const id = /data-key="(\d+)"/.exec(await said.text())![1]!
    expect((await owner.post(`/rooms/${slug}/messages/${id}/delete`)).status).toBe(403)
    expect((await admin.post(`/rooms/${slug}/messages/${id}/delete`)).status).toBe(303)
    expect(await (await owner.get(`/rooms/${slug}`)).text()).not.toContain('something regrettable')

    expect((await owner.post(`/rooms/${slug}/members/mike-member/delete`)).status).toBe(303)
    expect((await member.get(`/rooms/${slug}`)).status).toBe(404)

    expect((await owner.post(`/rooms/${slug}/archive`)).status).toBe(404)
    expect((await admin.post(`/rooms/${slug}/archive`)).status).toBe(303)
    const refused = await owner.post(`/rooms/${slug}/messages`, { body: 'still here?', nonce: 'archived-nonce-1' }, { headers: { 'hx-request': 'true' } })
    expect(refused.status).toBe(403)
    expect(await refused.text()).toContain('archived')
    expect((await owner.post(`/rooms/${slug}/typing`)).status).toBe(403)
    expect(await (await owner.get(`/rooms/${slug}`)).text()).toContain('This room is archived')

    expect((await admin.post(`/rooms/${slug}/delete`, { from: 'admin' })).headers.get('location')).toBe('/admin')
    expect((await owner.get(`/rooms/${slug}`)).status).toBe(404)

    const audit = await (await admin.get('/admin')).text()
    const actions = [...audit.matchAll(/<td>@([a-z-]+)<\/td><td>([a-z ]+)<\/td><td>room [a-z0-9-]+<\/td>/g)].map((m) => `${m[1]} ${m[2]}`)
    expect(actions.slice(0, 5)).toEqual(['root-admin delete room', 'root-admin archive room', 'olga-owner remove member', 'root-admin delete message', 'olga-owner rename room'])
  })
})
