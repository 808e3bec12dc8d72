import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { violations } from './support/axe.ts'
import { browserWorld, type BrowserWorld } from './support/browser.ts'

let world: BrowserWorld
beforeAll(async () => {
  world = await browserWorld({ ADMIN_LOGINS: 'axe-admin' })
})
afterAll(() => world?.close())

const SIZES = [{ width: 1280, height: 800 }, { width: 390, height: 844 }] as const

describe('accessibility (axe-core, WCAG 2.2 A/AA)', () => {
  it('finds no violation on the room, lobby, search, settings, admin and invite pages, on a desktop and a phone, light and dark', { timeout: 240_000 }, async () => {
    const setup = await (await world.chromium.browser.newContext()).newPage()
    await setup.goto(`${world.base}/login`)
    await setup.fill('input[name="login"]', 'axe-admin')
    await setup.click('form.local button')
    await setup.waitForURL(`${world.base}/`)
    await setup.fill('#room-name', 'Axe Room')
    await setup.click('form[action="/rooms"] button')
    await setup.waitForURL(/\/rooms\/axe-room$/)
    await setup.locator('#conn[data-state="connected"]').waitFor()
    for (const text of ['Hello **there**, kubernetes is up', 'a `code` span in the second message', 'and a third']) {
      await setup.locator('#composer textarea').fill(text)
      await setup.locator('#composer textarea').press('Enter')
      await setup.locator('#messages article', { hasText: text.slice(-8) }).waitFor()
    }
    const cookies = await setup.context().cookies()
    await setup.context().close()

    const pages = ['/', '/rooms/axe-room', '/search?q=kube', '/settings', '/admin', '/sessions']
    const found: string[] = []
    for (const viewport of SIZES) {
      for (const colorScheme of ['light', 'dark'] as const) {
        const context = await world.chromium.browser.newContext({ viewport, colorScheme })
        await context.addCookies(cookies)
        const page = await context.newPage()
        page.setDefaultTimeout(8000)
        for (const path of pages) {
          await page.goto(`${world.base}${path}`)
          if (path.startsWith('/rooms/')) await page.locator('#conn[data-state="connected"]').waitFor()
          for (const v of await violations(page)) found.push(`${viewport.width}px ${colorScheme} ${path}: ${v}`)
        }
        // A new invite link's page (its QR code), then the sign-in page it leads a signed-out person to.
        await page.goto(`${world.base}/admin#invites`)
        await page.click('form.invite-form button[type="submit"]')
        await page.locator('.invite-created').waitFor()
        for (const v of await violations(page)) found.push(`${viewport.width}px ${colorScheme} invite page: ${v}`)
        const invite = await page.locator('#invite-url').inputValue()
        const visitor = await world.chromium.browser.newContext({ viewport, colorScheme })
        const invited = await visitor.newPage()
        await invited.goto(invite)
        await invited.waitForURL(`${world.base}/login`)
        for (const v of await violations(invited)) found.push(`${viewport.width}px ${colorScheme} invited sign-in: ${v}`)
        await visitor.close()
        await context.close()
      }
    }
    expect(found).toEqual([])
  })
})
