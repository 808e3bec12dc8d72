import { mkdir } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { browserWorld, type BrowserWorld } from './support/browser.ts'
import { DESKTOP, PHONE } from './support/people.ts'

// The room page in German and a right-to-left conversation (Arabic and Hebrew names, bodies, room name), both
// sizes, both colour schemes: SHOTS_DIR=dir keeps the screenshots to look at.

let world: BrowserWorld
beforeAll(async () => { world = await browserWorld() })
afterAll(() => world?.close())

async function person(login: string, locale: string, viewport = DESKTOP, colorScheme: 'light' | 'dark' = 'light') {
  const context = await world.chromium.browser.newContext({ viewport, locale, colorScheme, extraHTTPHeaders: { 'accept-language': locale } })
  context.setDefaultTimeout(8_000)
  const page = await context.newPage()
  await page.goto(`${world.base}/login`)
  await page.fill('input[name="login"]', login)
  await page.click('form.local button')
  await page.waitForURL(`${world.base}/`)
  return { context, page }
}

describe('the room page in other languages and scripts', () => {
  it('draws German chrome and right-to-left names and bodies isolated, at both sizes, light and dark', async () => {
    const dir = process.env.SHOTS_DIR
    if (dir) await mkdir(dir, { recursive: true })
    const amal = await person('amal', 'de-DE')
    await amal.page.fill('#room-name', 'غرفة العائلة')
    await amal.page.click('form[action="/rooms"] button')
    await amal.page.waitForURL(/\/rooms\//)
    const roomUrl = amal.page.url()
    const send = async (page: typeof amal.page, body: string) => {
      await page.fill('#body', body)
      await page.press('#body', 'Enter')
      await page.locator('#messages .msg .body', { hasText: body.slice(0, 8) }).last().waitFor()
    }
    await amal.page.goto(`${world.base}/profile`)
    await amal.page.fill('#display_name', 'أمل حداد')
    await amal.page.locator('form:has(#display_name) button[type="submit"]').first().click()
    await amal.page.goto(roomUrl)
    await send(amal.page, 'مرحبا بالجميع! كيف حالكم اليوم؟')
    const noa = await person('noa', 'he-IL')
    await noa.page.goto(roomUrl)
    await noa.page.click('form[action$="/join"] button')
    await send(noa.page, 'שלום לכולם, מה שלומכם? (see https://example.org)')
    await send(amal.page, 'Hallo zusammen — mixed: مرحبا and שלום in one line.')
    expect(await amal.page.getAttribute('html', 'lang')).toBe('de')
    expect(await amal.page.locator('#composer button.primary').innerText()).toBe('Senden')
    expect(await noa.page.getAttribute('html', 'lang')).toBe('en')
    // Bodies and names take their own direction; the chrome stays left to right.
    expect(await amal.page.locator('#messages .msg .body').first().evaluate((el) => getComputedStyle(el).direction)).toBe('rtl')
    expect(await amal.page.locator('#body').evaluate((el) => el.getAttribute('dir'))).toBe('auto')
    expect(await amal.page.locator('.room-head h1').evaluate((el) => getComputedStyle(el).direction)).toBe('ltr')
    for (const [name, viewport] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
      for (const scheme of ['light', 'dark'] as const) {
        const reader = await person('amal', 'de-DE', viewport, scheme)
        await reader.page.goto(roomUrl)
        await reader.page.locator('#messages .msg').nth(2).waitFor()
        if (dir) await reader.page.screenshot({ path: `${dir}/room-de-rtl-${name}-${scheme}.png` })
        await reader.context.close()
        const hebrew = await person('noa', 'he-IL', viewport, scheme)
        await hebrew.page.goto(roomUrl)
        await hebrew.page.locator('#messages .msg').nth(2).waitFor()
        if (dir) await hebrew.page.screenshot({ path: `${dir}/room-en-rtl-${name}-${scheme}.png` })
        await hebrew.context.close()
      }
    }
    await amal.context.close()
    await noa.context.close()
  }, 120_000)
})
