import { mkdir } from 'node:fs/promises'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { browserWorld, type BrowserWorld } from './support/browser.ts'
import { signedIn } from './support/people.ts'
import { standInSite } from './support/standInSite.ts'

let world: BrowserWorld
let site: Awaited<ReturnType<typeof standInSite>>
beforeAll(async () => {
  site = await standInSite()
  world = await browserWorld({ LINK_PREVIEW_ALLOW_LOOPBACK: 'true' })
})
afterAll(async () => {
  await world?.close()
  await site?.close()
})

async function person(login: string, options: { width?: number; height?: number; dark?: boolean } = {}): Promise<Page> {
  const { page } = await signedIn(world, login, {
    viewport: { width: options.width ?? 1280, height: options.height ?? 800 }, colorScheme: options.dark ? 'dark' : 'light',
  })
  page.setDefaultTimeout(10_000)
  return page
}

describe('link previews in the browser', () => {
  it('shows the card live to another reader after the send, and takes it off live when the author removes it', async () => {
    const ann = await person('ann')
    const ben = await person('ben')
    await ann.fill('#room-name', 'Links')
    await ann.click('form[action="/rooms"] button')
    await ann.waitForURL(/\/rooms\/links$/)
    await ben.goto(`${world.base}/rooms/links`)
    await ben.click('form[action="/rooms/links/join"] button')
    for (const p of [ann, ben]) await p.locator('#conn[data-state="connected"]').waitFor()

    await ann.locator('#composer textarea').fill(`Worth a read: ${site.base}/article`)
    await ann.locator('#composer textarea').press('Enter')
    const bens = ben.locator('#messages article', { hasText: 'Worth a read' })
    await bens.waitFor()
    const card = bens.locator('.link-preview')
    await card.waitFor()
    expect(await card.locator('.title').innerText()).toBe('A & B: the <real> story')
    expect(await card.locator('a').getAttribute('href')).toBe(`${site.base}/article`)
    const src = await card.locator('img').getAttribute('src')
    expect(src).toMatch(/^\/rooms\/links\/messages\/\d+\/preview\/image$/)
    await expect.poll(() => card.locator('img').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), { timeout: 15_000 }).toBe(400)
    // Only the author has the remove button.
    expect(await card.locator('.remove-preview').isVisible()).toBe(false)

    const anns = ann.locator('#messages article', { hasText: 'Worth a read' })
    await anns.locator('.link-preview .remove-preview button').click()
    await bens.locator('.link-preview').waitFor({ state: 'detached' })
    await anns.locator('.link-preview').waitFor({ state: 'detached' })
    await ann.context().close()
    await ben.context().close()
  })

  it('keeps the card the socket brought when the send\'s own answer arrives after it', async () => {
    const dee = await person('dee')
    await dee.fill('#room-name', 'Late answers')
    await dee.click('form[action="/rooms"] button')
    await dee.waitForURL(/\/rooms\/late-answers$/)
    await dee.locator('#conn[data-state="connected"]').waitFor()
    // The send's answer is held until the socket has brought the message and then its card: the answer, rendered
    // before the card existed, comes last, as it can on a slow network.
    let released = false
    await dee.route('**/rooms/late-answers/messages', async (route) => {
      const answer = await route.fetch()
      await expect.poll(() => dee.locator('#messages article .link-preview').count(), { timeout: 15_000 }).toBe(1)
      released = true
      await route.fulfill({ response: answer })
    })
    await dee.locator('#composer textarea').fill(`Held back: ${site.base}/twitter`)
    await dee.locator('#composer textarea').press('Enter')
    await expect.poll(() => released, { timeout: 20_000 }).toBe(true)
    // The answer has been swapped in (the composer is clear again), and the card is still there.
    await expect.poll(() => dee.locator('#composer textarea').inputValue(), { timeout: 10_000 }).toBe('')
    await dee.waitForTimeout(300)
    expect(await dee.locator('#messages article', { hasText: 'Held back' }).count()).toBe(1)
    expect(await dee.locator('#messages article .link-preview .title').innerText()).toBe('Tweeted title')
    await dee.context().close()
  })

  it('looks right at 1280x800 and 390x844, light and dark (screenshots when SHOTS_DIR is set)', async () => {
    const dir = process.env.SHOTS_DIR
    const writer = await person('cal')
    await writer.fill('#room-name', 'Reading')
    await writer.click('form[action="/rooms"] button')
    await writer.waitForURL(/\/rooms\/reading$/)
    await writer.locator('#conn[data-state="connected"]').waitFor()
    for (const body of [`Worth a read: ${site.base}/article`, `And this one has only a title: ${site.base}/plain?shots`]) {
      await writer.locator('#composer textarea').fill(body)
      await writer.locator('#composer textarea').press('Enter')
      await writer.locator('#messages article', { hasText: body.slice(0, 20) }).waitFor()
    }
    await expect.poll(() => writer.locator('.link-preview').count(), { timeout: 15_000 }).toBe(2)
    await writer.context().close()
    if (dir) await mkdir(dir, { recursive: true })
    for (const [name, width, height] of [['desktop', 1280, 800], ['phone', 390, 844]] as const) {
      for (const dark of [false, true]) {
        const page = await person('cal', { width, height, dark })
        await page.goto(`${world.base}/rooms/reading`)
        const cards = page.locator('.link-preview')
        await expect.poll(() => cards.count(), { timeout: 15_000 }).toBe(2)
        // The card fits its message: nothing sticks out of the window.
        const box = await cards.first().boundingBox()
        expect(box!.x + box!.width).toBeLessThanOrEqual(width)
        if (dir) await page.screenshot({ path: `${dir}/preview-${name}-${dark ? 'dark' : 'light'}.png` })
        await page.context().close()
      }
    }
  })
})
