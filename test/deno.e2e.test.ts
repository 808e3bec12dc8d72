import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import cassandra from 'cassandra-driver'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chatScenarios } from './contract/chatScenarios.ts'
import { CASSANDRA_CONTACT_POINTS } from './support/cassandra.ts'
import { ORIGIN, signIn } from './support/chat.ts'
import { createTestDatabase, type TestDatabase } from './support/postgres.ts'
import { startServerProcess } from './support/process.ts'
import { REDIS_URL, testRedisPrefix } from './support/redis.ts'

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

describe('Deno abuse controls', () => {
  let database: TestDatabase
  beforeAll(async () => { database = await createTestDatabase() })
  afterAll(() => database?.drop())

  it('closes a socket with 4401 when its session signs out, and refuses over-limit rooms and sockets', async () => {
    const server = await startServerProcess(denoEnv(database.url, { RATE_LIMITS: 'on', RATE_LIMIT_ROOMS: '1/10m', RATE_LIMIT_SOCKETS: '2/1m' }), 'deno')
    try {
      const ida = await signIn(server.url, 'ida')
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
    } finally {
      await server.stop()
    }
  })
})
