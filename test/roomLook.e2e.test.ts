import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { browserWorld, type BrowserWorld } from './support/browser.ts'
import { PHONE, signedIn } from './support/people.ts'

let world: BrowserWorld
beforeAll(async () => { world = await browserWorld() })
afterAll(() => world?.close())

const phone = async (login: string, javaScriptEnabled = true) => (await signedIn(world, login, { viewport: PHONE, javaScriptEnabled })).page

describe('how a room looks on a phone and without JavaScript', () => {
  it('fits the lobby\'s room-type select, invites the first message of an empty room, dims the room behind a drawer, and letters faces without JavaScript', async () => {
    const page = await phone('zoe', false)
    const select = page.locator('form[action="/rooms"] select')
    const box = (await select.boundingBox())!
    expect(box.x + box.width).toBeLessThanOrEqual(390)
    expect(await select.evaluate((s: HTMLSelectElement) => s.scrollWidth <= s.clientWidth + 1)).toBe(true)

    await page.fill('#room-name', 'Quiet')
    await page.click('form[action="/rooms"] button')
    await page.waitForURL(/\/rooms\/quiet$/)
    const empty = page.locator('.room-empty')
    expect(await empty.innerText()).toContain('No messages here yet.')
    expect(await empty.isVisible()).toBe(true)

    await page.goto(`${world.base}/rooms/quiet#sidebar`)
    expect(await page.locator('#sidebar').evaluate((el) => getComputedStyle(el).boxShadow)).toContain('0px 0px 0px')

    await page.locator('#composer textarea').fill('first words')
    await page.click('#composer button[type="submit"]')
    await page.waitForURL(/\/rooms\/quiet/)
    expect(await page.locator('#messages .msg .face').first().innerText()).toBe('Z')
    expect(await page.locator('#messages .msg header time').first().innerText()).toMatch(/ UTC$/)
    expect(await empty.count()).toBe(0)
    await page.context().close()
  })
})
