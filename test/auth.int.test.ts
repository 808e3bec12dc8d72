import sharp from 'sharp'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { hashSessionToken, newSessionToken } from '../src/auth/session.ts'
import { postgresSessions } from '../src/store/postgres/sessions.ts'
import { postgresUsers } from '../src/store/postgres/users.ts'
import { appOn, browser } from './support/app.ts'
import { databaseBackends, type OpenedDatabase } from './support/databases.ts'
import { fakeGithub } from './support/github.ts'

const CLIENT_ID = 'Iv1.testclient'
const CLIENT_SECRET = 'test-client-secret-do-not-log-0123456789'
const SECURE_ENV = { PUBLIC_URL: 'https://chat.example.test', HOST: '127.0.0.1', LOCAL_LOGIN: 'false', CLIENT_ID, CLIENT_SECRET }
const ORIGIN = 'https://chat.example.test'
const [, openPostgres] = databaseBackends[0]!

let opened: OpenedDatabase
beforeAll(async () => { opened = await openPostgres() })
afterAll(() => opened?.cleanup())

describe('GitHub sign-in', () => {
  const github = fakeGithub(CLIENT_ID, CLIENT_SECRET)
  beforeEach(() => github.install())
  afterEach(() => github.uninstall())

  const setup = () => {
    const { app, logs } = appOn(opened.db, { env: SECURE_ENV })
    return { app, logs, user: browser(app, ORIGIN) }
  }

  /** Follows the flow the way a browser and GitHub would, and returns the callback's answer. */
  const signIn = async (user: ReturnType<typeof browser>) => {
    const start = await user.get('/auth/github')
    expect(start.status).toBe(302)
    const authorize = start.headers.get('location')!
    const state = new URL(authorize).searchParams.get('state')!
    const code = github.approve(authorize)
    const callback = `/auth/github/callback?code=${code}&state=${state}`
    return { res: await user.get(callback), callback, state }
  }

  it('redirects to GitHub with a state, least scope and no redirect_uri', async () => {
    const { user } = setup()
    const res = await user.get('/auth/github')
    const url = new URL(res.headers.get('location')!)
    expect(url.origin + url.pathname).toBe('https://github.com/login/oauth/authorize')
    expect(url.searchParams.get('client_id')).toBe(CLIENT_ID)
    expect(url.searchParams.get('scope')).toBe('user:email')
    expect(url.searchParams.get('redirect_uri')).toBeNull()
    expect(url.searchParams.get('state')).toBe(user.jar.get('state'))
  })

  it('signs a GitHub user in on the callback and shows the lobby with their name', async () => {
    const { user } = setup()
    github.setUser({ id: 9001, login: 'octocat', name: 'The Octocat', avatar_url: 'https://avatars.githubusercontent.com/u/9001' })
    const { res } = await signIn(user)
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/')
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('__Host-rtc_session='))!
    expect(cookie).toMatch(/HttpOnly/)
    expect(cookie).toMatch(/Secure/)
    expect(cookie).toMatch(/SameSite=Lax/)
    expect(cookie).toMatch(/Path=\//)
    expect(user.jar.has('state')).toBe(false)
    const lobby = await user.get('/')
    expect(lobby.status).toBe(200)
    expect(await lobby.text()).toContain('The Octocat')
  })

  it('updates name and avatar on the second sign-in, keyed by the numeric id', async () => {
    const { user } = setup()
    github.setUser({ id: 9002, login: 'hubot', name: 'Hubot', avatar_url: 'https://avatars.githubusercontent.com/u/1' })
    await signIn(user)
    github.setUser({ id: 9002, login: 'hubot2', name: 'Hubot Two', avatar_url: 'https://avatars.githubusercontent.com/u/2' })
    await signIn(browser(setup().app, ORIGIN))
    expect(await postgresUsers(opened.db.sql).findUserById(9002)).toEqual({
      id: 9002, login: 'hubot2', name: 'Hubot Two', avatarUrl: 'https://avatars.githubusercontent.com/u/2',
    })
  })

  it('keeps the display name and picture a person chose across GitHub sign-ins, and shows GitHub\'s again once they are cleared', async () => {
    const { user } = setup()
    github.setUser({ id: 9010, login: 'chooser', name: 'GitHub Name', avatar_url: 'https://avatars.githubusercontent.com/u/9010?v=1' })
    await signIn(user)
    const form = new FormData()
    form.set('display_name', 'Chosen Name')
    form.append('avatar', new File([new Uint8Array(await sharp({ create: { width: 40, height: 40, channels: 3, background: '#123' } }).png().toBuffer())], 'me.png', { type: 'image/png' }))
    expect((await user.get('/profile', { method: 'POST', body: form })).status).toBe(303)
    github.setUser({ id: 9010, login: 'chooser', name: 'GitHub Renamed', avatar_url: 'https://avatars.githubusercontent.com/u/9010?v=2' })
    const again = browser(setup().app, ORIGIN)
    await signIn(again)
    const chosen = await postgresUsers(opened.db.sql).findUserById(9010)
    expect(chosen).toMatchObject({ name: 'Chosen Name', avatarUrl: expect.stringMatching(/^\/avatars\/9010\/[0-9a-f]{64}\.webp$/) })
    expect(await (await again.get('/')).text()).toContain('<span class="name">Chosen Name</span>')
    expect((await again.post('/profile/avatar/delete')).status).toBe(303)
    const cleared = new FormData()
    cleared.set('display_name', '')
    expect((await again.get('/profile', { method: 'POST', body: cleared })).status).toBe(303)
    expect(await postgresUsers(opened.db.sql).findUserById(9010)).toMatchObject({ name: 'GitHub Renamed', avatarUrl: 'https://avatars.githubusercontent.com/u/9010?v=2' })
  })

  it('refuses a callback whose state does not match the cookie', async () => {
    const { user } = setup()
    github.setUser({ id: 9003, login: 'mallory', name: null, avatar_url: '' })
    const start = await user.get('/auth/github')
    const code = github.approve(start.headers.get('location')!)
    const res = await user.get(`/auth/github/callback?code=${code}&state=forged`)
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/login?error=state')
    expect(user.jar.has('__Host-rtc_session')).toBe(false)
    expect(await postgresUsers(opened.db.sql).findUserById(9003)).toBeUndefined()
    expect(github.requests).not.toContain('POST github.com/login/oauth/access_token')
  })

  it('refuses a replayed callback URL, even with a fresh code', async () => {
    const { user } = setup()
    github.setUser({ id: 9004, login: 'replay', name: null, avatar_url: '' })
    const { callback, state } = await signIn(user)
    const attacker = browser(setup().app, ORIGIN)
    attacker.jar.set('state', state)
    const replayed = await user.get(callback)
    expect(replayed.headers.get('location')).toBe('/login?error=state')
    const fresh = await user.get(`/auth/github/callback?code=${github.approve(`https://github.com/login/oauth/authorize?client_id=${CLIENT_ID}`)}&state=${state}`)
    expect(fresh.headers.get('location')).toBe('/login?error=state')
  })

  it('lands a cancelled authorization on /login with a message instead of looping to GitHub', async () => {
    const { user } = setup()
    await user.get('/auth/github')
    const res = await user.get('/auth/github/callback?error=access_denied&error_description=The+user+has+denied&state=x')
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/login?error=cancelled')
    const page = await (await user.get('/login?error=cancelled')).text()
    expect(page).toContain('Sign-in was cancelled on GitHub')
    expect(github.requests).toEqual([])
  })

  it('ends any session the browser carried before signing in, so a planted cookie is dead after', async () => {
    const { user } = setup()
    const sessions = postgresSessions(opened.db.sql)
    const planter = await postgresUsers(opened.db.sql).upsertLocalUser('planter')
    const planted = newSessionToken()
    await sessions.createSession(await hashSessionToken(planted), planter.id, new Date(Date.now() + 3600_000))
    user.jar.set('__Host-rtc_session', planted)
    github.setUser({ id: 9005, login: 'victim', name: 'Victim', avatar_url: '' })
    await signIn(user)
    expect(user.jar.get('__Host-rtc_session')).not.toBe(planted)
    expect(await sessions.findSession(await hashSessionToken(planted), new Date())).toBeUndefined()
  })

  it('never writes the token, the code, the cookie or the client secret to the log', async () => {
    const { user, logs } = setup()
    github.setUser({ id: 9006, login: 'quiet', name: null, avatar_url: '' })
    const { callback } = await signIn(user)
    await user.get('/')
    const code = new URL(`https://x${callback}`).searchParams.get('code')!
    const text = logs.text()
    expect(logs.lines.filter((l) => l.includes('"msg":"request"')).length).toBeGreaterThanOrEqual(3)
    expect(text).toContain('"userId":9006')
    for (const secret of [CLIENT_SECRET, code, user.jar.get('__Host-rtc_session')!, 'gho_fake']) expect(text).not.toContain(secret)
  })
})

describe('without GitHub credentials', () => {
  it('explains on /login how to register the OAuth app, with the callback URL', async () => {
    const { app } = appOn(opened.db, { env: { LOCAL_LOGIN: 'false' } })
    const page = await (await app.request('http://localhost:8080/login')).text()
    expect(page).toContain('https://github.com/settings/applications/new')
    expect(page).toContain('http://localhost:8080/auth/github/callback')
    expect(page).toContain('CLIENT_ID')
    expect(page).not.toContain('action="/auth/local"')
    expect((await app.request('http://localhost:8080/auth/local', { method: 'POST', headers: { origin: 'http://localhost:8080' } })).status).toBe(404)
  })
})

describe('local sign-in and sessions', () => {
  it('signs in, shows the lobby with the name, and signing out ends the session', async () => {
    const { app } = appOn(opened.db)
    const user = browser(app)
    expect((await user.get('/')).headers.get('location')).toBe('/login')
    const res = await user.post('/auth/local', { login: 'alice' })
    expect(res.status).toBe(303)
    const token = user.jar.get('rtc_session')!
    expect(await (await user.get('/')).text()).toContain('Hello, <bdi>alice</bdi>')
    expect((await user.post('/logout')).headers.get('location')).toBe('/login')
    expect(user.jar.has('rtc_session')).toBe(false)
    user.jar.set('rtc_session', token)
    expect((await user.get('/')).headers.get('location')).toBe('/login')
  })

  it('refuses a malformed login with a message', async () => {
    const { app } = appOn(opened.db)
    const res = await browser(app).post('/auth/local', { login: '<script>' })
    expect(res.status).toBe(400)
    expect(await res.text()).toContain('A name is 1 to 39 letters')
  })

  it('treats a malformed or unknown session cookie as signed out, never an error', async () => {
    const { app } = appOn(opened.db)
    for (const value of ['garbage', newSessionToken(), '%%%;;', 'a'.repeat(5000)]) {
      const res = await app.request('http://localhost:8080/', { headers: { cookie: `rtc_session=${value}`, accept: 'text/html' } })
      expect(res.status).toBe(303)
    }
  })

  it('renews a session used in the second half of its life', async () => {
    let now = new Date('2030-01-01T00:00:00Z')
    const { app } = appOn(opened.db, { now: () => now })
    const user = browser(app)
    await user.post('/auth/local', { login: 'slider' })
    now = new Date('2030-01-20T00:00:00Z')
    const res = await user.get('/')
    expect(res.status).toBe(200)
    expect(res.headers.getSetCookie().some((c) => c.startsWith('rtc_session=') && /Max-Age=2592000/.test(c))).toBe(true)
    now = new Date('2030-02-15T00:00:00Z')
    expect((await user.get('/')).status).toBe(200)
  })

  it('marks a session active when it is used an hour or more after its last renewal, for the sessions page', async () => {
    let now = new Date('2030-03-01T00:00:00Z')
    const { app } = appOn(opened.db, { now: () => now })
    const user = browser(app)
    await user.post('/auth/local', { login: 'lastseen' })
    const lastActive = async () => ((await (await user.get('/sessions', { headers: { accept: 'application/json' } })).json()) as { sessions: { lastActiveAt: string }[] }).sessions[0]!.lastActiveAt
    now = new Date('2030-03-01T00:30:00Z')
    await user.get('/')
    now = new Date('2030-03-02T09:00:00Z')
    await user.get('/')
    expect(await lastActive()).toBe('2030-03-02T09:00:00.000Z')
  })

  it('refuses an unsafe request from another origin', async () => {
    const { app } = appOn(opened.db)
    const user = browser(app)
    await user.post('/auth/local', { login: 'bob' })
    const res = await user.post('/logout', {}, { headers: { origin: 'https://evil.example' } })
    expect(res.status).toBe(403)
    expect((await user.get('/')).status).toBe(200)
  })
})

describe('bad input', () => {
  it('answers an unknown route with 404: a page for browsers, JSON for API clients', async () => {
    const { app } = appOn(opened.db)
    const user = browser(app)
    await user.post('/auth/local', { login: 'carol' })
    const page = await user.get('/no/such/thing')
    expect(page.status).toBe(404)
    expect(page.headers.get('content-type')).toMatch(/text\/html/)
    const api = await user.get('/no/such/thing', { headers: { accept: 'application/json' } })
    expect(api.status).toBe(404)
    expect(await api.json()).toEqual({ error: 'There is nothing at this address.', status: 404 })
  })

  it('answers an oversized body with 413', async () => {
    const { app } = appOn(opened.db)
    const res = await browser(app).post('/auth/local', { login: 'x'.repeat(100_000) })
    expect(res.status).toBe(413)
  })

  it('serves a CSP without unsafe-eval or inline script on every page', async () => {
    const { app } = appOn(opened.db)
    const csp = (await app.request('http://localhost:8080/login')).headers.get('content-security-policy')!
    expect(csp).toContain("script-src 'self'")
    expect(csp).not.toContain('unsafe-eval')
    expect(csp).not.toContain('unsafe-inline')
  })
})
