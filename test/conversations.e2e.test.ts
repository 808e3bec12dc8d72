import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { browserWorld, type BrowserWorld } from './support/browser.ts'
import { createRoom, postMessages, signedIn } from './support/people.ts'

// Conversations (issue 26) in Chromium: answering a message, copying its address, pinning it for everyone
// and saving it for oneself, from the message's own actions; and the same without JavaScript.

let world: BrowserWorld
beforeAll(async () => { world = await browserWorld() })
afterAll(() => world?.close())

/** The message whose own text holds `text` (a reply quoting it is another message). */
const message = (page: Page, text: string) => page.locator('#messages article.msg').filter({ has: page.locator('.body', { hasText: text }) }).last()
/** A message's action, shown on hover. */
async function act(page: Page, text: string, action: string) {
  const m = message(page, text)
  await m.hover()
  await m.locator(`.msg-actions .act`, { hasText: action }).click()
}

describe('answering, linking, pinning and saving a message', () => {
  it('replies through the chip, shows what it answers live, and jumps to an original far up', async () => {
    const ann = await signedIn(world, 'conv-ann')
    const bob = await signedIn(world, 'conv-bob')
    const room = await createRoom(world, ann.page, 'Conversations')
    await bob.page.request.post(`${world.base}${room}/join`, { headers: { origin: world.base } })
    await bob.page.goto(`${world.base}${room}`)
    await bob.page.locator('#conn[data-state="connected"]').waitFor()
    await postMessages(world, ann.page, room, ['where is the spare key?', ...Array.from({ length: 60 }, (_, i) => `chatter ${i}`)])
    // The original is far above the newest page: answered from its address, which opens the room around it.
    const originalId = await ann.page.request.get(`${world.base}${room}/messages?after=0&limit=1`, { headers: { 'hx-request': 'true' } })
      .then(async (r) => /data-key="(\d+)"/.exec(await r.text())![1]!)
    await bob.page.goto(`${world.base}${room}/messages/${originalId}`)
    await expect.poll(() => bob.page.url()).toContain(`?around=${originalId}`)
    await bob.page.locator('#conn[data-state="connected"]').waitFor()
    await act(bob.page, 'where is the spare key?', 'Reply')
    const chip = bob.page.locator('#reply-chip')
    await chip.waitFor()
    expect(await chip.textContent()).toContain('where is the spare key?')
    await bob.page.fill('#body', 'under the mat')
    await bob.page.keyboard.press('Enter')
    await expect.poll(() => chip.isHidden()).toBe(true)
    // Ann, at the room's newest, gets the reply live with the answered message's first words.
    const reply = message(ann.page, 'under the mat')
    await reply.waitFor()
    expect(await reply.locator('.reply-to').getAttribute('data-reply-to')).toBe(originalId)
    expect(await reply.locator('.reply-to').textContent()).toContain('where is the spare key?')
    // Its line opens the original, far up, in the room around it.
    await reply.locator('.reply-to').click()
    await ann.page.waitForURL(new RegExp(`\\?around=${originalId}`))
    await message(ann.page, 'where is the spare key?').waitFor()
    expect([...ann.pageErrors, ...bob.pageErrors]).toEqual([])
    await Promise.all([ann.context.close(), bob.context.close()])
  }, 90_000)

  it('copies a message\'s link, pins it live into the other member\'s panel, and saves it for oneself', async () => {
    const cat = await signedIn(world, 'conv-cat')
    const dan = await signedIn(world, 'conv-dan')
    const room = await createRoom(world, cat.page, 'Keepers')
    await dan.page.request.post(`${world.base}${room}/join`, { headers: { origin: world.base } })
    await dan.page.goto(`${world.base}${room}`)
    await dan.page.locator('#conn[data-state="connected"]').waitFor()
    await postMessages(world, cat.page, room, ['the wifi password is on the fridge'])
    await message(dan.page, 'the wifi password').waitFor()
    const id = await message(dan.page, 'the wifi password').getAttribute('data-key')

    await dan.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: world.base })
    await act(dan.page, 'the wifi password', 'Copy link')
    await expect.poll(() => dan.page.evaluate(() => navigator.clipboard.readText())).toBe(`${world.base}${room}/messages/${id}`)

    await act(dan.page, 'the wifi password', 'Pin')
    // Cat's member panel (her own page, untouched) shows the pin, live.
    await cat.page.locator('#pins .kept-excerpt', { hasText: 'the wifi password is on the fridge' }).waitFor({ state: 'attached' })

    await act(dan.page, 'the wifi password', 'Save')
    await message(dan.page, 'the wifi password').locator('.act-save.done').waitFor({ state: 'attached' })
    await dan.page.goto(`${world.base}/saved`)
    await dan.page.locator('#saved .kept-excerpt', { hasText: 'the wifi password is on the fridge' }).waitFor()
    expect([...cat.pageErrors, ...dan.pageErrors]).toEqual([])
    await Promise.all([cat.context.close(), dan.context.close()])
  }, 90_000)

  it('works without JavaScript: a reply page with its composer, plain forms for pin and save', async () => {
    const eve = await signedIn(world, 'conv-eve', { viewport: { width: 1280, height: 800 }, javaScriptEnabled: false })
    await eve.page.goto(`${world.base}/`)
    await eve.page.fill('#room-name', 'Plain Talk')
    await eve.page.click('form[action="/rooms"] button')
    await eve.page.waitForURL(/\/rooms\/plain-talk$/)
    await eve.page.fill('#body', 'a plain question')
    await eve.page.click('#composer button[type="submit"]')
    await message(eve.page, 'a plain question').waitFor()
    await act(eve.page, 'a plain question', 'Reply')
    await eve.page.waitForURL(/\/reply$/)
    await eve.page.fill('#body', 'a plain answer')
    await eve.page.click('#composer button[type="submit"]')
    await message(eve.page, 'a plain answer').locator('.reply-to', { hasText: 'a plain question' }).waitFor()
    await act(eve.page, 'a plain question', 'Pin')
    await eve.page.waitForURL(/\/pins$/)
    await eve.page.locator('#pins .kept-excerpt', { hasText: 'a plain question' }).waitFor()
    await eve.context.close()
  }, 90_000)
})

describe('the offer to notify this device (issue 25, item 7)', () => {
  it('shows while the browser has not been asked, and is gone once permission is granted or without JavaScript', async () => {
    const asked = await signedIn(world, 'notify-asked')
    const room = await createRoom(world, asked.page, 'Notify Offer')
    // Headless Chromium answers `Notification.permission` 'default' until told otherwise: the offer shows.
    expect(await asked.page.evaluate(() => Notification.permission)).toBe('default')
    await asked.page.locator('#notify-enable').waitFor({ state: 'visible' })
    await asked.context.close()
    const granted = await signedIn(world, 'notify-granted')
    await granted.context.grantPermissions(['notifications'], { origin: world.base })
    await granted.page.goto(`${world.base}${room}`)
    await granted.page.locator('#side-rooms').waitFor({ state: 'attached' })
    expect(await granted.page.evaluate(() => Notification.permission)).toBe('granted')
    expect(await granted.page.locator('#notify-enable').isVisible()).toBe(false)
    await granted.context.close()
    const plain = await signedIn(world, 'notify-plain', { viewport: { width: 1280, height: 800 }, javaScriptEnabled: false })
    await plain.page.goto(`${world.base}${room}`)
    expect(await plain.page.locator('#notify-enable').isVisible()).toBe(false)
    await plain.context.close()
  }, 60_000)
})
