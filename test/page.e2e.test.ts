import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { browserWorld, type BrowserWorld } from './support/browser.ts'
import { createRoom as create } from './support/people.ts'

// The page as people use it (issue 12): refusals, history, presence, layout and keyboard, in Chromium.

let world: BrowserWorld
let base: string
beforeAll(async () => {
  world = await browserWorld()
  base = world.base
})
afterAll(() => world?.close())

const DESKTOP = { width: 1280, height: 800 }
const PHONE = { width: 390, height: 844 }

interface Person { context: BrowserContext; page: Page; pageErrors: string[]; open(): Promise<Page> }

/** A signed-in person in a fresh browser context; every tab they open records its script errors. */
async function person(login: string, viewport = DESKTOP): Promise<Person> {
  const context = await world.chromium.browser.newContext({ viewport })
  // Well inside the test timeout, so a step that never happens names itself.
  context.setDefaultTimeout(8_000)
  const pageErrors: string[] = []
  const open = async () => {
    const page = await context.newPage()
    // DEBUG_BROWSER=1 relays the pages' consoles.
    page.on('console', (m) => { if (process.env.DEBUG_BROWSER) console.log(login, m.type(), m.text()) })
    page.on('dialog', (d) => void d.accept())
    page.on('pageerror', (err) => pageErrors.push(err.message))
    page.on('console', (m) => { if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) pageErrors.push(m.text()) })
    return page
  }
  const page = await open()
  await page.goto(`${base}/login`)
  await page.fill('input[name="login"]', login)
  await page.click('form.local button')
  await page.waitForURL(`${base}/`)
  return { context, page, pageErrors, open }
}

const createRoom = (page: Page, name: string, visibility?: 'public' | 'private') => create(world, page, name, visibility)

const composer = (page: Page) => page.locator('#composer textarea')

async function send(page: Page, text: string) {
  await composer(page).fill(text)
  await composer(page).press('Enter')
  await page.locator('#messages article', { hasText: text }).first().waitFor()
}

describe('a refused request', () => {
  it('shows why a send was refused beside the composer, keeps the text, and puts no page into the list', async () => {
    // (A page whose reader left the room in another tab no longer offers the composer: see reading.e2e.test.ts.)
    const ann = await person('ann')
    await createRoom(ann.page, 'Left behind')
    const long = 'x'.repeat(4001)
    await composer(ann.page).fill(long)
    await composer(ann.page).press('Enter')
    const reason = 'A message can be at most 4000 characters; this one has 4001.'
    await ann.page.locator('#composer-error', { hasText: reason }).waitFor()
    await composer(ann.page).press('Enter')
    await ann.page.locator('#composer-error', { hasText: reason }).waitFor()
    expect(await composer(ann.page).inputValue()).toBe(long)
    expect(await ann.page.locator('#messages > *').count()).toBe(0)
    expect(await ann.page.locator('main').count()).toBe(1)
    expect(ann.pageErrors).toEqual([])
    await ann.context.close()
  })

  it('shows a rate limit with its wait, and a server error page as one line, beside the composer', async () => {
    const ben = await person('ben')
    const room = await createRoom(ben.page, 'Refused answers')
    const errorPage = await (await ben.page.request.get(`${base}/no-such-page`, { headers: { accept: 'text/html' } })).text()
    expect(errorPage).toContain('<html')
    const answers: { status: number; headers: Record<string, string>; body: string }[] = [
      { status: 429, headers: { 'retry-after': '30', 'content-type': 'text/plain', 'hx-retarget': '#composer-error', 'hx-reswap': 'textContent' }, body: 'You are sending too fast.' },
      { status: 503, headers: { 'content-type': 'text/html' }, body: errorPage.replace('There is nothing at this address.', 'The service is briefly unavailable.') },
    ]
    await ben.page.route(`**${room}/messages`, (route) => route.request().method() === 'POST' ? route.fulfill(answers.shift()!) : route.continue())

    await composer(ben.page).fill('slow down?')
    await composer(ben.page).press('Enter')
    await ben.page.locator('#composer-error', { hasText: 'You are sending too fast. Try again in 30 s.' }).waitFor()
    await composer(ben.page).press('Enter')
    await ben.page.locator('#composer-error', { hasText: 'The service is briefly unavailable.' }).waitFor()
    expect(await ben.page.locator('#composer-error').innerText()).toBe('The service is briefly unavailable.')
    expect(await composer(ben.page).inputValue()).toBe('slow down?')
    expect(await ben.page.locator('#messages > *').count()).toBe(0)
    expect(ben.pageErrors).toEqual([])
    await ben.context.close()
  })
})

/** Posts messages straight to the server with the person's session, as another tab would. */
async function post(who: Person, room: string, bodies: string[]) {
  for (const body of bodies) {
    const answer = await who.page.request.post(`${base}${room}/messages`, { headers: { origin: base, 'hx-request': 'true' }, form: { body, nonce: crypto.randomUUID() } })
    expect(answer.status()).toBe(200)
  }
}

const messageTexts = (page: Page) => page.locator('#messages article .body').allInnerTexts()
const scrollToTop = (page: Page) => page.locator('#scroller').evaluate((el) => { el.scrollTop = -el.scrollHeight })
/** Whether the message with this text is inside the scroller's visible box. */
const inView = (page: Page, text: string) => page.locator('#messages article .body', { hasText: new RegExp(`^${text}$`) }).evaluate((el) => {
  const box = document.getElementById('scroller')!.getBoundingClientRect()
  const r = el.getBoundingClientRect()
  return r.bottom > box.top && r.top < box.bottom
})

describe('history', () => {
  it('loads one older page per reach of the top, keeps the reader in place and never asks twice', async () => {
    const cy = await person('cy')
    const room = await createRoom(cy.page, 'Long history')
    await post(cy, room, Array.from({ length: 120 }, (_, i) => `n${i}`))
    await cy.page.reload()
    await cy.page.locator('#conn[data-state="connected"]').waitFor()
    expect(await inView(cy.page, 'n119')).toBe(true)
    const asked: string[] = []
    cy.page.on('request', (r) => { if (r.url().includes('/messages?before=')) asked.push(r.url()) })

    await scrollToTop(cy.page)
    expect(await inView(cy.page, 'n70')).toBe(true)
    await cy.page.locator('#messages article .body', { hasText: /^n20$/ }).waitFor({ state: 'attached' })
    expect(await inView(cy.page, 'n70')).toBe(true)
    expect(await cy.page.locator('#messages article').count()).toBe(100)
    expect(asked).toHaveLength(1)

    await scrollToTop(cy.page)
    await cy.page.locator('#older', { hasText: 'This is the beginning of the room.' }).waitFor()
    expect(await messageTexts(cy.page)).toEqual(Array.from({ length: 120 }, (_, i) => `n${i}`))
    expect(await inView(cy.page, 'n20')).toBe(true)
    expect(asked).toHaveLength(2)
    expect(new Set(asked).size).toBe(2)
    expect(cy.pageErrors).toEqual([])
    await cy.context.close()
  }, 60_000)
})

describe('sending while the server is away', () => {
  it('says the send failed, keeps the text, and a retry after the restart sends it once', async () => {
    const dot = await person('dot')
    await createRoom(dot.page, 'Away')
    await world.server.close()
    try {
      await composer(dot.page).fill('are you back?')
      await composer(dot.page).press('Enter')
      await dot.page.locator('#composer-error', { hasText: 'Not sent' }).waitFor()
      expect(await composer(dot.page).inputValue()).toBe('are you back?')
    } finally {
      world.server = await world.start()
    }
    await dot.page.locator('#conn[data-state="connected"]').waitFor({ timeout: 20_000 })
    await composer(dot.page).press('Enter')
    await dot.page.locator('#messages article', { hasText: 'are you back?' }).waitFor()
    await expectEmptyComposer(dot.page)
    expect(await messageTexts(dot.page)).toEqual(['are you back?'])
    await dot.context.close()
  }, 60_000)

  it('retries with the same nonce, so a send whose answer was lost is not doubled', async () => {
    const eli = await person('eli')
    const room = await createRoom(eli.page, 'Lost answers')
    const nonces: string[] = []
    let loseNext = true
    await eli.page.route(`**${room}/messages`, async (route) => {
      if (route.request().method() !== 'POST') return route.continue()
      nonces.push(new URLSearchParams(route.request().postData() ?? '').get('nonce') ?? '')
      if (!loseNext) return route.continue()
      loseNext = false
      // The server stores the message; its answer never reaches the page.
      await route.fetch()
      await route.abort('connectionreset')
    })
    await composer(eli.page).fill('only once')
    await composer(eli.page).press('Enter')
    await eli.page.locator('#composer-error', { hasText: 'Not sent' }).waitFor()
    expect(await composer(eli.page).inputValue()).toBe('only once')
    await composer(eli.page).press('Enter')
    await expectEmptyComposer(eli.page)
    expect(nonces).toHaveLength(2)
    expect(nonces[1]).toBe(nonces[0])
    await eli.page.reload()
    expect(await messageTexts(eli.page)).toEqual(['only once'])
    expect(await eli.page.locator('#composer-error').innerText()).toBe('')
    await eli.context.close()
  })
})

async function expectEmptyComposer(page: Page) {
  await page.waitForFunction(() => (document.querySelector('#composer textarea') as HTMLTextAreaElement).value === '')
  expect(await page.locator('#composer-error').innerText()).toBe('')
}

describe('the member list', () => {
  it('shows you online when you come back to a room a few seconds after closing it', async () => {
    const fay = await person('fay')
    const room = await createRoom(fay.page, 'Come back')
    await fay.page.close()
    // The steps: the socket is gone and last seen written before the room is opened again.
    await new Promise((r) => setTimeout(r, 3_000))
    const again = await fay.open()
    await again.goto(`${base}${room}`)
    await again.locator('#conn[data-state="connected"]').waitFor()
    const me = again.locator('#members li', { hasText: '@fay' })
    expect(await me.getAttribute('class')).toBe('online')
    expect(await me.innerText()).not.toContain('last seen')
    expect(fay.pageErrors).toEqual([])
    await fay.context.close()
  })

  it('drops someone who leaves and adds someone who joins, without a reload, while they stay online elsewhere', async () => {
    const gus = await person('gus')
    const hal = await person('hal')
    const room = await createRoom(gus.page, 'Comings and goings')
    // Online all along in another tab: no presence change announces the joining or the leaving.
    await createRoom(await hal.open(), 'Hal elsewhere')
    await hal.page.goto(`${base}${room}`)
    await hal.page.click('form[action$="/join"] button')
    await hal.page.locator('#conn[data-state="connected"]').waitFor()
    await gus.page.locator('#members li', { hasText: '@hal' }).waitFor()
    await hal.page.click('form[action$="/leave"] button')
    await hal.page.waitForURL(`${base}/`)
    await gus.page.locator('#members li', { hasText: '@hal' }).waitFor({ state: 'detached' })
    expect(await gus.page.locator('#members li').allInnerTexts()).toEqual([expect.stringContaining('@gus')])
    await gus.context.close()
    await hal.context.close()
  })
})

/** Whether an element lies wholly inside the window (not cut off, not below the fold). */
const inWindow = (page: Page, selector: string) => page.locator(selector).evaluate((el) => {
  const r = el.getBoundingClientRect()
  return r.width > 0 && r.top >= 0 && r.left >= 0 && r.bottom <= window.innerHeight && r.right <= window.innerWidth
})
const pageScrolls = (page: Page) => page.evaluate(() => {
  const doc = document.scrollingElement!
  return doc.scrollHeight > window.innerHeight || doc.scrollWidth > window.innerWidth
})

describe('the room fits the window', () => {
  for (const [name, viewport] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
    it(`keeps the composer, Send and its errors in a ${viewport.width}x${viewport.height} window; only the list scrolls (${name})`, async () => {
      const ivy = await person(`ivy-${name}`, viewport)
      const room = await createRoom(ivy.page, `Fits ${name}`)
      await post(ivy, room, Array.from({ length: 60 }, (_, i) => `line ${i}\nsecond line`))
      await ivy.page.reload()
      await ivy.page.locator('#conn[data-state="connected"]').waitFor()
      expect(await pageScrolls(ivy.page)).toBe(false)
      expect(await inWindow(ivy.page, '#composer textarea')).toBe(true)
      expect(await inWindow(ivy.page, '#composer button[type="submit"]')).toBe(true)
      expect(await ivy.page.locator('#scroller').evaluate((el) => el.scrollHeight > el.clientHeight)).toBe(true)
      expect(await inView(ivy.page, 'line 59\nsecond line')).toBe(true)

      await composer(ivy.page).evaluate((el) => { (el as HTMLTextAreaElement).value = 'x'.repeat(4001) })
      await ivy.page.click('#composer button[type="submit"]')
      await ivy.page.locator('#composer-error', { hasText: 'at most 4000 characters' }).waitFor()
      expect(await inWindow(ivy.page, '#composer-error')).toBe(true)
      expect(await inWindow(ivy.page, '#composer button[type="submit"]')).toBe(true)
      expect(await pageScrolls(ivy.page)).toBe(false)
      await ivy.context.close()
    })
  }

  it('does not scroll sideways on a phone\'s sign-in page', async () => {
    const context = await world.chromium.browser.newContext({ viewport: PHONE })
    const page = await context.newPage()
    await page.goto(`${base}/login`)
    expect(await page.evaluate(() => document.scrollingElement!.scrollWidth)).toBeLessThanOrEqual(PHONE.width)
    expect(await inWindow(page, 'form.local button')).toBe(true)
    await context.close()
  })
})

describe('adding a member', () => {
  for (const [name, viewport] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
    it(`shows a refusal beside the Add form, keeps the address and the input inside its card (${name})`, async () => {
      const jo = await person(`jo-${name}`, viewport)
      await person(`kim-${name}`).then((kim) => kim.context.close())
      const room = await createRoom(jo.page, `Private ${name}`, 'private')
      if (name === 'phone') {
        // On a phone the header keeps the room's name: Members sits in the "⋯" menu.
        await jo.page.click('.actions-toggle')
        await jo.page.click('.members-toggle')
        // The drawer slides in; measure it once it is in place.
        await jo.page.waitForFunction(() => getComputedStyle(document.getElementById('members-panel')!).transform === 'none')
      }
      expect(await jo.page.locator('#add-login').evaluate((input) => {
        const card = input.closest('.card')!.getBoundingClientRect()
        const r = input.getBoundingClientRect()
        return r.left >= card.left && r.right <= card.right
      })).toBe(true)
      expect(await inWindow(jo.page, '#add-member button')).toBe(true)

      await jo.page.fill('#add-login', 'nobody-here')
      await jo.page.click('#add-member button')
      await jo.page.locator('#add-member .error', { hasText: 'No one called @nobody-here' }).waitFor()
      expect(new URL(jo.page.url()).pathname).toBe(room)
      expect(await jo.page.locator('#composer-error').innerText()).toBe('')
      expect(await jo.page.inputValue('#add-login')).toBe('nobody-here')

      await jo.page.fill('#add-login', `kim-${name}`)
      await jo.page.click('#add-member button')
      await jo.page.locator('#members li', { hasText: `@kim-${name}` }).waitFor()
      expect(await jo.page.locator('#add-member .error').innerText()).toBe('')
      expect(new URL(jo.page.url()).pathname).toBe(room)
      expect(jo.pageErrors).toEqual([])
      await jo.context.close()
    })
  }
})

describe('the keyboard', () => {
  it('moves focus into the editor, saves with Enter, keeps Shift+Enter a new line, cancels with Escape', async () => {
    const lu = await person('lu')
    await createRoom(lu.page, 'Keys')
    await send(lu.page, 'first draft')
    const message = lu.page.locator('#messages article').first()
    await message.hover()
    await message.locator('a.own').click()
    const editor = lu.page.locator('.msg.editing textarea')
    await editor.waitFor()
    // In place of the message: the link carries no request attributes, app.js opens it here.
    expect(new URL(lu.page.url()).pathname).not.toMatch(/\/edit$/)
    expect(await lu.page.evaluate(() => document.activeElement?.closest('.msg.editing') !== null && document.activeElement?.tagName)).toBe('TEXTAREA')
    await lu.page.keyboard.press('Escape')
    await lu.page.locator('.msg.editing').waitFor({ state: 'detached' })
    expect(await messageTexts(lu.page)).toEqual(['first draft'])

    await message.hover()
    await message.locator('a.own').click()
    await editor.waitFor()
    await lu.page.keyboard.press('End')
    await lu.page.keyboard.press('Shift+Enter')
    await lu.page.keyboard.type('second line')
    await lu.page.keyboard.press('Enter')
    await lu.page.locator('#messages article .body', { hasText: 'second line' }).waitFor()
    expect(await messageTexts(lu.page)).toEqual(['first draft\nsecond line'])
    expect(lu.pageErrors).toEqual([])
    await lu.context.close()
  })

  it('announces the connection state to screen readers', async () => {
    const mo = await person('mo')
    await createRoom(mo.page, 'Announced')
    expect(await mo.page.locator('#conn').getAttribute('aria-live')).toBe('polite')
    await mo.context.close()
  })
})

describe('a reader who has not joined a public room', () => {
  it('is told that updates are not live and offered Join', async () => {
    const ned = await person('ned')
    const oz = await person('oz')
    const room = await createRoom(ned.page, 'Open reading')
    await oz.page.goto(`${base}${room}`)
    await oz.page.locator('#conn', { hasText: 'You are reading without joining' }).waitFor()
    expect(await inWindow(oz.page, 'form[action$="/join"] button')).toBe(true)
    await ned.context.close()
    await oz.context.close()
  })
})

describe('without JavaScript', () => {
  it('opens at the newest message, does not promise Enter sends, and an older page links to newer ones', async () => {
    const pat = await person('pat')
    const room = await createRoom(pat.page, 'No script')
    await post(pat, room, Array.from({ length: 70 }, (_, i) => `m${i}`))
    const context = await world.chromium.browser.newContext({ viewport: DESKTOP, javaScriptEnabled: false })
    await context.addCookies(await pat.context.cookies())
    const page = await context.newPage()
    await page.goto(`${base}${room}`)
    expect(await inView(page, 'm69')).toBe(true)
    expect(await page.getAttribute('#composer textarea', 'placeholder')).toBe('Message')
    await page.click('#older a')
    await page.waitForURL(/\?before=/)
    expect(await messageTexts(page)).toEqual(Array.from({ length: 20 }, (_, i) => `m${i}`))
    await page.click('#newer a')
    await page.waitForURL(`${base}${room}`)
    expect((await messageTexts(page)).at(-1)).toBe('m69')
    await context.close()
    await pat.context.close()
  })
})

describe('small things', () => {
  it('counts down near the length limit instead of cutting a paste, and a second quick Send sends nothing', async () => {
    const quin = await person('quin')
    await createRoom(quin.page, 'Small things')
    await composer(quin.page).fill('y'.repeat(4001))
    expect(await composer(quin.page).inputValue()).toHaveLength(4001)
    await quin.page.locator('#composer-count', { hasText: '1 characters over the limit of 4000' }).waitFor()
    await composer(quin.page).fill('just once')
    await quin.page.dblclick('#composer button[type="submit"]')
    await quin.page.locator('#messages article', { hasText: 'just once' }).waitFor()
    await expectEmptyComposer(quin.page)
    await send(quin.page, 'and then this')
    expect(await messageTexts(quin.page)).toEqual(['just once', 'and then this'])
    expect(await quin.page.locator('#composer-error').innerText()).toBe('')
    await quin.context.close()
  })
})
