import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readFile } from 'node:fs/promises'
import postgres from 'postgres'
import sharp from 'sharp'
import { postgresMessages } from '../src/store/postgres/messages.ts'
import { postgresRooms } from '../src/store/postgres/rooms.ts'
import { postgresUsers } from '../src/store/postgres/users.ts'
import { browserWorld, type BrowserWorld } from './support/browser.ts'

let world: BrowserWorld
beforeAll(async () => { world = await browserWorld() })
afterAll(() => world?.close())

/** A signed-in browser that records dialogs (an alert would mean a script ran) and refused resources. */
async function person(login: string): Promise<{ context: BrowserContext; page: Page; dialogs: string[]; errors: string[] }> {
  const context = await world.chromium.browser.newContext()
  const page = await context.newPage()
  page.setDefaultTimeout(8000)
  const dialogs: string[] = []
  const errors: string[] = []
  page.on('dialog', (d) => { dialogs.push(d.message()); void d.dismiss() })
  page.on('pageerror', (e) => errors.push(String(e)))
  page.on('console', (m) => { if (process.env.DEBUG_BROWSER) console.log(login, m.text()); if (/Content Security Policy|Refused to/i.test(m.text())) errors.push(m.text()) })
  await page.goto(`${world.base}/login`)
  await page.fill('input[name="login"]', login)
  await page.click('form.local button')
  await page.waitForURL(`${world.base}/`)
  return { context, page, dialogs, errors }
}

const HOSTILE = [
  '<img src=x onerror=alert(1)>', '[click](javascript:alert(1))', '<div hx-get="/logout" hx-trigger="load">x</div>',
  '<svg><script>alert(2)</script></svg>', '<a href="https://e.example" onclick="alert(3)">a</a>',
].join('\n\n')

describe('formatted messages and reactions between two people', () => {
  it('render Markdown live for the other, keep hostile input inert, and carry reactions live and across a reconnect', async () => {
    const ann = await person('ann')
    const ben = await person('ben')
    await ann.page.fill('#room-name', 'Formatting')
    await ann.page.click('form[action="/rooms"] button')
    await ann.page.waitForURL(/\/rooms\/formatting$/)
    await ben.page.goto(`${world.base}/rooms/formatting`)
    await ben.page.click('form[action="/rooms/formatting/join"] button')
    for (const p of [ann.page, ben.page]) await p.locator('#conn[data-state="connected"]').waitFor()

    const source = '**bold** and `inline`\n\n```\nconst x = 1 < 2\n```\n\n> quoted words\n\nsee https://example.com/docs'
    await ann.page.locator('#composer textarea').fill(source)
    await ann.page.locator('#composer textarea').press('Enter')
    const live = ben.page.locator('#messages article', { hasText: 'quoted words' })
    await live.waitFor()
    expect(await live.locator('.body strong').innerText()).toBe('bold')
    expect(await live.locator('.body pre code').innerText()).toBe('const x = 1 < 2\n')
    expect(await live.locator('.body blockquote').innerText()).toBe('quoted words')
    const link = live.locator('.body a')
    expect(await link.getAttribute('href')).toBe('https://example.com/docs')
    expect(await link.getAttribute('rel')).toBe('nofollow noopener noreferrer ugc')

    await ann.page.locator('#composer textarea').fill(HOSTILE)
    await ann.page.locator('#composer textarea').press('Enter')
    const hostile = ben.page.locator('#messages article', { hasText: 'alert(2)' })
    await hostile.waitFor()
    expect(await hostile.locator('.body img, .body svg, .body script, .body [hx-get], .body [onclick], .body [onerror]').count()).toBe(0)
    expect(await hostile.locator('.body a').count()).toBe(1)
    expect(await hostile.locator('.body a').getAttribute('href')).toBe('https://e.example')
    expect(await hostile.locator('.body').innerText()).toContain('<img src=x onerror=alert(1)>')
    // The source comes back for editing, not the HTML.
    await ann.page.locator('#messages article', { hasText: 'quoted words' }).hover()
    await ann.page.locator('#messages article', { hasText: 'quoted words' }).locator('a.own').click()
    expect(await ann.page.locator('#messages article.editing textarea').inputValue()).toBe(source)
    await ann.page.locator('#messages article.editing a.cancel').click()

    // Ben reacts to Ann's first message; Ann sees it at once, with who reacted.
    const bensCopy = ben.page.locator('#messages article', { hasText: 'quoted words' })
    await bensCopy.locator('a.react-add').click()
    await bensCopy.locator('.react-pop input[name="emoji"]').fill('🎉')
    await bensCopy.locator('.react-pop button[type="submit"]').click()
    const annsCopy = ann.page.locator('#messages article', { hasText: 'quoted words' })
    await annsCopy.locator('.reaction', { hasText: '🎉 1' }).waitFor()
    expect(await annsCopy.locator('.reaction').getAttribute('title')).toBe('@ben')
    expect(await annsCopy.locator('.reaction.mine').count()).toBe(0)
    // Ann adds hers by clicking it: both see two, and it is marked as Ann's on her page only.
    await annsCopy.locator('.reaction').click()
    await bensCopy.locator('.reaction', { hasText: '🎉 2' }).waitFor()
    await annsCopy.locator('.reaction.mine', { hasText: '🎉 2' }).waitFor()
    expect(await bensCopy.locator('.reaction').getAttribute('title')).toBe('@ann, @ben')
    // A word is not an emoji: the form says so and the message stays.
    await bensCopy.locator('a.react-add').click()
    await bensCopy.locator('.react-pop input[name="emoji"]').fill('nope')
    await bensCopy.locator('.react-pop button[type="submit"]').click()
    await bensCopy.locator('.react-error', { hasText: 'one emoji' }).waitFor()

    // While the server is down Ann's reaction is taken back in the store itself, so Ben can learn it only by replay.
    await world.server.close()
    try {
      await ben.page.locator('#conn[data-state="reconnecting"]').waitFor()
      const sql = postgres(world.database.url, { max: 1, onnotice: () => {} })
      try {
        const room = (await postgresRooms(sql).findRoomBySlug('formatting'))!
        const annUser = (await postgresUsers(sql).findUserByLogin('ann'))!
        const id = (await annsCopy.getAttribute('data-key'))!
        await postgresMessages(sql).changeMessage(room.id, id, {
          kind: 'react', reaction: { emoji: '🎉', userId: annUser.id, login: 'ann' }, on: false, rev: '1', at: new Date(),
        })
      } finally {
        await sql.end()
      }
    } finally {
      world.server = await world.start()
    }
    for (const copy of [bensCopy, annsCopy]) {
      await copy.locator('.reaction', { hasText: '🎉 1' }).waitFor({ timeout: 20_000 })
      expect(await copy.locator('.reaction').getAttribute('title')).toBe('@ben')
    }

    expect([...ann.dialogs, ...ben.dialogs]).toEqual([])
    expect([...ann.errors, ...ben.errors]).toEqual([])
    await Promise.all([ann.context.close(), ben.context.close()])
  })

  it('shows a pasted image\'s preview to the other, whose download is the original, and keeps a scripted SVG a plain download', async () => {
    const ann = await person('ann')
    const ben = await person('ben')
    for (const p of [ann.page, ben.page]) {
      await p.goto(`${world.base}/rooms/formatting`)
      await p.locator('#conn[data-state="connected"]').waitFor()
    }
    const png = await sharp({ create: { width: 900, height: 300, channels: 3, background: '#2a6' } }).png().toBuffer()
    await ann.page.locator('#composer textarea').fill('a screenshot')
    await ann.page.evaluate((b64) => {
      const bytes = Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0))
      const data = new DataTransfer()
      data.items.add(new File([bytes], 'image.png', { type: 'image/png' }))
      document.querySelector('#composer textarea')!.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }))
    }, png.toString('base64'))
    expect(await ann.page.locator('#composer input[type="file"]').evaluate((i: HTMLInputElement) => i.files!.length)).toBe(1)
    await ann.page.locator('#composer textarea').press('Enter')
    const shot = ben.page.locator('#messages article', { hasText: 'a screenshot' })
    const preview = shot.locator('.files img')
    await preview.waitFor()
    await ben.page.waitForFunction((img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth > 0, await preview.elementHandle())
    expect(await preview.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(800)
    const download = ben.page.waitForEvent('download')
    await shot.locator('a.file').click()
    const saved = await (await download).path()
    expect(new Uint8Array(await readFile(saved!))).toEqual(new Uint8Array(png))
    // The composer is empty again, its progress bar hidden.
    expect(await ann.page.locator('#composer input[type="file"]').evaluate((i: HTMLInputElement) => i.files!.length)).toBe(0)
    expect(await ann.page.locator('#upload-progress').isHidden()).toBe(true)

    await ann.page.locator('#composer input[type="file"]').setInputFiles({
      name: 'draw.svg', mimeType: 'image/svg+xml', buffer: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'),
    })
    await ann.page.locator('#composer textarea').fill('a drawing')
    await ann.page.locator('#composer textarea').press('Enter')
    const drawing = ben.page.locator('#messages article', { hasText: 'a drawing' })
    await drawing.locator('a.file', { hasText: 'draw.svg' }).waitFor()
    expect(await drawing.locator('img').count()).toBe(0)
    const svgDownload = ben.page.waitForEvent('download')
    await drawing.locator('a.file').click()
    expect((await svgDownload).suggestedFilename()).toBe('draw.svg')
    expect([...ann.dialogs, ...ben.dialogs]).toEqual([])
    await Promise.all([ann.context.close(), ben.context.close()])
  })

  it('shows the refusal of an eleventh file beside the composer and keeps the text and the files', async () => {
    const cy = await person('cy')
    await cy.page.fill('#room-name', 'Eleven')
    await cy.page.click('form[action="/rooms"] button')
    await cy.page.waitForURL(/\/rooms\/eleven$/)
    await cy.page.locator('#conn[data-state="connected"]').waitFor()
    const files = Array.from({ length: 11 }, (_, i) => ({ name: `note${i}.txt`, mimeType: 'text/plain', buffer: Buffer.from(`note ${i}`) }))
    await cy.page.locator('#composer input[type="file"]').setInputFiles(files)
    await cy.page.locator('#composer textarea').fill('eleven notes')
    await cy.page.locator('#composer textarea').press('Enter')
    await cy.page.locator('#composer-error', { hasText: 'A message can carry at most 10 files; this one has more.' }).waitFor()
    expect(await cy.page.locator('#composer textarea').inputValue()).toBe('eleven notes')
    expect(await cy.page.locator('#composer input[type="file"]').evaluate((i: HTMLInputElement) => i.files!.length)).toBe(11)
    expect(await cy.page.locator('#messages article', { hasText: 'eleven notes' }).count()).toBe(0)
    await cy.context.close()
  })
})
