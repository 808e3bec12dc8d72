import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import sharp from 'sharp'
import { browserWorld, type BrowserWorld } from './support/browser.ts'
import { signedIn as signIn } from './support/people.ts'

let world: BrowserWorld
// A small limit, so a file over it is quick to make: the browser refuses it before any upload.
beforeAll(async () => { world = await browserWorld({ UPLOAD_MAX_BYTES: '4096' }) })
afterAll(() => world?.close())

const signedIn = async (login: string): Promise<Page> => (await signIn(world, login)).page

describe('files in the composer', () => {
  it('shows chips with thumbnails and remove buttons, refuses a file over the limit before upload, catches a drop on the message list, and sends a file card', async () => {
    const page = await signedIn('filer')
    await page.fill('#room-name', 'Files')
    await page.click('form[action="/rooms"] button')
    await page.waitForURL(/\/rooms\/files$/)
    await page.locator('#conn[data-state="connected"]').waitFor()
    expect(await page.locator('#composer input[type="file"]').getAttribute('data-max-bytes')).toBe('4096')
    const posts: string[] = []
    page.on('request', (r) => { if (r.method() === 'POST') posts.push(r.url()) })

    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#3b82f6' } }).png().toBuffer()
    await page.locator('#composer input[type="file"]').setInputFiles([
      { name: 'dot.png', mimeType: 'image/png', buffer: png },
      { name: 'notes.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n%%EOF\n') },
    ])
    const chips = page.locator('#attach-chips .chip')
    await expect.poll(() => chips.count()).toBe(2)
    expect(await chips.nth(0).locator('img').getAttribute('src')).toMatch(/^blob:/)
    expect(await chips.nth(1).locator('.file-icon').innerText()).toBe('PDF')
    expect(await chips.nth(1).innerText()).toContain('notes.pdf')

    await page.getByRole('button', { name: 'Remove dot.png' }).click()
    await expect.poll(() => chips.count()).toBe(1)
    expect(await page.locator('#composer input[type="file"]').evaluate((i: HTMLInputElement) => Array.from(i.files!, (f) => f.name))).toEqual(['notes.pdf'])

    // Over the limit: refused here, with the reason; what was there stays.
    await page.locator('#composer input[type="file"]').setInputFiles([
      { name: 'notes.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n%%EOF\n') },
      { name: 'big.zip', mimeType: 'application/zip', buffer: Buffer.alloc(5000) },
    ])
    await expect.poll(() => page.locator('#composer-error').innerText()).toContain('big.zip (4.9 KB) is too large to send: files up to 4 KB can be attached.')
    expect(await chips.count()).toBe(1)

    // A drop on the message list goes to the composer; the browser does not open the file.
    const prevented = await page.evaluate(async () => {
      const data = new DataTransfer()
      data.items.add(new File(['hello'], 'hello.txt', { type: 'text/plain' }))
      const list = document.getElementById('messages')!
      list.dispatchEvent(new DragEvent('dragover', { dataTransfer: data, bubbles: true, cancelable: true }))
      const drop = new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true })
      list.dispatchEvent(drop)
      return drop.defaultPrevented
    })
    expect(prevented).toBe(true)
    await expect.poll(() => chips.count()).toBe(2)
    expect(posts).toEqual([])

    await page.locator('#composer textarea').fill('the notes')
    await page.locator('#composer textarea').press('Enter')
    const sent = page.locator('#messages article', { hasText: 'the notes' })
    const card = sent.locator('a.file-card', { hasText: 'notes.pdf' })
    await card.waitFor()
    expect(await card.locator('.file-icon').innerText()).toBe('PDF')
    expect(await card.locator('.size').innerText()).toMatch(/bytes$/)
    expect(await sent.locator('a.file-card', { hasText: 'hello.txt' }).count()).toBe(1)
    await expect.poll(() => chips.count()).toBe(0)
    await page.context().close()
  })
})
