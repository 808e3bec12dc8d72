import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { appOn, browser } from './support/app.ts'
import { databaseBackends, type OpenedDatabase } from './support/databases.ts'

const [, openPostgres] = databaseBackends[0]!
let opened: OpenedDatabase
beforeAll(async () => { opened = await openPostgres() })
afterAll(() => opened?.cleanup())

describe('reactions over plain HTTP', () => {
  it('adds and takes back a reaction from its own page without JavaScript, refusing anything but one emoji', async () => {
    const { app } = appOn(opened.db)
    const ann = browser(app)
    await ann.post('/auth/local', { login: 'ann' })
    const eve = browser(app)
    await eve.post('/auth/local', { login: 'eve' })
    await ann.post('/rooms', { name: 'Quiet', visibility: 'private' })
    const sent = await ann.post('/rooms/quiet/messages', { body: 'react to me', nonce: crypto.randomUUID() })
    const id = /#m-(\d+)$/.exec(sent.headers.get('location')!)![1]!
    const path = `/rooms/quiet/messages/${id}/reactions`

    const page = await (await ann.get(path)).text()
    expect(page).toContain(`<form method="post" action="${path}" class="react-form"`)
    const refused = await ann.post(path, { emoji: '<b>hi</b>' })
    expect(refused.status).toBe(422)
    expect(await refused.text()).toContain('A reaction is one emoji, like 👍.')

    expect((await ann.post(path, { emoji: '🎉' })).headers.get('location')).toBe(`/rooms/quiet#m-${id}`)
    const room = await (await ann.get('/rooms/quiet')).text()
    expect(room).toContain('title="@ann"')
    expect(room).toContain('🎉 <span class="count">1</span>')
    await ann.post(path, { emoji: '🎉' })
    expect(await (await ann.get('/rooms/quiet')).text()).not.toContain('class="reaction"')

    // Outsiders cannot see the room, let alone react; a deleted message takes no reaction.
    expect((await eve.post(path, { emoji: '🎉' })).status).toBe(404)
    expect((await eve.get(path)).status).toBe(404)
    await ann.post(`/rooms/quiet/messages/${id}/delete`)
    expect((await ann.post(path, { emoji: '🎉' }, { headers: { 'hx-request': 'true' } })).status).toBe(409)
  })
})
