import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it, onTestFinished as onTeardown } from 'vitest'
import { browserWorld, CHROMIUM, type BrowserWorld } from './support/browser.ts'
import { createRoom, DESKTOP, postMessages, signedIn, type Person } from './support/people.ts'
import { pushEnv, startPushService, type Subscriber } from './support/pushService.ts'

let world: BrowserWorld
let push: Awaited<ReturnType<typeof startPushService>>
beforeAll(async () => {
  world = await browserWorld(pushEnv().env)
  push = await startPushService()
})
afterAll(async () => {
  await world?.close()
  await push?.close()
})

/** Hands a stand-in browser subscription to the server with the page's session, as the settings page would. */
async function subscribe(page: Page, subscriber: Subscriber) {
  const res = await page.request.post(`${world.base}/push/subscriptions`, {
    headers: { origin: world.base, 'content-type': 'application/json' }, data: JSON.stringify(subscriber.json),
  })
  expect(res.status()).toBe(201)
}

/** The instance's decision for one message: who was present, how many pushes went out. */
async function pushesDone(messageId: string) {
  const deadline = Date.now() + 15_000
  while (Date.now() < deadline) {
    for (const line of world.logs.lines) {
      if (!line.includes('"pushes done"')) continue
      const entry = JSON.parse(line) as { msg: string; messageId?: string; pushed: number; present: number }
      if (entry.messageId === messageId) return entry
    }
    await new Promise((r) => setTimeout(r, 25))
  }
  throw new Error(`no "pushes done" for message ${messageId}`)
}

/** Sends as `author` over HTTP; answers the new message's id. */
async function send(author: Page, room: string, body: string) {
  const res = await author.request.post(`${world.base}${room}/messages`, { headers: { origin: world.base, 'hx-request': 'true' }, form: { body, nonce: crypto.randomUUID() } })
  expect(res.status()).toBe(200)
  return /data-key="(\d+)"/.exec(await res.text())![1]!
}

/** A tab hidden (or shown again) as the browser does when another tab or window covers it. */
const setHidden = (page: Page, hidden: boolean) => page.evaluate((h) => {
  Object.defineProperty(document, 'visibilityState', { value: h ? 'hidden' : 'visible', configurable: true })
  Object.defineProperty(document, 'hidden', { value: h, configurable: true })
  document.dispatchEvent(new Event('visibilitychange'))
}, hidden)

describe('installing rtc', () => {
  it('serves a manifest whose icons load at their sizes, the page links it, and Chromium finds nothing in the way of installing', async () => {
    // A profile on disk: Chromium never offers to install from an incognito (throwaway) context.
    const profile = await mkdtemp(join(tmpdir(), 'rtc-install-'))
    const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, viewport: DESKTOP, args: ['--no-sandbox', '--disable-gpu'] })
    onTeardown(async () => { await context.close(); await rm(profile, { recursive: true, force: true }) })
    const page = context.pages()[0] ?? await context.newPage()
    await page.goto(`${world.base}/login`)
    const seen = await page.evaluate(async () => {
      const res = await fetch('/manifest.webmanifest', { credentials: 'omit' })
      const manifest = await res.json() as { icons: { src: string; sizes: string; purpose: string }[] } & Record<string, unknown>
      const size = (src: string) => new Promise<[number, number]>((resolve, reject) => {
        const img = new Image()
        img.onload = () => resolve([img.naturalWidth, img.naturalHeight])
        img.onerror = () => reject(new Error(`${src} did not load`))
        img.src = src
      })
      const touch = document.querySelector<HTMLLinkElement>('link[rel="apple-touch-icon"]')!.href
      return {
        type: res.headers.get('content-type'),
        manifest,
        icons: await Promise.all(manifest.icons.map(async (i) => ({ sizes: i.sizes, purpose: i.purpose, natural: await size(i.src) }))),
        touch: await size(touch),
        linked: document.querySelector<HTMLLinkElement>('link[rel="manifest"]')?.getAttribute('href'),
        themes: Array.from(document.querySelectorAll('meta[name="theme-color"]')).map((m) => [m.getAttribute('media'), m.getAttribute('content')]),
      }
    })
    expect(seen.type).toBe('application/manifest+json')
    expect(seen.manifest).toMatchObject({ id: '/', name: 'rtc', short_name: 'rtc', start_url: '/', scope: '/', display: 'standalone', theme_color: '#ffffff' })
    expect(seen.icons).toEqual([
      { sizes: '192x192', purpose: 'any', natural: [192, 192] },
      { sizes: '512x512', purpose: 'any', natural: [512, 512] },
      { sizes: '512x512', purpose: 'maskable', natural: [512, 512] },
    ])
    expect(seen.touch).toEqual([180, 180])
    expect(seen.linked).toBe('/manifest.webmanifest')
    expect(seen.themes).toEqual([['(prefers-color-scheme: light)', '#ffffff'], ['(prefers-color-scheme: dark)', '#171b22']])

    // The service worker takes the page, and Chromium reads the manifest as installable.
    await page.evaluate(async () => { await navigator.serviceWorker.ready })
    const cdp = await context.newCDPSession(page)
    const { errors: manifestErrors } = await cdp.send('Page.getAppManifest')
    expect(manifestErrors).toEqual([])
    const deadline = Date.now() + 10_000
    let installability = await cdp.send('Page.getInstallabilityErrors')
    while (installability.installabilityErrors.length > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200))
      installability = await cdp.send('Page.getInstallabilityErrors')
    }
    expect(installability.installabilityErrors).toEqual([])
  })

  it('shows the offline page for a page opened while the network is away', async () => {
    const { context, page } = await signedIn(world, 'ola')
    await page.evaluate(async () => { await navigator.serviceWorker.ready })
    await page.reload()
    await page.waitForFunction(() => navigator.serviceWorker.controller !== null)
    await context.setOffline(true)
    await page.goto(`${world.base}/settings`).catch(() => {})
    await page.locator('h1', { hasText: 'You are offline' }).waitFor()
    expect(await page.locator('.offline-page img').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(192)
    expect(await page.locator('a.button', { hasText: 'Try again' }).getAttribute('href')).toBe('/')
    // Back online, the page loads what was asked for by itself.
    await context.setOffline(false)
    await page.locator('h1', { hasText: 'Settings' }).waitFor({ timeout: 10_000 })
    expect(page.url()).toBe(`${world.base}/settings`)
    await context.close()
  })

  it('turns the browser\'s install offer into a button on the settings page, and says how to install on an iPhone', async () => {
    const { context, page, pageErrors } = await signedIn(world, 'ivy')
    await page.goto(`${world.base}/settings`)
    expect(await page.locator('#install-app').isHidden()).toBe(true)
    expect(await page.locator('.install-steps').innerText()).toMatch(/iPhone and iPad: open this page in Safari, tap Share .*then Add to Home Screen/)
    await page.evaluate(() => {
      const offer = Object.assign(new Event('beforeinstallprompt', { cancelable: true }), {
        prompt: async () => { (window as unknown as { prompted: boolean }).prompted = true },
        userChoice: Promise.resolve({ outcome: 'accepted' }),
      })
      window.dispatchEvent(offer)
      ;(window as unknown as { offered: boolean }).offered = offer.defaultPrevented
    })
    expect(await page.evaluate(() => (window as unknown as { offered: boolean }).offered)).toBe(true)
    await page.click('#install-app')
    await page.waitForFunction(() => (window as unknown as { prompted?: boolean }).prompted === true)
    await page.locator('#install-app').waitFor({ state: 'hidden' })
    await page.evaluate(() => window.dispatchEvent(new Event('appinstalled')))
    await page.locator('#install-state', { hasText: 'rtc is installed' }).waitFor()
    expect(pageErrors).toEqual([])
    await context.close()
  })
})

describe('a room\'s notification level in Chromium', () => {
  let amy: Person, ben: Person
  let room: string, other: string
  beforeAll(async () => {
    ;[amy, ben] = [await signedIn(world, 'amy'), await signedIn(world, 'ben')]
    room = await createRoom(world, amy.page, 'Household')
    other = await createRoom(world, amy.page, 'Garden')
    for (const r of [room, other]) {
      const joined = await ben.page.request.post(`${world.base}${r}/join`, { headers: { origin: world.base }, maxRedirects: 0 })
      expect(joined.status()).toBe(303)
    }
  })
  afterAll(async () => {
    await amy?.context.close()
    await ben?.context.close()
  })

  it('sets a level from the room\'s header in place; the sidebar and the person\'s other tab follow, and every message counts like a mention', async () => {
    const tab = ben.page
    await tab.goto(`${world.base}${room}`)
    await tab.locator('#conn[data-state="connected"]').waitFor()
    const second = await ben.context.newPage()
    await second.goto(`${world.base}${other}`)
    await second.locator('#conn[data-state="connected"]').waitFor()
    expect(await tab.locator('#notify-level summary').innerText()).toContain('Mentions')

    await tab.click('#notify-level summary')
    await tab.click('#notify-level button[value="all"]')
    await tab.locator('#notify-level summary', { hasText: 'Every message' }).waitFor()
    expect(await tab.locator('#notify-level button[value="all"]').getAttribute('aria-pressed')).toBe('true')
    expect(await tab.locator('#notify-level').getAttribute('open')).toBeNull()
    expect(await tab.evaluate(() => document.activeElement?.matches('#notify-level summary'))).toBe(true)
    const entry = (p: Page) => p.locator(`#side-rooms a[href="${room}"]`)
    expect(await entry(tab).getAttribute('data-level')).toBe('all')
    // The other tab hears of it over its socket.
    await expect.poll(() => entry(second).getAttribute('data-level'), { timeout: 10_000 }).toBe('all')

    // A message there, seen from the other room: its count stands out like a mention. (The first tab, hidden, reads nothing.)
    await setHidden(tab, true)
    await postMessages(world, amy.page, room, ['the plumber comes at ten'])
    await expect.poll(() => entry(second).locator('.side-unread').getAttribute('data-unread'), { timeout: 10_000 }).toBe('1')
    const style = (selector: string) => second.locator(selector).evaluate((el) => getComputedStyle(el).backgroundColor)
    // (A mention's badge keeps its colours while hidden.)
    expect(await style(`#side-rooms a[href="${room}"] .side-unread`)).toBe(await style(`#side-rooms a[href="${other}"] .side-mentions`))
    expect(await style(`#side-rooms a[href="${room}"] .side-unread`)).not.toBe('rgba(0, 0, 0, 0)')

    // Opened in the other tab, the same room's menu shows the level; a change there reaches the first tab's menu.
    await second.goto(`${world.base}${room}`)
    expect(await second.locator('#notify-level summary').innerText()).toContain('Every message')
    await second.click('#notify-level summary')
    await second.click('#notify-level button[value="none"]')
    await second.locator('#notify-level summary', { hasText: 'Nothing' }).waitFor()
    await tab.locator('#notify-level summary', { hasText: 'Nothing' }).waitFor({ timeout: 10_000 })
    expect(await tab.locator('#notify-level button[value="none"]').getAttribute('aria-pressed')).toBe('true')
    await second.click('#notify-level summary')
    await second.keyboard.press('Escape')
    expect(await second.locator('#notify-level').getAttribute('open')).toBeNull()
    expect(ben.pageErrors).toEqual([])
    await second.close()
  })

  it('works without JavaScript: the menu opens, a choice is a form post, and the room comes back with it', async () => {
    const context = await world.chromium.browser.newContext({ viewport: DESKTOP, javaScriptEnabled: false })
    const page = await context.newPage()
    await page.goto(`${world.base}/login`)
    await page.fill('input[name="login"]', 'ben')
    await page.click('form.local button')
    await page.waitForURL(`${world.base}/`)
    await page.goto(`${world.base}${room}`)
    await page.click('#notify-level summary')
    await page.click('#notify-level button[value="mentions"]')
    await page.waitForURL(`${world.base}${room}`)
    expect(await page.locator('#notify-level').getAttribute('data-level')).toBe('mentions')
    expect(await page.locator(`#side-rooms a[href="${room}"]`).getAttribute('data-level')).toBe('mentions')
    await context.close()
  })
})

describe('Web Push while the desktop tab is away', () => {
  it('sends nothing while a tab is shown and used, pushes once it is hidden, and a room set to every message pushes every one', async () => {
    const [cat, dan] = [await signedIn(world, 'cat'), await signedIn(world, 'dan')]
    const room = await createRoom(world, cat.page, 'Desk and phone')
    await dan.page.request.post(`${world.base}${room}/join`, { headers: { origin: world.base } })
    const phone = push.subscriber('dan-phone')
    await subscribe(dan.page, phone)
    await dan.page.goto(`${world.base}${room}`)
    await dan.page.locator('#conn[data-state="connected"]').waitFor()

    /** Mentions dan until the instance decides he is `present` (or away); answers that decision. */
    const mentionUntil = async (present: boolean, body = '@dan are you there?') => {
      const deadline = Date.now() + 15_000
      for (;;) {
        const done = await pushesDone(await send(cat.page, room, body))
        if ((done.present === 1) === present) return done
        if (Date.now() > deadline) throw new Error(`dan never counted as ${present ? 'present' : 'away'}`)
      }
    }
    // The tab that opened and is shown: dan is at his desk, his phone stays quiet.
    const looking = await mentionUntil(true)
    expect(looking.pushed).toBe(0)
    const before = push.to(phone).length
    await setHidden(dan.page, true)
    const away = await mentionUntil(false, '@dan you left your desk')
    expect(away.pushed).toBe(1)
    expect(push.to(phone).length).toBe(before + 1)
    expect(JSON.parse(phone.decrypt(push.to(phone).at(-1)!.body))).toMatchObject({ body: '@dan you left your desk', title: 'cat in Desk and phone' })

    // Set to every message, a message with no mention reaches the phone too; to nothing, not even a mention.
    await setHidden(dan.page, false)
    await dan.page.click('#notify-level summary')
    await dan.page.click('#notify-level button[value="all"]')
    await dan.page.locator('#notify-level summary', { hasText: 'Every message' }).waitFor()
    await setHidden(dan.page, true)
    expect((await pushesDone(await send(cat.page, room, 'lunch is ready'))).pushed).toBe(1)
    await setHidden(dan.page, false)
    await dan.page.click('#notify-level summary')
    await dan.page.click('#notify-level button[value="none"]')
    await dan.page.locator('#notify-level summary', { hasText: 'Nothing' }).waitFor()
    await setHidden(dan.page, true)
    expect((await pushesDone(await send(cat.page, room, '@dan still nothing'))).pushed).toBe(0)
    expect(dan.pageErrors).toEqual([])
    for (const p of [cat, dan]) await p.context.close()
  })

  it('sends a test notification from the settings page and says how many browsers it reached', async () => {
    const eve = await signedIn(world, 'eve')
    await eve.page.goto(`${world.base}/settings`)
    await eve.page.click('#push-test button')
    await eve.page.locator('#push-test .notice', { hasText: 'No browser of yours gets push notifications yet' }).waitFor()
    const browser = push.subscriber('eve')
    await subscribe(eve.page, browser)
    await eve.page.click('#push-test button')
    await eve.page.locator('#push-test .notice', { hasText: 'Sent: it reached 1 browser of yours.' }).waitFor()
    expect(push.to(browser)).toHaveLength(1)
    expect(JSON.parse(browser.decrypt(push.to(browser)[0]!.body))).toMatchObject({ title: 'rtc: test notification', url: '/settings' })
    expect(eve.pageErrors).toEqual([])
    await eve.context.close()
  })
})
