import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import cassandra from 'cassandra-driver'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { verifyWebhook } from '../src/bots/signature.ts'
import postgres from 'postgres'
import sharp from 'sharp'
import { unzipSync } from 'fflate'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chatScenarios } from './contract/chatScenarios.ts'
import { CASSANDRA_CONTACT_POINTS } from './support/cassandra.ts'
import { lastCount, ORIGIN, sidebarId, signIn } from './support/chat.ts'
import { emptyFileParts, heldSend, MULTIPART_TYPE, pulledBody } from './support/multipart.ts'
import { createTestDatabase, type TestDatabase } from './support/postgres.ts'
import { startServerProcess } from './support/process.ts'
import { standInSite } from './support/standInSite.ts'
import { pushEnv, startPushService, verifyVapid } from './support/pushService.ts'
import { REDIS_URL, testRedisPrefix } from './support/redis.ts'
import { startTestProvider, throughProvider } from './support/oidcProvider.ts'
import { tamperingProxy } from './support/tamperingProxy.ts'
import { slackZip, tsOf } from './support/slackExport.ts'

const denoEnv = (databaseUrl: string, env: Record<string, string> = {}) =>
  ({ DATABASE_URL: databaseUrl, PUBLIC_URL: ORIGIN, LOCAL_LOGIN: 'true', LOG_LEVEL: 'info', RATE_LIMITS: 'off', ...env })

/** The same app under Deno 2 (`deno` from the npm registry), as `npm run start:deno` runs it. */
chatScenarios('Deno', async (databaseUrl) => {
  const server = await startServerProcess(denoEnv(databaseUrl), 'deno')
  return {
    url: server.url,
    async close() {
      const { code } = await server.stop()
      if (code !== 0) throw new Error(`deno exited with ${code}:\n${server.stderr.join('\n')}`)
    },
  }
})

describe('Deno shutdown', () => {
  let database: TestDatabase
  beforeAll(async () => { database = await createTestDatabase() })
  afterAll(() => database?.drop())

  it('closes sockets with 1012 and exits 0 on SIGTERM', async () => {
    const server = await startServerProcess(denoEnv(database.url), 'deno')
    const hal = await signIn(server.url, 'hal')
    const s = await hal.socket(await hal.createRoom('Deno restart'))
    const stopped = server.stop('SIGTERM')
    expect((await s.closed).code).toBe(1012)
    const { code, ms } = await stopped
    expect(code).toBe(0)
    expect(ms).toBeLessThan(10_000)
    expect(server.stdout.some((l) => l.includes('"runtime":"deno'))).toBe(true)
  })
})

describe('Deno with Cassandra and Redis', () => {
  let database: TestDatabase
  let redis: Awaited<ReturnType<typeof testRedisPrefix>>
  const keyspace = `rtc_deno_${process.pid}_${Math.random().toString(36).slice(2, 8)}`
  beforeAll(async () => { database = await createTestDatabase(); redis = await testRedisPrefix() })
  afterAll(async () => {
    const client = new cassandra.Client({ contactPoints: CASSANDRA_CONTACT_POINTS, localDataCenter: 'datacenter1' })
    await client.connect()
    await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`)
    await client.shutdown()
    await redis?.cleanup()
    await database?.drop()
  })

  it('stores messages in Cassandra by position, once per nonce, and streams them and their edits in order', async () => {
    const server = await startServerProcess({
      ...denoEnv(database.url), REDIS_URL, REDIS_PREFIX: redis.prefix, RATE_LIMITS: 'off',
      CASSANDRA_CONTACT_POINTS: CASSANDRA_CONTACT_POINTS.join(','), CASSANDRA_KEYSPACE: keyspace,
    }, 'deno')
    try {
      expect(JSON.parse(server.stdout.find((l) => l.includes('"msg":"rtc started"'))!).backends).toMatchObject({ messages: 'cassandra', bus: 'redis' })
      const ivy = await signIn(server.url, 'ivy')
      const slug = await ivy.createRoom('Deno on Cassandra')
      const s = await ivy.socket(slug, '0')
      const nonces = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()]
      const ids = []
      for (const [i, nonce] of nonces.entries()) ids.push((await ivy.post(slug, `deno ${i}`, nonce)).id)
      expect(ids).toEqual(['1', '2', '3'])
      expect((await ivy.post(slug, 'again', nonces[1])).id).toBe('2')
      expect((await ivy.form(`/rooms/${slug}/messages/1`, { body: 'deno 0, edited' }, true)).status).toBe(200)
      await s.waitFor(() => s.frames.some((f) => f.includes('deno 0, edited')), 'the edit')
      // The edit of a message this socket got live comes as an upsert of it, so 1 appears twice, edited the second time.
      expect(s.createdIds()).toEqual(['1', '2', '3', '1'])
      await s.close()
    } finally {
      await server.stop()
    }
  })
})

describe('Deno search', () => {
  let database: TestDatabase
  const keyspace = `rtc_deno_search_${process.pid}_${Math.random().toString(36).slice(2, 8)}`
  beforeAll(async () => { database = await createTestDatabase() })
  afterAll(async () => {
    const client = new cassandra.Client({ contactPoints: CASSANDRA_CONTACT_POINTS, localDataCenter: 'datacenter1' })
    await client.connect()
    await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`)
    await client.shutdown()
    await database?.drop()
  })

  it.each(['postgres', 'cassandra'] as const)('answers GET /search and opens a result around its message on %s', async (store) => {
    const server = await startServerProcess({
      ...denoEnv(database.url),
      ...(store === 'cassandra' ? { CASSANDRA_CONTACT_POINTS: CASSANDRA_CONTACT_POINTS.join(','), CASSANDRA_KEYSPACE: keyspace } : {}),
    }, 'deno')
    try {
      const kim = await signIn(server.url, `kim${store}`)
      const slug = await kim.createRoom(`Deno search ${store}`)
      for (let i = 0; i < 5; i++) await kim.post(slug, i === 2 ? 'the <quokka> smiles' : `filler ${i}`)
      const page = await (await kim.send('/search?q=QUOKKA')).text()
      const link = new RegExp(`href="(/rooms/${slug}\\?around=(\\d+))#m-\\d+"`).exec(page)
      expect(page).toContain('the &lt;<mark>quokka</mark>&gt; smiles')
      expect(link).not.toBeNull()
      const room = await (await kim.send(link![1]!)).text()
      expect(room).toContain(`data-around="${link![2]}"`)
      expect((await kim.send('/search?q=%22%22%20---')).status).toBe(400)
    } finally {
      await server.stop()
    }
  }, 90_000)
})

describe('Deno abuse controls', () => {
  let database: TestDatabase
  beforeAll(async () => { database = await createTestDatabase() })
  afterAll(() => database?.drop())

  it('closes a socket with 4401 when its session signs out, and refuses over-limit rooms and sockets', async () => {
    const server = await startServerProcess(denoEnv(database.url, { RATE_LIMITS: 'on', RATE_LIMIT_ROOMS: '1/10m', RATE_LIMIT_SOCKETS: '2/1m' }), 'deno')
    try {
      const ida = await signIn(server.url, 'ida', { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0' })
      // The sessions page names the browser (bowser under Deno too), and End ends just that other session.
      const other = await signIn(server.url, 'ida')
      const { sessions } = await (await ida.send('/sessions', { headers: { accept: 'application/json' } })).json() as { sessions: { id: string; current: boolean; device: string | null }[] }
      expect(sessions.find((s) => s.current)?.device).toBe('Firefox 128 on Linux, desktop')
      const otherId = sessions.find((s) => !s.current)!.id
      expect((await ida.send(`/sessions/${otherId}/end`, { method: 'POST', headers: { accept: 'application/json' } })).status).toBe(200)
      expect((await other.send('/')).status).toBe(303)
      const slug = await ida.createRoom('Deno limits')
      const refusedRoom = await ida.form('/rooms', { name: 'One too many' })
      expect(refusedRoom.status).toBe(429)
      expect(Number(refusedRoom.headers.get('retry-after'))).toBeGreaterThan(0)

      const live = await ida.socket(slug)
      await (await ida.socket(slug)).close()
      const refused = await ida.socket(slug)
      expect((await refused.closed).code).toBe(4429)

      await ida.form('/logout', {})
      const closed = await live.closed
      expect(closed.code).toBe(4401)
      expect(live.frames.some((f) => f.startsWith('<p id="conn"') && f.includes('You signed out.'))).toBe(true)
    } finally {
      await server.stop()
    }
  })
})

describe('Deno awareness (issue 13)', () => {
  let database: TestDatabase
  beforeAll(async () => { database = await createTestDatabase() })
  afterAll(() => database?.drop())

  it('counts another room\'s messages and mentions on the socket, marks mentions, and clears the count on read', async () => {
    const server = await startServerProcess(denoEnv(database.url), 'deno')
    try {
      const ida = await signIn(server.url, 'ida')
      const jon = await signIn(server.url, 'jon')
      const open = await ida.createRoom('Deno open')
      const busy = await ida.createRoom('Deno busy')
      await jon.form(`/rooms/${open}/join`, {})
      await jon.form(`/rooms/${busy}/join`, {})
      const page = await (await jon.send(`/rooms/${open}`)).text()
      const busyId = sidebarId(page, busy)
      // The composer's @mention options and the member list fetched on reconnect.
      expect(await (await jon.send(`/rooms/${open}/mentions?q=id`)).text()).toContain('data-login="ida"')
      expect(await (await jon.send(`/rooms/${open}/members`)).text()).toContain('@ida')
      const socket = await jon.socket(open)
      const sent = await ida.post(busy, 'hello @jon')
      expect(sent.html).toContain('<span class="mention" data-login="jon">@jon</span>')
      await socket.waitFor(() => lastCount(socket, busyId, 'data-unread') === 1, 'one unread in the busy room')
      expect(lastCount(socket, busyId, 'data-mentions')).toBe(1)
      await jon.form(`/rooms/${busy}/read`, { id: sent.id! })
      await socket.waitFor(() => lastCount(socket, busyId, 'data-unread') === 0, 'the count cleared')
      await socket.close()
    } finally {
      await server.stop()
    }
  })

  it('opens a room at the first unread message, far up with its bar, and tells a removed member why before closing (issue 25)', async () => {
    const server = await startServerProcess(denoEnv(database.url), 'deno')
    try {
      const kai = await signIn(server.url, 'kai')
      const lou = await signIn(server.url, 'lou')
      const slug = await kai.createRoom('Deno unread', 'private')
      await kai.form(`/rooms/${slug}/members`, { login: 'lou' })
      const seen = await kai.post(slug, 'already read')
      await lou.form(`/rooms/${slug}/read`, { id: seen.id! })
      for (let i = 1; i <= 60; i++) await kai.post(slug, `unread ${i}`)
      const page = await (await lou.send(`/rooms/${slug}`, { headers: { cookie: `${lou.cookie}; rtc-js=1` } })).text()
      expect(page).toMatch(/class="msg first-unread"[^>]*>[\s\S]*?unread 1</)
      expect(page).toContain('60 new messages since')
      const socket = await lou.socket(slug)
      await kai.form(`/rooms/${slug}/members/lou/delete`, {})
      const closed = await socket.closed
      expect(closed.code).toBe(1008)
      expect(socket.frames.join('')).toContain('You were removed from this room by its owner or an administrator.')
    } finally {
      await server.stop()
    }
  })
})


describe('Deno pins and saved messages (issue 26)', () => {
  let database: TestDatabase
  beforeAll(async () => { database = await createTestDatabase() })
  afterAll(() => database?.drop())

  it('pins a message live for another member, saves one for oneself, and opens a message by its address', async () => {
    const server = await startServerProcess(denoEnv(database.url), 'deno')
    try {
      const kim = await signIn(server.url, 'kim')
      const lou = await signIn(server.url, 'lou')
      const slug = await kim.createRoom('Deno pins')
      await lou.form(`/rooms/${slug}/join`, {})
      const socket = await lou.socket(slug)
      const sent = await kim.post(slug, 'keep this in view')
      expect((await kim.form(`/rooms/${slug}/messages/${sent.id}/pin`, {})).headers.get('location')).toBe(`/rooms/${slug}/pins`)
      await socket.waitFor(() => socket.frames.some((f) => f.includes('id="pins"') && f.includes('keep this in view')), 'the pins list, live')
      expect(await (await lou.send(`/rooms/${slug}/pins`)).text()).toContain('keep this in view')
      await lou.form(`/rooms/${slug}/messages/${sent.id}/save`, {})
      expect(await (await lou.send('/saved')).text()).toContain('keep this in view')
      expect((await lou.send(`/rooms/${slug}/messages/${sent.id}`)).headers.get('location')).toBe(`/rooms/${slug}?around=${sent.id}#m-${sent.id}`)
      await socket.close()
    } finally {
      await server.stop()
    }
  })
})

describe('Deno notifications', () => {
  let database: TestDatabase
  beforeAll(async () => { database = await createTestDatabase() })
  afterAll(() => database?.drop())

  it('keeps settings and subscriptions, mutes a room, and sends a mention as a push encrypted for the browser', async () => {
    const { vapid, env } = pushEnv()
    const push = await startPushService()
    const server = await startServerProcess(denoEnv(database.url, env), 'deno')
    try {
      const uma = await signIn(server.url, 'uma')
      const vic = await signIn(server.url, 'vic')
      const slug = await uma.createRoom('Deno pushes')
      await vic.form(`/rooms/${slug}/join`, {})
      expect((await vic.send('/settings')).status).toBe(200)
      expect((await vic.form('/settings/notifications', { choice: 'mentions' })).status).toBe(303)
      expect((await vic.form('/settings/notifications', { choice: 'sometimes' }, true)).status).toBe(422)
      expect(await (await vic.send('/settings', { headers: { accept: 'text/html' } })).text()).toMatch(/value="mentions" checked/)

      const browser = push.subscriber('vic')
      const subscribe = (body: unknown) => vic.send('/push/subscriptions', { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } })
      expect((await subscribe(browser.json)).status).toBe(201)
      expect((await subscribe({ ...browser.json, keys: { p256dh: 'x', auth: 'y' } })).status).toBe(422)
      expect(await (await vic.send('/settings', { headers: { accept: 'text/html' } })).text()).toContain('reach 1 browser of yours')

      expect((await vic.form(`/rooms/${slug}/mute`, { muted: 'on' })).status).toBe(303)
      await uma.post(slug, '@vic muted, so quiet')
      expect((await vic.form(`/rooms/${slug}/mute`, { muted: 'off' }, true)).status).toBe(200)
      const { id } = await uma.post(slug, '@vic from Deno')
      const deadline = Date.now() + 10_000
      while (push.to(browser).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
      expect(push.to(browser)).toHaveLength(1)
      const [received] = push.to(browser)
      verifyVapid(received!.headers.authorization, vapid.publicKey, push.origin)
      expect(JSON.parse(browser.decrypt(received!.body))).toMatchObject({ body: '@vic from Deno', url: `/rooms/${slug}#m-${id}` })

      // A subscription ends with the session that made it; another session's browser still gets pushes.
      const vicOnPhone = await signIn(server.url, 'vic')
      const phone = push.subscriber('vic-phone')
      expect((await vicOnPhone.send('/push/subscriptions', { method: 'POST', body: JSON.stringify(phone.json), headers: { 'content-type': 'application/json' } })).status).toBe(201)
      expect((await vic.form('/logout', {})).status).toBe(303)
      for (const n of [1, 2]) {
        await uma.post(slug, `@vic after sign-out ${n}`)
        while (push.to(phone).length < n && Date.now() < deadline + 10_000) await new Promise((r) => setTimeout(r, 20))
      }
      expect([push.to(browser).length, push.to(phone).length]).toEqual([1, 2])
    } finally {
      await server.stop()
      await push.close()
    }
  })

  it('serves the app manifest and its icons, sets a room\'s level, skips a person looking at a tab, and sends a test notification (issue 27)', async () => {
    const { env } = pushEnv()
    const push = await startPushService()
    const server = await startServerProcess(denoEnv(database.url, { ...env, LOG_LEVEL: 'debug' }), 'deno')
    try {
      // Browsers fetch the manifest without cookies.
      const manifest = await fetch(`${server.url}/manifest.webmanifest`)
      expect(manifest.status).toBe(200)
      expect(manifest.headers.get('content-type')).toBe('application/manifest+json')
      const fields = await manifest.json() as { display: string; start_url: string; icons: { src: string; sizes: string; purpose: string }[] }
      expect(fields).toMatchObject({ display: 'standalone', start_url: '/' })
      const large = fields.icons.find((i) => i.sizes === '512x512' && i.purpose === 'any')!
      const icon = await fetch(`${server.url}${large.src}`)
      expect(icon.headers.get('content-type')).toBe('image/png')
      expect((await sharp(Buffer.from(await icon.arrayBuffer())).metadata()).width).toBe(512)

      const wes = await signIn(server.url, 'wes')
      const xia = await signIn(server.url, 'xia')
      const slug = await wes.createRoom('Deno levels')
      await xia.form(`/rooms/${slug}/join`, {})
      const browser = push.subscriber('xia')
      const subscribed = await xia.send('/push/subscriptions', { method: 'POST', body: JSON.stringify(browser.json), headers: { 'content-type': 'application/json' } })
      expect(subscribed.status).toBe(201)
      /** Wes writes; answers once xia's browser holds `count` pushes (or the wait ends). */
      const pushesAfter = async (body: string, count: number) => {
        await wes.post(slug, body)
        const deadline = Date.now() + 10_000
        while (push.to(browser).length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
        return push.to(browser).length
      }
      expect((await xia.form(`/rooms/${slug}/notifications`, { level: 'loud' })).status).toBe(400)
      expect((await xia.form(`/rooms/${slug}/notifications`, { level: 'all' })).status).toBe(303)
      expect(await pushesAfter('no mention, and still for xia', 1)).toBe(1)
      expect((await xia.form(`/rooms/${slug}/notifications`, { level: 'none' }, true)).status).toBe(200)
      await wes.post(slug, '@xia set to nothing')
      // A tab xia looks at keeps the next mention from her phone; once it is hidden, pushes go out again.
      expect((await xia.form(`/rooms/${slug}/notifications`, { level: 'mentions' })).status).toBe(303)
      /** Mentions xia until the instance decides she is `present` (or not); answers that message's decision. */
      const mentionUntil = async (present: boolean) => {
        const deadline = Date.now() + 10_000
        for (;;) {
          const { id } = await wes.post(slug, `@xia are you there? (${present ? 'looking' : 'away'})`)
          let done: { present: number; pushed: number } | undefined
          while (!done && Date.now() < deadline) {
            const line = server.stdout.find((l) => l.startsWith('{') && l.endsWith('}') && l.includes('"msg":"pushes done"') && l.includes(`"messageId":"${id}"`))
            if (line) done = JSON.parse(line) as { present: number; pushed: number }
            else await new Promise((r) => setTimeout(r, 20))
          }
          if (!done || Date.now() > deadline) throw new Error(`xia never counted as ${present ? 'present' : 'away'}`)
          if ((done.present === 1) === present) return done
        }
      }
      const socket = await xia.socket(slug)
      socket.tell('active')
      expect((await mentionUntil(true)).pushed).toBe(0)
      socket.tell('hidden')
      expect((await mentionUntil(false)).pushed).toBe(1)
      await socket.close()

      const tested = await xia.send('/settings/notifications/test', { method: 'POST', headers: { accept: 'application/json' } })
      expect(await tested.json()).toEqual({ browsers: 1, reached: 1 })
      expect(JSON.parse(browser.decrypt(push.to(browser).at(-1)!.body))).toMatchObject({ title: 'rtc: test notification' })
    } finally {
      await server.stop()
      await push.close()
    }
  })
})


describe('Deno bots', () => {
  let database: TestDatabase
  beforeAll(async () => { database = await createTestDatabase() })
  afterAll(() => database?.drop())

  it('makes a bot whose token posts to its room (and nothing without it), and calls its signed webhook, whose answer is the reply', async () => {
    const hooks: { body: string; signature: string }[] = []
    const receiver = createServer((req, res) => {
      let body = ''
      req.on('data', (c: Buffer) => { body += c.toString() })
      req.on('end', () => {
        hooks.push({ body, signature: String(req.headers['x-rtc-signature']) })
        res.writeHead(hooks.length === 1 ? 503 : 200, { 'content-type': 'text/plain' }).end('deno hears you')
      })
    })
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
    const server = await startServerProcess(denoEnv(database.url, { ADMIN_LOGINS: 'deno-admin', WEBHOOK_ALLOW_HOSTS: '127.0.0.1' }), 'deno')
    try {
      const admin = await signIn(server.url, 'deno-admin')
      const made = await (await admin.form('/admin/bots', { name: 'deno-bot', webhook_url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/` })).text()
      const [token, secret] = ['bot-token', 'bot-secret'].map((id) => new RegExp(`id="${id}"[^>]*value="([^"]+)"`).exec(made)![1]!)
      const slug = await admin.createRoom('Deno bots')
      const post = (auth: string | undefined) => fetch(`${server.url}/api/rooms/${slug}/messages`, {
        method: 'POST', body: JSON.stringify({ body: 'posted by a bot on deno' }),
        headers: { 'content-type': 'application/json', ...(auth ? { authorization: `Bearer ${auth}` } : {}) },
      })
      expect((await post(token)).status).toBe(403)
      await admin.form(`/rooms/${slug}/members`, { login: 'deno-bot' })
      expect((await post(undefined)).status).toBe(401)
      const posted = await post(token)
      expect(posted.status).toBe(201)
      expect(await posted.json()).toMatchObject({ id: expect.stringMatching(/^\d+$/), room: slug })

      await admin.post(slug, 'hello @deno-bot')
      const history = () => admin.send(`/rooms/${slug}/messages?after=0`, { headers: { 'hx-request': 'true' } }).then((r) => r.text())
      const start = Date.now()
      while (!(await history()).includes('deno hears you') && Date.now() - start < 15_000) await new Promise((r) => setTimeout(r, 100))
      const page = await history()
      expect(page).toContain('posted by a bot on deno')
      expect(page).toContain('deno hears you')
      expect(hooks).toHaveLength(2)
      expect(verifyWebhook(secret!, hooks[1]!.body, hooks[1]!.signature)).toBe(true)
    } finally {
      await server.stop()
      receiver.close()
    }
  })
})

describe('Deno with formatting, reactions and attachments', () => {
  let database: TestDatabase
  let dataDir: string
  beforeAll(async () => { database = await createTestDatabase(); dataDir = await mkdtemp(join(tmpdir(), 'rtc-deno-')) })
  afterAll(async () => { await database?.drop(); await rm(dataDir, { recursive: true, force: true }) })

  it('renders Markdown, streams a reaction, and stores an image with a sharp preview served inertly', async () => {
    const server = await startServerProcess(denoEnv(database.url, { DATA_DIR: dataDir }), 'deno')
    try {
      const jo = await signIn(server.url, 'jo')
      const slug = await jo.createRoom('Deno files')
      const sent = await jo.post(slug, '**bold** [x](javascript:alert(1)) <b>raw</b>')
      expect(sent.html).toContain('<strong>bold</strong> [x](javascript:alert(1)) &lt;b&gt;raw&lt;/b&gt;')
      const s = await jo.socket(slug, sent.id)
      const reacted = await jo.form(`/rooms/${slug}/messages/${sent.id}/reactions`, { emoji: '👍' }, true)
      expect(reacted.status).toBe(200)
      await s.waitFor(() => s.frames.some((f) => f.includes('title="@jo"') && f.includes('👍 <span class="count">1</span>')), 'the reaction')
      await s.close()

      const png = await sharp({ create: { width: 1200, height: 600, channels: 3, background: '#48c' } }).png().toBuffer()
      const form = new FormData()
      form.set('body', 'a picture')
      form.set('nonce', crypto.randomUUID())
      form.append('file', new File([new Uint8Array(png)], 'pic.png', { type: 'image/png' }))
      const res = await jo.send(`/rooms/${slug}/messages`, { method: 'POST', body: form, headers: { 'hx-request': 'true' } })
      const html = await res.text()
      const file = /href="(\/rooms\/[^"]+\/files\/[0-9a-f]{64})"/.exec(html)![1]
      expect(html).toContain(`${file}/preview`)
      const preview = await jo.send(`${file}/preview`)
      expect(preview.headers.get('content-type')).toBe('image/webp')
      expect(preview.headers.get('content-security-policy')).toBe('sandbox')
      expect((await sharp(new Uint8Array(await preview.arrayBuffer())).metadata()).width).toBe(800)
      expect(new Uint8Array(await (await jo.send(file!)).arrayBuffer())).toEqual(new Uint8Array(png))

      // The room's export: a Markdown transcript, and a zip with the file in it (client-zip's streams under Deno).
      const md = await (await jo.send(`/rooms/${slug}/export?format=md&tz=Europe/Paris`)).text()
      expect(md).toContain('Times are in Europe/Paris.')
      expect(md).toContain('**bold** [x](javascript:alert(1)) <b>raw</b>')
      const zipped = await jo.send(`/rooms/${slug}/export?format=json&files=1`)
      expect(zipped.headers.get('content-type')).toBe('application/zip')
      const zip = unzipSync(new Uint8Array(await zipped.arrayBuffer()))
      const inZip = Object.entries(zip).find(([name]) => name.endsWith('-pic.png'))
      expect(inZip?.[1]).toEqual(new Uint8Array(png))
    } finally {
      await server.stop()
    }
  })

  it('attaches a link preview after the send, live on the socket, its image re-encoded and served from the app; a redirect to a private address gets none', async () => {
    const site = await standInSite()
    const server = await startServerProcess(denoEnv(database.url, { DATA_DIR: dataDir, LINK_PREVIEW_ALLOW_LOOPBACK: 'true' }), 'deno')
    try {
      const lu = await signIn(server.url, 'lu')
      const slug = await lu.createRoom('Deno links')
      const refused = await lu.post(slug, `${site.base}/to-private`)
      const s = await lu.socket(slug, refused.id)
      const sent = await lu.post(slug, `read ${site.base}/article`)
      expect(sent.html).not.toContain('link-preview')
      await s.waitFor(() => s.frames.some((f) => f.includes(`id="m-${sent.id}"`) && f.includes('A &amp; B: the &lt;real&gt; story')), 'the card')
      await s.close()
      const image = await lu.send(`/rooms/${slug}/messages/${sent.id}/preview/image`)
      expect(image.headers.get('content-type')).toBe('image/webp')
      expect((await sharp(new Uint8Array(await image.arrayBuffer())).metadata()).width).toBe(400)
      // The stand-in answered the first link with a redirect to 10.0.0.1, which the guard refuses: that message never gets a card.
      expect(site.asked).toContain('/to-private')
      const first = await (await lu.send(`/rooms/${slug}/messages/${refused.id}`, { headers: { 'hx-request': 'true' } })).text()
      expect(first).not.toContain('link-preview')
    } finally {
      await server.stop()
      await site.close()
    }
  })

  it('saves a profile with a picture re-encoded by sharp (square WebP, no EXIF), shows the card, and sends with the new name', async () => {
    const server = await startServerProcess(denoEnv(database.url, { DATA_DIR: dataDir }), 'deno')
    try {
      const pat = await signIn(server.url, 'pat')
      const quin = await signIn(server.url, 'quin')
      const slug = await pat.createRoom('Deno faces')
      expect((await pat.post(slug, 'before')).html).toContain('<bdi>pat</bdi>')
      const jpeg = await sharp({ create: { width: 500, height: 300, channels: 3, background: '#a53' } })
        .jpeg().withExif({ IFD0: { Make: 'PhoneCo' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 24/1' } }).toBuffer()
      const form = new FormData()
      form.set('display_name', 'Pat on Deno')
      form.set('bio', 'Runs <everywhere>.')
      form.set('time_zone', 'America/Chicago')
      form.append('avatar', new File([new Uint8Array(jpeg)], 'me.jpg', { type: 'image/jpeg' }))
      const saved = await pat.send('/profile', { method: 'POST', body: form })
      expect(saved.status).toBe(303)
      expect(saved.headers.get('location')).toBe('/profile?saved')
      const refused = new FormData()
      refused.set('display_name', 'x'.repeat(65))
      refused.set('bio', 'kept as typed')
      expect((await pat.send('/profile', { method: 'POST', body: refused })).status).toBe(422)

      const card = await (await quin.send('/users/pat')).text()
      expect(card).toContain('<h1 id="profile-name"><bdi>Pat on Deno</bdi></h1>')
      expect(card).toContain('Runs &lt;everywhere&gt;.')
      expect(card).toContain('(America/Chicago)')
      const src = /<img class="big-face" src="(\/avatars\/-\d+\/[0-9a-f]{64}\.webp)"/.exec(card)![1]!
      const image = await quin.send(src)
      expect(image.headers.get('content-type')).toBe('image/webp')
      const meta = await sharp(new Uint8Array(await image.arrayBuffer())).metadata()
      expect(meta).toMatchObject({ width: 256, height: 256 })
      expect(meta.exif).toBeUndefined()
      expect((await quin.send('/users/nobody-here')).status).toBe(404)
      const after = await pat.post(slug, 'after')
      expect(after.html).toContain('<bdi>Pat on Deno</bdi>')
      expect(after.html).toContain(`<img class="face" src="${src}"`)
    } finally {
      await server.stop()
    }
  })

  it('reads a multipart send as it streams: the 11th of 140,000 empty file parts is refused before the rest is sent, a body past the limit as it comes', async () => {
    const server = await startServerProcess(denoEnv(database.url, { DATA_DIR: dataDir }), 'deno')
    try {
      const kit = await signIn(server.url, 'kit')
      const slug = await kit.createRoom('Deno multipart')
      const held = await heldSend(server.url, `/rooms/${slug}/messages`, { cookie: kit.cookie, origin: ORIGIN, 'hx-request': 'true' }, emptyFileParts(), { waitMs: 20_000 })
      expect(held.status).toBe(422)
      expect(held.text).toBe('A message can carry at most 10 files; this one has more.')
      expect(held.written).toBeLessThan(held.length / 10)
      const endless = pulledBody((function* () {
        yield { name: 'nonce', value: 'n' }
        yield { name: 'file', filename: 'endless.bin', value: new Uint8Array(100 * 1024 * 1024) }
      })())
      const streamed = await kit.send(`/rooms/${slug}/messages`, { method: 'POST', body: endless.stream, headers: { 'content-type': MULTIPART_TYPE, 'hx-request': 'true' }, duplex: 'half' } as RequestInit)
      expect(streamed.status).toBe(413)
      expect(await streamed.text()).toBe('That upload is too large: files can be at most 10 MB in all.')
      // The server stopped reading at the limit: what was pulled beyond it sits in socket buffers.
      expect(endless.pulled()).toBeLessThan(40 * 1024 * 1024)
    } finally {
      await server.stop()
    }
  }, 60_000)
})

describe('Deno invites', () => {
  let database: TestDatabase
  beforeAll(async () => { database = await createTestDatabase() })
  afterAll(() => database?.drop())

  it('makes a room invite with its QR code, and lets a newcomer through invite-only sign-up into the room, once', async () => {
    const server = await startServerProcess(denoEnv(database.url, { ADMIN_LOGINS: 'deno-boss', SIGNUP: 'invite' }), 'deno')
    try {
      const boss = await signIn(server.url, 'deno-boss')
      const slug = await boss.createRoom('Deno invited', 'private')
      const made = await boss.form('/admin/invites', { room: slug, max_uses: '1', expires_in_hours: '24' })
      expect(made.status).toBe(200)
      const page = await made.text()
      expect(page).toContain('<svg')
      const path = new RegExp(`${ORIGIN}(/invite/[A-Za-z0-9_-]{43})`).exec(page)![1]!
      const at = (p: string, init: RequestInit = {}) => fetch(`${server.url}${p}`, { redirect: 'manual', ...init, headers: { origin: ORIGIN, ...init.headers } })

      const followed = await at(path)
      expect(followed.status).toBe(303)
      expect(followed.headers.get('location')).toBe('/login')
      const invite = followed.headers.getSetCookie().find((c) => c.startsWith('rtc_invite='))!.split(';')[0]!
      expect(await (await at('/login', { headers: { cookie: invite } })).text()).toContain('Deno invited')
      const joined = await at('/auth/local', { method: 'POST', body: new URLSearchParams({ login: 'deno-newcomer' }), headers: { cookie: invite } })
      expect(joined.status).toBe(303)
      expect(joined.headers.get('location')).toBe(`/rooms/${slug}`)
      const session = joined.headers.getSetCookie().find((c) => c.startsWith('rtc_session='))!.split(';')[0]!
      const room = await at(`/rooms/${slug}`, { headers: { cookie: session } })
      expect(room.status).toBe(200)
      expect(await room.text()).toContain('id="composer"')

      const stranger = await at('/auth/local', { method: 'POST', body: new URLSearchParams({ login: 'deno-stranger' }) })
      expect(stranger.status).toBe(403)
      expect(await stranger.text()).toContain('Sign-up needs an invite')
      const usedUp = await at(path)
      expect(usedUp.status).toBe(410)
      expect(await usedUp.text()).toContain('used up')
    } finally {
      await server.stop()
    }
  })
})

describe('Deno Slack import', () => {
  let database: TestDatabase
  let dataDir: string
  beforeAll(async () => {
    database = await createTestDatabase()
    dataDir = await mkdtemp(join(tmpdir(), 'rtc-deno-slack-'))
  })
  afterAll(async () => {
    await database?.drop()
    await rm(dataDir, { recursive: true, force: true })
  })

  it('imports an uploaded export in the background (yauzl, emojibase-data) and shows it done on /admin/import', async () => {
    const server = await startServerProcess(denoEnv(database.url, { ADMIN_LOGINS: 'deno-admin', DATA_DIR: dataDir }), 'deno')
    try {
      const admin = await signIn(server.url, 'deno-admin')
      const zip = slackZip({
        users: [{ id: 'U1', name: 'deno-admin' }, { id: 'U2', name: 'deno.friend' }],
        channels: [{ id: 'C1', name: 'deno-general', creator: 'U1', members: ['U1', 'U2'] }],
        days: {
          'deno-general/2021-06-01.json': [
            { type: 'message', user: 'U2', text: 'hello <@U1> :wave:', ts: tsOf('2021-06-01T08:00:00Z'), reactions: [{ name: 'tada', users: ['U1'], count: 1 }] },
            { type: 'message', user: 'U1', text: 'hi *there*', ts: tsOf('2021-06-01T08:01:00Z'), thread_ts: tsOf('2021-06-01T08:00:00Z') },
          ],
        },
      })
      const form = new FormData()
      form.set('archive', new File([zip as Uint8Array<ArrayBuffer>], 'deno.zip', { type: 'application/zip' }))
      expect((await admin.send('/admin/import', { method: 'POST', body: form })).status).toBe(303)
      let status = ''
      const start = Date.now()
      while (!status.includes('<h2>Imported') && Date.now() - start < 30_000) {
        status = await (await admin.send('/admin/import/status')).text()
        await new Promise((r) => setTimeout(r, 100))
      }
      expect(status).toMatch(/<strong>2<\/strong> messages imported, 1 of them a reply in threads/)
      expect(status).toMatch(/<strong>1<\/strong> reaction\b/)
      const history = await (await admin.send('/rooms/deno-general/messages?after=0', { headers: { 'hx-request': 'true' } })).text()
      expect(history).toContain('hello @deno-admin 👋')
      expect(history).toContain('<strong>there</strong>')
      expect(history).toContain('🎉')
    } finally {
      await server.stop()
    }
  })
})

describe('Deno OpenID Connect sign-in', () => {
  let database: TestDatabase
  beforeAll(async () => { database = await createTestDatabase() })
  afterAll(() => database?.drop())

  it('signs in through oidc-provider, refuses a replayed callback and an ID token tampered with in transit', async () => {
    const client = { client_id: 'rtc-deno', client_secret: 'rtc-deno-secret-0123456789', redirect_uris: [`${ORIGIN}/auth/oidc/callback`] }
    // The app reaches the provider only through a man in the middle, who tampers when told to.
    const proxy = await tamperingProxy()
    const op = await startTestProvider([client], { issuer: proxy.url })
    proxy.forwardTo(op.address)
    const server = await startServerProcess(denoEnv(database.url, {
      LOCAL_LOGIN: 'false', OIDC_ISSUER: op.issuer, OIDC_CLIENT_ID: client.client_id, OIDC_CLIENT_SECRET: client.client_secret, OIDC_ALLOW_HTTP_LOOPBACK: 'true',
    }), 'deno')
    const get = (path: string, cookie = '') => fetch(`${server.url}${path}`, { redirect: 'manual', headers: { cookie } })
    const cookieOf = (res: Response, name: string) => res.headers.getSetCookie().find((c) => c.startsWith(`${name}=`))?.split(';')[0] ?? ''
    /** The app's start, the provider's interaction, and the callback path the provider sends the browser back to. */
    const authorize = async () => {
      const start = await get('/auth/oidc')
      expect(start.status).toBe(302)
      const back = new URL(await throughProvider(start.headers.get('location')!, client.redirect_uris[0]!))
      return { cookie: cookieOf(start, 'rtc_oidc'), callback: back.pathname + back.search }
    }
    try {
      op.signInNext({ sub: 'deno-sub-1', preferred_username: 'dina', name: 'Dina on Deno' })
      const { cookie, callback } = await authorize()
      const res = await get(callback, cookie)
      expect(res.status).toBe(303)
      const session = cookieOf(res, 'rtc_session')
      expect(session).not.toBe('')
      expect(await (await get('/', session)).text()).toContain('Dina on Deno')
      expect((await get(callback, cookie)).status).toBe(400)

      proxy.state.tampering = true
      op.signInNext({ sub: 'deno-sub-2', preferred_username: 'mallory' })
      const tampered = await authorize()
      const refused = await get(tampered.callback, tampered.cookie)
      expect(proxy.state.tampered).toBe(1)
      expect(refused.status).toBe(401)
      expect(cookieOf(refused, 'rtc_session')).toBe('')
      const sql = postgres(database.url, { max: 1, onnotice: () => {} })
      const linked = await sql<{ login: string }[]>`SELECT u.login FROM oidc_identities i JOIN users u ON u.id = i.user_id ORDER BY u.login`.finally(() => sql.end())
      expect(linked.map((u) => u.login)).toEqual(['dina'])
    } finally {
      await server.stop()
      await op.close()
      await proxy.close()
    }
  }, 90_000)
})
