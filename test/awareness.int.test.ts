import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { StoredEvent } from '../src/messages/service.ts'
import { appOn, browser } from './support/app.ts'
import { databaseBackends, type OpenedDatabase } from './support/databases.ts'

// Read state, sidebar counts and mentions over plain HTTP (issue 13), on PostgreSQL and PGlite.

type App = ReturnType<typeof appOn>['app']
const signedIn = async (app: App, login: string, script = false) => {
  const user = browser(app)
  await user.post('/auth/local', { login })
  // The page's script sets this cookie: with it, opening a room no longer counts as reading it.
  if (script) user.jar.set('rtc-js', '1')
  return user
}
type User = Awaited<ReturnType<typeof signedIn>>
let n = 0
const send = async (user: User, slug: string, body: string) => {
  const res = await user.post(`/rooms/${slug}/messages`, { body, nonce: `aw-${++n}-${Math.random()}` })
  expect(res.status).toBe(303)
  return /#m-(\d+)$/.exec(res.headers.get('location')!)![1]!
}
/** The sidebar link of a room on a page, and its two counts. */
const sidebarCounts = (page: string, slug: string) => {
  const link = new RegExp(`<a id="side-\\d+" class="side-room" href="/rooms/${slug}"[^>]*>(.*?)</a>`).exec(page)?.[1]
  if (link === undefined) return undefined
  return { unread: Number(/data-unread="(\d+)"/.exec(link)![1]), mentions: Number(/data-mentions="(\d+)"/.exec(link)![1]) }
}
const title = (page: string) => /<title>(.*?)<\/title>/.exec(page)![1]

for (const [backend, open] of databaseBackends) {
  describe(`read markers and sidebar counts on ${backend}`, () => {
    let opened: OpenedDatabase
    let app: App
    const stored: StoredEvent[] = []
    beforeAll(async () => {
      opened = await open()
      app = appOn(opened.db, { onStored: [(e) => void stored.push(e)] }).app
    })
    afterAll(() => opened?.cleanup())

    it('shows unread and mention counts in the sidebar without JavaScript, and opening a room reads it', async () => {
      const amy = await signedIn(app, `amy-${backend}`)
      const bob = await signedIn(app, `bob-${backend}`)
      await amy.post('/rooms', { name: `Lounge ${backend}` })
      await amy.post('/rooms', { name: `Desk ${backend}` })
      const [lounge, desk] = [`lounge-${backend}`, `desk-${backend}`]
      await bob.post(`/rooms/${lounge}/join`)
      await bob.post(`/rooms/${desk}/join`)
      await send(amy, desk, 'one')
      await send(amy, desk, `two for @bob-${backend}`)
      await send(amy, desk, 'three')
      await send(bob, desk, 'my own does not count')
      await send(amy, desk, 'four')

      const page = await (await bob.get(`/rooms/${lounge}`)).text()
      // Bob's own message read everything before it: only "four" is unread, and the mention was read with it.
      expect(sidebarCounts(page, desk)).toEqual({ unread: 1, mentions: 0 })
      expect(sidebarCounts(page, lounge)).toEqual({ unread: 0, mentions: 0 })
      expect(page).toContain('aria-current="page"')
      expect(title(page)).toBe(`(1) Lounge ${backend} · rtc`)

      // Cal joins late and reads the lounge without joining it: the desk is all unread, the lounge not in his list.
      const cal = await signedIn(app, `cal-${backend}`)
      await cal.post(`/rooms/${desk}/join`)
      const calPage = await (await cal.get(`/rooms/${lounge}`)).text()
      expect(sidebarCounts(calPage, desk)).toEqual({ unread: 5, mentions: 0 })
      expect(sidebarCounts(calPage, lounge)).toBeUndefined()
      await send(amy, desk, `hey @cal-${backend} and @CAL-${backend}`)
      expect(sidebarCounts(await (await cal.get(`/rooms/${lounge}`)).text(), desk)).toEqual({ unread: 6, mentions: 1 })

      await bob.get(`/rooms/${desk}`)
      expect(sidebarCounts(await (await bob.get(`/rooms/${lounge}`)).text(), desk)).toEqual({ unread: 0, mentions: 0 })
    })

    it('drops a deleted message from the unread and mention counts', async () => {
      const fay = await signedIn(app, `fay-${backend}`)
      const gil = await signedIn(app, `gil-${backend}`, true)
      await fay.post('/rooms', { name: `Oops ${backend}` })
      await fay.post('/rooms', { name: `Elsewhere ${backend}` })
      const [oops, elsewhere] = [`oops-${backend}`, `elsewhere-${backend}`]
      await gil.post(`/rooms/${oops}/join`)
      await gil.post(`/rooms/${elsewhere}/join`)
      await send(fay, oops, 'kept')
      const id = await send(fay, oops, `wrong room, @gil-${backend}`)
      expect(sidebarCounts(await (await gil.get(`/rooms/${elsewhere}`)).text(), oops)).toEqual({ unread: 2, mentions: 1 })
      expect((await fay.post(`/rooms/${oops}/messages/${id}/delete`)).status).toBe(303)
      expect(sidebarCounts(await (await gil.get(`/rooms/${elsewhere}`)).text(), oops)).toEqual({ unread: 1, mentions: 0 })
    })

    it('advances a marker by POST /rooms/:room/read, never backwards, and only for members', async () => {
      const dan = await signedIn(app, `dan-${backend}`, true)
      const eve = await signedIn(app, `eve-${backend}`, true)
      await dan.post('/rooms', { name: `Reads ${backend}` })
      const slug = `reads-${backend}`
      await eve.post(`/rooms/${slug}/join`)
      const ids = [await send(dan, slug, 'a'), await send(dan, slug, 'b'), await send(dan, slug, 'c')]
      const counts = async () => sidebarCounts(await (await eve.get(`/rooms/${slug}`)).text(), slug)
      // With the script's cookie, opening the room is not reading it.
      expect(await counts()).toEqual({ unread: 3, mentions: 0 })
      const json = { accept: 'application/json' }
      const moved = await eve.post(`/rooms/${slug}/read`, { id: ids[1]! }, { headers: json })
      expect(await moved.json()).toEqual({ marker: ids[1] })
      expect(await counts()).toEqual({ unread: 1, mentions: 0 })
      expect(await (await eve.post(`/rooms/${slug}/read`, { id: ids[0]! }, { headers: json })).json()).toEqual({ marker: ids[1] })
      expect(await counts()).toEqual({ unread: 1, mentions: 0 })
      // Beyond the newest message is held at the newest; a plain form goes back to the room.
      const plain = await eve.post(`/rooms/${slug}/read`, { id: '999999999999999999' })
      expect(plain.status).toBe(303)
      expect(plain.headers.get('location')).toBe(`/rooms/${slug}`)
      expect(await counts()).toEqual({ unread: 0, mentions: 0 })
      await send(dan, slug, 'd')
      expect(await counts()).toEqual({ unread: 1, mentions: 0 })

      expect((await eve.post(`/rooms/${slug}/read`, { id: 'nope' })).status).toBe(400)
      expect((await eve.post(`/rooms/${slug}/read`, {})).status).toBe(400)
      const outsider = await signedIn(app, `out-${backend}`)
      expect((await outsider.post(`/rooms/${slug}/read`, { id: ids[2]! })).status).toBe(403)
      await dan.post('/rooms', { name: `Hidden ${backend}`, visibility: 'private' })
      expect((await outsider.post(`/rooms/hidden-${backend}/read`, { id: '1' })).status).toBe(404)
    })

    it('marks members\' mentions, tells the author who is not a member, and tells listeners who was mentioned', async () => {
      const fay = await signedIn(app, `fay-${backend}`)
      const gus = await signedIn(app, `gus-${backend}`)
      await signedIn(app, `hal-${backend}`)
      await fay.post('/rooms', { name: `Mentions ${backend}` })
      const slug = `mentions-${backend}`
      await gus.post(`/rooms/${slug}/join`)
      stored.length = 0
      const sent = await fay.post(`/rooms/${slug}/messages`, { body: `hi @Gus-${backend}, @hal-${backend} and @ghost-${backend}`, nonce: `m-${backend}-1` })
      expect(sent.headers.get('location')).toMatch(new RegExp(`^/rooms/${slug}\\?unknown=hal-${backend}&nobody=ghost-${backend}#m-\\d+$`))
      const page = await (await fay.get(sent.headers.get('location')!.split('#')[0]!)).text()
      expect(page).toContain(`<span class="mention" data-login="Gus-${backend}">@Gus-${backend}</span>`)
      expect(page).toContain(`, @hal-${backend} and @ghost-${backend}`)
      // Someone outside the room is told apart from a login that is nobody's (a typo); a public room offers no "add".
      expect(page).toContain(`@hal-${backend} is not a member of this room: nobody was notified. No one here is called @ghost-${backend}. The message was sent.`)
      expect(page).not.toContain('Add @hal')
      expect(stored).toHaveLength(1)
      expect(stored[0]!.mentioned).toHaveLength(1)
      expect(stored[0]!.recipient).toBeUndefined()

      // Over htmx the note comes with the message, and a send without one clears it.
      const htmx = { headers: { 'hx-request': 'true' } }
      const note = await (await fay.post(`/rooms/${slug}/messages`, { body: `@nobody-${backend}?`, nonce: `m-${backend}-2` }, htmx)).text()
      expect(note).toContain(`<p id="mention-note" class="note" role="status" hx-swap-oob="true">No one here is called @nobody-${backend}. The message was sent.`)
      // In a private room, someone who exists is offered to be added, and the button adds them.
      await fay.post('/rooms', { name: `Mentions private ${backend}`, visibility: 'private' })
      const privateNote = await (await fay.post(`/rooms/mentions-private-${backend}/messages`, { body: `@hal-${backend} look`, nonce: `m-${backend}-p` }, htmx)).text()
      expect(privateNote).toContain(`<button type="submit" class="link" form="mention-add" name="login" value="hal-${backend}">Add @hal-${backend} to this room</button>`)
      expect(await (await fay.get(`/rooms/mentions-private-${backend}`)).text()).toContain(`<form id="mention-add" method="post" action="/rooms/mentions-private-${backend}/members" hidden="">`)
      expect((await fay.post(`/rooms/mentions-private-${backend}/members`, { login: `hal-${backend}` })).status).toBe(303)
      const clear = await (await fay.post(`/rooms/${slug}/messages`, { body: 'plain', nonce: `m-${backend}-3` }, htmx)).text()
      expect(clear).toContain('<p id="mention-note" class="note" role="status" hx-swap-oob="true"></p>')
      // A forged note is only ever logins.
      expect(await (await fay.get(`/rooms/${slug}?unknown=<b>x</b>`)).text()).not.toContain('<b>x</b> is not')

      stored.length = 0
      const direct = await fay.post('/direct-rooms', { login: `gus-${backend}` })
      const dm = direct.headers.get('location')!.replace('/rooms/', '')
      await send(fay, dm, 'psst')
      // Listeners are told after the answer, once the recipient is looked up.
      await expect.poll(() => stored.length).toBe(1)
      expect(stored[0]!.recipient).toBe(await userId(gus))
      expect(stored[0]!.mentioned).toEqual([])
      const gusPage = await (await gus.get(`/rooms/${slug}`)).text()
      expect(gusPage).toMatch(new RegExp(`href="/rooms/${dm}"[^>]*><bdi class="side-name">fay-${backend}</bdi>`))
      expect(sidebarCounts(gusPage, dm)).toEqual({ unread: 1, mentions: 0 })
    })
  })
}

async function userId(user: User): Promise<number> {
  const page = await (await user.get('/')).text()
  return Number(/data-me="(-?\d+)"/.exec(page)![1])
}
