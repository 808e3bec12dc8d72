import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase } from '../src/store/postgres/connect.ts'
import { migrate } from '../src/store/postgres/migrate.ts'
import { migrations } from '../src/store/postgres/migrations.ts'
import { postgresReadState } from '../src/store/postgres/readState.ts'
import { postgresRooms } from '../src/store/postgres/rooms.ts'
import { postgresSessions } from '../src/store/postgres/sessions.ts'
import { postgresUsers } from '../src/store/postgres/users.ts'
import { databaseBackends, type OpenedDatabase } from './support/databases.ts'

const HOUR = 3600_000

describe.each(databaseBackends)('Postgres repositories on %s', (_name, open) => {
  let opened: OpenedDatabase
  let users: ReturnType<typeof postgresUsers>
  let sessions: ReturnType<typeof postgresSessions>
  let nextId = 1000
  const githubId = () => ++nextId

  beforeAll(async () => {
    opened = await open()
    users = postgresUsers(opened.db.sql)
    sessions = postgresSessions(opened.db.sql)
  })
  afterAll(() => opened?.cleanup())

  it('applies each migration exactly once when two instances start together on a fresh database', async () => {
    const fresh = await open({ migrated: false })
    const second = fresh.url ? await openDatabase({ url: fresh.url, dataDir: '' }) : fresh.db
    try {
      const runs = await Promise.all([migrate(fresh.db.sql), migrate(second.sql)])
      expect(runs.flat()).toEqual(migrations.map((m) => m.version))
      const rows = await fresh.db.sql`SELECT version FROM schema_migrations ORDER BY version`
      expect(rows.map((r) => r.version)).toEqual(migrations.map((m) => m.version))
      expect(await migrate(second.sql)).toEqual([])
    } finally {
      if (second !== fresh.db) await second.close()
      await fresh.cleanup()
    }
  })

  it('creates a GitHub user keyed by id and updates name and avatar on the next sign-in', async () => {
    const id = githubId()
    await users.upsertGithubUser({ id, login: 'octo', name: 'Octo Cat', avatarUrl: 'https://avatars.githubusercontent.com/u/1' })
    const again = await users.upsertGithubUser({ id, login: 'octo', name: 'Octo Renamed', avatarUrl: 'https://avatars.githubusercontent.com/u/2' })
    expect(again).toEqual({ id, login: 'octo', name: 'Octo Renamed', avatarUrl: 'https://avatars.githubusercontent.com/u/2' })
    expect(await users.findUserById(id)).toEqual(again)
    expect(await users.findUserByLogin('OCTO')).toEqual(again)
  })

  it('moves a login to its new owner when a GitHub account was renamed and the name reused', async () => {
    const first = githubId()
    const second = githubId()
    await users.upsertGithubUser({ id: first, login: 'reused', name: null, avatarUrl: null })
    await users.upsertGithubUser({ id: second, login: 'reused', name: null, avatarUrl: null })
    expect((await users.findUserByLogin('reused'))?.id).toBe(second)
    expect((await users.findUserById(first))?.login).not.toBe('reused')
  })

  it('gives local users negative ids and the same user for the same login', async () => {
    const a = await users.upsertLocalUser('localperson')
    const b = await users.upsertLocalUser('LocalPerson')
    expect(a.id).toBeLessThan(0)
    expect(b.id).toBe(a.id)
  })

  it('refuses a local sign-in under a GitHub user\'s login', async () => {
    await users.upsertGithubUser({ id: githubId(), login: 'realperson', name: null, avatarUrl: null })
    await expect(users.upsertLocalUser('realperson')).rejects.toMatchObject({ code: 'LOGIN_TAKEN' })
  })

  it('finds a live session by its hash, not after it expires or ends', async () => {
    const user = await users.upsertLocalUser('sessionuser')
    const now = new Date()
    await sessions.createSession('hash-live', user.id, new Date(now.getTime() + HOUR))
    await sessions.createSession('hash-old', user.id, new Date(now.getTime() - HOUR))
    expect((await sessions.findSession('hash-live', now))?.user).toEqual(user)
    expect(await sessions.findSession('hash-old', now)).toBeUndefined()
    expect(await sessions.findSession('hash-unknown', now)).toBeUndefined()

    const later = new Date(now.getTime() + 5 * HOUR)
    await sessions.renewSession('hash-live', later)
    expect((await sessions.findSession('hash-live', new Date(now.getTime() + 2 * HOUR)))?.expiresAt.getTime()).toBe(later.getTime())

    expect(await sessions.deleteExpiredSessions(now)).toBeGreaterThanOrEqual(1)
    await sessions.deleteSession('hash-live')
    expect(await sessions.findSession('hash-live', now)).toBeUndefined()
  })

  it('gives each room a unique slug and makes its creator the first member', async () => {
    const rooms = postgresRooms(opened.db.sql)
    const owner = await users.upsertLocalUser('roomowner')
    const a = await rooms.createRoom({ name: 'General', slug: 'general', visibility: 'public', createdBy: owner.id })
    const b = await rooms.createRoom({ name: 'General!', slug: 'general', visibility: 'private', createdBy: owner.id })
    expect([a.slug, b.slug]).toEqual(['general', 'general-2'])
    expect(await rooms.isMember(b.id, owner.id)).toBe(true)
    expect((await rooms.findRoomBySlug('general-2'))?.visibility).toBe('private')
  })

  it('keeps one direct room per pair, whoever opens it', async () => {
    const rooms = postgresRooms(opened.db.sql)
    const [x, y, z] = [await users.upsertLocalUser('dmx'), await users.upsertLocalUser('dmy'), await users.upsertLocalUser('dmz')]
    const first = await rooms.directRoom(x, y)
    expect(await rooms.directRoom(y, x)).toEqual(first)
    expect((await rooms.directRoom(x, z)).id).not.toBe(first.id)
    expect((await rooms.listMembers(first.id)).map((u) => u.login)).toEqual(['dmx', 'dmy'])
    const mine = await rooms.roomsOf(x.id)
    expect(mine.find((r) => r.id === first.id)?.peer?.login).toBe('dmy')
  })

  it('lists a user\'s rooms by newest activity and the public rooms they have not joined', async () => {
    const rooms = postgresRooms(opened.db.sql)
    const [me, other] = [await users.upsertLocalUser('lister'), await users.upsertLocalUser('otherlister')]
    const quiet = await rooms.createRoom({ name: 'Quiet', slug: 'quiet', visibility: 'public', createdBy: me.id })
    const busy = await rooms.createRoom({ name: 'Busy', slug: 'busy', visibility: 'public', createdBy: me.id })
    const theirs = await rooms.createRoom({ name: 'Theirs', slug: 'theirs', visibility: 'public', createdBy: other.id })
    const hidden = await rooms.createRoom({ name: 'Hidden', slug: 'hidden', visibility: 'private', createdBy: other.id })
    await rooms.touchRooms([{ roomId: busy.id, at: new Date(Date.now() + 5000) }, { roomId: quiet.id, at: new Date(Date.now() + 1000) }])
    // Activity never moves back: a late, older touch leaves the busy room first.
    await rooms.touchRooms([{ roomId: busy.id, at: new Date() }])
    expect((await rooms.roomsOf(me.id)).map((r) => r.slug).slice(0, 2)).toEqual(['busy', 'quiet'])
    const joinable = (await rooms.publicRoomsToJoin(me.id, 50)).map((r) => r.id)
    expect(joinable).toContain(theirs.id)
    expect(joinable).not.toContain(hidden.id)
    expect(joinable).not.toContain(busy.id)
    expect(await rooms.addMember(theirs.id, me.id)).toBe(true)
    expect(await rooms.addMember(theirs.id, me.id)).toBe(false)
    expect((await rooms.publicRoomsToJoin(me.id, 50)).map((r) => r.id)).not.toContain(theirs.id)
    await rooms.removeMember(theirs.id, me.id)
    expect(await rooms.isMember(theirs.id, me.id)).toBe(false)
  })
  it('moves many read markers up in one statement, never back', async () => {
    const rooms = postgresRooms(opened.db.sql)
    const reads = postgresReadState(opened.db.sql)
    const [me, other] = [await users.upsertLocalUser('marker1'), await users.upsertLocalUser('marker2')]
    const [r1, r2] = [await rooms.createRoom({ name: 'M1', slug: 'm1', visibility: 'public', createdBy: me.id }), await rooms.createRoom({ name: 'M2', slug: 'm2', visibility: 'public', createdBy: me.id })]
    await reads.advance(me.id, r1.id, '50')
    await reads.advanceAll([{ userId: me.id, roomId: r1.id, id: '40' }, { userId: me.id, roomId: r2.id, id: '7' }, { userId: other.id, roomId: r1.id, id: '60' }])
    expect(Object.fromEntries(await reads.markers(me.id))).toEqual({ [r1.id]: '50', [r2.id]: '7' })
    expect(await reads.marker(other.id, r1.id)).toBe('60')
    await reads.advanceAll([])
  })
  it('tells which rooms have any of some users as members, in one query', async () => {
    const rooms = postgresRooms(opened.db.sql)
    const [a, b, c] = [await users.upsertLocalUser('anyof1'), await users.upsertLocalUser('anyof2'), await users.upsertLocalUser('anyof3')]
    const [r1, r2, r3] = [
      await rooms.createRoom({ name: 'Any 1', slug: 'any1', visibility: 'public', createdBy: a.id }),
      await rooms.createRoom({ name: 'Any 2', slug: 'any2', visibility: 'public', createdBy: b.id }),
      await rooms.createRoom({ name: 'Any 3', slug: 'any3', visibility: 'public', createdBy: c.id }),
    ]
    expect(await rooms.roomsWithAnyOf([r1.id, r2.id, r3.id], [a.id, b.id])).toEqual(new Set([r1.id, r2.id]))
    expect(await rooms.roomsWithAnyOf([r3.id], [a.id])).toEqual(new Set())
    expect(await rooms.roomsWithAnyOf([], [a.id])).toEqual(new Set())
  })

  it('leaves a room whose row a send holds for the next batch of activity, instead of waiting for it', async () => {
    const rooms = postgresRooms(opened.db.sql)
    const me = await users.upsertLocalUser('toucher')
    const [held, free] = [
      await rooms.createRoom({ name: 'Held', slug: 'held', visibility: 'public', createdBy: me.id }),
      await rooms.createRoom({ name: 'Free', slug: 'free', visibility: 'public', createdBy: me.id }),
    ]
    const at = new Date(Date.now() + 60_000)
    if (!opened.url) {
      // Embedded PGlite has one connection, so no send can hold a row while a batch runs: every room is touched.
      expect(await rooms.touchRooms([{ roomId: held.id, at }, { roomId: free.id, at }])).toEqual([])
      return
    }
    let release!: () => void
    const released = new Promise<void>((r) => { release = r })
    let locked!: () => void
    const isLocked = new Promise<void>((r) => { locked = r })
    const holder = opened.db.sql.begin(async (tx) => {
      await tx`SELECT 1 FROM rooms WHERE id = ${held.id} FOR UPDATE`
      locked()
      await released
    })
    await isLocked
    expect(await rooms.touchRooms([{ roomId: held.id, at }, { roomId: free.id, at }, { roomId: '999999999', at }])).toEqual([held.id])
    release()
    await holder
    expect(await rooms.touchRooms([{ roomId: held.id, at }])).toEqual([])
    const order = (await rooms.roomsOf(me.id)).map((r) => [r.slug, r.lastMessageAt?.getTime()])
    expect(order).toContainEqual(['held', at.getTime()])
    expect(order).toContainEqual(['free', at.getTime()])
  })
})
