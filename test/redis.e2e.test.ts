import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signIn, startChatServer, type Person } from './support/chat.ts'
import { createTestDatabase, type TestDatabase } from './support/postgres.ts'
import { killClients, privateRedis, REDIS_URL, testRedisPrefix } from './support/redis.ts'

type Server = Awaited<ReturnType<typeof startChatServer>>

let database: TestDatabase
let redis: Awaited<ReturnType<typeof testRedisPrefix>>
let a: Server
let b: Server
const instance = (id: number) => startChatServer({ DATABASE_URL: database.url, REDIS_URL, REDIS_PREFIX: redis.prefix, INSTANCE_ID: String(id), ADMIN_LOGINS: 'root' })

beforeAll(async () => {
  redis = await testRedisPrefix()
  database = await createTestDatabase()
  a = await instance(1)
  b = await instance(2)
})
afterAll(async () => {
  await Promise.all([a?.close(), b?.close()])
  await database?.drop()
  await redis?.cleanup()
})

/** The same person signed in once, talking to either instance with the one session. */
async function onBoth(login: string): Promise<[Person, Person]> {
  const onA = await signIn(a.url, login)
  const onB = await signIn(b.url, login)
  return [onA, { ...onB, cookie: onA.cookie, send: (path, init = {}) => fetch(`${b.url}${path}`, { redirect: 'manual', ...init, headers: { cookie: onA.cookie, origin: 'http://localhost:8080', ...init.headers } }) } as Person]
}

describe('two instances behind one Redis', () => {
  it('says at start-up that Redis serves the bus, cache and presence', () => {
    const started = a.logs.lines.find((l) => l.includes('"msg":"rtc started"'))!
    expect(JSON.parse(started).backends).toMatchObject({ bus: 'redis', cache: 'redis', presence: 'redis' })
  })

  it('delivers a message posted on A to a socket on B once and in order', async () => {
    const alice = await signIn(a.url, 'alice')
    const bob = await signIn(b.url, 'bob')
    const slug = await alice.createRoom('Across')
    await bob.form(`/rooms/${slug}/join`, {})
    const onB = await bob.socket(slug)
    const posted: string[] = []
    for (let i = 0; i < 50; i++) posted.push((await alice.post(slug, `across ${i}`)).id!)
    await onB.waitFor(() => onB.createdIds().length >= 50, '50 messages on B')
    await new Promise((r) => setTimeout(r, 200))
    expect(onB.createdIds()).toEqual(posted)
    await onB.close()
  })

  it('takes a removal, an archive, a rename and a sign-out made on A at once on B, though B answers lookups from memory', async () => {
    const owner = await signIn(a.url, 'owner')
    const root = await signIn(a.url, 'root')
    const [carolOnA, carolOnB] = await onBoth('carol')
    const slug = await owner.createRoom('Remembered', 'private')
    expect((await owner.form(`/rooms/${slug}/members`, { login: 'carol' })).status).toBe(303)
    await root.form(`/rooms/${slug}/join`, {}).catch(() => {})
    // B now remembers carol's session, the room and her membership.
    for (let i = 0; i < 3; i++) expect((await carolOnB.send(`/rooms/${slug}`)).status).toBe(200)
    const postOnB = (body: string) => carolOnB.send(`/rooms/${slug}/messages`, { method: 'POST', body: new URLSearchParams({ body, nonce: crypto.randomUUID() }) })
    expect((await postOnB('before')).status).toBe(303)

    expect((await owner.form(`/rooms/${slug}/name`, { name: 'Renamed' })).status).toBe(303)
    expect(await (await carolOnB.send(`/rooms/${slug}`)).text()).toContain('Renamed')
    expect((await root.form(`/rooms/${slug}/archive`, {})).status).toBe(303)
    expect((await postOnB('while archived')).status).toBe(403)
    expect((await root.form(`/rooms/${slug}/unarchive`, {})).status).toBe(303)
    expect((await postOnB('after')).status).toBe(303)

    expect((await owner.form(`/rooms/${slug}/members/carol/delete`, {})).status).toBe(303)
    expect((await postOnB('removed')).status).toBe(404)
    expect((await carolOnB.send(`/rooms/${slug}`)).status).toBe(404)

    expect((await carolOnA.form('/logout', {})).status).toBe(303)
    expect((await carolOnB.send('/')).headers.get('location')).toBe('/login')
  })

  it('loses nothing for B when its Redis connection is killed mid-stream', async () => {
    const alice = await signIn(a.url, 'alice')
    const bob = await signIn(b.url, 'bob')
    const slug = await alice.createRoom('Killed')
    await bob.form(`/rooms/${slug}/join`, {})
    const onB = await bob.socket(slug)
    const posted: string[] = []
    for (let i = 0; i < 20; i++) posted.push((await alice.post(slug, `before ${i}`)).id!)
    expect(await killClients(redis.admin, `rtc-2@${redis.prefix}-commands`)).toBe(1)
    expect(await killClients(redis.admin, `rtc-2@${redis.prefix}-subscriber`)).toBe(1)
    // Posted while B is away from Redis: their wake-ups are lost, and nothing is posted after them.
    for (let i = 0; i < 10; i++) posted.push((await alice.post(slug, `while away ${i}`)).id!)
    await onB.waitFor(() => onB.createdIds().length >= 30, 'all 30 messages on B', 15_000)
    await new Promise((r) => setTimeout(r, 300))
    expect(onB.createdIds()).toEqual(posted)
    await onB.close()
  })

  it('closes a removed member\'s sockets at once on both instances', async () => {
    const alice = await signIn(a.url, 'alice')
    const [bobOnA, bobOnB] = await onBoth('bob')
    const slug = await alice.createRoom('Kicked', 'private')
    await alice.form(`/rooms/${slug}/members`, { login: 'bob' })
    const sockets = [await bobOnA.socket(slug), await bobOnB.socket(slug)]
    expect((await bobOnB.send(`/rooms/${slug}`)).status).toBe(200)
    await bobOnA.form(`/rooms/${slug}/leave`, {})
    for (const s of sockets) expect((await s.closed).code).toBe(1008)
    expect((await bobOnB.send(`/rooms/${slug}`)).status).toBe(404)
    await alice.post(slug, 'bob is gone')
    for (const s of sockets) expect(s.createdIds()).toEqual([])
  })

  it('ends a session on both instances when it signs out on one', async () => {
    const [onA, onB] = await onBoth('carol')
    expect((await onB.send('/')).status).toBe(200)
    await onA.form('/logout', {})
    expect((await onB.send('/')).status).toBe(303)
  })

  it('serves repeated session and membership lookups from memory and pages from the cache, and reports their hit rates', async () => {
    const reporting = await startChatServer(
      { DATABASE_URL: database.url, REDIS_URL, REDIS_PREFIX: redis.prefix, INSTANCE_ID: '4' }, { cacheReportMs: 300 })
    try {
      const dave = await signIn(reporting.url, 'dave')
      const slug = await dave.createRoom('Cached')
      for (let i = 0; i < 5; i++) expect((await dave.send(`/rooms/${slug}`)).status).toBe(200)
      await new Promise((r) => setTimeout(r, 700))
      // The five page loads may fall into more than one report: count over all of them.
      const reports = reporting.logs.lines.filter((l) => l.includes('"msg":"cache stats"')).map((l) => JSON.parse(l))
      const total = (kind: string, field: 'hits' | 'misses') => reports.reduce((n, r) => n + r[kind][field], 0)
      expect(reports.every((r) => r.cache === 'redis')).toBe(true)
      // Each page load looks up its session, user, room and membership: after the first, from this process's memory.
      expect(total('local', 'hits') / (total('local', 'hits') + total('local', 'misses'))).toBeGreaterThanOrEqual(0.6)
      expect(total('session', 'hits') + total('session', 'misses')).toBeLessThanOrEqual(2)
      expect(total('page', 'hits')).toBeGreaterThanOrEqual(4)
    } finally {
      await reporting.close()
    }
  })
})

describe('an instance whose Redis is down', () => {
  it('still sends, delivers locally, takes typing notices and lets members leave, and says unavailable on /readyz (details only in the log)', async () => {
    const lonely = await startChatServer({ DATABASE_URL: database.url, REDIS_URL: 'redis://127.0.0.1:1', REDIS_PREFIX: redis.prefix, INSTANCE_ID: '3' })
    try {
      const erin = await signIn(lonely.url, 'erin')
      const slug = await erin.createRoom('Offline Redis')
      const s = await erin.socket(slug)
      const sent = await erin.post(slug, 'still here')
      expect(sent.status).toBe(200)
      await s.waitFor(() => s.createdIds().includes(sent.id!), 'the local delivery')
      const ready = await fetch(`${lonely.url}/readyz`)
      expect(ready.status).toBe(503)
      const readiness = await ready.json()
      expect(readiness).toEqual({ status: 'unavailable', backends: { database: { backend: 'postgres', status: 'up' }, redis: { backend: 'redis', status: 'down' } } })
      expect(lonely.logs.text()).toMatch(/"msg":"readiness check failed"/)
      expect(lonely.logs.text()).toContain('redis unreachable')
      expect((await erin.form(`/rooms/${slug}/typing`, {})).status).toBe(204)
      expect((await erin.form(`/rooms/${slug}/leave`, {})).status).toBe(303)
      expect((await s.closed).code).toBe(1008)
    } finally {
      await lonely.close()
    }
  })
})

describe('instances whose Redis hangs', () => {
  it('keep sending and delivering while Redis does not answer, say so, and catch up across instances when it does', async () => {
    const own = await privateRedis()
    const stuck = await startChatServer({ DATABASE_URL: database.url, REDIS_URL: own.url, REDIS_PREFIX: redis.prefix, INSTANCE_ID: '4' })
    const other = await startChatServer({ DATABASE_URL: database.url, REDIS_URL: own.url, REDIS_PREFIX: redis.prefix, INSTANCE_ID: '5' })
    try {
      const gus = await signIn(stuck.url, 'gus')
      const slug = await gus.createRoom('Hung Redis')
      const hal = await signIn(other.url, 'hal')
      await hal.form(`/rooms/${slug}/join`, {})
      const s = await gus.socket(slug)
      const far = await hal.socket(slug)
      own.child.kill('SIGSTOP')
      const sent: string[] = []
      for (let i = 0; i < 5; i++) {
        const res = await gus.post(slug, `while hung ${i}`)
        expect(res.status).toBe(200)
        sent.push(res.id!)
      }
      await s.waitFor(() => sent.every((id) => s.createdIds().includes(id)), 'local deliveries while Redis hangs')
      expect(stuck.logs.text()).toContain('redis does not answer')
      own.child.kill('SIGCONT')
      // Nothing more is sent: the other instance learns of the five from catching up, not from a later wake-up.
      await far.waitFor(() => sent.every((id) => far.createdIds().includes(id)), 'the other instance catching up once Redis answers', 20_000)
      await waitUntil(async () => (await fetch(`${stuck.url}/readyz`)).status === 200, 'ready again once Redis answers')
      const after = await gus.post(slug, 'after')
      await s.waitFor(() => s.createdIds().includes(after.id!), 'delivery after Redis returned')
      await far.waitFor(() => far.createdIds().includes(after.id!), 'delivery on the other instance after Redis returned')
      expect(s.createdIds()).toEqual([...sent, after.id])
      expect(far.createdIds()).toEqual([...sent, after.id])
    } finally {
      await Promise.all([stuck.close(), other.close()])
      await own.stop()
    }
  })
})

async function waitUntil(check: () => Promise<boolean>, what: string, ms = 15_000) {
  const start = Date.now()
  while (!(await check())) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting until ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

describe('presence and typing across instances', () => {
  it('shows a member online while they have a socket on any instance, and when they were last seen after', async () => {
    const alice = await signIn(a.url, 'alice')
    const frank = await signIn(b.url, 'frank')
    const slug = await alice.createRoom('Presence')
    await frank.form(`/rooms/${slug}/join`, {})
    const watcher = await alice.socket(slug)
    const membersFrames = () => watcher.frames.filter((f) => f.startsWith('<ul id="members"'))
    const franksLine = (frame: string) => /<li class="(online|offline)">(?:(?!<\/li>).)*@frank/s.exec(frame)?.[1]

    const onB = await frank.socket(slug)
    await watcher.waitFor(() => membersFrames().some((f) => franksLine(f) === 'online'), 'frank online')
    expect(await (await alice.send(`/rooms/${slug}`)).text()).toMatch(/<li class="online">(?:(?!<\/li>).)*@frank/s)

    await onB.close()
    await watcher.waitFor(() => franksLine(membersFrames().at(-1) ?? '') === 'offline', 'frank offline')
    expect(membersFrames().at(-1)).toMatch(/@frank<\/span> <span class="presence">last seen <time class="ago"/)
    const sql = postgres(database.url, { max: 1 })
    const [row] = await sql`SELECT last_seen_at FROM users WHERE login = 'frank'`
    await sql.end()
    expect(row?.last_seen_at).toBeInstanceOf(Date)
    await watcher.close()
  })

  it('tells the others someone is typing, rate-limits the notices, and clears them when the message arrives', async () => {
    const alice = await signIn(a.url, 'alice')
    const gina = await signIn(b.url, 'gina')
    const slug = await alice.createRoom('Typing')
    await gina.form(`/rooms/${slug}/join`, {})
    const onB = await gina.socket(slug)
    const onA = await alice.socket(slug)
    expect((await alice.form(`/rooms/${slug}/typing`, {})).status).toBe(204)
    expect((await alice.form(`/rooms/${slug}/typing`, {})).status).toBe(429)
    await onB.waitFor(() => onB.frames.some((f) => f.includes('alice is typing…')), 'the typing notice on B')
    expect(onA.frames.some((f) => f.includes('is typing'))).toBe(false)
    expect((await carolOutside(slug)).status).toBe(403)
    await alice.post(slug, 'done typing')
    // The last typing frame clears it (a sidebar frame of the user's own stream may come after it).
    const typingFrames = () => onB.frames.filter((f) => f.startsWith('<p id="typing"'))
    await onB.waitFor(() => typingFrames().length > 1 && typingFrames().at(-1) === '<p id="typing" class="typing" aria-live="off" hx-swap-oob="true"></p>', 'the notice cleared')
    await Promise.all([onA.close(), onB.close()])
  })
})

async function carolOutside(slug: string) {
  const carol = await signIn(a.url, 'carol-outside')
  return carol.form(`/rooms/${slug}/typing`, {})
}
