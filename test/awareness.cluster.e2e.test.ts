import cassandra from 'cassandra-driver'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CASSANDRA_CONTACT_POINTS } from './support/cassandra.ts'
import { lastCount, ORIGIN, sidebarId, signIn, startChatServer } from './support/chat.ts'
import { createTestDatabase, type TestDatabase } from './support/postgres.ts'
import { REDIS_URL, testRedisPrefix } from './support/redis.ts'

// The user's own stream across two instances sharing PostgreSQL and Redis, with messages in Cassandra (issue 13).

type Server = Awaited<ReturnType<typeof startChatServer>>
const keyspace = `rtc_aw_${process.pid}_${Math.random().toString(36).slice(2, 8)}`
let database: TestDatabase
let redis: Awaited<ReturnType<typeof testRedisPrefix>>
let a: Server
let b: Server

beforeAll(async () => {
  redis = await testRedisPrefix()
  database = await createTestDatabase()
  const env = (id: number) => ({
    DATABASE_URL: database.url, REDIS_URL, REDIS_PREFIX: redis.prefix, INSTANCE_ID: String(id),
    CASSANDRA_CONTACT_POINTS: CASSANDRA_CONTACT_POINTS.join(','), CASSANDRA_KEYSPACE: keyspace,
  })
  a = await startChatServer(env(1))
  b = await startChatServer(env(2))
})
afterAll(async () => {
  await Promise.all([a?.close(), b?.close()])
  await database?.drop()
  await redis?.cleanup()
  const client = new cassandra.Client({ contactPoints: CASSANDRA_CONTACT_POINTS, localDataCenter: 'datacenter1' })
  await client.connect()
  await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`)
  await client.shutdown()
})

describe('awareness across two instances, messages in Cassandra', () => {
  it('counts a room\'s messages on a socket on B that reads another room, and a marker advanced on A clears it', async () => {
    const alice = await signIn(a.url, 'alice')
    const bobOnB = await signIn(b.url, 'bob')
    const reading = await alice.createRoom('Reading')
    const busy = await alice.createRoom('Busy')
    await bobOnB.form(`/rooms/${reading}/join`, {})
    await bobOnB.form(`/rooms/${busy}/join`, {})
    const page = await (await bobOnB.send(`/rooms/${reading}`)).text()
    const busyId = sidebarId(page, busy)

    const socket = await bobOnB.socket(reading)
    const ids: string[] = []
    for (let i = 0; i < 3; i++) ids.push((await alice.post(busy, i === 1 ? 'ping @bob' : `busy ${i}`)).id!)
    await socket.waitFor(() => lastCount(socket, busyId, 'data-unread') === 3, 'three unread in Busy on B')
    expect(lastCount(socket, busyId, 'data-mentions')).toBe(1)
    // Ids are Cassandra's dense positions here.
    expect(ids).toEqual(['1', '2', '3'])

    // Bob reads Busy through instance A (the same session): his socket on B hears of it through Redis.
    const read = await fetch(`${a.url}/rooms/${busy}/read`, {
      method: 'POST', body: new URLSearchParams({ id: ids[1]! }), headers: { cookie: bobOnB.cookie, origin: ORIGIN, accept: 'application/json' },
    })
    expect(await read.json()).toEqual({ marker: ids[1] })
    await socket.waitFor(() => lastCount(socket, busyId, 'data-unread') === 1, 'one unread left on B')
    expect(lastCount(socket, busyId, 'data-mentions')).toBe(0)
    // The room being read still streams exactly as before.
    const own = await alice.post(reading, 'in the open room')
    await socket.waitFor(() => socket.createdIds().includes(own.id!), 'the open room\'s message')
    expect(socket.createdIds()).toEqual([own.id])
    await socket.close()
  })

  it('takes a message deleted on A out of the unread and mention counts on B, live', async () => {
    const fran = await signIn(a.url, 'fran')
    const erin = await signIn(b.url, 'erin')
    const open = await fran.createRoom('Open here')
    const noisy = await fran.createRoom('Noisy')
    await erin.form(`/rooms/${open}/join`, {})
    await erin.form(`/rooms/${noisy}/join`, {})
    const page = await (await erin.send(`/rooms/${open}`)).text()
    const noisyId = sidebarId(page, noisy)
    const socket = await erin.socket(open)
    await fran.post(noisy, 'kept')
    const oops = await fran.post(noisy, 'wrong room, @erin')
    await socket.waitFor(() => lastCount(socket, noisyId, 'data-unread') === 2 && lastCount(socket, noisyId, 'data-mentions') === 1, 'two unread, one mention')
    const deleted = await fetch(`${a.url}/rooms/${noisy}/messages/${oops.id}/delete`, { method: 'POST', redirect: 'manual', headers: { cookie: fran.cookie, origin: ORIGIN } })
    expect(deleted.status).toBe(303)
    await socket.waitFor(() => lastCount(socket, noisyId, 'data-unread') === 1 && lastCount(socket, noisyId, 'data-mentions') === 0, 'the deleted one uncounted on B')
    await socket.close()
  })

  it('shows a new direct room on B when it is started on A, and takes a room away when the user leaves it elsewhere', async () => {
    const carl = await signIn(a.url, 'carl')
    const dana = await signIn(b.url, 'dana')
    const home = await dana.createRoom('Home')
    const other = await carl.createRoom('Other')
    await dana.form(`/rooms/${other}/join`, {})
    const socket = await dana.socket(home)
    await socket.waitFor(() => socket.frames.some((f) => f.startsWith('<div id="side-rooms"') && f.includes(`href="/rooms/${other}"`)), 'the list on open')
    const started = await carl.form('/direct-rooms', { login: 'dana' })
    const dm = started.headers.get('location')!
    await socket.waitFor(() => socket.frames.some((f) => f.startsWith('<div id="side-rooms"') && f.includes(`href="${dm}"`)), 'the direct room on B')
    const before = socket.frames.length
    await fetch(`${a.url}/rooms/${other}/leave`, { method: 'POST', redirect: 'manual', headers: { cookie: dana.cookie, origin: ORIGIN } })
    await socket.waitFor(() => socket.frames.slice(before).some((f) => f.startsWith('<div id="side-rooms"') && !f.includes(`href="/rooms/${other}"`)), 'Other gone on B')
    await socket.close()
  })
})
