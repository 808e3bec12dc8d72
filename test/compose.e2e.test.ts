import type { BrowserContextOptions, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { browserWorld, type BrowserWorld } from './support/browser.ts'
import { createRoom as create, PHONE, postMessages, signedIn, type Person } from './support/people.ts'

// Issue 25, items 2, 4, 6 and 8: the phone header and touch keyboards, the composer's basics (mentions,
// Up to edit, Ctrl+K, the sidebar's "+"), the keyboard through the room, and the page when offline.

let world: BrowserWorld
let base: string
beforeAll(async () => {
  world = await browserWorld()
  base = world.base
})
afterAll(() => world?.close())

const person = (login: string, options?: BrowserContextOptions) => signedIn(world, login, options)
const createRoom = (page: Page, name: string, visibility?: 'public' | 'private') => create(world, page, name, visibility)
const post = (who: Person, room: string, bodies: string[]) => postMessages(world, who.page, room, bodies)

async function addMember(page: Page, login: string) {
  await page.fill('#add-login', login)
  await page.click('#add-member button')
  await page.locator('#members').getByText(`@${login}`, { exact: true }).waitFor()
}

const composer = (page: Page) => page.locator('#composer textarea')
const focused = (page: Page) => page.evaluate(() => {
  const el = document.activeElement
  return el ? `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.className ? `.${String(el.className).split(' ').join('.')}` : ''}` : ''
})

describe('the phone header', () => {
  it('shows the whole of a 30-character room name; Notifications and Members are in the "⋯" menu', async () => {
    const ada = await person('ada', { viewport: PHONE })
    const name = 'Quarterly planning for Rotterd'
    expect(name).toHaveLength(30)
    await createRoom(ada.page, name)
    const h1 = ada.page.locator('.room-head h1')
    expect(await h1.innerText()).toContain(name)
    // Not cut: no ellipsis sideways, no line clamped away, and inside the window.
    expect(await h1.evaluate((el) => el.scrollWidth <= el.clientWidth && el.scrollHeight <= el.clientHeight + 1)).toBe(true)
    expect(await h1.evaluate((el) => el.getBoundingClientRect().right <= window.innerWidth)).toBe(true)
    // Rooms is an icon on a phone; its word stays for screen readers.
    expect(await ada.page.locator('.rooms-toggle .icon').isVisible()).toBe(true)
    expect(await ada.page.locator('.rooms-toggle').evaluate((el) => el.getBoundingClientRect().width)).toBeLessThan(60)
    expect(await ada.page.locator('.rooms-toggle .label').textContent()).toBe('Rooms')
    expect(await ada.page.locator('.room-head #notify-level').isVisible()).toBe(false)
    await ada.page.click('.actions-toggle')
    await ada.page.locator('#room-actions #notify-level summary').waitFor()
    // The menu opens in the panel's flow, inside the window.
    await ada.page.click('#notify-level summary')
    const menu = ada.page.locator('#notify-level button[value="all"]')
    await menu.waitFor()
    expect(await menu.evaluate((el) => el.getBoundingClientRect().right <= window.innerWidth && el.getBoundingClientRect().left >= 0)).toBe(true)
    await ada.page.click('#notify-level summary')
    await ada.page.click('#room-actions .members-toggle')
    await ada.page.waitForFunction(() => getComputedStyle(document.getElementById('members-panel')!).transform === 'none')
    expect(ada.pageErrors).toEqual([])
    await ada.context.close()
  })

  it('on a touch screen Enter makes a new line, Send sends, and the placeholder says so', async () => {
    const bo = await person('bo', { viewport: PHONE, hasTouch: true, isMobile: true })
    await createRoom(bo.page, 'Thumbs')
    expect(await composer(bo.page).getAttribute('placeholder')).toBe('Message (Enter for a new line, Send sends)')
    await composer(bo.page).fill('first line')
    await composer(bo.page).press('Enter')
    await bo.page.keyboard.type('second line')
    expect(await composer(bo.page).inputValue()).toBe('first line\nsecond line')
    expect(await bo.page.locator('#messages article').count()).toBe(0)
    await bo.page.tap('#composer button[type="submit"]')
    await bo.page.locator('#messages article .body', { hasText: 'second line' }).waitFor()
    expect(bo.pageErrors).toEqual([])
    await bo.context.close()

    // With a mouse and keyboard, Enter still sends.
    const cy = await person('cy')
    await createRoom(cy.page, 'Keys still')
    expect(await composer(cy.page).getAttribute('placeholder')).toBe('Message (Enter sends, Shift+Enter for a new line)')
    await composer(cy.page).fill('sent by Enter')
    await composer(cy.page).press('Enter')
    await cy.page.locator('#messages article .body', { hasText: 'sent by Enter' }).waitFor()
    await cy.context.close()
  })
})

describe('the composer', () => {
  it('suggests members for @ by login, picks with the keyboard, closes with Escape; the list is for members only', async () => {
    await person('dana-lee').then((p) => p.context.close())
    await person('dan').then((p) => p.context.close())
    await person('eve').then((p) => p.context.close())
    const deb = await person('deb')
    const room = await createRoom(deb.page, 'Mentions', 'private')
    await addMember(deb.page, 'dana-lee')
    await addMember(deb.page, 'dan')
    await addMember(deb.page, 'eve')
    await composer(deb.page).click()
    await deb.page.keyboard.type('hi @da')
    const list = deb.page.locator('#mention-list')
    await list.locator('[role="option"]', { hasText: '@dana-lee' }).waitFor()
    expect(await list.locator('[role="option"]').allInnerTexts()).toEqual([expect.stringContaining('@dan'), expect.stringContaining('@dana-lee')])
    expect(await composer(deb.page).getAttribute('aria-activedescendant')).toBe('mention-dan')
    await deb.page.keyboard.press('ArrowDown')
    expect(await composer(deb.page).getAttribute('aria-activedescendant')).toBe('mention-dana-lee')
    await deb.page.keyboard.press('Enter')
    expect(await composer(deb.page).inputValue()).toBe('hi @dana-lee ')
    expect(await list.isHidden()).toBe(true)
    // Enter picked, it did not send.
    expect(await deb.page.locator('#messages article').count()).toBe(0)

    await deb.page.keyboard.type('and @e')
    await list.locator('[role="option"]', { hasText: '@eve' }).waitFor()
    await deb.page.screenshot({ path: '/tmp/shots-h-compose/autocomplete-desktop.png' })
    await deb.page.keyboard.press('Escape')
    expect(await list.isHidden()).toBe(true)
    expect(await composer(deb.page).inputValue()).toBe('hi @dana-lee and @e')
    await deb.page.keyboard.press('Backspace')
    await deb.page.keyboard.type('ev')
    // The list for "ev" (not one still showing for an earlier query) has eve first and active.
    await expect.poll(() => composer(deb.page).getAttribute('aria-activedescendant'), { timeout: 10_000 }).toBe('mention-eve')
    await deb.page.keyboard.press('Tab')
    expect(await composer(deb.page).inputValue()).toBe('hi @dana-lee and @eve ')

    // The route: bounded input, and nothing for someone outside the room.
    const long = await deb.page.request.get(`${base}${room}/mentions?q=${'a'.repeat(40)}`)
    expect(long.status()).toBe(400)
    const outsider = await person('fred')
    expect((await outsider.page.request.get(`${base}${room}/mentions?q=da`)).status()).toBe(404)
    expect(deb.pageErrors).toEqual([])
    await outsider.context.close()
    await deb.context.close()
  }, 60_000)

  it('edits my last message with Up in an empty composer; focus comes back to the message after Escape', async () => {
    const gil = await person('gil')
    const room = await createRoom(gil.page, 'Up to edit')
    await post(gil, room, ['my first', 'my second'])
    await gil.page.reload()
    await gil.page.locator('#conn[data-state="connected"]').waitFor()
    await composer(gil.page).focus()
    await gil.page.keyboard.press('ArrowUp')
    const editor = gil.page.locator('.msg.editing textarea')
    await editor.waitFor()
    expect(await editor.inputValue()).toBe('my second')
    expect(await focused(gil.page)).toMatch(/^textarea#edit-/)
    await gil.page.keyboard.press('Escape')
    await gil.page.locator('.msg.editing').waitFor({ state: 'detached' })
    const last = await gil.page.locator('#messages article').last().getAttribute('id')
    await gil.page.waitForFunction((id) => document.activeElement?.id === id, last)

    // Not with text in the composer: Up moves in the text.
    await composer(gil.page).fill('typing')
    await composer(gil.page).press('ArrowUp')
    expect(await gil.page.locator('.msg.editing').count()).toBe(0)
    expect(gil.pageErrors).toEqual([])
    await gil.context.close()
  })

  it('opens a room switcher with Ctrl+K: it filters my rooms, Enter opens one, Escape closes it', async () => {
    const hu = await person('hu')
    const first = await createRoom(hu.page, 'Alpha lounge')
    await createRoom(hu.page, 'Beta builds')
    await createRoom(hu.page, 'Gamma garden')
    await composer(hu.page).focus()
    await hu.page.keyboard.press('Control+k')
    const dialog = hu.page.locator('dialog#switcher')
    await dialog.waitFor()
    expect(await focused(hu.page)).toBe('input#switcher-q')
    expect(await dialog.locator('[role="option"]').allInnerTexts()).toEqual(expect.arrayContaining(['Alpha lounge', 'Beta builds', 'Gamma garden']))
    await hu.page.keyboard.press('Escape')
    await dialog.waitFor({ state: 'hidden' })
    expect(await focused(hu.page)).toBe('textarea#body')
    await hu.page.keyboard.press('Control+k')
    await hu.page.keyboard.type('alp')
    expect(await dialog.locator('[role="option"]').allInnerTexts()).toEqual(['Alpha lounge'])
    await hu.page.keyboard.press('Enter')
    await hu.page.waitForURL(`${base}${first}`)
    expect(hu.pageErrors).toEqual([])
    await hu.context.close()
  })

  it('has a "+" in the sidebar that leads to creating, joining and direct messages', async () => {
    const ida = await person('ida')
    await createRoom(ida.page, 'Plus')
    await ida.page.click('.side-new summary')
    expect(await ida.page.locator('.side-new-menu a').allInnerTexts()).toEqual(['Create a room', 'Join a public room', 'Direct message'])
    await ida.page.locator('.side-new-menu a', { hasText: 'Direct message' }).click()
    await ida.page.waitForURL(`${base}/#dm-login`)
    await ida.page.locator('#dm-login').waitFor()
    await ida.context.close()
  })
})

describe('the keyboard', () => {
  it('skips to the composer; the message list is one tab stop with arrow keys; Shift+Tab reaches my Edit', async () => {
    const jan = await person('jan')
    const kai = await person('kai')
    const room = await createRoom(jan.page, 'Tab stops')
    await kai.page.goto(`${base}${room}`)
    await kai.page.click('form[action$="/join"] button')
    await kai.page.locator('#conn[data-state="connected"]').waitFor()
    await post(kai, room, Array.from({ length: 20 }, (_, i) => `kai ${i}`))
    await post(jan, room, ['jan last'])
    await jan.page.reload()
    await jan.page.locator('#conn[data-state="connected"]').waitFor()

    // The skip link is the first stop and lands in the composer.
    await jan.page.focus('.top .brand')
    await jan.page.keyboard.press('Shift+Tab')
    expect(await focused(jan.page)).toBe('a.skip-link')
    expect(await jan.page.locator('.skip-link').evaluate((el) => el.getBoundingClientRect().top >= 0)).toBe(true)
    await jan.page.keyboard.press('Enter')
    expect(await focused(jan.page)).toBe('textarea#body')

    // From the composer back: my Edit on the newest message, then that message, then out of the list.
    await jan.page.keyboard.press('Shift+Tab')
    expect(await focused(jan.page)).toMatch(/^a\.own/)
    expect(await jan.page.locator('#messages article').last().locator('a.own').isVisible()).toBe(true)
    const stops: string[] = []
    for (let i = 0; i < 12; i++) {
      await jan.page.keyboard.press('Shift+Tab')
      // Which message the stop is in ('out' once past the list).
      const where = await jan.page.evaluate(() => document.activeElement?.closest('#messages > article')?.id ?? (document.activeElement?.closest('#messages') ? 'list' : 'out'))
      stops.push(where)
      if (where === 'out') break
    }
    // The newest message's own controls (its actions, "+") and the message itself: never one stop per message.
    const newest = await jan.page.locator('#messages > article').last().getAttribute('id')
    expect(new Set(stops.slice(0, -1))).toEqual(new Set([newest]))
    expect(stops.at(-1)).toBe('out')

    // Arrow keys move between messages.
    const articles = jan.page.locator('#messages > article')
    await articles.last().focus()
    await jan.page.keyboard.press('ArrowUp')
    expect(await jan.page.evaluate(() => document.activeElement?.textContent)).toContain('kai 19')
    await jan.page.keyboard.press('Home')
    expect(await jan.page.evaluate(() => document.activeElement?.textContent)).toContain('kai 0')
    expect(await articles.evaluateAll((all) => all.filter((a) => a.getAttribute('tabindex') === '0').length)).toBe(1)
    await jan.page.keyboard.press('End')
    expect(await jan.page.evaluate(() => document.activeElement?.textContent)).toContain('jan last')

    // The reaction picker: Escape gives focus back to the message.
    await jan.page.keyboard.press('ArrowUp')
    await jan.page.keyboard.press('Tab')
    expect(await focused(jan.page)).toBe('a.react-add')
    await jan.page.keyboard.press('Enter')
    await jan.page.locator('.react-pop input').waitFor()
    await jan.page.keyboard.press('Escape')
    await jan.page.locator('.react-pop').waitFor({ state: 'detached' })
    expect(await jan.page.evaluate(() => document.activeElement?.tagName === 'ARTICLE' && document.activeElement.textContent)).toContain('kai 19')
    expect(jan.pageErrors).toEqual([])
    await jan.context.close()
    await kai.context.close()
  })

  it('scrolls the message list with PageUp and PageDown from the composer', async () => {
    const lea = await person('lea')
    const room = await createRoom(lea.page, 'Paging')
    await post(lea, room, Array.from({ length: 40 }, (_, i) => `page ${i}\nand more`))
    await lea.page.reload()
    await lea.page.locator('#conn[data-state="connected"]').waitFor()
    await composer(lea.page).focus()
    const top = () => lea.page.locator('#scroller').evaluate((el) => el.scrollTop)
    const before = await top()
    await lea.page.keyboard.press('PageUp')
    await lea.page.waitForFunction((b) => document.getElementById('scroller')!.scrollTop < b, before)
    await lea.page.keyboard.press('PageDown')
    await lea.page.waitForFunction((b) => document.getElementById('scroller')!.scrollTop === b, before)
    expect(await focused(lea.page)).toBe('textarea#body')
    await lea.context.close()
  })

  it('on a phone, a drawer takes focus when it opens, Escape closes it, and focus goes back', async () => {
    const mia = await person('mia', { viewport: PHONE })
    await createRoom(mia.page, 'Drawers')
    await mia.page.focus('.rooms-toggle')
    await mia.page.keyboard.press('Enter')
    await mia.page.waitForFunction(() => document.activeElement?.closest('#sidebar') !== null)
    await mia.page.keyboard.press('Escape')
    await mia.page.waitForFunction(() => getComputedStyle(document.getElementById('sidebar')!).visibility === 'hidden')
    expect(await focused(mia.page)).toBe('a.button.rooms-toggle')

    await mia.page.focus('.actions-toggle')
    await mia.page.keyboard.press('Enter')
    await mia.page.waitForFunction(() => document.activeElement?.closest('#room-actions') !== null)
    await mia.page.keyboard.press('Escape')
    expect(await mia.page.locator('#room-actions').isVisible()).toBe(false)
    expect(await focused(mia.page)).toBe('a.button.actions-toggle')
    expect(mia.pageErrors).toEqual([])
    await mia.context.close()
  })
})

describe('offline', () => {
  it('sends a kept message by itself once the connection is back, once; presence is unknown meanwhile', async () => {
    const ned = await person('ned')
    await createRoom(ned.page, 'Outage')
    expect(await ned.page.locator('#members li.online').count()).toBe(1)
    await world.server.close()
    try {
      await ned.page.locator('#conn[data-state="reconnecting"], #conn[data-state="connecting"]').waitFor()
      await ned.page.locator('#members-panel[data-presence="unknown"]').waitFor()
      expect(await ned.page.locator('#members li .presence').first().isVisible()).toBe(false)
      await composer(ned.page).fill('sent when back')
      await composer(ned.page).press('Enter')
      await ned.page.locator('#composer-error', { hasText: 'Not sent' }).waitFor()
    } finally {
      world.server = await world.start()
    }
    // Nobody presses Send again.
    await ned.page.locator('#messages article .body', { hasText: 'sent when back' }).waitFor({ timeout: 20_000 })
    await ned.page.waitForFunction(() => (document.querySelector('#composer textarea') as HTMLTextAreaElement).value === '')
    await ned.page.locator('#members-panel:not([data-presence])').waitFor()
    expect(await ned.page.locator('#members li.online', { hasText: '@ned' }).count()).toBe(1)
    await ned.page.reload()
    expect(await ned.page.locator('#messages article .body').allInnerTexts()).toEqual(['sent when back'])
    // The browser logs the refused socket and htmx the failed fetch; nothing else may go wrong.
    expect(ned.pageErrors.filter((e) => !/Failed to fetch|ERR_CONNECTION_REFUSED|htmx:ws:error/.test(e))).toEqual([])
    await ned.context.close()
  }, 60_000)
})

describe('without JavaScript', () => {
  it('opens the phone menu, the member drawer and the sidebar\'s "+" by plain links; the skip link leads to the composer', async () => {
    const oli = await person('oli', { viewport: PHONE })
    const room = await createRoom(oli.page, 'Plain phone')
    const context = await world.chromium.browser.newContext({ viewport: PHONE, javaScriptEnabled: false })
    context.setDefaultTimeout(8_000)
    await context.addCookies(await oli.context.cookies())
    const page = await context.newPage()
    await page.goto(`${base}${room}`)
    expect(await page.getAttribute('#composer textarea', 'placeholder')).toBe('Message')
    expect(await page.getAttribute('.skip-link', 'href')).toBe('#body')
    expect(await page.locator('#room-actions').isVisible()).toBe(false)
    await page.click('.actions-toggle')
    await page.click('#room-actions .members-toggle')
    await page.locator('#members-panel h2').waitFor()
    await page.click('#members-panel .close')
    await page.click('.rooms-toggle')
    await page.locator('#sidebar h2').waitFor()
    await page.click('.side-new summary')
    await page.locator('.side-new-menu a', { hasText: 'Create a room' }).click()
    await page.waitForURL(`${base}/#room-name`)
    await context.close()
    await oli.context.close()
  })
})
