import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { hashSessionToken } from '../src/auth/session.ts'
import { postgresInvites } from '../src/store/postgres/invites.ts'
import { postgresModeration } from '../src/store/postgres/moderation.ts'
import { postgresRooms } from '../src/store/postgres/rooms.ts'
import { postgresUsers } from '../src/store/postgres/users.ts'
import { inviteStoreContract } from './contract/inviteStore.ts'
import { appOn, browser } from './support/app.ts'
import { databaseBackends, type OpenedDatabase } from './support/databases.ts'
import { fakeGithub, type FakeGithubUser } from './support/github.ts'

for (const [name, open] of databaseBackends) {
  inviteStoreContract(name, async () => {
    const opened = await open()
    const users = postgresUsers(opened.db.sql)
    const rooms = postgresRooms(opened.db.sql)
    let n = 0
    return {
      store: postgresInvites(opened.db.sql),
      newUser: async (login) => (await users.upsertLocalUser(login)).id,
      newRoom: async (createdBy) => rooms.createRoom({ name: `Invited ${++n}`, slug: `invited-${n}`, visibility: 'private', createdBy }),
      deleteRoom: (id) => postgresModeration(opened.db.sql).deleteRoom(id),
      cleanup: () => opened.cleanup(),
    }
  })
}

const CLIENT_ID = 'Iv1.invites'
const CLIENT_SECRET = 'invites-client-secret-0123456789abcdef'
const ORIGIN = 'https://chat.example.test'
const ADMIN_ID = 5001
const ENV = { PUBLIC_URL: ORIGIN, HOST: '127.0.0.1', LOCAL_LOGIN: 'false', CLIENT_ID, CLIENT_SECRET, ADMIN_GITHUB_IDS: String(ADMIN_ID) }
const [, openPostgres] = databaseBackends[0]!
const HOUR = 3_600_000

let opened: OpenedDatabase
beforeAll(async () => { opened = await openPostgres() })
afterAll(() => opened?.cleanup())

describe('a held use on PostgreSQL', () => {
  it('makes a racer for the last use wait for the holder, then find none left', async () => {
    const users = postgresUsers(opened.db.sql)
    const store = postgresInvites(opened.db.sql)
    const owner = await users.upsertLocalUser('race-holder')
    const invite = await store.createInvite({ tokenHash: 'race-held', tokenPrefix: 'race', roomId: null, createdBy: owner.id, expiresAt: null, maxUses: 1 })
    let racer: Promise<boolean> | undefined
    let settledEarly = false
    await opened.db.sql.begin(async (tx) => {
      const [held] = await tx`UPDATE invites SET uses = uses + 1 WHERE id = ${invite.id} AND uses < max_uses RETURNING uses`
      expect(held).toBeDefined()
      // Another connection asks for the same last use while this transaction holds it.
      racer = store.claimInviteUse(invite.id, new Date())
      racer.then(() => { settledEarly = true }, () => {})
      await new Promise((r) => setTimeout(r, 300))
      expect(settledEarly).toBe(false)
    })
    expect(await racer).toBe(false)
    expect((await store.findInvite(invite.id))!.uses).toBe(1)
  })
})

type Browser = ReturnType<typeof browser>
let nextId = 7000
const person = (login: string): FakeGithubUser => ({ id: ++nextId, login, name: null, avatar_url: '' })

describe('invite links, end to end with the GitHub stand-in', () => {
  const github = fakeGithub(CLIENT_ID, CLIENT_SECRET)
  beforeEach(() => github.install())
  afterEach(() => github.uninstall())

  let clock = Date.now()
  const setup = (env: Record<string, string> = {}) => {
    const made = appOn(opened.db, { env: { ...ENV, ...env }, now: () => new Date(clock) })
    return { ...made, visitor: () => browser(made.app, ORIGIN) }
  }
  /** Through GitHub's authorize page and back, as the given person: the callback's answer. */
  const viaGithub = async (b: Browser, who: FakeGithubUser) => {
    const authorize = (await b.get('/auth/github')).headers.get('location')!
    github.setUser(who)
    const code = github.approve(authorize)
    return b.get(`/auth/github/callback?code=${code}&state=${new URL(authorize).searchParams.get('state')}`)
  }
  const signedIn = async (app: ReturnType<typeof setup>, who: FakeGithubUser) => {
    const b = app.visitor()
    expect((await viaGithub(b, who)).status).toBe(303)
    return b
  }
  const admin = (app: ReturnType<typeof setup>) => signedIn(app, { id: ADMIN_ID, login: 'inv-admin', name: 'The Admin', avatar_url: '' })
  /** POST /admin/invites and the link its page holds. */
  const createInvite = async (b: Browser, form: Record<string, string>) => {
    const res = await b.post('/admin/invites', form)
    const page = await res.text()
    const url = new RegExp(`${ORIGIN}/invite/([A-Za-z0-9_-]{43})`).exec(page)
    return { res, page, url: url?.[0], path: url ? `/invite/${url[1]}` : undefined, token: url?.[1] }
  }
  const storedInvite = async (token: string) => (await postgresInvites(opened.db.sql).findInviteByTokenHash(await hashSessionToken(token)))!
  const users = () => postgresUsers(opened.db.sql)
  const member = async (slug: string, userId: number) => {
    const rooms = postgresRooms(opened.db.sql)
    return rooms.isMember((await rooms.findRoomBySlug(slug))!.id, userId)
  }

  it('takes a new person through sign-in into the room of the invite they followed, as a member, for one use', async () => {
    const app = setup()
    const boss = await admin(app)
    await boss.post('/rooms', { name: 'Family', visibility: 'private' })
    const made = await createInvite(boss, { room: 'family', max_uses: '3', expires_in_hours: '24' })
    expect(made.res.status).toBe(200)
    expect(made.res.headers.get('cache-control')).toBe('no-store')
    expect(made.page).toContain('<svg')
    expect(made.page).toContain('Family')
    const stored = await storedInvite(made.token!)
    expect(stored).toMatchObject({ uses: 0, maxUses: 3, room: { slug: 'family' } })
    // Only the hash is kept.
    const [row] = await opened.db.sql`SELECT token_hash FROM invites WHERE id = ${stored.id}`
    expect(row!.token_hash).toBe(await hashSessionToken(made.token!))
    const everything = await opened.db.sql<{ r: string }[]>`SELECT row_to_json(i)::text AS r FROM invites i`
    expect(everything.map((x) => x.r).join('\n')).not.toContain(made.token!)

    const gus = person('gus')
    const newcomer = app.visitor()
    const followed = await newcomer.get(made.path!)
    expect(followed.status).toBe(303)
    expect(followed.headers.get('location')).toBe('/login')
    const login = await (await newcomer.get('/login')).text()
    expect(login).toContain('You are invited to the room')
    expect(login).toContain('Family')
    const landed = await viaGithub(newcomer, gus)
    expect(landed.status).toBe(303)
    expect(landed.headers.get('location')).toBe('/rooms/family')
    expect(newcomer.jar.has('__Host-rtc_invite')).toBe(false)
    expect(await member('family', gus.id)).toBe(true)
    const room = await (await newcomer.get('/rooms/family')).text()
    expect(room).toContain('id="composer"')
    expect((await storedInvite(made.token!)).uses).toBe(1)

    // Following it again as a member lands in the room and spends nothing.
    expect((await newcomer.get(made.path!)).headers.get('location')).toBe('/rooms/family')
    expect((await storedInvite(made.token!)).uses).toBe(1)

    const adminPage = await (await boss.get('/admin')).text()
    expect(adminPage).toContain('create invite')
    expect(adminPage).toContain('join by invite')
    expect(adminPage).toContain(`/invite/${made.token!.slice(0, 6)}…`)
    expect(adminPage).toContain('2 of 3 left')
    expect(adminPage).not.toContain(made.token!)
    // The token never reaches the log, even in the path of the request that followed it.
    expect(app.logs.text()).not.toContain(made.token!)
    expect(app.logs.text()).toContain(`/invite/${made.token!.slice(0, 6)}…`)
  })

  it('lets a new person into the server with a server invite, landing in the lobby; someone known spends no use', async () => {
    const app = setup()
    const boss = await admin(app)
    const made = await createInvite(boss, { room: '', max_uses: '', expires_in_hours: '' })
    expect(made.res.status).toBe(200)
    expect((await storedInvite(made.token!))).toMatchObject({ room: null, maxUses: null, expiresAt: null })
    const hal = app.visitor()
    await hal.get(made.path!)
    expect(await (await hal.get('/login')).text()).toContain('You are invited to this rtc server')
    const landed = await viaGithub(hal, person('hal'))
    expect(landed.headers.get('location')).toBe('/')
    expect((await storedInvite(made.token!)).uses).toBe(1)
    expect((await hal.get(made.path!)).headers.get('location')).toBe('/')
    expect((await boss.get(made.path!)).headers.get('location')).toBe('/')
    expect((await storedInvite(made.token!)).uses).toBe(1)
  })

  it('leads a sign-in whose invite cookie names no invite to the lobby, whatever the cookie holds', async () => {
    const app = setup()
    for (const junk of ['..%2F..%2Fevil', 'A'.repeat(43)]) {
      const visitor = app.visitor()
      visitor.jar.set('__Host-rtc_invite', junk)
      const res = await viaGithub(visitor, person('junk'))
      expect(res.headers.get('location')).toBe('/')
      expect(visitor.jar.has('__Host-rtc_invite')).toBe(false)
    }
  })

  it('says plainly that an expired invite expired (410), and no longer lists it', async () => {
    const app = setup()
    const boss = await admin(app)
    await boss.post('/rooms', { name: 'Short Lived', visibility: 'private' })
    const made = await createInvite(boss, { room: 'short-lived', expires_in_hours: '1' })
    clock += 2 * HOUR
    try {
      const late = app.visitor()
      const res = await late.get(made.path!)
      expect(res.status).toBe(410)
      expect(await res.text()).toContain('This invite has expired')
      expect(late.jar.has('__Host-rtc_invite')).toBe(false)
      const signedInLate = await signedIn(app, person('late'))
      expect((await signedInLate.get(made.path!)).status).toBe(410)
      expect(await (await boss.get('/admin')).text()).not.toContain(`/invite/${made.token!.slice(0, 6)}…`)
    } finally {
      clock -= 2 * HOUR
    }
  })

  it('counts uses: once used up it says so (410), while a member still lands in the room', async () => {
    const app = setup()
    const boss = await admin(app)
    await boss.post('/rooms', { name: 'Once', visibility: 'private' })
    const made = await createInvite(boss, { room: 'once', max_uses: '1' })
    const ida = await signedIn(app, person('ida'))
    expect((await ida.get(made.path!)).headers.get('location')).toBe('/rooms/once')
    const jon = await signedIn(app, person('jon'))
    const refused = await jon.get(made.path!)
    expect(refused.status).toBe(410)
    expect(await refused.text()).toContain('This invite has been used up')
    const kai = person('kai')
    const stranger = app.visitor()
    expect((await stranger.get(made.path!)).status).toBe(410)
    expect((await viaGithub(stranger, kai)).headers.get('location')).toBe('/')
    expect(await member('once', kai.id)).toBe(false)
    expect((await ida.get(made.path!)).headers.get('location')).toBe('/rooms/once')
  })

  it('revokes: the link then says it was withdrawn, and the revocation is audited', async () => {
    const app = setup()
    const boss = await admin(app)
    const made = await createInvite(boss, { max_uses: '5' })
    const { id } = await storedInvite(made.token!)
    const revoked = await boss.post(`/admin/invites/${id}/revoke`)
    expect(revoked.status).toBe(303)
    expect(revoked.headers.get('location')).toBe('/admin#invites')
    const res = await app.visitor().get(made.path!)
    expect(res.status).toBe(410)
    expect(await res.text()).toContain('This invite was withdrawn')
    const page = await (await boss.get('/admin')).text()
    expect(page).toContain('revoke invite')
    expect(page).not.toContain(`/invite/${made.token!.slice(0, 6)}…`)
    expect((await boss.post('/admin/invites/999999999/revoke')).status).toBe(404)
    expect((await app.visitor().get('/invite/not-a-token')).status).toBe(404)
    expect((await app.visitor().get(`/invite/${'A'.repeat(43)}`)).status).toBe(404)
  })

  it('with SIGNUP=invite refuses a stranger, admits an invitee, a known person and a configured administrator, and makes no account for the refused', async () => {
    const open = setup()
    const known = person('known')
    await signedIn(open, known)
    const app = setup({ SIGNUP: 'invite', ADMIN_GITHUB_IDS: `${ADMIN_ID},5002` })
    const boss = await admin(app)
    // An administrator by configuration is let in though new: a fresh invite-only server needs its first one.
    expect((await viaGithub(app.visitor(), { id: 5002, login: 'second-admin', name: null, avatar_url: '' })).headers.get('location')).toBe('/')

    const stranger = person('stranger')
    const refused = await viaGithub(app.visitor(), stranger)
    expect(refused.status).toBe(403)
    expect(await refused.text()).toContain('Sign-up needs an invite')
    expect(refused.headers.getSetCookie().some((c) => c.startsWith('__Host-rtc_session='))).toBe(false)
    expect(await users().findUserById(stranger.id)).toBeUndefined()

    expect((await viaGithub(app.visitor(), known)).headers.get('location')).toBe('/')

    await boss.post('/rooms', { name: 'Members Only', visibility: 'private' })
    const made = await createInvite(boss, { room: 'members-only', max_uses: '1' })
    const lee = person('lee')
    const invitee = app.visitor()
    await invitee.get(made.path!)
    expect((await viaGithub(invitee, lee)).headers.get('location')).toBe('/rooms/members-only')
    expect(await member('members-only', lee.id)).toBe(true)

    // The invite is used up now: the next stranger holding it is told so, and no account is made.
    const late = person('late-comer')
    const lateBrowser = app.visitor()
    expect((await lateBrowser.get(made.path!)).status).toBe(410)
    const tooLate = await viaGithub(lateBrowser, late)
    expect(tooLate.status).toBe(403)
    expect(await users().findUserById(late.id)).toBeUndefined()
  })

  it('gives the last use to exactly one of two newcomers racing through sign-in; the other gets no account', async () => {
    const app = setup({ SIGNUP: 'invite' })
    const boss = await admin(app)
    const made = await createInvite(boss, { max_uses: '1' })
    const [a, b] = [person('racer-a'), person('racer-b')]
    const starts = await Promise.all([a, b].map(async (who) => {
      const visitor = app.visitor()
      await visitor.get(made.path!)
      const authorize = (await visitor.get('/auth/github')).headers.get('location')!
      github.setUser(who)
      return { visitor, callback: `/auth/github/callback?code=${github.approve(authorize)}&state=${new URL(authorize).searchParams.get('state')}` }
    }))
    const answers = await Promise.all(starts.map(({ visitor, callback }) => visitor.get(callback)))
    expect(answers.map((r) => r.status).sort()).toEqual([303, 403])
    const made2 = await Promise.all([a, b].map((who) => users().findUserById(who.id)))
    expect(made2.filter(Boolean)).toHaveLength(1)
    expect((await storedInvite(made.token!)).uses).toBe(1)
  })

  it('lets only administrators invite to the server, and a private room\'s owner to that room only', async () => {
    const app = setup()
    const owner = await signedIn(app, person('owner'))
    const guest = await signedIn(app, person('guest'))
    const outsider = await signedIn(app, person('outsider'))
    await owner.post('/rooms', { name: 'Book Club', visibility: 'private' })
    await owner.post('/rooms/book-club/members', { login: 'guest' })
    await owner.post('/rooms', { name: 'Town Square', visibility: 'public' })

    const server = await createInvite(owner, {})
    expect(server.res.status).toBe(403)
    expect(server.page).toContain('Only an administrator can make invite links to the whole server.')
    expect((await createInvite(owner, { room: 'town-square' })).res.status).toBe(403)
    expect((await createInvite(guest, { room: 'book-club' })).res.status).toBe(403)
    expect((await createInvite(outsider, { room: 'book-club' })).res.status).toBe(404)
    expect((await createInvite(outsider, { room: 'no-such-room' })).res.status).toBe(404)
    expect((await outsider.get('/rooms/book-club/invites')).status).toBe(404)
    expect((await guest.get('/rooms/book-club/invites')).status).toBe(403)

    const mine = await createInvite(owner, { room: 'book-club', max_uses: '2', expires_in_hours: '168' })
    expect(mine.res.status).toBe(200)
    expect(mine.page).toContain('href="/rooms/book-club/invites"')
    const listed = await (await owner.get('/rooms/book-club/invites')).text()
    expect(listed).toContain(`/invite/${mine.token!.slice(0, 6)}…`)
    expect(listed).toContain('2 of 2 left')
    expect(await (await owner.get('/rooms/book-club')).text()).toContain('href="/rooms/book-club/invites"')
    expect(await (await guest.get('/rooms/book-club')).text()).not.toContain('href="/rooms/book-club/invites"')

    const { id } = await storedInvite(mine.token!)
    expect((await guest.post(`/admin/invites/${id}/revoke`)).status).toBe(404)
    expect((await outsider.post(`/admin/invites/${id}/revoke`)).status).toBe(404)
    const revoked = await owner.post(`/admin/invites/${id}/revoke`, { from: 'room' })
    expect(revoked.headers.get('location')).toBe('/rooms/book-club/invites')
    expect((await storedInvite(mine.token!)).revokedAt).not.toBeNull()
    // Administration stays closed to the owner.
    expect((await owner.get('/admin')).status).toBe(404)
  })

  it('refuses a use count or expiry that is not a whole number in range, and a direct room, with 400 and the reason', async () => {
    const app = setup()
    const boss = await admin(app)
    for (const [form, reason] of [
      [{ max_uses: '0' }, 'The number of uses is a whole number from 1 to 10000'],
      [{ max_uses: 'lots' }, 'The number of uses is a whole number from 1 to 10000'],
      [{ max_uses: '2.5' }, 'The number of uses is a whole number'],
      [{ expires_in_hours: '9000' }, 'The expiry in hours is a whole number from 1 to 8760'],
      [{ expires_in_hours: '-1' }, 'The expiry in hours is a whole number'],
    ] as const) {
      const made = await createInvite(boss, form)
      expect(made.res.status).toBe(400)
      expect(made.page).toContain(reason)
      expect(made.url).toBeUndefined()
    }
    await signedIn(app, person('dm-peer'))
    const dm = await boss.post('/direct-rooms', { login: 'dm-peer' })
    const slug = dm.headers.get('location')!.replace('/rooms/', '')
    expect((await createInvite(boss, { room: slug })).res.status).toBe(400)
  })

  it('rate-limits making invites per person and following them per address, and RATE_LIMITS=off turns both off', async () => {
    const limited = setup({ RATE_LIMITS: 'on', RATE_LIMIT_INVITES: '3/1m', RATE_LIMIT_SIGN_IN: '100/1m' })
    const boss = await admin(limited)
    const made = await createInvite(boss, {})
    await createInvite(boss, {})
    await createInvite(boss, {})
    const fourth = await createInvite(boss, {})
    expect(fourth.res.status).toBe(429)
    expect(fourth.res.headers.get('retry-after')).toMatch(/^\d+$/)
    const visitor = limited.visitor()
    const follows = []
    for (let i = 0; i < 4; i++) follows.push((await visitor.get(made.path!)).status)
    expect(follows).toEqual([303, 303, 303, 429])

    const free = setup()
    const freeBoss = await admin(free)
    const many = []
    for (let i = 0; i < 5; i++) many.push(await createInvite(freeBoss, {}))
    expect(many.map((m) => m.res.status)).toEqual([200, 200, 200, 200, 200])
    const freeVisitor = free.visitor()
    for (let i = 0; i < 5; i++) expect((await freeVisitor.get(many[0]!.path!)).status).toBe(303)
  })
})
