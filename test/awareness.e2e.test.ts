import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { browserWorld, type BrowserWorld } from './support/browser.ts'

// Awareness across rooms (issue 13) in Chromium: the live sidebar, the title count, read markers
// shared between tabs, mentions, the "new messages" divider and jump to latest.

let world: BrowserWorld
let base: string
beforeAll(async () => {
  world = await browserWorld()
  base = world.base
})
afterAll(() => world?.close())

interface Person { context: BrowserContext; page: Page; errors: string[]; open(path: string): Promise<Page> }

async function person(login: string): Promise<Person> {
  const context = await world.chromium.browser.newContext({ viewport: { width: 1280, height: 800 } })
  context.setDefaultTimeout(8_000)
  const errors: string[] = []
  const open = async (path: string) => {
    const page = await context.newPage()
    page.on('pageerror', (err) => errors.push(err.message))
    await page.goto(`${base}${path}`)
    return page
  }
  const page = await open('/login')
  await page.fill('input[name="login"]', login)
  await page.click('form.local button')
  await page.waitForURL(`${base}/`)
  return { context, page, errors, open }
}

/** A room made over HTTP from the person's page (same cookies), joined by the others. */
async function room(owner: Person, name: string, ...joiners: Person[]): Promise<string> {
  const res = await owner.page.request.post(`${base}/rooms`, { form: { name, visibility: 'public' }, headers: { origin: base }, maxRedirects: 0 })
  const path = res.headers().location!
  for (const p of joiners) await p.page.request.post(`${base}${path}/join`, { headers: { origin: base }, maxRedirects: 0 })
  return path
}

let nonce = 0
async function post(p: Person, path: string, body: string) {
  const res = await p.page.request.post(`${base}${path}/messages`, { form: { body, nonce: `e2e-${++nonce}` }, headers: { origin: base }, maxRedirects: 0 })
  expect(res.status()).toBe(303)
}

const badge = (page: Page, path: string) => page.locator(`#side-rooms a[href="${path}"] [data-unread]`)
const mentions = (page: Page, path: string) => page.locator(`#side-rooms a[href="${path}"] [data-mentions]`)
/** Sidebar changes reach a tab at most once a second: polls wait longer than expect.poll's default second. */
const eventually = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 8_000 })
const live = (page: Page) => page.locator('#conn[data-state="connected"]').waitFor()

describe('awareness across rooms', () => {
  it('raises another room\'s badge, the title and the mention count live, and a direct room appears', async () => {
    const [alice, bob, carl] = [await person('alice'), await person('bob'), await person('carl')]
    const a = await room(alice, 'Room A', bob)
    const b = await room(alice, 'Room B', bob)
    const reading = await bob.open(a)
    await live(reading)
    expect(await reading.title()).toBe('Room A · rtc')
    await eventually(() => badge(reading, b).getAttribute('data-unread')).toBe('0')

    await post(alice, b, 'first in B')
    await post(alice, b, 'hello @bob, look')
    await eventually(() => badge(reading, b).getAttribute('data-unread')).toBe('2')
    await eventually(() => mentions(reading, b).getAttribute('data-mentions')).toBe('1')
    expect(await badge(reading, b).textContent()).toBe('2')
    expect(await reading.title()).toBe('(2) Room A · rtc')
    await eventually(() => reading.locator(`#side-rooms a[href="${a}"]`).getAttribute('aria-current')).toBe('page')

    // A direct room started by someone new shows up at once.
    const dm = await carl.page.request.post(`${base}/direct-rooms`, { form: { login: 'bob' }, headers: { origin: base }, maxRedirects: 0 })
    const dmPath = dm.headers().location!
    await reading.locator(`#side-rooms a[href="${dmPath}"]`, { hasText: 'carl' }).waitFor()
    await post(carl, dmPath, 'psst')
    await eventually(() => badge(reading, dmPath).getAttribute('data-unread')).toBe('1')
    await eventually(() => reading.title()).toBe('(3) Room A · rtc')

    // Opening B from the sidebar (never the lobby): the mention is marked for bob, and reading it clears the counts.
    await reading.click(`#side-rooms a[href="${b}"]`)
    await reading.waitForURL(`${base}${b}`)
    await reading.locator('.mention.me[data-login="bob"]', { hasText: '@bob' }).waitFor()
    expect(await reading.locator('article.mentions-me').count()).toBe(1)
    await eventually(() => badge(reading, b).getAttribute('data-unread')).toBe('0')
    await eventually(() => reading.title()).toBe('(1) Room B · rtc')
    expect(bob.errors).toEqual([])
    for (const p of [alice, bob, carl]) await p.context.close()
  })

  it('clears a badge on the first tab when the room is read on a second', async () => {
    const [dora, eli] = [await person('dora'), await person('eli')]
    const a = await room(dora, 'Tabs A', eli)
    const b = await room(dora, 'Tabs B', eli)
    const first = await eli.open(a)
    await live(first)
    await post(dora, b, 'unread on tab one')
    await eventually(() => badge(first, b).getAttribute('data-unread')).toBe('1')
    const second = await eli.open(b)
    await second.locator('#messages article', { hasText: 'unread on tab one' }).waitFor()
    await eventually(() => badge(first, b).getAttribute('data-unread')).toBe('0')
    await eventually(() => first.title()).toBe('Tabs A · rtc')
    expect(eli.errors).toEqual([])
    for (const p of [dora, eli]) await p.context.close()
  })

  it('puts a divider above the first unread message, and offers to jump to the latest instead of moving a reader who scrolled up', async () => {
    const [fred, gina] = [await person('fred'), await person('gina')]
    const a = await room(fred, 'Divider', gina)
    const lobby = await room(fred, 'Elsewhere', gina)
    for (let i = 0; i < 3; i++) await post(gina, a, `seen ${i}`)
    const tab = await fred.open(a)
    await live(tab)
    // The newest was on screen in a visible tab: the page reported it read.
    await eventually(() => badge(tab, a).getAttribute('data-unread')).toBe('0')
    await tab.goto(`${base}${lobby}`)
    for (let i = 0; i < 30; i++) await post(gina, a, `unseen ${i}`)
    await tab.goto(`${base}${a}`)
    const divided = tab.locator('article.first-unread')
    expect(await divided.count()).toBe(1)
    expect(await divided.textContent()).toContain('unseen 0')
    await live(tab)

    await tab.locator('#scroller').evaluate((el) => { el.scrollTop = -el.scrollHeight })
    await post(gina, a, 'while scrolled up 1')
    await post(gina, a, 'while scrolled up 2')
    // Both arrive (however slowly a loaded box delivers them), and the control counts both.
    for (const text of ['while scrolled up 1', 'while scrolled up 2']) await tab.locator('#messages article', { hasText: text }).waitFor({ timeout: 20_000 })
    await eventually(() => tab.locator('#jump').textContent()).toBe('2 new messages — jump to latest')
    expect(await tab.locator('#jump').isVisible()).toBe(true)
    expect(await tab.locator('#scroller').evaluate((el) => el.scrollTop)).toBeLessThan(-200)
    await tab.click('#jump')
    await tab.locator('#jump').waitFor({ state: 'hidden' })
    expect(await tab.locator('#scroller').evaluate((el) => el.scrollTop)).toBeGreaterThan(-120)
    expect(fred.errors).toEqual([])
    for (const p of [fred, gina]) await p.context.close()
  })
})

describe('a hidden tab', () => {
  it('keeps its socket and raises a desktop notification for a mention in another room, once allowed', async () => {
    const [alice, bob] = [await person('hana'), await person('ivo')]
    const a = await room(alice, 'Quiet room', bob)
    const b = await room(alice, 'Busy room', bob)
    await bob.context.grantPermissions(['notifications'], { origin: base })
    const reading = await bob.open(a)
    await live(reading)
    // Record notifications instead of showing them, then hide the tab as a browser does when it goes to the background.
    await reading.evaluate(() => {
      const shown: { title: string; body: string }[] = []
      ;(window as unknown as { shown: typeof shown }).shown = shown
      class Recorded { static permission = 'granted'; onclick: unknown = null; constructor(title: string, options: { body: string }) { shown.push({ title, body: options.body }) } }
      Object.defineProperty(window, 'Notification', { value: Recorded, configurable: true })
      Object.defineProperty(document, 'visibilityState', { value: 'hidden', configurable: true })
      Object.defineProperty(document, 'hidden', { value: true, configurable: true })
      document.dispatchEvent(new Event('visibilitychange'))
    })
    await post(alice, b, 'are you there @ivo?')
    await eventually(() => reading.evaluate(() => (window as unknown as { shown: { title: string; body: string }[] }).shown.length)).toBe(1)
    const [shown] = await reading.evaluate(() => (window as unknown as { shown: { title: string; body: string }[] }).shown)
    expect(shown).toEqual({ title: 'Busy room', body: '1 unread mention of you' })
    expect(await reading.locator('#conn').getAttribute('data-state')).toBe('connected')
    expect(bob.errors).toEqual([])
  })
})
