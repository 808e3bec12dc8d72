import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { appOn, browser } from './support/app.ts'
import { databaseBackends, type OpenedDatabase } from './support/databases.ts'
import { createLogger } from '../src/log.ts'
import { parseQuery } from '../src/search/query.ts'
import { postgresMessages } from '../src/store/postgres/messages.ts'
import { postgresRooms } from '../src/store/postgres/rooms.ts'
import { postgresSearch, useSearchLanguage } from '../src/store/postgres/search.ts'
import { postgresUsers } from '../src/store/postgres/users.ts'
import { cassandraMessages } from '../src/store/cassandra/messages.ts'
import { cassandraSearch } from '../src/store/cassandra/search.ts'
import { testKeyspace } from './support/cassandra.ts'

const [, openPostgres] = databaseBackends[0]!
let opened: OpenedDatabase
beforeAll(async () => { opened = await openPostgres() })
afterAll(() => opened?.cleanup())

type App = ReturnType<typeof appOn>['app']
const signedIn = async (app: App, login: string) => {
  const user = browser(app)
  await user.post('/auth/local', { login })
  return user
}
const send = async (user: ReturnType<typeof browser>, slug: string, body: string) => {
  const res = await user.post(`/rooms/${slug}/messages`, { body, nonce: `n-${Math.random().toString(36).slice(2, 12)}` })
  return /#m-(\d+)$/.exec(res.headers.get('location') ?? '')![1]!
}
const results = (page: string) => [...page.matchAll(/<li class="hit">([\s\S]*?)<\/li>/g)].map((m) => m[1]!)

describe('GET /search', () => {
  let app: App
  let ann: ReturnType<typeof browser>
  let bob: ReturnType<typeof browser>
  beforeAll(async () => {
    app = appOn(opened.db).app
    ann = await signedIn(app, 'sann')
    bob = await signedIn(app, 'sbob')
    await ann.post('/rooms', { name: 'Search Public', visibility: 'public' })
    await ann.post('/rooms', { name: 'Search Secret', visibility: 'private' })
    await bob.post('/rooms/search-public/join')
    await send(ann, 'search-public', 'the walrus is <b>here</b> & fine')
    await send(bob, 'search-public', 'a walrus from bob')
    await send(ann, 'search-secret', 'a secret walrus')
  })

  it('finds words in the reader\'s rooms newest first, with the match marked and the text escaped', async () => {
    const page = await (await ann.get('/search?q=WALRUS')).text()
    const hits = results(page)
    expect(hits).toHaveLength(3)
    expect(hits[0]).toContain('a secret <mark>walrus</mark>')
    expect(hits[2]).toContain('the <mark>walrus</mark> is &lt;b&gt;here&lt;/b&gt; &amp; fine')
    expect(page).not.toContain('<b>here</b>')
    expect(hits[2]).toMatch(/href="\/rooms\/search-public\?around=(\d+)#m-\1"/)
    expect(page).toContain('name="q" value="WALRUS"')
  })

  it('never shows a private room\'s messages to someone outside it, even when asked for by name', async () => {
    expect(results(await (await bob.get('/search?q=walrus')).text())).toHaveLength(2)
    const asked = await bob.get('/search?q=walrus&room=search-secret')
    expect(asked.status).toBe(400)
    expect(await asked.text()).toContain('There is no such room.')
  })

  it('filters by room and by author', async () => {
    expect(results(await (await ann.get('/search?q=walrus&room=search-public')).text())).toHaveLength(2)
    const byBob = results(await (await ann.get('/search?q=walrus&author=sbob')).text())
    expect(byBob).toHaveLength(1)
    expect(byBob[0]).toContain('@sbob')
    const nobody = await ann.get('/search?q=walrus&author=nobody-here')
    expect(nobody.status).toBe(400)
    expect(await nobody.text()).toContain('No one here is called @nobody-here.')
  })

  it('picks a room by its name, tells two of the same name apart, and reads from: and in: in the query', async () => {
    await ann.post('/rooms', { name: 'Search Twin', visibility: 'public' })
    const second = await ann.post('/rooms', { name: 'Search Twin', visibility: 'public' })
    const twin = /\/rooms\/([a-z0-9-]+)/.exec(second.headers.get('location') ?? '')![1]!
    expect(twin).not.toBe('search-twin')
    await send(ann, 'search-twin', 'kubernetes in the first twin')
    await send(ann, twin, 'kubectl in the second twin')
    await send(bob, 'search-public', 'kubelet from bob')
    // The last word is a prefix; the second twin shows its address beside the name, the first (its own slug) does not.
    const both = results(await (await ann.get('/search?q=kube')).text())
    expect(both).toHaveLength(3)
    expect(both[1]).toContain(`<span class="slug"> #${twin}</span>`)
    expect(both[2]).not.toContain('class="slug"')
    expect(results(await (await ann.get('/search?q=kube&room=Search%20Public')).text())).toHaveLength(1)
    const ambiguous = await ann.get('/search?q=kube&room=search%20twin')
    expect(ambiguous.status).toBe(400)
    expect(await ambiguous.text()).toContain(`2 of your rooms are called &quot;Search Twin&quot;: say which by its address, in:search-twin or in:${twin}.`)
    const inTwin = results(await (await ann.get(`/search?q=${encodeURIComponent(`kube in:${twin}`)}`)).text())
    expect(inTwin.map((h) => /<span class="snippet"[^>]*>([\s\S]*?)<\/span>/.exec(h)![1])).toEqual(['<mark>kubectl</mark> in the second twin'])
    const fromBob = results(await (await ann.get(`/search?q=${encodeURIComponent('from:sbob kube')}`)).text())
    expect(fromBob).toHaveLength(1)
    expect(fromBob[0]).toContain('@sbob')
    // The sidebar and the admin list tell the twins apart the same way.
    expect(await (await ann.get('/rooms/search-twin')).text()).toContain(`Search Twin<span class="slug"> #${twin}</span>`)
  })

  it('answers bad input with a clear message, never an error page', async () => {
    const empty = await ann.get('/search?q=')
    expect(empty.status).toBe(200)
    expect(results(await empty.text())).toEqual([])
    const punctuation = await ann.get(`/search?q=${encodeURIComponent('!!! ... ??? ---')}`)
    expect(punctuation.status).toBe(400)
    expect(await punctuation.text()).toContain('There is no word to search for')
    const huge = await ann.get(`/search?q=${'walrus '.repeat(1500)}`)
    expect(huge.status).toBe(200)
    expect(await huge.text()).toContain('only its first words were used')
    for (const soup of ['walrus & | ! <-> ( ) :* \' " \\', '"unclosed walrus', '-walrus', 'or and not', '<script>alert(1)</script>']) {
      const res = await ann.get(`/search?q=${encodeURIComponent(soup)}`)
      expect(res.status, soup).toBeLessThan(500)
      expect(await res.text()).not.toContain('<script>alert(1)</script>')
    }
    const broken = await ann.get('/search?q=walrus&before=not-a-cursor')
    expect(broken.status).toBe(400)
  })

  it('pages with before= and answers htmx with the next items only', async () => {
    await ann.post('/rooms', { name: 'Search Many', visibility: 'public' })
    for (let i = 0; i < 23; i++) await send(ann, 'search-many', `narwhal ${i}`)
    const first = await (await ann.get('/search?q=narwhal')).text()
    expect(results(first)).toHaveLength(20)
    const more = /hx-get="(\/search\?q=narwhal&amp;before=[^"]+)"/.exec(first)![1]!.replaceAll('&amp;', '&')
    const next = await (await ann.get(more, { headers: { 'hx-request': 'true' } })).text()
    expect(next).not.toContain('<html')
    expect(results(next).map((h) => /narwhal<\/mark> (\d+)/.exec(h)![1])).toEqual(['2', '1', '0'])
  })

  it('limits how fast one person searches', async () => {
    const limited = appOn(opened.db, { env: { RATE_LIMITS: 'on', RATE_LIMIT_SEARCH: '2/1m' } }).app
    const cat = await signedIn(limited, 'scat')
    expect((await cat.get('/search?q=one')).status).toBe(200)
    expect((await cat.get('/search?q=two')).status).toBe(200)
    const refused = await cat.get('/search?q=three')
    expect(refused.status).toBe(429)
    expect(await refused.text()).toContain('You are searching too fast')
  })
})

describe('GET /rooms/:room?around=ID', () => {
  it('opens the room around a message: the ones before and after, it marked, and the socket resuming from the newest', async () => {
    const { app } = appOn(opened.db)
    const dan = await signedIn(app, 'sdan')
    await dan.post('/rooms', { name: 'Around Here', visibility: 'public' })
    const ids: string[] = []
    for (let i = 0; i < 80; i++) ids.push(await send(dan, 'around-here', `line ${i}`))
    const page = await (await dan.get(`/rooms/around-here?around=${ids[20]}`)).text()
    const shown = [...page.matchAll(/<article id="m-(\d+)"/g)].map((m) => m[1])
    expect(shown).toEqual(ids.slice(0, 46))
    expect(page).toContain(`data-around="${ids[20]}"`)
    expect(page).toContain(`since=${ids.at(-1)}`)
    expect(page).toContain(`id="gap-${ids[45]}"`)
    const gap = await (await dan.get(`/rooms/around-here/messages?after=${ids[45]}&limit=50`, { headers: { 'hx-request': 'true' } })).text()
    expect(gap).toContain(`id="gap-${ids[45]}" hx-swap-oob="delete"`)
    expect([...gap.matchAll(/<article id="m-(\d+)"/g)].map((m) => m[1])).toEqual(ids.slice(46))
    expect(gap).not.toContain(`id="gap-${ids.at(-1)}"`)
  })

  it('answers the edges of the id range and odd limits without a server error', async () => {
    const { app } = appOn(opened.db)
    const eve = await signedIn(app, 'seve')
    await eve.post('/rooms', { name: 'Edges', visibility: 'public' })
    const ids: string[] = []
    for (let i = 0; i < 3; i++) ids.push(await send(eve, 'edges', `edge ${i}`))
    const last = await eve.get('/rooms/edges?around=9223372036854775807')
    expect(last.status).toBe(200)
    expect([...(await last.text()).matchAll(/<article id="m-(\d+)"/g)].map((m) => m[1])).toEqual(ids)
    for (const limit of ['-5', '0', 'x', '1e9']) {
      const page = await eve.get(`/rooms/edges/messages?after=0&limit=${limit}`, { headers: { 'hx-request': 'true' } })
      expect(page.status).toBe(200)
      expect((await page.text()).match(/<article id="m-/g)?.length ?? 0).toBeGreaterThan(0)
    }
  })
})

describe.each(databaseBackends)('SEARCH_LANGUAGE on %s', (_name, open) => {
  it('is checked against the database\'s configurations, and another one rebuilds the search column', async () => {
    const db = await open()
    try {
      const log = createLogger('silent')
      await expect(useSearchLanguage(db.db.sql, 'klingon', log)).rejects.toThrow(/SEARCH_LANGUAGE "klingon".*simple/)
      const user = await postgresUsers(db.db.sql).upsertLocalUser('polyglot')
      const room = await postgresRooms(db.db.sql).createRoom({ name: 'Lang', slug: 'lang', visibility: 'public', createdBy: user.id })
      await postgresMessages(db.db.sql).appendMessage({ id: '1', roomId: room.id, authorId: user.id, authorLogin: 'polyglot', authorName: 'P', nonce: 'lang-nonce-1', body: 'She was running home', createdAt: new Date() })
      const parsed = parseQuery('runs')
      if (!parsed.ok) throw new Error(parsed.error)
      const { terms } = parsed
      expect(await postgresSearch(db.db.sql).searchMessages({ terms, roomIds: [room.id], limit: 5 })).toEqual({ hits: [], stopped: false })
      await useSearchLanguage(db.db.sql, 'english', log)
      const { hits: found } = await postgresSearch(db.db.sql, { language: 'english' }).searchMessages({ terms, roomIds: [room.id], limit: 5 })
      expect(found.map((h) => h.snippet.filter((p) => p.mark).map((p) => p.text))).toEqual([['running']])
      await useSearchLanguage(db.db.sql, 'english', log)
    } finally {
      await db.cleanup()
    }
  }, 120_000)
})

describe('GET /search over Cassandra, past the work budget', () => {
  it('shows what it found and says the search stopped, with a way to narrow it', async () => {
    const ks = await testKeyspace()
    try {
      const { app } = appOn(opened.db, { deps: { messages: cassandraMessages(ks.client), search: cassandraSearch(ks.client, { budget: { rows: 20 } }) } })
      const cam = await signedIn(app, 'scam')
      await cam.post('/rooms', { name: 'Budget Room', visibility: 'public' })
      await send(cam, 'budget-room', 'an ipsum on its own')
      for (let i = 0; i < 150; i++) await send(cam, 'budget-room', `lorem ipsum ${i}`)
      const stopped = await cam.get('/search?q=ipsum+-lorem&room=budget-room')
      expect(stopped.status).toBe(200)
      const page = await stopped.text()
      expect(results(page)).toEqual([])
      expect(page).toContain('Nothing found in what was read.')
      expect(page).toMatch(/class="stopped muted" role="status">This search read as much as one search may and stopped/)
      const finished = await (await cam.get('/search?q=ipsum&room=budget-room')).text()
      expect(results(finished)).toHaveLength(20)
      expect(finished).not.toContain('class="stopped')
    } finally {
      await ks.drop()
    }
  }, 120_000)
})
