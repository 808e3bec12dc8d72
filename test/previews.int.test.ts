import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { guardedGet, PreviewFetchRefused } from '../src/previews/fetch.ts'
import { IMAGE_BYTES, PAGE_BYTES } from '../src/previews/previews.ts'
import { WebhookTargetRefused } from '../src/bots/targets.ts'
import type { AppDeps } from '../src/app.ts'
import { createMetrics } from '../src/metrics/metrics.ts'
import { appOn, browser } from './support/app.ts'
import { signIn, startChatServer } from './support/chat.ts'
import { databaseBackends, type OpenedDatabase } from './support/databases.ts'
import { createTestDatabase } from './support/postgres.ts'
import { REFUSED_TARGETS } from './support/refusedTargets.ts'
import { standInSite } from './support/standInSite.ts'

const [, openPostgres] = databaseBackends[0]!
let opened: OpenedDatabase
let site: Awaited<ReturnType<typeof standInSite>>
let dataDir: string
beforeAll(async () => {
  [opened, site, dataDir] = await Promise.all([openPostgres(), standInSite(), mkdtemp(join(tmpdir(), 'rtc-previews-'))])
})
afterAll(async () => {
  await site?.close()
  await opened?.cleanup()
  if (dataDir) await rm(dataDir, { recursive: true, force: true })
})

const htmx = { headers: { 'hx-request': 'true' } }
let rooms = 0

/** The app with previews of loopback pages, one fetch at a time (so a later link's card says an earlier one's job is done). */
async function setUp(env: Record<string, string> = {}, options: NonNullable<AppDeps['linkPreviewOptions']> = {}) {
  const metrics = createMetrics()
  const { app, logs } = appOn(opened.db, {
    env: { DATA_DIR: dataDir, LINK_PREVIEW_ALLOW_LOOPBACK: 'true', ...env },
    deps: { linkPreviewOptions: { concurrency: 1, timeoutMs: 1500, ...options }, metrics },
  })
  /** A counter of the card metrics, as scraped. */
  const counted = async (name: string) => Number(/ (\d+)$/m.exec(await metrics.registry.getSingleMetricAsString(name))?.[1])
  const ann = browser(app)
  await ann.post('/auth/local', { login: 'ann' })
  const slug = `links-${++rooms}`
  await ann.post('/rooms', { name: slug, visibility: 'private' })
  const message = async (id: string, who = ann) => (await who.get(`/rooms/${slug}/messages/${id}`, htmx)).text()
  const send = async (body: string) => {
    const res = await ann.post(`/rooms/${slug}/messages`, { body, nonce: crypto.randomUUID() })
    return /#m-(\d+)$/.exec(res.headers.get('location')!)![1]!
  }
  /** Waits for the message's card (the queue works in order: a card on a later message means earlier jobs are done). */
  const cardOf = async (id: string, timeout = 10_000) => {
    let html = ''
    await vi.waitFor(async () => {
      html = await message(id)
      expect(html).toContain('class="link-preview"')
    }, { timeout, interval: 50 })
    return html
  }
  /** Sends `body`, then a message whose card proves the first one's job finished; answers the first one's markup. */
  const settled = async (body: string) => {
    const id = await send(body)
    await cardOf(await send(`${site.base}/plain?after=${id}`))
    return message(id)
  }
  return { app, ann, slug, send, message, cardOf, settled, counted, logs }
}

describe('link previews', () => {
  it('attaches a card from OpenGraph metadata after the send, with the image re-encoded and served from rtc to readers only', async () => {
    const { app, ann, slug, send, cardOf } = await setUp()
    const id = await send(`Look: ${site.base}/article and also ${site.base}/plain`)
    const html = await cardOf(id)
    expect(html).toContain('<bdi class="title">A &amp; B: the &lt;real&gt; story</bdi>')
    expect(html).toContain('<bdi class="site">Stand-in News</bdi>')
    expect(html).toContain('<bdi class="description">What happened, in two lines.</bdi>')
    expect(html).toContain(`href="${site.base}/article"`)
    // The page's image never reaches the browser by its own URL: rtc serves its re-encoding.
    expect(html).not.toContain('image.jpg')
    expect(html).toContain(`src="/rooms/${slug}/messages/${id}/preview/image"`)
    expect(site.asked.filter((p) => p === '/plain')).toEqual([])

    const image = await ann.get(`/rooms/${slug}/messages/${id}/preview/image`)
    expect(image.status).toBe(200)
    expect(image.headers.get('content-type')).toBe('image/webp')
    expect(image.headers.get('x-content-type-options')).toBe('nosniff')
    const meta = await sharp(new Uint8Array(await image.arrayBuffer())).metadata()
    expect(meta).toMatchObject({ format: 'webp', width: 400 })
    expect(meta.exif).toBeUndefined()

    const eve = browser(app)
    await eve.post('/auth/local', { login: 'eve' })
    expect((await eve.get(`/rooms/${slug}/messages/${id}/preview/image`)).status).toBe(404)

    // On reload, the card is in the room's page.
    expect(await (await ann.get(`/rooms/${slug}`)).text()).toContain('A &amp; B: the &lt;real&gt; story')
  })

  it('reads Twitter cards and falls back to the title; a page without a title gets no card', async () => {
    const { cardOf, send, settled } = await setUp()
    const twitter = await cardOf(await send(`${site.base}/twitter`))
    expect(twitter).toContain('<bdi class="title">Tweeted title</bdi>')
    expect(twitter).toContain('<bdi class="site">127.0.0.1</bdi>')
    expect(twitter).toContain('/preview/image"')
    const plain = await cardOf(await send(`<${site.base}/plain>`))
    expect(plain).toContain('<bdi class="title">Only a title</bdi>')
    expect(plain).not.toContain('class="description"')
    expect(await settled(`${site.base}/bare`)).not.toContain('link-preview')
  })

  it('makes no card for a link in code or in a quote, and fetches a URL once however often it is sent', async () => {
    const { settled } = await setUp()
    site.asked.length = 0
    expect(await settled(`\`${site.base}/article?code\``)).not.toContain('link-preview')
    expect(await settled(`> ${site.base}/article?quoted`)).not.toContain('link-preview')
    expect(site.asked.filter((p) => p.startsWith('/article'))).toEqual([])
    const { cardOf, send } = await setUp()
    await cardOf(await send(`${site.base}/twitter?once`))
    await cardOf(await send(`again ${site.base}/twitter?once`))
    expect(site.asked.filter((p) => p === '/twitter?once')).toHaveLength(1)
  })

  it('makes no card for a redirect to a private address, more than 3 redirects, or a page that is not HTML', async () => {
    const { settled, cardOf, send } = await setUp()
    expect(await settled(`${site.base}/to-private`)).not.toContain('link-preview')
    expect(await settled(`${site.base}/to-metadata`)).not.toContain('link-preview')
    expect(await settled(`${site.base}/hops/4`)).not.toContain('link-preview')
    expect(await settled(`${site.base}/json`)).not.toContain('link-preview')
    expect(await cardOf(await send(`${site.base}/hops/3`))).toContain('After the hops')
  })

  it('cuts an endless body at the byte cap and a slow one at the time cap, and takes no huge or SVG image', async () => {
    const { cardOf, send } = await setUp()
    expect(await cardOf(await send(`${site.base}/endless`))).toContain('<bdi class="title">Endless</bdi>')
    await vi.waitFor(() => expect(site.written.get('/endless')).toBeDefined())
    // The fetcher hung up at its cap; what the stand-in wrote past it is what was in flight.
    expect(site.written.get('/endless')!).toBeGreaterThan(PAGE_BYTES)
    expect(site.written.get('/endless')!).toBeLessThan(PAGE_BYTES + 8 * 1024 * 1024)
    expect(await cardOf(await send(`${site.base}/slow`))).toContain('<bdi class="title">Slow but titled</bdi>')
    await vi.waitFor(() => expect(site.written.get('/slow')).toBeDefined())
    const huge = await cardOf(await send(`${site.base}/huge-image-page`))
    expect(huge).toContain('Huge image')
    expect(huge).not.toContain('<img')
    const svg = await cardOf(await send(`${site.base}/svg-image-page`))
    expect(svg).toContain('SVG image')
    expect(svg).not.toContain('<img')
  })

  it('lets the author remove the card without JavaScript, and nobody else', async () => {
    const { app, ann, slug, send, cardOf, message } = await setUp()
    const id = await send(`${site.base}/plain?remove`)
    await cardOf(id)
    const bob = browser(app)
    await bob.post('/auth/local', { login: 'bob' })
    await ann.post(`/rooms/${slug}/members`, { login: 'bob' })
    expect((await bob.post(`/rooms/${slug}/messages/${id}/preview/remove`)).status).toBe(403)
    expect(await message(id)).toContain('link-preview')
    const removed = await ann.post(`/rooms/${slug}/messages/${id}/preview/remove`)
    expect(removed.status).toBe(303)
    expect(removed.headers.get('location')).toBe(`/rooms/${slug}#m-${id}`)
    expect(await message(id)).not.toContain('link-preview')
    expect((await ann.get(`/rooms/${slug}/messages/${id}/preview/image`)).status).toBe(404)
  })

  it('gives an edit to another link that link\'s card, and takes the card off an edit without a link', async () => {
    const { ann, slug, send, cardOf, message, settled } = await setUp()
    const id = await send(`${site.base}/plain?edit`)
    await cardOf(id)
    await ann.post(`/rooms/${slug}/messages/${id}`, { body: `now ${site.base}/twitter?edit` })
    await vi.waitFor(async () => expect(await message(id)).toContain('Tweeted title'), { timeout: 10_000 })
    await ann.post(`/rooms/${slug}/messages/${id}`, { body: 'no link any more' })
    await settled('sentinel')
    expect(await message(id)).not.toContain('link-preview')
  })

  it('decodes and re-encodes an image once for many pages: once per image URL, and once per image bytes under other URLs', async () => {
    const { send, cardOf, counted } = await setUp()
    site.asked.length = 0
    const shared = await Promise.all(['one', 'two', 'three'].map(async (name) => cardOf(await send(`${site.base}/page/shared-${name}`))))
    for (const html of shared) expect(html).toContain('/preview/image"')
    // One fetch of the image every page shows.
    expect(site.asked.filter((p) => p === '/image.jpg')).toHaveLength(1)
    // The same bytes under URLs of their own: each fetched, none decoded again.
    const copies = await Promise.all(['a', 'b'].map(async (name) => cardOf(await send(`${site.base}/copy/shared-${name}`))))
    for (const html of copies) expect(html).toContain('/preview/image"')
    expect(site.asked.filter((p) => p.startsWith('/copy/shared-') && p.endsWith('.jpg')).sort()).toEqual(['/copy/shared-a.jpg', '/copy/shared-b.jpg'])
    expect(await counted('rtc_link_preview_images_encoded_total')).toBe(1)
    expect(await counted('rtc_link_preview_cards_total')).toBe(5)
  })

  it('answers every send of a burst past the queue\'s bound at once, and gives each a card, without its image while the queue is long', { timeout: 60_000 }, async () => {
    const { send, cardOf, counted, logs } = await setUp({}, { leanQueued: 4, budgetMs: 60_000, timeoutMs: 3000 })
    // The one card job at a time is held by a page that trickles until the time cap (3 s) while the burst queues.
    const slow = await send(`${site.base}/slow?burst`)
    const took: number[] = []
    const ids: string[] = []
    for (let i = 0; i < 12; i++) {
      const started = performance.now()
      ids.push(await send(`burst ${i} ${site.base}/copy/burst-${i}`))
      took.push(performance.now() - started)
    }
    expect(Math.max(...took)).toBeLessThan(1000)
    // The last few wait for an image made at nice 10: on a busy box that takes its time.
    const cards = await Promise.all(ids.map((id) => cardOf(id, 40_000)))
    cards.forEach((html, i) => expect(html).toContain(`<bdi class="title">Page burst-${i}</bdi>`))
    const withImage = cards.filter((html) => html.includes('/preview/image"')).length
    // While 4 or more waited, the cards came without their (not yet made) image; the last ones had time for theirs.
    expect(withImage).toBeGreaterThanOrEqual(1)
    expect(withImage).toBeLessThanOrEqual(4)
    expect(await counted('rtc_link_preview_without_image_total')).toBe(12 - withImage)
    expect(await cardOf(slow)).toContain('Slow but titled')
    expect(await counted('rtc_link_preview_dropped_total')).toBe(0)
    expect(logs.lines.filter((line) => JSON.parse(line).level >= 50)).toEqual([])
  })

  it('drops the oldest waiting card past the queue\'s cap, with a log line and a count, and answers every send at once', async () => {
    const { send, cardOf, message, counted, logs } = await setUp({}, { maxQueued: 3, timeoutMs: 3000 })
    const slow = await send(`${site.base}/slow?cap`)
    const ids: string[] = []
    const started = performance.now()
    for (let i = 0; i < 6; i++) ids.push(await send(`${site.base}/page/cap-${i}`))
    expect(performance.now() - started).toBeLessThan(1500)
    await cardOf(slow)
    for (const id of ids.slice(3)) await cardOf(id)
    for (const id of ids.slice(0, 3)) expect(await message(id)).not.toContain('link-preview')
    expect(await counted('rtc_link_preview_dropped_total')).toBe(3)
    expect(logs.text()).toContain('link preview queue full; the oldest waiting message gets no card')
  })

  it('makes none with LINK_PREVIEWS=off', async () => {
    const { send, message } = await setUp({ LINK_PREVIEWS: 'off' })
    site.asked.length = 0
    const id = await send(`${site.base}/plain?off`)
    // With previews on, the queue would have fetched it by the time a second app's card (made after) shows.
    const on = await setUp()
    await on.cardOf(await on.send(`${site.base}/plain?on`))
    expect(site.asked).toEqual(['/plain?on'])
    expect(await message(id)).not.toContain('link-preview')
  })
})

describe('the preview fetcher', () => {
  const options = { accept: (t: string) => t === 'text/html', maxBytes: PAGE_BYTES, cut: true, timeoutMs: 2000, allowRanges: [] }

  it.each(REFUSED_TARGETS)('refuses %s (%s), as webhooks do', async (url, range) => {
    await expect(guardedGet(url, options)).rejects.toThrow(new RegExp(`is a ${range} address`))
  })

  it('refuses the stand-in site itself without the test-only loopback allowance, and schemes other than http(s)', async () => {
    await expect(guardedGet(`${site.base}/plain`, options)).rejects.toThrow(/is a loopback address/)
    await expect(guardedGet('file:///etc/passwd', options)).rejects.toBeInstanceOf(WebhookTargetRefused)
  })

  it('refuses a redirect to a private address, a fourth redirect, a wrong type, and an image past its cap', async () => {
    const loop = { ...options, allowRanges: ['loopback'] }
    await expect(guardedGet(`${site.base}/to-private`, loop)).rejects.toThrow(/is a private address/)
    await expect(guardedGet(`${site.base}/to-metadata`, loop)).rejects.toThrow(/is a linkLocal address/)
    await expect(guardedGet(`${site.base}/hops/4`, loop)).rejects.toThrow(new PreviewFetchRefused('more than 3 redirects'))
    expect((await guardedGet(`${site.base}/hops/3`, loop)).url.pathname).toBe('/hops/0')
    await expect(guardedGet(`${site.base}/json`, loop)).rejects.toThrow(/does not take application\/json/)
    const image = { ...loop, accept: (t: string) => t.startsWith('image/'), maxBytes: IMAGE_BYTES, cut: false }
    await expect(guardedGet(`${site.base}/huge.png`, image)).rejects.toThrow(`larger than ${IMAGE_BYTES} bytes`)
  })
})

describe('link previews live', () => {
  it('reach another reader\'s socket as a change, and a reader replaying from before the send', async () => {
    const database = await createTestDatabase()
    const server = await startChatServer({ DATABASE_URL: database.url, DATA_DIR: dataDir, LINK_PREVIEW_ALLOW_LOOPBACK: 'true' })
    try {
      const [ann, bob] = [await signIn(server.url, 'ann'), await signIn(server.url, 'bob')]
      const slug = await ann.createRoom('Live links')
      await bob.form(`/rooms/${slug}/join`, {})
      const socket = await bob.socket(slug)
      const before = await ann.post(slug, 'before')
      await socket.waitFor(() => socket.createdIds().includes(before.id!), 'the first message')
      const sent = await ann.post(slug, `${site.base}/plain?live`)
      expect(sent.html).not.toContain('link-preview')
      await socket.waitFor(() => socket.frames.some((f) => f.includes(`id="m-${sent.id}"`) && f.includes('Only a title')), 'the card')
      await socket.close()
      const replay = await bob.socket(slug, before.id)
      await replay.waitFor(() => replay.frames.some((f) => f.includes(`id="m-${sent.id}"`) && f.includes('class="link-preview"')), 'the card on replay')
      await replay.close()
    } finally {
      await server.close()
      await database.drop()
    }
  })
})
