import type { BrowserContext, Page, Request } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { browserWorld, type BrowserWorld } from './support/browser.ts'
import { pushEnv, startPushService } from './support/pushService.ts'

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

async function signedIn(login: string, grant: boolean): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await world.chromium.browser.newContext()
  if (grant) await context.grantPermissions(['notifications'], { origin: world.base })
  const page = await context.newPage()
  const errors: string[] = []
  page.on('console', (m) => { if (/Content Security Policy|Refused to/i.test(m.text())) errors.push(m.text()) })
  await page.goto(`${world.base}/login`)
  await page.fill('input[name="login"]', login)
  await page.click('form.local button')
  await page.waitForURL(`${world.base}/`)
  return { context, page, errors }
}

describe('the settings page in Chromium', () => {
  it('saves the notification choice in place, and a room set to nothing from its page is listed', async () => {
    const { context, page, errors } = await signedIn('sam', false)
    await page.click('a[href="/settings"]')
    await page.waitForURL(`${world.base}/settings`)
    expect(await page.isChecked('input[name="choice"][value="all"]')).toBe(true)
    await page.check('input[name="choice"][value="mentions"]')
    await page.click('#notify-choice button[type="submit"]')
    await page.locator('#notify-choice .notice', { hasText: 'Saved.' }).waitFor()
    expect(page.url()).toBe(`${world.base}/settings`)
    await page.reload()
    expect(await page.isChecked('input[name="choice"][value="mentions"]')).toBe(true)

    await page.goto(`${world.base}/`)
    await page.fill('#room-name', 'Quiet room')
    await page.click('form[action="/rooms"] button')
    await page.waitForURL(/\/rooms\/quiet-room$/)
    await page.click('#notify-level summary')
    await page.click('#notify-level button[value="none"]')
    await page.locator('#notify-level summary', { hasText: 'Nothing' }).waitFor()
    await page.goto(`${world.base}/settings`)
    expect(await page.locator('.room-levels li').allInnerTexts()).toEqual(['Quiet room: Nothing'])
    expect(errors).toEqual([])
    await context.close()
  })

  it('asks for permission on a click, registers the service worker for the whole origin, posts the subscription, the worker shows a push, and Stop deletes it', async () => {
    const { context, page, errors } = await signedIn('tess', true)
    // Headless Chromium has no push service: its own subscribe() fails ("AbortError: Registration failed -
    // permission denied", even with notifications and push granted). So the page's own code runs up to
    // subscribe(), and a stand-in subscription for the loopback push endpoint takes the push service's place.
    const stand = push.subscriber('tess').json
    await page.addInitScript((json) => {
      const subscription = { ...json, toJSON: () => json, unsubscribe: async () => { sessionStorage.removeItem('subscribed'); return true } }
      PushManager.prototype.subscribe = async () => { sessionStorage.setItem('subscribed', '1'); return subscription as unknown as PushSubscription }
      PushManager.prototype.getSubscription = async () => (sessionStorage.getItem('subscribed') ? subscription as unknown as PushSubscription : null)
    }, stand)
    await page.goto(`${world.base}/settings`)
    expect(await page.evaluate(() => Notification.permission)).toBe('granted')
    const posted = page.waitForRequest((r: Request) => r.url() === `${world.base}/push/subscriptions` && r.method() === 'POST')
    await page.click('#push-enable')
    expect(JSON.parse((await posted).postData()!)).toEqual(stand)
    await page.locator('#push-state', { hasText: 'This browser gets push notifications (1 browser of yours in all).' }).waitFor()
    const scope = await page.evaluate(async () => (await navigator.serviceWorker.ready).scope)
    expect(scope).toBe(`${world.base}/`)

    // A push delivered to the service worker (through DevTools, in the push service's place) becomes a notification.
    const cdp = await context.newCDPSession(page)
    const registrations = new Promise<string>((resolve) => cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations: r }) => {
      const ours = r.find((x) => x.scopeURL === `${world.base}/` && !x.isDeleted)
      if (ours) resolve(ours.registrationId)
    }))
    await cdp.send('ServiceWorker.enable')
    const payload = { title: 'ann in Plans', body: 'hi @tess', url: '/rooms/plans#m-7', tag: 'rtc-plans', room: 'plans', author: 'ann' }
    await cdp.send('ServiceWorker.deliverPushMessage', { origin: world.base, registrationId: await registrations, data: JSON.stringify(payload) })
    const shown = async () => page.evaluate(async () => (await (await navigator.serviceWorker.ready).getNotifications())
      .map((n) => ({ title: n.title, body: n.body, tag: n.tag, url: (n.data as { url: string }).url })))
    const deadline = Date.now() + 5000
    while ((await shown()).length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    expect(await shown()).toEqual([{ title: 'ann in Plans', body: 'hi @tess', tag: 'rtc-plans', url: '/rooms/plans#m-7' }])

    // Signed out, the subscription ended with its session on the server; signed in again, the first page hands it back.
    await page.click('form.whoami button[type="submit"]')
    await page.waitForURL(`${world.base}/login`)
    await page.fill('input[name="login"]', 'tess')
    const handedBack = page.waitForResponse((r) => r.url() === `${world.base}/push/subscriptions` && r.request().method() === 'POST')
    await page.click('form.local button')
    await page.waitForURL(`${world.base}/`)
    expect(JSON.parse((await handedBack).request().postData()!)).toEqual(stand)
    expect((await handedBack).status()).toBe(201)
    await page.goto(`${world.base}/settings`)
    expect(await page.locator('#push-state').innerText()).toContain('reach 1 browser of yours')
    await page.locator('#push-disable').waitFor()
    const deleted = page.waitForRequest((r: Request) => r.url() === `${world.base}/push/subscriptions/delete`)
    await page.click('#push-disable')
    expect(JSON.parse((await deleted).postData()!)).toEqual({ endpoint: stand.endpoint })
    await page.locator('#push-state', { hasText: 'This browser no longer gets push notifications.' }).waitFor()
    await page.locator('#push-enable').waitFor()
    expect(errors).toEqual([])
    await context.close()
  })
})
