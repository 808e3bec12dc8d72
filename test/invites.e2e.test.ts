import { mkdir } from 'node:fs/promises'
import decodeQR from '@paulmillr/qr/decode.js'
import type { Page } from 'playwright-core'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { browserWorld, type BrowserWorld } from './support/browser.ts'
import { signIn } from './support/chat.ts'
import { DESKTOP, PHONE, signedIn } from './support/people.ts'
import { docsBlock, runShell } from './support/docs.ts'

let world: BrowserWorld
beforeAll(async () => { world = await browserWorld({ ADMIN_LOGINS: 'boss' }) })
afterAll(() => world?.close())

/** What a phone's camera would read: the QR code as the page draws it, decoded from a screenshot. */
async function scan(page: Page): Promise<string> {
  const png = await page.locator('.qr-code').screenshot()
  const { data, info } = await sharp(png).ensureAlpha().raw().toBuffer({ resolveWithObject: true })
  return decodeQR({ width: info.width, height: info.height, data })
}

/** The administrator's invite to a room, made through the admin page's form; the page that shows it. */
async function inviteFromAdminPage(page: Page, room: string) {
  await page.goto(`${world.base}/admin#invites`)
  await page.selectOption('#invite-room', room)
  await page.fill('#invite-uses', '2')
  await page.selectOption('#invite-expiry', '24')
  await page.click('form.invite-form button[type="submit"]')
  await page.locator('.invite-created').waitFor()
  return page.locator('#invite-url').inputValue()
}

describe('invite links in the browser', () => {
  it('makes an invite on the admin page whose QR code scans to its link, which signs a newcomer in and into the room', async () => {
    const { page, pageErrors, context } = await signedIn(world, 'boss')
    await page.goto(`${world.base}/`)
    await page.fill('#room-name', 'Kitchen')
    await page.selectOption('select[name="visibility"]', 'private')
    await page.click('form[action="/rooms"] button')
    await page.waitForURL(/\/rooms\/kitchen$/)

    const url = await inviteFromAdminPage(page, 'kitchen')
    expect(url).toMatch(new RegExp(`^${world.base}/invite/[A-Za-z0-9_-]{43}$`))
    await expect.poll(() => page.locator('.qr-code svg').isVisible(), { timeout: 15_000 }).toBe(true)
    expect(await scan(page)).toBe(url)
    // The page's script offers a Copy button where the clipboard can be written.
    await context.grantPermissions(['clipboard-read', 'clipboard-write'])
    await page.reload()
    await page.click('button[data-copy="invite-url"]')
    await expect.poll(() => page.locator('button[data-copy="invite-url"]').textContent(), { timeout: 15_000 }).toBe('Copied')
    expect(await page.evaluate(() => navigator.clipboard.readText())).toMatch(/\/invite\//)

    const newcomer = await world.chromium.browser.newContext({ viewport: PHONE })
    const phone = await newcomer.newPage()
    await phone.goto(url)
    await phone.waitForURL(`${world.base}/login`)
    expect(await phone.locator('.invited').textContent()).toContain('Kitchen')
    await phone.fill('input[name="login"]', 'nell')
    await phone.click('form.local button')
    await phone.waitForURL(`${world.base}/rooms/kitchen`)
    await phone.locator('#conn[data-state="connected"]').waitFor({ timeout: 15_000 })
    await expect.poll(() => phone.locator('#composer').isVisible(), { timeout: 15_000 }).toBe(true)
    await newcomer.close()

    await page.goto(`${world.base}/admin#invites`)
    expect(await page.locator('#invites table.invites').textContent()).toContain('1 of 2 left')
    expect(pageErrors).toEqual([])
    await context.close()
  })

  it('lets a private room\'s owner make and revoke invites from the room\'s settings', async () => {
    const { page, pageErrors, context } = await signedIn(world, 'olive')
    await page.fill('#room-name', 'Garden')
    await page.selectOption('select[name="visibility"]', 'private')
    await page.click('form[action="/rooms"] button')
    await page.waitForURL(/\/rooms\/garden$/)
    await page.goto(`${world.base}/rooms/garden#members-panel`)
    await page.locator('.room-manage summary').click()
    await page.click('.room-manage a[href="/rooms/garden/invites"]')
    await page.waitForURL(`${world.base}/rooms/garden/invites`)
    await page.click('form.invite-form button[type="submit"]')
    await page.locator('.invite-created').waitFor()
    const url = await page.locator('#invite-url').inputValue()
    expect(await scan(page)).toBe(url)
    await page.click('text=Back to the room\'s invite links')
    await page.waitForURL(`${world.base}/rooms/garden/invites`)
    const rows = page.locator('table.invites tbody tr')
    expect(await rows.count()).toBe(1)
    await rows.first().locator('button', { hasText: 'Revoke' }).click()
    await page.waitForURL(`${world.base}/rooms/garden/invites`)
    await expect.poll(() => page.locator('table.invites tbody tr').count(), { timeout: 15_000 }).toBe(0)
    expect(await page.textContent('#invites')).toContain('No invite link is active.')
    const visitor = await world.chromium.browser.newContext()
    const res = await (await visitor.newPage()).goto(url)
    expect(res!.status()).toBe(410)
    await visitor.close()
    expect(pageErrors).toEqual([])
    await context.close()
  })

  it('looks right at 1280x800 and 390x844, light and dark (screenshots when SHOTS_DIR is set)', async () => {
    const dir = process.env.SHOTS_DIR
    if (dir) await mkdir(dir, { recursive: true })
    for (const [name, viewport] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
      for (const dark of [false, true]) {
        const { page, context, pageErrors } = await signedIn(world, 'boss', { viewport, colorScheme: dark ? 'dark' : 'light' })
        const url = await inviteFromAdminPage(page, 'kitchen')
        // Nothing sticks out of the window, and the code is whole and scannable at this size.
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width)
        const box = await page.locator('.qr-code').boundingBox()
        expect(box!.width).toBeGreaterThan(150)
        expect(box!.x + box!.width).toBeLessThanOrEqual(viewport.width)
        expect(await scan(page)).toBe(url)
        if (dir) await page.screenshot({ path: `${dir}/invite-${name}-${dark ? 'dark' : 'light'}.png`, fullPage: true })
        await page.goto(`${world.base}/admin#invites`)
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width)
        if (dir) await page.locator('#invites').screenshot({ path: `${dir}/invites-list-${name}-${dark ? 'dark' : 'light'}.png` })
        const visitor = await world.chromium.browser.newContext({ viewport, colorScheme: dark ? 'dark' : 'light' })
        const login = await visitor.newPage()
        await login.goto(url)
        await login.waitForURL(`${world.base}/login`)
        if (dir) await login.screenshot({ path: `${dir}/invited-login-${name}-${dark ? 'dark' : 'light'}.png` })
        await visitor.close()
        expect(pageErrors).toEqual([])
        await context.close()
      }
    }
  }, 180_000)

  it('makes an invite with the README\'s curl example, as written, printing a link that works', async () => {
    const boss = await signIn(world.base, 'boss', { origin: world.base })
    const made = await boss.send('/rooms', { method: 'POST', body: new URLSearchParams({ name: 'Porch', visibility: 'private' }), headers: { origin: world.base } })
    const slug = made.headers.get('location')!.replace('/rooms/', '')
    const printed = (await runShell(await docsBlock('create-invite', 'docs/operations.md'), { RTC_URL: world.base, RTC_ADMIN_COOKIE: boss.cookie, RTC_ROOM: slug })).trim()
    expect(printed).toMatch(new RegExp(`^${world.base}/invite/[A-Za-z0-9_-]{43}$`))
    const server = (await runShell(await docsBlock('create-invite', 'docs/operations.md'), { RTC_URL: world.base, RTC_ADMIN_COOKIE: boss.cookie, RTC_ROOM: '' })).trim()
    expect(server).toMatch(/\/invite\//)
    const visitor = await world.chromium.browser.newContext()
    const page = await visitor.newPage()
    await page.goto(printed)
    await page.waitForURL(`${world.base}/login`)
    expect(await page.locator('.invited').textContent()).toContain('Porch')
    await visitor.close()
  })
})
