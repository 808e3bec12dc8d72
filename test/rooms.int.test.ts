import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { appOn, browser, TEST_ORIGIN } from './support/app.ts'
import { createLogger } from '../src/log.ts'
import { localStores } from '../src/store/local.ts'
import { memoryBus } from '../src/store/memory/bus.ts'
import { postgresModeration } from '../src/store/postgres/moderation.ts'
import { postgresRooms } from '../src/store/postgres/rooms.ts'
import { postgresSessions } from '../src/store/postgres/sessions.ts'
import { postgresUsers } from '../src/store/postgres/users.ts'
import { databaseBackends, type OpenedDatabase } from './support/databases.ts'

const [, openPostgres] = databaseBackends[0]!
let opened: OpenedDatabase
beforeAll(async () => { opened = await openPostgres() })
afterAll(() => opened?.cleanup())

const signedIn = async (app: ReturnType<typeof appOn>['app'], login: string) => {
  const user = browser(app)
  await user.post('/auth/local', { login })
  return user
}

describe('rooms with JavaScript off: plain forms and full page loads', () => {
  it('creates a room, sends, and shows the message after the redirect', async () => {
    const { app } = appOn(opened.db)
    const ann = await signedIn(app, 'ann')
    const created = await ann.post('/rooms', { name: 'Plain Forms', visibility: 'public' })
    expect(created.status).toBe(303)
    expect(created.headers.get('location')).toBe('/rooms/plain-forms')
    const page = await (await ann.get('/rooms/plain-forms')).text()
    const nonce = /name="nonce" value="([^"]+)"/.exec(page)![1]!
    const sent = await ann.post('/rooms/plain-forms/messages', { body: 'no script needed', nonce })
    expect(sent.status).toBe(303)
    expect(sent.headers.get('location')).toMatch(/^\/rooms\/plain-forms#m-\d+$/)
    expect(await (await ann.get('/rooms/plain-forms')).text()).toContain('no script needed')
    const again = await ann.post('/rooms/plain-forms/messages', { body: 'no script needed', nonce })
    expect(again.headers.get('location')).toBe(sent.headers.get('location'))
  })

  it('makes a room public by default, private when asked in any case, and refuses any other visibility', async () => {
    const { app } = appOn(opened.db)
    const vic = await signedIn(app, 'vis-vic')
    const outsider = await signedIn(app, 'vis-out')
    for (const [name, visibility] of [['Vis Default', undefined], ['Vis Upper', 'Private'], ['Vis Bad', 'secret'], ['Vis Empty', '']] as const) {
      const res = await vic.post('/rooms', { name, ...(visibility === undefined ? {} : { visibility }) })
      if (name === 'Vis Bad') {
        expect(res.status).toBe(400)
        expect(await res.text()).toContain('A room is public or private.')
      } else expect(res.status, name).toBe(303)
    }
    expect((await outsider.get('/rooms/vis-default')).status).toBe(200)
    expect((await outsider.get('/rooms/vis-empty')).status).toBe(200)
    expect((await outsider.get('/rooms/vis-upper')).status).toBe(404)
    expect((await outsider.get('/rooms/vis-bad')).status).toBe(404)
  })

  it('lists my rooms and the public rooms I can join in the lobby, and joining moves a room across', async () => {
    const { app } = appOn(opened.db)
    const ben = await signedIn(app, 'ben')
    const cal = await signedIn(app, 'cal')
    await ben.post('/rooms', { name: 'Bens Public', visibility: 'public' })
    await ben.post('/rooms', { name: 'Bens Private', visibility: 'private' })
    const lobby = await (await cal.get('/')).text()
    expect(lobby).toContain('/rooms/bens-public')
    expect(lobby).not.toContain('/rooms/bens-private')
    expect((await cal.post('/rooms/bens-public/join')).headers.get('location')).toBe('/rooms/bens-public')
    const after = await (await cal.get('/')).text()
    expect(after.split('id="my-rooms"')[1]).toContain('/rooms/bens-public')
    expect((await cal.post('/rooms/bens-private/join')).status).toBe(404)
  })

  it('shows older history on a page of its own without JavaScript', async () => {
    const { app } = appOn(opened.db)
    const dee = await signedIn(app, 'dee')
    await dee.post('/rooms', { name: 'Paged' })
    for (let i = 0; i < 55; i++) await dee.post('/rooms/paged/messages', { body: `p${i}`, nonce: `nonce-paged-${i}` })
    const page = await (await dee.get('/rooms/paged')).text()
    expect(page).toContain('>p54<')
    expect(page).not.toContain('>p4<')
    const olderLink = /href="(\/rooms\/paged\?before=\d+)"/.exec(page)![1]!
    const older = await (await dee.get(olderLink)).text()
    expect(older).toContain('>p0<')
    expect(older).toContain('>p4<')
    expect(older).not.toContain('>p5<')
    expect(older).toContain('Back to the newest messages')
    expect(older).not.toContain('hx-ws:connect')
  })

  it('edits and deletes through plain forms, and only for the author', async () => {
    const { app } = appOn(opened.db)
    const eli = await signedIn(app, 'eli')
    const fay = await signedIn(app, 'fay')
    await eli.post('/rooms', { name: 'Plain Edits' })
    await fay.post('/rooms/plain-edits/join')
    const sent = await eli.post('/rooms/plain-edits/messages', { body: 'frist', nonce: 'nonce-plain-edit-1' })
    const id = sent.headers.get('location')!.split('#m-')[1]!
    expect((await fay.get(`/rooms/plain-edits/messages/${id}/edit`)).status).toBe(403)
    const editor = await (await eli.get(`/rooms/plain-edits/messages/${id}/edit`)).text()
    expect(editor).toContain('>frist</textarea>')
    expect((await eli.post(`/rooms/plain-edits/messages/${id}`, { body: '' })).status).toBe(422)
    expect((await eli.post(`/rooms/plain-edits/messages/${id}`, { body: 'first' })).status).toBe(303)
    expect(await (await fay.get('/rooms/plain-edits')).text()).toContain('>first<')
    expect((await fay.post(`/rooms/plain-edits/messages/${id}/delete`)).status).toBe(403)
    expect((await eli.post(`/rooms/plain-edits/messages/${id}/delete`)).status).toBe(303)
    const page = await (await fay.get('/rooms/plain-edits')).text()
    expect(page).toContain('This message was deleted.')
    expect(page).not.toContain('>first<')
  })

  it('answers unknown rooms and malformed ids with 404 or 400, never 500', async () => {
    const { app } = appOn(opened.db)
    const gus = await signedIn(app, 'gus')
    await gus.post('/rooms', { name: 'Sturdy' })
    for (const [path, status] of [
      ['/rooms/NOPE', 404], ['/rooms/no-such-room', 404], ['/rooms/sturdy/messages/abc', 404],
      ['/rooms/sturdy/messages/99999999999999999999', 404], ['/rooms/sturdy/messages?before=x', 400],
      ['/rooms/sturdy/messages/123/edit', 404],
    ] as const) {
      expect((await gus.get(path, { headers: { 'hx-request': 'true' } })).status, path).toBe(status)
    }
    expect((await gus.post('/rooms', { name: '   ' })).status).toBe(400)
    // A refused direct message goes back to the lobby's address with what was typed kept and the reason beside it.
    const unknown = await gus.post('/direct-rooms', { login: '@nobody-here' })
    expect(unknown.status).toBe(303)
    expect(unknown.headers.get('location')).toBe('/?direct=nobody-here')
    const lobby = await gus.get('/?direct=nobody-here')
    expect(lobby.status).toBe(404)
    const page = await lobby.text()
    expect(page).toContain('No one here is called @nobody-here.')
    expect(page).toContain('value="nobody-here"')
    const self = await gus.post('/direct-rooms', { login: 'gus' })
    expect(self.headers.get('location')).toBe('/?direct=gus')
    expect((await gus.get('/?direct=gus')).status).toBe(400)
    expect((await gus.post('/rooms/sturdy/members', { login: 'x' })).status).toBe(400)
  })
})

describe('a private room and a missing one, to an outsider', () => {
  it('take the same steps in the stores behind the memory every instance keeps, on the page, the socket and search', async () => {
    const bus = memoryBus()
    const calls: string[] = []
    /** The store, noting each call that reaches it (past the process's memory). */
    const noted = <T extends object>(name: string, store: T): T => new Proxy(store, {
      get(target, key) {
        const value = Reflect.get(target, key)
        return typeof value !== 'function' ? value : (...args: unknown[]) => {
          calls.push(`${name}.${String(key)}`)
          return value.apply(target, args)
        }
      },
    })
    const sql = opened.db.sql
    const local = localStores({
      users: postgresUsers(sql), sessions: postgresSessions(sql), rooms: noted('rooms', postgresRooms(sql)), moderation: postgresModeration(sql),
    }, bus, createLogger('silent'))
    const { app } = appOn(opened.db, { deps: { bus, users: local.users, sessions: local.sessions, rooms: local.rooms, moderation: local.moderation } })
    try {
      const owner = await signedIn(app, 'probe-owner')
      const prober = await signedIn(app, 'probe-prober')
      await owner.post('/rooms', { name: 'Probe Secret', visibility: 'private' })
      const steps = async (path: string, init?: RequestInit) => {
        await prober.get(path, init) // the first visit fills the memory
        calls.length = 0
        const res = await prober.get(path, init)
        return { status: res.status, calls: [...calls] }
      }
      for (const [secret, missing] of [
        ['/rooms/probe-secret', '/rooms/probe-nothing'],
        ['/rooms/probe-secret/messages?after=0', '/rooms/probe-nothing/messages?after=0'],
        ['/search?q=hello&room=probe-secret', '/search?q=hello&room=probe-nothing'],
      ] as const) {
        const [a, b] = [await steps(secret), await steps(missing)]
        expect(a.status).toBe(secret.startsWith('/search') ? 400 : 404)
        expect(a).toEqual(b)
        // Search then looks for a room of the reader's by that name: the same step for both.
        expect(a.calls).toEqual(secret.startsWith('/search') ? ['rooms.isMember', 'rooms.roomsOf'] : ['rooms.isMember'])
      }
      const ws = async (slug: string) => steps(`/ws?room=${slug}`, { headers: { origin: TEST_ORIGIN, upgrade: 'websocket' } })
      const socket = await ws('probe-secret')
      expect(socket.status).toBe(404)
      expect(socket).toEqual(await ws('probe-nothing'))
      // A room made later is found at once, not remembered as missing.
      await prober.get('/rooms/probe-later')
      expect((await owner.post('/rooms', { name: 'Probe Later', visibility: 'public' })).status).toBe(303)
      expect((await prober.get('/rooms/probe-later')).status).toBe(200)
    } finally {
      local.close()
    }
  })
})
