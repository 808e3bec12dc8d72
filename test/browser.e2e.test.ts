import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { browserWorld, type BrowserWorld } from './support/browser.ts'

let world: BrowserWorld
let base: string
beforeAll(async () => {
  world = await browserWorld()
  base = world.base
})
afterAll(() => world?.close())

async function person(login: string): Promise<{ context: BrowserContext; page: Page; cspErrors: string[] }> {
  const context = await world.chromium.browser.newContext()
  const page = await context.newPage()
  const cspErrors: string[] = []
  // DEBUG_BROWSER=1 relays the pages' consoles.
  page.on('console', (m) => { if (process.env.DEBUG_BROWSER) console.log(login, m.type(), m.text()); if (/Content Security Policy|Refused to/i.test(m.text())) cspErrors.push(m.text()) })
  await page.goto(`${base}/login`)
  await page.fill('input[name="login"]', login)
  await page.click('form.local button')
  await page.waitForURL(`${base}/`)
  return { context, page, cspErrors }
}

const messageTexts = (page: Page) => page.locator('#messages article .body').allInnerTexts()

describe('one person in two browsers', () => {
  it('signs the other browser out from the sessions page, and its open room says why at once', async () => {
    const here = await person('jo')
    const there = await person('jo')
    await here.page.fill('#room-name', 'Two browsers')
    await here.page.click('form[action="/rooms"] button')
    await here.page.waitForURL(/\/rooms\/two-browsers$/)
    await there.page.goto(`${base}/rooms/two-browsers`)
    await there.page.locator('#conn[data-state="connected"]').waitFor()

    await here.page.click('a[href="/sessions"]')
    await here.page.locator('#sessions li').nth(1).waitFor()
    expect(await here.page.locator('#sessions li').count()).toBe(2)
    await here.page.click('form[action="/sessions/end-others"] button')
    await here.page.locator('.notice', { hasText: 'Signed out 1 other session.' }).waitFor()

    const conn = there.page.locator('#conn')
    await there.page.locator('#conn[data-state="closed"]', { hasText: 'This session was signed out from another tab or device.' }).waitFor({ timeout: 2000 })
    await new Promise((r) => setTimeout(r, 1500))
    expect(await conn.getAttribute('data-state')).toBe('closed')
    await there.page.reload()
    expect(there.page.url()).toBe(`${base}/login`)
    await Promise.all([here.context.close(), there.context.close()])
  })
})

describe('two people in a browser', () => {
  it('chat live without reloading, and both come back on their own after a server restart', async () => {
    const alice = await person('alice')
    const bob = await person('bob')

    await alice.page.fill('#room-name', 'Browser room')
    await alice.page.click('form[action="/rooms"] button')
    await alice.page.waitForURL(/\/rooms\/browser-room$/)
    await bob.page.reload()
    await bob.page.click('#public-rooms form button')
    await bob.page.waitForURL(/\/rooms\/browser-room$/)
    for (const p of [alice.page, bob.page]) await p.locator('#conn[data-state="connected"]').waitFor()

    await alice.page.locator('#members li.online', { hasText: '@bob' }).waitFor()
    await bob.page.locator('#composer textarea').type('hi al')
    await alice.page.locator('#typing', { hasText: 'bob is typing…' }).waitFor()
    await bob.page.locator('#composer textarea').fill('')

    const composer = alice.page.locator('#composer textarea')
    await composer.fill('hello bob')
    await composer.press('Enter')
    await bob.page.locator('#messages article', { hasText: 'hello bob' }).waitFor()
    await alice.page.locator('#messages article', { hasText: 'hello bob' }).waitFor()
    expect(await composer.inputValue()).toBe('')
    expect(await alice.page.evaluate(() => document.activeElement?.id)).toBe('body')

    await composer.type('line one')
    await composer.press('Shift+Enter')
    await composer.type('line two')
    await composer.press('Enter')
    await bob.page.locator('#messages article', { hasText: 'line two' }).waitFor()
    expect(await messageTexts(bob.page)).toEqual(['hello bob', 'line one\nline two'])
    expect(await messageTexts(alice.page)).toEqual(['hello bob', 'line one\nline two'])
    expect(await bob.page.locator('#messages time[data-local]').count()).toBe(2)
    expect(await alice.page.locator('#messages article.mine').count()).toBe(2)
    expect(await bob.page.locator('#messages article.mine').count()).toBe(0)

    await world.server.close()
    try {
      for (const p of [alice.page, bob.page]) await p.locator('#conn[data-state="reconnecting"]').waitFor()
    } finally {
      world.server = await world.start()
    }
    const cookie = (await alice.context.cookies()).find((c) => c.name === 'rtc_session')!
    const sent = await fetch(`${base}/rooms/browser-room/messages`, {
      method: 'POST',
      headers: { cookie: `rtc_session=${cookie.value}`, origin: base, 'hx-request': 'true' },
      body: new URLSearchParams({ body: 'sent during the restart', nonce: crypto.randomUUID() }),
    })
    expect(sent.status).toBe(200)
    for (const p of [alice.page, bob.page]) {
      await p.locator('#messages article', { hasText: 'sent during the restart' }).waitFor({ timeout: 20_000 })
      await p.locator('#conn[data-state="connected"]').waitFor()
      expect(await messageTexts(p)).toEqual(['hello bob', 'line one\nline two', 'sent during the restart'])
    }
    expect([...alice.cspErrors, ...bob.cspErrors]).toEqual([])
    await alice.context.close()
    await bob.context.close()
  }, 90_000)

  it('shows a refused message\'s reason beside the composer and keeps the text', async () => {
    const carol = await person('carol')
    await carol.page.fill('#room-name', 'Refusals')
    await carol.page.click('form[action="/rooms"] button')
    await carol.page.waitForURL(/\/rooms\/refusals$/)
    const text = 'x'.repeat(4001)
    await carol.page.locator('#composer textarea').evaluate((el, t) => { (el as HTMLTextAreaElement).removeAttribute('maxlength'); (el as HTMLTextAreaElement).value = t }, text)
    await carol.page.locator('#composer textarea').press('Enter')
    await carol.page.locator('#composer-error', { hasText: 'at most 4000 characters' }).waitFor()
    expect(await carol.page.locator('#composer textarea').inputValue()).toBe(text)
    expect(await carol.page.locator('#messages article').count()).toBe(0)
    await carol.context.close()
  })

  it('loads older history as the reader scrolls up, in order', async () => {
    const dave = await person('dave')
    await dave.page.fill('#room-name', 'Long history')
    await dave.page.click('form[action="/rooms"] button')
    await dave.page.waitForURL(/\/rooms\/long-history$/)
    const cookie = (await dave.context.cookies()).find((c) => c.name === 'rtc_session')!
    for (let i = 0; i < 120; i++) {
      await fetch(`${base}/rooms/long-history/messages`, {
        method: 'POST', headers: { cookie: `rtc_session=${cookie.value}`, origin: base, 'hx-request': 'true' },
        body: new URLSearchParams({ body: `n${i}`, nonce: crypto.randomUUID() }),
      })
    }
    await dave.page.reload()
    await dave.page.locator('#conn[data-state="connected"]').waitFor()
    for (let round = 0; round < 10 && (await dave.page.locator('#messages article').count()) < 120; round++) {
      await dave.page.locator('#scroller').evaluate((el) => { el.scrollTop = -el.scrollHeight })
      await dave.page.waitForTimeout(300)
    }
    expect(await messageTexts(dave.page)).toEqual(Array.from({ length: 120 }, (_, i) => `n${i}`))
    await dave.page.locator('#older', { hasText: 'This is the beginning of the room.' }).waitFor()
    await dave.context.close()
  }, 60_000)

  it('loads the room\'s newest page when more came while it was offline than a socket replays', async () => {
    const erin = await person('erin')
    await erin.page.fill('#room-name', 'Busy while away')
    await erin.page.click('form[action="/rooms"] button')
    await erin.page.waitForURL(/\/rooms\/busy-while-away$/)
    await erin.page.locator('#conn[data-state="connected"]').waitFor()
    const cookie = (await erin.context.cookies()).find((c) => c.name === 'rtc_session')!
    // Offline, the tab cannot reconnect; a restart closes the socket it has.
    await erin.context.setOffline(true)
    await world.server.close()
    try {
      await erin.page.locator('#conn[data-state="reconnecting"]').waitFor()
    } finally {
      world.server = await world.start()
    }
    const send = (body: string) => fetch(`${base}/rooms/busy-while-away/messages`, {
      method: 'POST', headers: { cookie: `rtc_session=${cookie.value}`, origin: base, 'hx-request': 'true' },
      body: new URLSearchParams({ body, nonce: crypto.randomUUID() }),
    })
    for (let i = 0; i < 26; i++) await Promise.all(Array.from({ length: 20 }, (_, j) => send(`away ${i * 20 + j}`)))
    await erin.page.evaluate(() => { (window as unknown as { before: boolean }).before = true })
    await erin.context.setOffline(false)
    // The reconnect is refused as too far behind: the page loads afresh (the marker set above is gone) with the newest.
    await erin.page.waitForFunction(() => !(window as unknown as { before?: boolean }).before, undefined, { timeout: 30_000 })
    await erin.page.locator('#messages article', { hasText: 'away 519' }).waitFor()
    await erin.page.locator('#conn[data-state="connected"]').waitFor()
    expect(erin.cspErrors).toEqual([])
    await erin.context.close()
  }, 90_000)

  it('never lets htmx evaluate a string, even one planted in the page', async () => {
    const eve = await person('eve')
    const result = await eve.page.evaluate(async () => {
      const w = window as unknown as { htmx: { process(e: Element): void }; pwned?: number }
      const button = document.createElement('button')
      button.setAttribute('hx-on:click', 'window.pwned = 1')
      document.body.append(button)
      w.htmx.process(button)
      button.click()
      await new Promise((r) => setTimeout(r, 100))
      return w.pwned
    })
    expect(result).toBeUndefined()
    await eve.context.close()
  })
})
