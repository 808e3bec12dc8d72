import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { hashSessionToken } from '../src/auth/session.ts'
import { postgresModeration } from '../src/store/postgres/moderation.ts'
import { postgresSignInStates } from '../src/store/postgres/oidc.ts'
import { postgresUsers } from '../src/store/postgres/users.ts'
import { oidcStoresContract } from './contract/oidcStores.ts'
import { appOn, browser, TEST_ORIGIN } from './support/app.ts'
import { databaseBackends, type OpenedDatabase } from './support/databases.ts'
import { fakeGithub } from './support/github.ts'
import { startTestProvider, throughProvider, type TestClient, type TestProvider } from './support/oidcProvider.ts'

for (const [name, open] of databaseBackends) {
  oidcStoresContract(name, async () => {
    const opened = await open()
    return {
      users: postgresUsers(opened.db.sql),
      states: postgresSignInStates(opened.db.sql),
      expire: async (hash) => { await opened.db.sql`UPDATE oidc_sign_ins SET expires_at = now() - interval '1 second' WHERE state_hash = ${hash}` },
      cleanup: () => opened.cleanup(),
    }
  })
}

const CALLBACK = `${TEST_ORIGIN}/auth/oidc/callback`
const APP: TestClient = { client_id: 'rtc-chat', client_secret: 'rtc-chat-secret-not-for-logs-0123456789', redirect_uris: [CALLBACK] }
/** Another application registered at the same provider: its tokens are not for rtc. */
const OTHER: TestClient = { client_id: 'photo-album', client_secret: 'photo-album-secret-0123456789', redirect_uris: ['http://127.0.0.1:9/album/callback'] }
const [, openPostgres] = databaseBackends[0]!

describe('OpenID Connect sign-in against a real provider (oidc-provider)', () => {
  let opened: OpenedDatabase
  let op: TestProvider
  const realFetch = globalThis.fetch
  beforeAll(async () => {
    opened = await openPostgres()
    op = await startTestProvider([APP, OTHER])
  })
  afterAll(async () => {
    await op?.close()
    await opened?.cleanup()
  })
  afterEach(() => { globalThis.fetch = realFetch })

  const env = (more: Record<string, string> = {}) => ({
    OIDC_ISSUER: op.issuer, OIDC_CLIENT_ID: APP.client_id, OIDC_CLIENT_SECRET: APP.client_secret, OIDC_NAME: 'Family login',
    OIDC_ALLOW_HTTP_LOOPBACK: 'true', LOCAL_LOGIN: 'false', ...more,
  })
  const setup = (more: Record<string, string> = {}) => {
    const { app, logs } = appOn(opened.db, { env: env(more) })
    return { app, logs, user: browser(app) }
  }
  const users = () => postgresUsers(opened.db.sql)
  const identityOf = async (sub: string) =>
    (await opened.db.sql<{ user_id: bigint }[]>`SELECT user_id FROM oidc_identities WHERE issuer = ${op.issuer} AND subject = ${sub}`)[0]?.user_id
  const failures = (logs: ReturnType<typeof setup>['logs']) =>
    logs.lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === 'oidc sign-in failed')
  const tokenRequests = () => op.requests.filter((r) => r === 'POST /token').length

  /** Starts at the app, goes through the provider as a browser would, and answers the callback URL the provider sent back. */
  const authorize = async (user: ReturnType<typeof browser>) => {
    const start = await user.get('/auth/oidc')
    expect(start.status).toBe(302)
    return { authorizeUrl: start.headers.get('location')!, callback: await throughProvider(start.headers.get('location')!, CALLBACK) }
  }
  const signIn = async (user: ReturnType<typeof browser>) => {
    const { callback, authorizeUrl } = await authorize(user)
    return { res: await user.get(callback), callback, authorizeUrl }
  }

  it('sends the browser to the provider with PKCE (S256), a state bound to this browser, a nonce, and the registered redirect URI', async () => {
    const { user } = setup()
    const res = await user.get('/auth/oidc')
    const url = new URL(res.headers.get('location')!)
    expect(url.origin + url.pathname).toBe(`${op.issuer}/auth`)
    expect(Object.fromEntries(url.searchParams)).toMatchObject({
      client_id: APP.client_id, response_type: 'code', redirect_uri: CALLBACK, scope: 'openid profile email', code_challenge_method: 'S256',
    })
    expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(url.searchParams.get('nonce')).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const state = url.searchParams.get('state')!
    expect(user.jar.get('rtc_oidc')).toBe(state)
    const cookie = res.headers.getSetCookie().find((c) => c.startsWith('rtc_oidc='))!
    expect(cookie).toMatch(/HttpOnly/)
    expect(cookie).toMatch(/SameSite=Lax/)
    expect(cookie).toMatch(/Max-Age=600/)
    // The verifier and nonce stay on the server, under the state's hash, never the state itself.
    const [kept] = await opened.db.sql<{ state_hash: string; code_verifier: string; nonce: string }[]>`SELECT * FROM oidc_sign_ins WHERE state_hash = ${await hashSessionToken(state)}`
    expect(kept?.nonce).toBe(url.searchParams.get('nonce'))
    expect(kept?.code_verifier).not.toBe(url.searchParams.get('code_challenge'))
  })

  it('signs a new person in, keyed by issuer and subject, and the same person again as the same user', async () => {
    const { user, logs } = setup()
    op.signInNext({ sub: 'sub-jane-1', preferred_username: 'jane.doe', name: 'Jane Doe', email: 'jane@example.org', picture: 'https://id.example.org/jane.png' })
    const { res } = await signIn(user)
    expect(res.status).toBe(303)
    expect(res.headers.get('location')).toBe('/')
    expect(user.jar.has('rtc_session')).toBe(true)
    expect(user.jar.has('rtc_oidc')).toBe(false)
    const lobby = await user.get('/')
    expect(lobby.status).toBe(200)
    expect(await lobby.text()).toContain('Jane Doe')
    const id = Number(await identityOf('sub-jane-1'))
    expect(id).toBeLessThan(0)
    expect(await users().findUserById(id)).toEqual({ id, login: 'jane-doe', name: 'Jane Doe', avatarUrl: 'https://id.example.org/jane.png' })

    // Later, in another browser, with a new e-mail and name at the provider: the same user, refreshed.
    op.signInNext({ sub: 'sub-jane-1', preferred_username: 'jane.doe', name: 'Jane Q. Doe', email: 'jane@elsewhere.example', picture: 'http://id.example.org/jane.png' })
    const other = browser(setup().app)
    expect((await signIn(other)).res.status).toBe(303)
    expect(await (await other.get('/')).text()).toContain('Jane Q. Doe')
    expect(await users().findUserById(id)).toEqual({ id, login: 'jane-doe', name: 'Jane Q. Doe', avatarUrl: null })
    expect(logs.lines.map((l) => JSON.parse(l) as { msg: string; userId?: number }).some((l) => l.msg === 'signed in with oidc' && l.userId === id)).toBe(true)
    expect(logs.text()).not.toContain(APP.client_secret)
  })

  it('never matches people by e-mail: another subject with the same address is someone else', async () => {
    op.signInNext({ sub: 'sub-mail-a', preferred_username: 'mail-a', email: 'shared@example.org' })
    await signIn(setup().user)
    op.signInNext({ sub: 'sub-mail-b', preferred_username: 'mail-b', email: 'shared@example.org' })
    await signIn(setup().user)
    expect(await identityOf('sub-mail-a')).not.toBe(await identityOf('sub-mail-b'))
  })

  it('refuses an ID token whose signature was tampered with on its way from the token endpoint', async () => {
    const { user, logs } = setup()
    op.signInNext({ sub: 'sub-tampered', preferred_username: 'tampered' })
    const { callback } = await authorize(user)
    let flipped = false
    // A man in the middle of the app and the token endpoint changes one byte of the signature.
    globalThis.fetch = async (input, init) => {
      const res = await realFetch(input, init)
      if (!new Request(input, init).url.endsWith('/token')) return res
      const body = await res.json() as { id_token: string }
      const [header, payload, signature] = body.id_token.split('.')
      const bytes = Buffer.from(signature!, 'base64url')
      bytes[10] = bytes[10]! ^ 0x01
      flipped = true
      return Response.json({ ...body, id_token: `${header}.${payload}.${bytes.toString('base64url')}` }, { status: res.status, headers: res.headers })
    }
    const res = await user.get(callback)
    expect(flipped).toBe(true)
    expect(res.status).toBe(401)
    expect(await res.text()).toContain('could not be verified, so no one was signed in')
    expect(failures(logs)).toEqual([expect.objectContaining({ reason: 'OIDC_UNVERIFIED', cause: expect.objectContaining({ detail: 'JWT signature verification failed' }) })])
    expect(user.jar.has('rtc_session')).toBe(false)
    expect(await identityOf('sub-tampered')).toBeUndefined()
  })

  it('refuses an ID token the provider issued to another application (wrong audience)', async () => {
    const { user, logs } = setup()
    op.signInNext({ sub: 'sub-audience', preferred_username: 'audience' })
    const { authorizeUrl, callback } = await authorize(user)
    const nonce = new URL(authorizeUrl).searchParams.get('nonce')!
    // The man in the middle answers the app's token request with a real token response of the other
    // application: signed by the provider, same person, same nonce, but for photo-album.
    const verifier = 'photo-album-verifier-'.padEnd(50, 'x')
    const challenge = Buffer.from(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))).toString('base64url')
    const otherAuthorize = `${op.issuer}/auth?${new URLSearchParams({ client_id: OTHER.client_id, response_type: 'code', scope: 'openid', redirect_uri: OTHER.redirect_uris[0]!, nonce, state: 'other-state', code_challenge: challenge, code_challenge_method: 'S256' })}`
    const otherCode = new URL(await throughProvider(otherAuthorize, OTHER.redirect_uris[0]!)).searchParams.get('code')!
    const otherTokens = await realFetch(`${op.issuer}/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${OTHER.client_id}:${OTHER.client_secret}`).toString('base64')}` },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: otherCode, redirect_uri: OTHER.redirect_uris[0]!, code_verifier: verifier }),
    })
    expect(otherTokens.status).toBe(200)
    const otherBody = await otherTokens.json() as { id_token: string }
    expect(JSON.parse(Buffer.from(otherBody.id_token.split('.')[1]!, 'base64url').toString())).toMatchObject({ aud: OTHER.client_id, nonce, sub: 'sub-audience' })
    globalThis.fetch = async (input, init) =>
      new Request(input, init).url.endsWith('/token') ? Response.json(otherBody) : realFetch(input, init)

    const res = await user.get(callback)
    expect(res.status).toBe(401)
    expect(user.jar.has('rtc_session')).toBe(false)
    expect(await identityOf('sub-audience')).toBeUndefined()
    expect(failures(logs)).toEqual([expect.objectContaining({ reason: 'OIDC_UNVERIFIED', cause: expect.objectContaining({ detail: 'unexpected JWT "aud" (audience) claim value' }) })])
  })

  it('refuses a replayed callback URL before asking the provider, in the same browser or one given the state cookie', async () => {
    const { user } = setup()
    op.signInNext({ sub: 'sub-replay', preferred_username: 'replay' })
    const { res, callback } = await signIn(user)
    expect(res.status).toBe(303)
    const exchanges = tokenRequests()
    const again = await user.get(callback)
    expect(again.status).toBe(400)
    expect(await again.text()).toContain('That sign-in link expired or was already used')
    const attacker = browser(setup().app)
    attacker.jar.set('rtc_oidc', new URL(callback).searchParams.get('state')!)
    expect((await attacker.get(callback)).status).toBe(400)
    expect(attacker.jar.has('rtc_session')).toBe(false)
    expect(tokenRequests()).toBe(exchanges)
  })

  it('refuses a callback without a state, with one this browser never started, or one that expired', async () => {
    const { user } = setup()
    op.signInNext({ sub: 'sub-stateless', preferred_username: 'stateless' })
    const { callback } = await authorize(user)
    const url = new URL(callback)
    const code = url.searchParams.get('code')!
    const exchanges = tokenRequests()
    expect((await user.get(`/auth/oidc/callback?code=${code}`)).status).toBe(400)

    // Someone else's callback link, opened in this browser: it signs no one in (login CSRF).
    const victim = browser(setup().app)
    expect((await victim.get(callback)).status).toBe(400)
    expect(victim.jar.has('rtc_session')).toBe(false)

    const late = browser(setup().app)
    const { callback: lateCallback } = await authorize(late)
    await opened.db.sql`UPDATE oidc_sign_ins SET expires_at = now() - interval '1 second' WHERE state_hash = ${await hashSessionToken(new URL(lateCallback).searchParams.get('state')!)}`
    const expired = await late.get(lateCallback)
    expect(expired.status).toBe(400)
    expect(await expired.text()).toContain('That sign-in link expired or was already used')
    expect(late.jar.has('rtc_session')).toBe(false)
    expect(tokenRequests()).toBe(exchanges)
    expect(await identityOf('sub-stateless')).toBeUndefined()
  })

  it('answers a provider\'s error on the callback with a plain message, and ends that sign-in', async () => {
    const { user } = setup()
    const start = await user.get('/auth/oidc')
    const state = new URL(start.headers.get('location')!).searchParams.get('state')!
    const res = await user.get(`/auth/oidc/callback?error=access_denied&error_description=${encodeURIComponent('<b>call +1 555 0100</b>')}&state=${state}`)
    expect(res.status).toBe(400)
    const page = await res.text()
    expect(page).toContain('Sign-in was cancelled at Family login. You can try again.')
    expect(page).not.toContain('555')
    expect((await opened.db.sql`SELECT 1 FROM oidc_sign_ins WHERE state_hash = ${await hashSessionToken(state)}`).length).toBe(0)
    const odd = await browser(setup().app).get('/auth/oidc/callback?error=server_error')
    expect(odd.status).toBe(400)
    expect(await odd.text()).toContain('Family login refused the sign-in (server_error)')
  })

  it('says the provider is unreachable when discovery fails, and tries again on the next sign-in', async () => {
    const down = await startTestProvider([APP])
    const { port } = new URL(down.issuer)
    await down.close()
    const { app } = appOn(opened.db, { env: env({ OIDC_ISSUER: down.issuer }) })
    const res = await browser(app).get('/auth/oidc')
    expect(res.status).toBe(503)
    expect(await res.text()).toContain('The sign-in provider is unreachable right now')
    // The provider comes back at the same address: the same app finds it, nothing of the failure was kept.
    const back = await startTestProvider([APP], { port: Number(port) })
    try {
      expect((await browser(app).get('/auth/oidc')).status).toBe(302)
    } finally {
      await back.close()
    }
  })

  it('gives a single sign-on person whose login a GitHub account holds login~suffix, and keeps each login with its owner', async () => {
    const github = fakeGithub('gh-client', 'gh-secret-0123456789')
    const { user, app } = setup({ CLIENT_ID: 'gh-client', CLIENT_SECRET: 'gh-secret-0123456789' })
    github.install()
    const viaGithub = globalThis.fetch
    globalThis.fetch = (input, init) => new URL(new Request(input, init).url).hostname === '127.0.0.1' ? realFetch(input, init) : viaGithub(input, init)
    const githubSignIn = async (who: { id: number; login: string }) => {
      github.setUser({ ...who, name: null, avatar_url: '' })
      const b = browser(app)
      const authorizeUrl = (await b.get('/auth/github')).headers.get('location')!
      await b.get(`/auth/github/callback?code=${github.approve(authorizeUrl)}&state=${new URL(authorizeUrl).searchParams.get('state')}`)
      return users().findUserById(who.id)
    }
    try {
      expect((await githubSignIn({ id: 4_400_001, login: 'octo' }))?.login).toBe('octo')
      op.signInNext({ sub: 'sub-octo', preferred_username: 'Octo', name: 'Octo of the house' })
      expect((await signIn(user)).res.status).toBe(303)
      const oidcOcto = await users().findUserById(Number(await identityOf('sub-octo')))
      expect(oidcOcto?.login).toMatch(/^Octo~[0-9a-f]{8}$/)
      expect((await githubSignIn({ id: 4_400_001, login: 'octo' }))?.login).toBe('octo')

      // The other way round: the single sign-on account was first, the GitHub account of that name is told apart.
      op.signInNext({ sub: 'sub-wren', preferred_username: 'wren' })
      await signIn(browser(app))
      expect((await githubSignIn({ id: 4_400_002, login: 'wren' }))?.login).toBe('wren~4400002')
      expect((await users().findUserById(Number(await identityOf('sub-wren'))))?.login).toBe('wren')
    } finally {
      github.uninstall()
    }
  })

  it('shows both providers on the sign-in page, and refuses a local sign-in under a single sign-on login', async () => {
    const { app } = setup({ CLIENT_ID: 'gh-client', CLIENT_SECRET: 'gh-secret-0123456789', LOCAL_LOGIN: 'true' })
    const page = await (await browser(app).get('/login')).text()
    expect(page).toContain('href="/auth/github"')
    expect(page).toContain('href="/auth/oidc">Sign in with Family login</a>')
    expect(page).not.toContain('No sign-in provider is configured')
    op.signInNext({ sub: 'sub-lena', preferred_username: 'lena' })
    await signIn(browser(app))
    const local = await browser(app).post('/auth/local', { login: 'Lena' })
    expect(local.status).toBe(409)
  })

  it('makes a single sign-on person an administrator by ADMIN_LOGINS, pinned to the first account holding it', async () => {
    const { app } = setup({ ADMIN_LOGINS: 'house-admin' })
    op.signInNext({ sub: 'sub-house-admin', preferred_username: 'house-admin' })
    const admin = browser(app)
    await signIn(admin)
    expect((await admin.get('/admin')).status).toBe(200)
    op.signInNext({ sub: 'sub-house-admin-2', preferred_username: 'house-admin' })
    const second = browser(app)
    await signIn(second)
    expect((await second.get('/admin')).status).toBe(404)
  })

  it('refuses a banned person at the callback with a page that says so, and starts no session', async () => {
    op.signInNext({ sub: 'sub-banned', preferred_username: 'banned-one' })
    await signIn(setup().user)
    await postgresModeration(opened.db.sql).setBanned(Number(await identityOf('sub-banned')), new Date())
    const { user } = setup()
    const { res } = await signIn(user)
    expect(res.status).toBe(403)
    expect(await res.text()).toContain('This account has been suspended')
    expect(user.jar.has('rtc_session')).toBe(false)
  })

  it('with SIGNUP=invite, refuses a newcomer from the provider without making an account, and lets in the known and a listed administrator', async () => {
    op.signInNext({ sub: 'sub-known-before', preferred_username: 'known-before' })
    await signIn(setup().user)
    const { app } = setup({ SIGNUP: 'invite', ADMIN_LOGINS: 'house-boss' })
    op.signInNext({ sub: 'sub-stranger', preferred_username: 'stranger' })
    const stranger = browser(app)
    const { res } = await signIn(stranger)
    expect(res.status).toBe(403)
    expect(stranger.jar.has('rtc_session')).toBe(false)
    expect(await identityOf('sub-stranger')).toBeUndefined()
    expect(await users().findUserByLogin('stranger')).toBeUndefined()

    op.signInNext({ sub: 'sub-known-before', preferred_username: 'known-before' })
    expect((await signIn(browser(app))).res.status).toBe(303)
    op.signInNext({ sub: 'sub-house-boss', preferred_username: 'house-boss' })
    const boss = browser(app)
    expect((await signIn(boss)).res.status).toBe(303)
    expect((await boss.get('/admin')).status).toBe(200)
  })

  it('limits sign-in attempts through the provider per address', async () => {
    const { app } = setup({ RATE_LIMITS: 'on', RATE_LIMIT_SIGN_IN: '2/10m' })
    const b = browser(app)
    expect((await b.get('/auth/oidc')).status).toBe(302)
    expect((await b.get('/auth/oidc')).status).toBe(302)
    expect((await b.get('/auth/oidc')).status).toBe(429)
  })
})
