import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { readFile, unlink } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startCaddy, type Caddy } from './support/caddy.ts'
import { createdIdsIn, startChatServer } from './support/chat.ts'
import { launchChromium } from './support/browser.ts'
import { httpsForm, httpsRequest, httpsSignIn, wss } from './support/https.ts'
import { freePort } from './support/ports.ts'
import { createTestDatabase, type TestDatabase } from './support/postgres.ts'
import { REDIS_URL, testRedisPrefix } from './support/redis.ts'

type Server = Awaited<ReturnType<typeof startChatServer>>

let database: TestDatabase
let redis: Awaited<ReturnType<typeof testRedisPrefix>>
beforeAll(async () => {
  database = await createTestDatabase()
  redis = await testRedisPrefix()
})
afterAll(async () => {
  await database?.drop()
  await redis?.cleanup()
})

const until = async (check: () => boolean | Promise<boolean>, what: string, ms = 15_000) => {
  const start = Date.now()
  while (!(await check())) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** Where Debian keeps the certificates an administrator added to what the machine trusts. */
const TRUST_STORE = '/usr/local/share/ca-certificates'

describe('behind Caddy, with the project\'s Caddyfile and tls internal', () => {
  let caddy: Caddy
  let base: string
  let ca: string
  let apps: Server[] = []
  /** What the machine trusts, before Caddy started: the tests must leave it as they found it. */
  const trusted = () => (existsSync(TRUST_STORE) ? readdirSync(TRUST_STORE).sort() : [])
  const trustedBefore = trusted()

  beforeAll(async () => {
    const httpsPort = await freePort()
    base = `https://localhost:${httpsPort}`
    apps = await Promise.all([1, 2].map((n) => startChatServer({
      DATABASE_URL: database.url, REDIS_URL, REDIS_PREFIX: redis.prefix, INSTANCE_ID: String(10 + n), PUBLIC_URL: base,
    })))
    caddy = await startCaddy(apps.map((a) => `127.0.0.1:${a.port}`), { httpsPort })
    ca = caddy.ca
  })
  afterAll(async () => {
    await caddy?.stop()
    await Promise.all(apps.map((a) => a.close()))
  })

  it('never adds its local CA to what the machine trusts', () => {
    expect(ca).toContain('BEGIN CERTIFICATE')
    expect(trusted()).toEqual(trustedBefore)
  })

  it('serves the page over HTTPS with its security headers, and a Secure __Host- session', async () => {
    const page = await httpsRequest(`${base}/login`, ca)
    expect(page.status).toBe(200)
    expect(page.text).toContain('Sign in to rtc')
    expect(page.headers['strict-transport-security']).toMatch(/max-age=31536000/)
    expect(page.headers['content-security-policy']).toContain("script-src 'self'")
    expect(page.headers.server).toBeUndefined()
    expect(await httpsSignIn(base, ca, 'ada')).toMatch(/^__Host-rtc_session=/)
  })

  it('carries a chat over WSS, across two app instances balanced by Caddy', async () => {
    const ada = await httpsSignIn(base, ca, 'ada')
    const ben = await httpsSignIn(base, ca, 'ben')
    const form = (cookie: string, path: string, fields: Record<string, string>, htmx = false) => httpsForm(base, ca, cookie, path, fields, htmx)
    const created = await form(ada, '/rooms', { name: 'Through Caddy' })
    const slug = String(created.headers.location).replace('/rooms/', '')
    await form(ben, `/rooms/${slug}/join`, {})
    const sockets = await Promise.all([ada, ben, ada, ben].map((cookie) =>
      wss(`${base.replace('https', 'wss')}/ws?room=${slug}`, ca, { cookie, origin: base })))
    const sent: string[] = []
    for (let i = 0; i < 10; i++) {
      const res = await form(i % 2 ? ben : ada, `/rooms/${slug}/messages`, { body: `via caddy ${i}`, nonce: crypto.randomUUID() }, true)
      sent.push(/data-key="(\d+)"/.exec(res.text)![1]!)
    }
    for (const s of sockets) await until(() => s.frames.flatMap(createdIdsIn).length >= 10, 'ten messages on every socket')
    for (const s of sockets) expect(s.frames.flatMap(createdIdsIn)).toEqual(sent)
    for (const app of apps) expect(app.logs.lines.filter((l) => l.includes('"path":"/ws"')).length, 'both instances hold sockets').toBeGreaterThan(0)
    for (const s of sockets) s.ws.close()
    // Caddy hashes a send's path over the instances: every send of this room went to the same one.
    const sendsOn = apps.map((app) => app.logs.lines.filter((l) => l.includes(`"path":"/rooms/${slug}/messages"`)).length)
    expect(sendsOn.sort(), 'the ten sends, by instance').toEqual([0, 10])
  })

  it('still refuses cross-site and foreign-Origin requests behind the proxy', async () => {
    const cookie = await httpsSignIn(base, ca, 'cat')
    const evil = await httpsRequest(`${base}/rooms`, ca, {
      method: 'POST', body: 'name=x', headers: { cookie, origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
    })
    expect(evil.status).toBe(403)
    const crossSite = await httpsRequest(`${base}/logout`, ca, {
      method: 'POST', headers: { cookie, 'sec-fetch-site': 'cross-site', 'content-type': 'application/x-www-form-urlencoded' },
    })
    expect(crossSite.status).toBe(403)
    await expect(wss(`${base.replace('https', 'wss')}/ws?room=x`, ca, { cookie, origin: 'https://evil.example' })).rejects.toMatchObject({ status: 403 })
  })

  it('works in a real browser over HTTPS and WSS', async () => {
    const chromium = await launchChromium()
    try {
      const page = await (await chromium.browser.newContext({ ignoreHTTPSErrors: true })).newPage()
      await page.goto(`${base}/login`)
      await page.fill('input[name="login"]', 'dot')
      await page.click('form.local button')
      await page.fill('#room-name', 'Secure room')
      await page.click('form[action="/rooms"] button')
      await page.locator('#conn[data-state="connected"]').waitFor()
      await page.locator('#composer textarea').fill('over wss')
      await page.locator('#composer textarea').press('Enter')
      await page.locator('#messages article', { hasText: 'over wss' }).waitFor()
    } finally {
      await chromium.close()
    }
  })
})

describe('the app\'s own TLS from tls/', () => {
  let server: Server
  let base: string
  let cert: string
  const names = { cert: `test-${process.pid}.pem`, key: `test-${process.pid}-key.pem` }

  beforeAll(async () => {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', `tls/${names.key}`, '-out', `tls/${names.cert}`], { stdio: 'ignore' })
    cert = await readFile(`tls/${names.cert}`, 'utf8')
    const port = await freePort()
    base = `https://localhost:${port}`
    server = await startChatServer({ DATABASE_URL: database.url, PORT: String(port), PUBLIC_URL: base, TLS_CERT: names.cert, TLS_PRIVKEY: names.key })
  })
  afterAll(async () => {
    await server?.close()
    await Promise.all([unlink(`tls/${names.cert}`), unlink(`tls/${names.key}`)].map((p) => p.catch(() => {})))
  })

  it('serves HTTPS and WSS itself with the certificate it was given', async () => {
    expect(server.url.startsWith('https://')).toBe(true)
    expect((await httpsRequest(`${base}/healthz`, cert)).status).toBe(200)
    const cookie = await httpsSignIn(base, cert, 'eve')
    expect(cookie).toMatch(/^__Host-rtc_session=/)
    const created = await httpsRequest(`${base}/rooms`, cert, {
      method: 'POST', body: 'name=Own+TLS', headers: { cookie, origin: base, 'content-type': 'application/x-www-form-urlencoded' },
    })
    const slug = String(created.headers.location).replace('/rooms/', '')
    const s = await wss(`wss://localhost:${new URL(base).port}/ws?room=${slug}`, cert, { cookie, origin: base })
    await httpsRequest(`${base}/rooms/${slug}/messages`, cert, {
      method: 'POST', body: new URLSearchParams({ body: 'encrypted', nonce: crypto.randomUUID() }).toString(),
      headers: { cookie, origin: base, 'content-type': 'application/x-www-form-urlencoded', 'hx-request': 'true' },
    })
    await until(() => s.frames.some((f) => f.includes('encrypted')), 'the message over WSS')
    s.ws.close()
  })
})
