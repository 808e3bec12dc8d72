import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { browserWorld, type BrowserWorld } from './support/browser.ts'

// Search in Chromium (issue 15): find a message, open the room around it, and
// come down to the present with every message once, including one sent live.

let world: BrowserWorld
beforeAll(async () => { world = await browserWorld() })
afterAll(() => world?.close())

async function person(login: string, viewport = { width: 1280, height: 800 }): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await world.chromium.browser.newContext({ viewport })
  context.setDefaultTimeout(8_000)
  const page = await context.newPage()
  const errors: string[] = []
  page.on('pageerror', (err) => errors.push(err.message))
  await page.goto(`${world.base}/login`)
  await page.fill('input[name="login"]', login)
  await page.click('form.local button')
  await page.waitForURL(`${world.base}/`)
  return { context, page, errors }
}

/** Sends over HTTP as a plain form post, the way the composer does without JavaScript. */
const post = (context: BrowserContext, path: string, form: Record<string, string>) =>
  context.request.post(`${world.base}${path}`, { form, headers: { origin: world.base }, maxRedirects: 0 })

describe('search in the browser', () => {
  it('finds a message, opens its room around it, and reaches the present with every message once, a live one too', async () => {
    const ann = await person('seeker')
    const bob = await person('talker')
    await post(ann.context, '/rooms', { name: 'Zoo Talk', visibility: 'public' })
    await post(bob.context, '/rooms/zoo-talk/join', {})
    const TOTAL = 130
    const FOUND = 20
    for (let i = 0; i < TOTAL; i++) {
      await post(bob.context, '/rooms/zoo-talk/messages', { body: i === FOUND ? `message ${i} about the platypus` : `message ${i}`, nonce: `seed-${i}-nonce` })
    }

    await ann.page.fill('#search-q', 'Platypus')
    await ann.page.press('#search-q', 'Enter')
    await ann.page.waitForURL(/\/search\?q=Platypus/)
    const hit = ann.page.locator('#search-results .hit-link')
    await expect(hit.count()).resolves.toBe(1)
    expect(await hit.locator('mark').textContent()).toBe('platypus')
    await ann.page.screenshot({ path: '.scratch/search-results-1280.png' })

    await hit.click()
    await ann.page.waitForURL(/\/rooms\/zoo-talk\?around=\d+/)
    const found = ann.page.locator('#messages article.found')
    await found.waitFor()
    expect(await found.textContent()).toContain('about the platypus')
    await expect(found.isVisible()).resolves.toBe(true)
    const box = await found.boundingBox()
    expect(box!.y).toBeGreaterThan(0)
    expect(box!.y).toBeLessThan(800)
    await ann.page.locator('#conn[data-state="connected"]').waitFor()
    await ann.page.screenshot({ path: '.scratch/search-around-1280.png' })

    // Someone talks while the reader is still far up in the past.
    await post(bob.context, '/rooms/zoo-talk/messages', { body: 'live after the search', nonce: 'live-after-search' })
    await ann.page.locator('#messages article', { hasText: 'live after the search' }).waitFor()

    // Down to the present: each reach of the gap edge loads the next page, until no edge is left.
    for (let i = 0; i < 20 && await ann.page.locator('#messages .gap').count() > 0; i++) {
      await ann.page.evaluate(() => { document.getElementById('scroller')!.scrollTop = 0 })
      await ann.page.waitForTimeout(150)
    }
    await expect(ann.page.locator('#messages .gap').count()).resolves.toBe(0)
    const bodies = await ann.page.locator('#messages article .body').allTextContents()
    expect(bodies).toEqual([...Array.from({ length: TOTAL }, (_, i) => (i === FOUND ? `message ${i} about the platypus` : `message ${i}`)), 'live after the search'])
    const keys = await ann.page.locator('#messages article').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.key!))
    expect(new Set(keys).size).toBe(keys.length)

    // More results come in place of the link, the page staying where it is.
    await ann.page.goto(`${world.base}/search?q=message`)
    await expect(ann.page.locator('#search-results .hit').count()).resolves.toBe(20)
    await ann.page.click('#search-results .more a')
    await ann.page.locator('#search-results .hit').nth(39).waitFor()
    expect(await ann.page.locator('#search-results .hit').count()).toBe(40)
    expect(await ann.page.locator('#search-results .more').count()).toBe(1)
    expect(await ann.page.locator('main').count()).toBe(1)
    expect(new URL(ann.page.url()).searchParams.get('before')).toBeNull()
    expect(ann.errors).toEqual([])
  })

  it('works without JavaScript: a plain form and links', async () => {
    const context = await world.chromium.browser.newContext({ viewport: { width: 390, height: 844 }, javaScriptEnabled: false })
    context.setDefaultTimeout(8_000)
    const page = await context.newPage()
    await page.goto(`${world.base}/login`)
    await page.fill('input[name="login"]', 'plainreader')
    await page.click('form.local button')
    await post(context, '/rooms/zoo-talk/join', {})
    await page.goto(`${world.base}/`)
    await page.fill('#search-q', 'platypus')
    await page.press('#search-q', 'Enter')
    await page.waitForURL(/\/search\?q=platypus/)
    await page.screenshot({ path: '.scratch/search-results-390.png' })
    await page.click('#search-results .hit-link')
    await page.waitForURL(/around=\d+/)
    const target = page.locator('#messages article:target')
    expect(await target.textContent()).toContain('about the platypus')
    const box = await target.boundingBox()
    expect(box!.y).toBeGreaterThan(0)
    expect(box!.y).toBeLessThan(844)
    await page.screenshot({ path: '.scratch/search-around-390.png' })
  })
})
