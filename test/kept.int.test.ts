import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cassandraMessages } from '../src/store/cassandra/messages.ts'
import { postgresKept } from '../src/store/postgres/kept.ts'
import { postgresRooms } from '../src/store/postgres/rooms.ts'
import { postgresUsers } from '../src/store/postgres/users.ts'
import { keptStoreContract } from './contract/keptStore.ts'
import { appOn, browser } from './support/app.ts'
import { testKeyspace } from './support/cassandra.ts'
import { signIn, startChatServer } from './support/chat.ts'
import { databaseBackends } from './support/databases.ts'
import { createTestDatabase } from './support/postgres.ts'

for (const [name, open] of databaseBackends) {
  keptStoreContract(name, async () => {
    const opened = await open()
    const users = postgresUsers(opened.db.sql)
    const rooms = postgresRooms(opened.db.sql)
    const owner = await users.upsertLocalUser('kept-owner')
    let n = 0
    return {
      store: postgresKept(opened.db.sql),
      newUser: async () => (await users.upsertLocalUser(`keeper${++n}`)).id,
      newRoom: async () => (await rooms.createRoom({ name: `Kept ${++n}`, slug: `kept-${n}`, visibility: 'public', createdBy: owner.id })).id,
      cleanup: () => opened.cleanup(),
    }
  })
}

type Browser = ReturnType<typeof browser>
const idOf = (res: Response) => /#m-(\d+)$/.exec(res.headers.get('location') ?? '')![1]!
const send = async (who: Browser, slug: string, body: string) => idOf(await who.post(`/rooms/${slug}/messages`, { body, nonce: crypto.randomUUID() }))
const kept = (page: string) => [...page.matchAll(/<span class="kept-excerpt" dir="auto">([^<]*)<\/span>/g)].map((m) => m[1])

// The lists read messages from their store as they are now: PostgreSQL, and Cassandra beside PostgreSQL.
for (const messagesIn of ['postgres', 'cassandra'] as const) {
  describe(`pins and saved messages, with messages in ${messagesIn}`, () => {
    const [, openPostgres] = databaseBackends[0]!
    let opened: Awaited<ReturnType<typeof openPostgres>>
    let ks: Awaited<ReturnType<typeof testKeyspace>> | undefined
    let app: ReturnType<typeof appOn>['app']
    let ann: Browser, bob: Browser, eve: Browser
    beforeAll(async () => {
      opened = await openPostgres()
      if (messagesIn === 'cassandra') ks = await testKeyspace()
      app = appOn(opened.db, { env: { ADMIN_LOGINS: 'kept-admin' }, deps: ks ? { messages: cassandraMessages(ks.client) } : {} }).app
      const person = async (login: string) => {
        const b = browser(app)
        await b.post('/auth/local', { login })
        return b
      }
      ;[ann, bob, eve] = [await person('kept-ann'), await person('kept-bob'), await person('kept-eve')]
    })
    afterAll(async () => {
      await ks?.drop()
      await opened?.cleanup()
    })

    it('lets members pin and unpin, lists pins the latest first, audits each, and refuses outsiders', async () => {
      await ann.post('/rooms', { name: 'Pinboard', visibility: 'public' })
      await bob.post('/rooms/pinboard/join')
      const first = await send(ann, 'pinboard', 'the wifi password is on the fridge')
      const second = await send(bob, 'pinboard', 'meeting moved to **Thursday**')
      expect((await ann.post(`/rooms/pinboard/messages/${first}/pin`)).headers.get('location')).toBe('/rooms/pinboard/pins')
      expect((await bob.post(`/rooms/pinboard/messages/${second}/pin`)).status).toBe(303)
      expect(kept(await (await eve.get('/rooms/pinboard/pins')).text())).toEqual(['meeting moved to **Thursday**', 'the wifi password is on the fridge'])
      // A reader of a public room who is not a member may look, not pin.
      expect((await eve.post(`/rooms/pinboard/messages/${first}/unpin`)).status).toBe(403)
      const fragment = await (await bob.post(`/rooms/pinboard/messages/${first}/unpin`, {}, { headers: { 'hx-request': 'true' } })).text()
      expect(kept(fragment)).toEqual(['meeting moved to **Thursday**'])
      expect(fragment).toContain(`action="/rooms/pinboard/messages/${second}/unpin"`)
      expect((await ann.post('/rooms/pinboard/messages/999999/pin')).status).toBe(404)
      expect((await ann.post('/rooms/pinboard/messages/x1/pin')).status).toBe(404)
      const admin = browser(app)
      await admin.post('/auth/local', { login: 'kept-admin' })
      const audit = await (await admin.get('/admin')).text()
      expect(audit).toContain('pin message')
      expect(audit).toContain('unpin message')
    })

    it('hides a private room\'s pins from outsiders like a missing room', async () => {
      await ann.post('/rooms', { name: 'Secret Pins', visibility: 'private' })
      const id = await send(ann, 'secret-pins', 'only for us')
      await ann.post(`/rooms/secret-pins/messages/${id}/pin`)
      expect((await eve.get('/rooms/secret-pins/pins')).status).toBe(404)
      expect((await eve.post(`/rooms/secret-pins/messages/${id}/pin`)).status).toBe(404)
      expect((await eve.post(`/rooms/secret-pins/messages/${id}/save`)).status).toBe(404)
      expect((await eve.get(`/rooms/secret-pins/messages/${id}`)).status).toBe(404)
    })

    it('saves for one person across rooms, and a deleted message or a room the reader left leaves the list', async () => {
      await ann.post('/rooms', { name: 'Saves One', visibility: 'public' })
      await ann.post('/rooms', { name: 'Saves Two', visibility: 'private' })
      await ann.post('/rooms/saves-two/members', { login: 'kept-bob' })
      const a = await send(ann, 'saves-one', 'recipe for the soup')
      const b = await send(ann, 'saves-two', 'the door code')
      const c = await send(ann, 'saves-one', 'a message soon deleted')
      for (const [slug, id] of [['saves-one', a], ['saves-two', b], ['saves-one', c]] as const) {
        expect((await bob.post(`/rooms/${slug}/messages/${id}/save`)).headers.get('location')).toBe(`/rooms/${slug}/messages/${id}`)
      }
      expect(kept(await (await bob.get('/saved')).text())).toEqual(['a message soon deleted', 'the door code', 'recipe for the soup'])
      expect(kept(await (await ann.get('/saved')).text())).toEqual([])
      await ann.post(`/rooms/saves-one/messages/${c}/delete`)
      await ann.post('/rooms/saves-two/members/kept-bob/delete')
      const page = await (await bob.get('/saved')).text()
      expect(kept(page)).toEqual(['recipe for the soup'])
      expect(page).toContain(`href="/rooms/saves-one/messages/${a}"`)
      const removed = await bob.post(`/rooms/saves-one/messages/${a}/unsave`, { back: '/saved' })
      expect(removed.headers.get('location')).toBe('/saved')
      expect(await (await bob.get('/saved')).text()).toContain('Nothing saved yet')
    })

    it('answers a message\'s address with its room opened around it, for readers only', async () => {
      await ann.post('/rooms', { name: 'Linked', visibility: 'public' })
      const id = await send(ann, 'linked', 'link to me')
      const res = await eve.get(`/rooms/linked/messages/${id}`)
      expect(res.status).toBe(303)
      expect(res.headers.get('location')).toBe(`/rooms/linked?around=${id}#m-${id}`)
      expect(await (await eve.get(`/rooms/linked?around=${id}`)).text()).toContain('link to me')
      expect((await eve.get('/rooms/linked/messages/424242')).status).toBe(404)
    })
  })
}

describe('pins live', () => {
  it('redraws the pins list on every live page of the room when a member pins or unpins, and when the message is deleted', async () => {
    const database = await createTestDatabase()
    const server = await startChatServer({ DATABASE_URL: database.url })
    try {
      const ann = await signIn(server.url, 'live-ann')
      const bob = await signIn(server.url, 'live-bob')
      const slug = await ann.createRoom('Live Pins')
      await bob.form(`/rooms/${slug}/join`, {})
      const socket = await bob.socket(slug)
      const sent = await ann.post(slug, 'pin me live')
      await ann.form(`/rooms/${slug}/messages/${sent.id}/pin`, {})
      const pinsFrames = () => socket.frames.filter((f) => f.includes('id="pins"'))
      await socket.waitFor(() => pinsFrames().some((f) => f.includes('pin me live')), 'the pins list with the pinned message')
      expect(pinsFrames().at(-1)).toContain('hx-swap-oob="true"')
      await ann.form(`/rooms/${slug}/messages/${sent.id}/delete`, {})
      await socket.waitFor(() => pinsFrames().at(-1)!.includes('Nothing is pinned here yet'), 'the pins list without the deleted message')
      await socket.close()
    } finally {
      await server.close()
      await database.drop()
    }
  })
})
