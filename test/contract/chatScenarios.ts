import WebSocket from 'ws'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MAX_FRAME_BYTES } from '../../src/chat/socket.ts'
import { createdIdsIn, signIn, type Person } from '../support/chat.ts'
import { createTestDatabase, type TestDatabase } from '../support/postgres.ts'

export interface ChatServer {
  readonly url: string
  close(): Promise<void>
}

const sortedNumerically = (ids: string[]) => [...ids].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1))

/**
 * The chat's end-to-end cases, run against the server on each runtime (Node
 * in process, Deno as a process), over real HTTP and WebSockets.
 */
export function chatScenarios(runtime: string, start: (databaseUrl: string) => Promise<ChatServer>) {
  let database: TestDatabase
  let server: ChatServer
  let alice: Person
  let bob: Person
  let carol: Person

  beforeAll(async () => {
    database = await createTestDatabase()
    server = await start(database.url)
    alice = await signIn(server.url, 'alice')
    bob = await signIn(server.url, 'bob')
    carol = await signIn(server.url, 'carol')
  })
  afterAll(async () => {
    await server?.close()
    await database?.drop()
  })

  describe(`chat over real HTTP and WebSockets on ${runtime}`, () => {
    it('shows two members each other\'s messages, live and in order', async () => {
      const slug = await alice.createRoom('Ordering')
      await bob.form(`/rooms/${slug}/join`, {})
      const [a, b] = await Promise.all([alice.socket(slug), bob.socket(slug)])
      const sent: string[] = []
      for (let i = 0; i < 20; i++) {
        const [x, y] = await Promise.all([alice.post(slug, `a${i}`), bob.post(slug, `b${i}`)])
        sent.push(x.id!, y.id!)
      }
      for (const s of [a, b]) await s.waitFor(() => s.createdIds().length >= 40, '40 messages')
      expect(a.createdIds()).toEqual(sortedNumerically(sent))
      expect(b.createdIds()).toEqual(a.createdIds())
      await Promise.all([a.close(), b.close()])
    })

    it('starts a socket that asks from beyond the room\'s newest message from now, instead of muting it', async () => {
      const slug = await alice.createRoom('From the future')
      const s = await alice.socket(slug, '9000000000000000000')
      const sent = await alice.post(slug, 'still heard')
      await s.waitFor(() => s.createdIds().includes(sent.id!), 'the message on a socket that asked from beyond')
      await s.close()
    })

    it('replays exactly the 200 messages posted while a reader was away, in order', async () => {
      const slug = await alice.createRoom('Away')
      await bob.form(`/rooms/${slug}/join`, {})
      const first = await alice.post(slug, 'before the break')
      const s1 = await bob.socket(slug, first.id)
      await s1.close()
      const posted: string[] = []
      for (let i = 0; i < 200; i++) posted.push((await alice.post(slug, `while away ${i}`)).id!)
      const s2 = await bob.socket(slug, first.id)
      await s2.waitFor(() => s2.createdIds().length >= 200, '200 replayed messages')
      await new Promise((r) => setTimeout(r, 200))
      expect(s2.createdIds()).toEqual(posted)
      const live = await alice.post(slug, 'after the return')
      await s2.waitFor(() => s2.createdIds().includes(live.id!), 'the live message')
      expect(s2.createdIds()).toEqual([...posted, live.id])
      await s2.close()
    })

    it('tells a socket more than 500 changes behind to load the newest page, instead of replaying the room', async () => {
      const slug = await alice.createRoom('Long away')
      await bob.form(`/rooms/${slug}/join`, {})
      const first = await alice.post(slug, 'before a long break')
      for (let i = 0; i < 25; i++) await Promise.all(Array.from({ length: 20 }, (_, j) => alice.post(slug, `while long away ${i * 20 + j}`)))
      // 500 behind is replayed whole; one more is too many.
      const near = await bob.socket(slug, first.id)
      await near.waitFor(() => near.createdIds().length >= 500, '500 replayed messages')
      await near.close()
      const last = await alice.post(slug, 'one more')
      const far = await bob.socket(slug, first.id)
      expect((await far.closed).code).toBe(4410)
      expect(far.createdIds()).toEqual([])
      expect(far.frames.join('')).toContain('loading the newest')
      const fresh = await bob.socket(slug, last.id)
      const live = await alice.post(slug, 'back again')
      await fresh.waitFor(() => fresh.createdIds().includes(live.id!), 'the live message after loading the newest page')
      await fresh.close()
    })

    it('stores one message when the same nonce is posted twice at once, and both answers carry its id', async () => {
      const slug = await alice.createRoom('Twice')
      const nonce = crypto.randomUUID()
      const [x, y] = await Promise.all([alice.post(slug, 'only once', nonce), alice.post(slug, 'only once', nonce)])
      expect(x.status).toBe(200)
      expect(y.status).toBe(200)
      expect(x.id).toBeDefined()
      expect(y.id).toBe(x.id)
      const page = await (await alice.send(`/rooms/${slug}`)).text()
      expect(page.match(/only once/g)).toHaveLength(1)
    })

    it('gives a non-member of a private room nothing: no page, no history, no socket, each a 404 like a missing room', async () => {
      const slug = await alice.createRoom('Secret plans', 'private')
      await alice.post(slug, 'the secret is 42')
      const page = await carol.send(`/rooms/${slug}`, { headers: { accept: 'text/html' } })
      expect(page.status).toBe(404)
      expect(await page.text()).not.toContain('secret is 42')
      const history = await carol.send(`/rooms/${slug}/messages?before=9999999999999999999`, { headers: { 'hx-request': 'true' } })
      expect(history.status).toBe(404)
      expect(await history.text()).not.toContain('secret is 42')
      await expect(carol.socket(slug, '0')).rejects.toMatchObject({ status: 404 })
      expect((await carol.post(slug, 'let me in')).status).toBe(404)
    })

    it('lets a member add someone to a private room, who then reads and follows it', async () => {
      const slug = await alice.createRoom('Invite only', 'private')
      const first = await alice.post(slug, 'welcome, bob')
      expect((await alice.form(`/rooms/${slug}/members`, { login: 'bob' })).status).toBe(303)
      expect(await (await bob.send(`/rooms/${slug}`)).text()).toContain('welcome, bob')
      const s = await bob.socket(slug, '0')
      await s.waitFor(() => s.createdIds().length === 1, 'the replayed message')
      expect(s.createdIds()).toEqual([first.id])
      await s.close()
    })

    it('closes a member\'s socket at once when they leave the room', async () => {
      const slug = await alice.createRoom('Leaving')
      await bob.form(`/rooms/${slug}/join`, {})
      const s = await bob.socket(slug)
      expect((await bob.form(`/rooms/${slug}/leave`, {})).status).toBe(303)
      expect((await s.closed).code).toBe(1008)
      await alice.post(slug, 'after bob left')
      expect(s.createdIds()).toEqual([])
    })

    it('refuses the upgrade before 101 without a session or from a foreign Origin', async () => {
      const slug = await alice.createRoom('Guarded')
      await expect(alice.socket(slug, undefined, { origin: 'https://evil.example' })).rejects.toMatchObject({ status: 403 })
      await expect(alice.socket(slug, undefined, { cookie: '' })).rejects.toMatchObject({ status: 401 })
      await expect(alice.socket('no-such-room')).rejects.toMatchObject({ status: 404 })
    })

    it('closes a socket that sends a frame over 64 KiB with 1009, and keeps serving', async () => {
      const slug = await alice.createRoom('Big frames')
      const s = await alice.socket(slug)
      s.ws.send('x'.repeat(MAX_FRAME_BYTES + 1))
      expect((await s.closed).code).toBe(1009)
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
      const again = await alice.socket(slug)
      expect(again.ws.readyState).toBe(WebSocket.OPEN)
      await again.close()
    })

    it('shows what a reply answers as that message now is, live, on replay and on the page, and refuses an answer to what is not there', async () => {
      const slug = await alice.createRoom('Replies')
      await bob.form(`/rooms/${slug}/join`, {})
      const question = await alice.post(slug, 'who has the key, @bob?')
      const live = await bob.socket(slug, question.id)
      const answer = await bob.form(`/rooms/${slug}/messages`, { body: 'I do', nonce: crypto.randomUUID(), reply_to: question.id! }, true)
      expect(answer.status).toBe(200)
      const html = await answer.text()
      const replyId = /data-key="(\d+)"/.exec(html)![1]!
      expect(html).toContain(`data-reply-to="${question.id}"`)
      expect(html).toContain('who has the key, @bob?')
      // The excerpt is text: the mention inside it is not marked again, and notifies nobody.
      expect(html.match(/class="mention"/g)).toBeNull()
      await live.waitFor(() => live.frames.some((f) => f.includes(`data-reply-to="${question.id}"`) && f.includes('who has the key')), 'the reply live, with what it answers')
      // The original edited: the reply shows its current words, replayed and on the page.
      await alice.form(`/rooms/${slug}/messages/${question.id}`, { body: 'who has the spare key?' }, true)
      const replayed = await bob.socket(slug, question.id)
      await replayed.waitFor(() => replayed.frames.some((f) => f.includes(`data-reply-to="${question.id}"`) && f.includes('who has the spare key?')), 'the reply replayed with the edited words')
      expect(await (await bob.send(`/rooms/${slug}`)).text()).toContain('who has the spare key?')
      await alice.form(`/rooms/${slug}/messages/${question.id}/delete`, {}, true)
      expect(await (await bob.send(`/rooms/${slug}`)).text()).toContain('In reply to a deleted message')
      // Nothing to answer: another room's message, a deleted one, a made-up id. Each a 422 with the reason, nothing stored.
      const elsewhere = await alice.post(await alice.createRoom('Elsewhere'), 'far away')
      for (const replyTo of [elsewhere.id!, question.id!, '12345', 'not-an-id']) {
        const refused = await bob.form(`/rooms/${slug}/messages`, { body: 'lost answer', nonce: crypto.randomUUID(), reply_to: replyTo }, true)
        expect(refused.status).toBe(422)
        expect(await refused.text()).toMatch(/The message you answered (is not in this room|was deleted)/)
      }
      expect(await (await bob.send(`/rooms/${slug}`)).text()).not.toContain('lost answer')
      // Without JavaScript: a page with the message and a composer that answers it.
      const page = await (await bob.send(`/rooms/${slug}/messages/${replyId}/reply`)).text()
      expect(page).toContain(`name="reply_to" value="${replyId}"`)
      await Promise.all([live.close(), replayed.close()])
    })

    it('sends edits and deletes live, and refuses them to anyone but the author', async () => {
      const slug = await alice.createRoom('Edits')
      await bob.form(`/rooms/${slug}/join`, {})
      const { id } = await alice.post(slug, 'tpyo')
      const s = await bob.socket(slug, id)

      expect((await bob.form(`/rooms/${slug}/messages/${id}`, { body: 'bob was here' }, true)).status).toBe(403)
      expect((await bob.form(`/rooms/${slug}/messages/${id}/delete`, {}, true)).status).toBe(403)

      const edited = await alice.form(`/rooms/${slug}/messages/${id}`, { body: 'typo' }, true)
      expect(edited.status).toBe(200)
      expect(await edited.text()).toContain('(edited)')
      await s.waitFor(() => s.frames.some((f) => f.includes('typo') && f.includes('hx-swap-oob="true"')), 'the edit')

      expect((await alice.form(`/rooms/${slug}/messages/${id}/delete`, {}, true)).status).toBe(200)
      await s.waitFor(() => s.frames.some((f) => f.includes('This message was deleted.')), 'the delete')
      expect((await alice.form(`/rooms/${slug}/messages/${id}`, { body: 'back again?' }, true)).status).toBe(409)

      const page = await (await bob.send(`/rooms/${slug}`)).text()
      expect(page).toContain('This message was deleted.')
      expect(page).not.toContain('bob was here')
      expect(page).not.toContain('back again?')
      expect(page).not.toContain('>typo<')
      await s.close()
    })

    it('ignores fields the client should not set', async () => {
      const slug = await alice.createRoom('Forgery')
      const res = await alice.form(`/rooms/${slug}/messages`, {
        body: 'honest', nonce: crypto.randomUUID(), author: 'bob', authorId: '1', room: 'other', roomId: '1', id: '424242', createdAt: '2001-01-01',
      }, true)
      const html = await res.text()
      expect(html).toContain('data-author="')
      expect(html).not.toContain('id="m-424242"')
      expect(html).not.toContain('2001-01-01')
      expect(html).toMatch(/title="@alice"/)
    })

    it('refuses an empty or oversized body with a visible error and stores nothing', async () => {
      const slug = await alice.createRoom('Refusals')
      const empty = await alice.post(slug, '   ')
      expect(empty.status).toBe(422)
      expect(empty.headers.get('hx-retarget')).toBe('#composer-error')
      expect(empty.html).toBe('Write something before sending.')
      const long = await alice.post(slug, 'y'.repeat(4001))
      expect(long.status).toBe(422)
      expect(long.html).toContain('at most 4000 characters')
      const plain = await alice.form(`/rooms/${slug}/messages`, { body: 'z'.repeat(4001), nonce: crypto.randomUUID() })
      expect(plain.status).toBe(422)
      const page = await plain.text()
      expect(page).toContain('at most 4000 characters')
      expect(page).toContain('z'.repeat(4001))
      expect(await (await alice.send(`/rooms/${slug}`)).text()).not.toContain('<article')
    })

    it('loads older history by id cursor, in order, with no gap', async () => {
      const slug = await alice.createRoom('History')
      const ids: string[] = []
      for (let i = 0; i < 120; i++) ids.push((await alice.post(slug, `h${i}`)).id!)
      const page = await (await alice.send(`/rooms/${slug}`)).text()
      const shown = createdIdsIn(`<div id="messages"${page.split('<div id="messages"')[1]}`)
      expect(shown).toEqual(ids.slice(70))
      const older = await (await alice.send(`/rooms/${slug}/messages?before=${ids[70]}`, { headers: { 'hx-request': 'true' } })).text()
      expect([...older.matchAll(/<article id="m-(\d+)"/g)].map((m) => m[1])).toEqual(ids.slice(20, 70))
      expect(older).toContain(`before=${ids[20]}`)
      const oldest = await (await alice.send(`/rooms/${slug}/messages?before=${ids[20]}`, { headers: { 'hx-request': 'true' } })).text()
      expect([...oldest.matchAll(/<article id="m-(\d+)"/g)].map((m) => m[1])).toEqual(ids.slice(0, 20))
      expect(oldest).toContain('This is the beginning of the room.')
    })
  })

  describe(`direct rooms on ${runtime}`, () => {
    it('keeps one room per pair and never lets a third person in', async () => {
      const first = await alice.form('/direct-rooms', { login: 'bob' })
      const again = await bob.form('/direct-rooms', { login: 'alice' })
      expect(first.headers.get('location')).toBe(again.headers.get('location'))
      const slug = first.headers.get('location')!.replace('/rooms/', '')
      expect((await carol.form(`/rooms/${slug}/join`, {})).status).toBe(404)
      expect((await alice.form(`/rooms/${slug}/members`, { login: 'carol' })).status).toBe(400)
      expect((await carol.send(`/rooms/${slug}`)).status).toBe(404)
    })
  })
}
