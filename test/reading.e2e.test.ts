import type { BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { browserWorld, type BrowserWorld } from './support/browser.ts'

// The room as people read it (issue 25, items 1, 3, 5, 10, 12 and Delete beside Edit), in Chromium:
// opening at the first unread message, honest state on every message and in the sidebar, deleting
// from the message itself, and a page whose reader was removed.

let world: BrowserWorld
let base: string
beforeAll(async () => {
  world = await browserWorld({ ADMIN_LOGINS: 'root' })
  base = world.base
})
afterAll(() => world?.close())

interface Person { login: string; context: BrowserContext; page: Page; errors: string[]; open(path: string): Promise<Page> }

async function person(login: string, { javaScript = true, viewport = { width: 1280, height: 800 } } = {}): Promise<Person> {
  const context = await world.chromium.browser.newContext({ viewport, javaScriptEnabled: javaScript })
  context.setDefaultTimeout(8_000)
  const errors: string[] = []
  const open = async (path: string) => {
    const page = await context.newPage()
    page.on('pageerror', (err) => errors.push(err.message))
    page.on('dialog', (d) => void d.accept())
    await page.goto(`${base}${path}`)
    return page
  }
  const page = await open('/login')
  await page.fill('input[name="login"]', login)
  await page.click('form.local button')
  await page.waitForURL(`${base}/`)
  return { login, context, page, errors, open }
}

/** A room made over HTTP from the person's page (same cookies), joined by the others. */
async function room(owner: Person, name: string, visibility: 'public' | 'private', ...joiners: Person[]): Promise<string> {
  const res = await owner.page.request.post(`${base}/rooms`, { form: { name, visibility }, headers: { origin: base }, maxRedirects: 0 })
  const path = res.headers().location!
  for (const p of joiners) {
    if (visibility === 'public') await p.page.request.post(`${base}${path}/join`, { headers: { origin: base }, maxRedirects: 0 })
    else await owner.page.request.post(`${base}${path}/members`, { form: { login: p.login }, headers: { origin: base }, maxRedirects: 0 })
  }
  return path
}

/** Sends over HTTP as htmx would; answers the new message's id. */
async function post(p: Person, path: string, body: string): Promise<string> {
  const res = await p.page.request.post(`${base}${path}/messages`, { form: { body, nonce: crypto.randomUUID() }, headers: { origin: base, 'hx-request': 'true' } })
  expect(res.status()).toBe(200)
  return /data-key="(\d+)"/.exec(await res.text())![1]!
}

const unreadOf = (page: Page, path: string) => page.locator(`#side-rooms a[href="${path}"] [data-unread]`).getAttribute('data-unread')
/** Sidebar changes reach a tab at most once a second and markers move at most every 5 s: polls wait longer. */
const eventually = <T>(read: () => Promise<T> | T) => expect.poll(read, { timeout: 15_000 })
const live = (page: Page) => page.locator('#conn[data-state="connected"]').waitFor()
/** Whether the element is inside the scroller's visible box, whole. */
const wholeInView = (page: Page, selector: string) => page.locator(selector).first().evaluate((el) => {
  const box = document.getElementById('scroller')!.getBoundingClientRect()
  const r = el.getBoundingClientRect()
  return r.top >= box.top && r.bottom <= box.bottom
})

/** The reader has read the room up to now: it is opened and its count goes to 0. */
async function readAll(reader: Person, path: string) {
  const tab = await reader.open(path)
  await live(tab)
  await tab.locator('#scroller').evaluate((el) => { el.scrollTop = 0 })
  await eventually(() => unreadOf(tab, path)).toBe('0')
  await tab.close()
}

describe('opening a room where the reader left off', () => {
  it('opens at the first unread message with the divider and a mention in view, and clears the count only once the reader scrolled to the end', async () => {
    const [walt, rita] = [await person('walt'), await person('rita')]
    const path = await room(walt, 'Catching up', 'public', rita)
    for (let i = 0; i < 5; i++) await post(walt, path, `read ${i}`)
    await readAll(rita, path)
    for (let i = 1; i <= 40; i++) await post(walt, path, i === 5 ? '@rita can you look at this one?' : `unread ${i}`)

    const tab = await rita.open(path)
    await live(tab)
    expect(await tab.locator('article.first-unread .body').innerText()).toBe('unread 1')
    expect(await wholeInView(tab, 'article.first-unread')).toBe(true)
    expect(await wholeInView(tab, 'article.mentions-me')).toBe(true)
    // The divider's label sits above the message: in view too.
    expect(await tab.locator('article.first-unread').evaluate((el) => el.getBoundingClientRect().top - 20 >= document.getElementById('scroller')!.getBoundingClientRect().top)).toBe(true)
    expect(await tab.locator('#unread-bar').count()).toBe(0)
    // The run starts again below the line: its author's name is shown there.
    expect(await tab.locator('article.first-unread .who').isVisible()).toBe(true)

    // What was on screen is reported read: the count goes down, not to zero.
    await eventually(async () => Number(await unreadOf(tab, path))).toBeLessThan(40)
    const left = Number(await unreadOf(tab, path))
    expect(left).toBeGreaterThan(0)
    expect(await tab.locator(`#side-rooms a[href="${path}"] .side-unread`).isVisible()).toBe(true)

    await tab.locator('#scroller').evaluate((el) => { el.scrollTop = 0 })
    await eventually(() => unreadOf(tab, path)).toBe('0')
    expect(rita.errors).toEqual([])
    for (const p of [walt, rita]) await p.context.close()
  })

  it('opens far up at the first unread with "N new since" and the way to the newest, and loads the rest as the reader goes down', async () => {
    const [wes, ria] = [await person('wes'), await person('ria')]
    const path = await room(wes, 'Far behind', 'public', ria)
    for (let i = 0; i < 3; i++) await post(wes, path, `old ${i}`)
    await readAll(ria, path)
    for (let i = 1; i <= 70; i++) await post(wes, path, `behind ${i}`)

    const tab = await ria.open(path)
    await live(tab)
    expect(await tab.locator('article.first-unread .body').innerText()).toBe('behind 1')
    expect(await wholeInView(tab, 'article.first-unread')).toBe(true)
    expect(await tab.locator('#unread-bar').innerText()).toMatch(/^70 new messages since \d\d?:\d\d( [AP]M)? — Jump to the newest$/)
    expect(await tab.locator('#messages article', { hasText: 'old 2' }).count()).toBe(1)
    await eventually(async () => Number(await unreadOf(tab, path))).toBeLessThan(70)
    expect(Number(await unreadOf(tab, path))).toBeGreaterThan(0)

    // Down to the present: the gap edge loads each page once, then the count clears.
    const articles = () => tab.locator('#messages article').count()
    while ((await tab.locator('#messages .gap').count()) > 0) {
      const had = await articles()
      await tab.locator('#scroller').evaluate((el) => { el.scrollTop = 0 })
      await eventually(articles).toBeGreaterThan(had)
    }
    await tab.locator('#scroller').evaluate((el) => { el.scrollTop = 0 })
    expect(await articles()).toBe(73)
    // Loaded history is not "new messages" to jump to.
    expect(await tab.locator('#jump').isHidden()).toBe(true)
    await eventually(() => unreadOf(tab, path)).toBe('0')

    // "Jump to the newest" opens the newest page, not the first unread.
    await tab.goto(`${base}/`)
    for (let i = 1; i <= 60; i++) await post(wes, path, `again ${i}`)
    await tab.goto(`${base}${path}`)
    await tab.click('#unread-bar a')
    await tab.waitForURL(`${base}${path}?latest`)
    await live(tab)
    expect(await wholeInView(tab, '#messages article:last-of-type')).toBe(true)
    expect(ria.errors).toEqual([])
    for (const p of [wes, ria]) await p.context.close()
   }, 90_000)

  it('without JavaScript shows the divider and the bar, and counts as read what the page showed', async () => {
    const [wim, rob] = [await person('wim'), await person('rob', { javaScript: false })]
    const path = await room(wim, 'Plain reading', 'public', rob)
    await post(wim, path, 'before')
    await rob.page.goto(`${base}${path}`)
    for (let i = 1; i <= 10; i++) await post(wim, path, `near ${i}`)
    await rob.page.goto(`${base}${path}`)
    expect(await rob.page.locator('article.first-unread .body').innerText()).toBe('near 1')
    expect(await rob.page.locator('article.first-unread').evaluate((el) => getComputedStyle(el, '::before').content)).toBe('"New messages"')

    for (let i = 1; i <= 60; i++) await post(wim, path, `far ${i}`)
    await rob.page.goto(`${base}${path}`)
    expect(await rob.page.locator('article.first-unread .body').innerText()).toBe('far 1')
    expect(await rob.page.locator('#unread-bar').innerText()).toContain('60 new messages since')
    // The page showed up to "far 16" (15 after the first unread): the next visit starts after it.
    await rob.page.goto(`${base}/`)
    await rob.page.goto(`${base}${path}`)
    expect(await rob.page.locator('article.first-unread .body').innerText()).toBe('far 17')
    for (const p of [wim, rob]) await p.context.close()
  })
})

describe('honest state', () => {
  it('shows "(edited)" on a grouped follow-up, and its time on hover', async () => {
    const [eve, fay] = [await person('eve'), await person('fay')]
    const path = await room(eve, 'Grouped', 'public', fay)
    await post(eve, path, 'first of a run')
    const second = await post(eve, path, 'second of a run')
    const edited = await eve.page.request.post(`${base}${path}/messages/${second}`, { form: { body: 'second of a run, fixed' }, headers: { origin: base, 'hx-request': 'true' } })
    expect(edited.status()).toBe(200)
    const tab = await fay.open(path)
    const follow = tab.locator(`#m-${second}`)
    await expect.poll(() => follow.getAttribute('class')).toContain('cont')
    expect(await follow.locator('.edited').isVisible()).toBe(true)
    expect(await follow.locator('.who').isVisible()).toBe(false)
    const timeOpacity = () => follow.locator('time').evaluate((el) => getComputedStyle(el).opacity)
    expect(await timeOpacity()).toBe('0')
    await follow.hover()
    expect(await timeOpacity()).toBe('1')
    expect(await follow.locator('time').evaluate((el) => getComputedStyle(el, '::after').content)).toMatch(/^"\d\d:\d\d/)
    for (const p of [eve, fay]) await p.context.close()
  })

  it('dims a room set to nothing with a quiet count, and styles a direct message\'s count (every message, by default) like a mention', async () => {
    const [gus, hal] = [await person('gus'), await person('hal')]
    const quiet = await room(gus, 'Quiet one', 'public', hal)
    const loud = await room(gus, 'Loud one', 'public', hal)
    const dm = await hal.page.request.post(`${base}/direct-rooms`, { form: { login: 'gus' }, headers: { origin: base }, maxRedirects: 0 })
    const direct = dm.headers().location!
    await post(gus, quiet, 'psst')
    await post(gus, loud, 'hey @hal')
    await post(gus, loud, 'and more')
    await post(gus, direct, 'just you')
    const tab = await hal.open(quiet)
    await tab.click('#notify-level summary')
    await tab.click('#notify-level button[value="none"]')
    const side = tab.locator(`#side-rooms a[href="${quiet}"]`)
    await expect.poll(() => side.getAttribute('data-level')).toBe('none')
    await tab.goto(`${base}${loud}`)
    expect(await side.getAttribute('data-level')).toBe('none')
    const style = (selector: string) => tab.locator(selector).evaluate((el) => {
      const s = getComputedStyle(el)
      return { background: s.backgroundColor, color: s.color }
    })
    // The live sidebar may be swapped in whole just after the page opens (a link read mid-swap has no style): each look is polled.
    await expect.poll(async () => {
      const [mention, directCount] = [await style(`#side-rooms a[href="${loud}"] .side-mentions`), await style(`#side-rooms a[href="${direct}"] .side-unread`)]
      return mention.background.startsWith('rgb') && JSON.stringify(directCount) === JSON.stringify(mention)
    }).toBe(true)
    await expect.poll(async () => (await style(`#side-rooms a[href="${quiet}"] .side-unread`)).background).toBe('rgba(0, 0, 0, 0)')
    await expect.poll(async () => (await style(`#side-rooms a[href="${quiet}"] .side-name`)).color).not.toBe((await style(`#side-rooms a[href="${loud}"] .side-name`)).color)
    for (const p of [gus, hal]) await p.context.close()
  })
})

describe('deleting from the message', () => {
  it('offers Delete beside Edit on one\'s own message, asks first, and deletes it in place', async () => {
    const [ida, jon] = [await person('ida'), await person('jon')]
    const path = await room(ida, 'Deleting', 'public', jon)
    const mine = await post(ida, path, 'oops, wrong room')
    const theirs = await post(jon, path, 'not yours to delete')
    const tab = await ida.open(path)
    await live(tab)
    const article = tab.locator(`#m-${mine}`)
    await article.hover()
    const asked: string[] = []
    tab.on('dialog', (d) => void asked.push(d.message()))
    await article.locator('.msg-delete button').click()
    await article.locator('.body.gone').waitFor()
    expect(asked).toEqual(['Delete this message for everyone? This cannot be undone.'])
    await tab.locator(`#m-${theirs}`).hover()
    expect(await tab.locator(`#m-${theirs} .msg-delete`).isVisible()).toBe(false)
    const other = await jon.open(path)
    await other.locator(`#m-${mine} .body.gone`).waitFor()
    expect(ida.errors).toEqual([])
    for (const p of [ida, jon]) await p.context.close()
  })

  it('lets an administrator delete anyone\'s message from the room, audit-logged, and works without JavaScript', async () => {
    const [kay, root] = [await person('kay'), await person('root', { javaScript: false })]
    const path = await room(kay, 'Moderated', 'public')
    const id = await post(kay, path, 'something to take down')
    await root.page.goto(`${base}${path}`)
    await root.page.hover(`#m-${id}`)
    await root.page.locator(`#m-${id} .msg-delete button`).click()
    await root.page.waitForURL(`${base}${path}#m-${id}`)
    expect(await root.page.locator(`#m-${id} .body`).innerText()).toBe('This message was deleted.')
    await root.page.goto(`${base}/admin`)
    expect(await root.page.locator('main').innerText()).toContain(`#${id} by @kay`)
    // Without JavaScript a person's own Delete is a plain form too.
    const own = await post(kay, path, 'mine to take back')
    const noScript = await world.chromium.browser.newContext({ javaScriptEnabled: false })
    const plain = await noScript.newPage()
    await plain.goto(`${base}/login`)
    await plain.fill('input[name="login"]', 'kay')
    await plain.click('form.local button')
    await plain.goto(`${base}${path}`)
    await plain.hover(`#m-${own}`)
    await plain.locator(`#m-${own} .msg-delete button`).click()
    await plain.waitForURL(`${base}${path}#m-${own}`)
    expect(await plain.locator(`#m-${own} .body`).innerText()).toBe('This message was deleted.')
    await noScript.close()
    for (const p of [kay, root]) await p.context.close()
  })
})

describe('a reader who can no longer take part', () => {
  it('is told they were removed, and loses the composer, the member forms and the sidebar entry at once', async () => {
    const [lea, max] = [await person('lea'), await person('max')]
    const path = await room(lea, 'Owners only', 'private', max)
    const tab = await max.open(path)
    await live(tab)
    expect(await tab.locator(`#side-rooms a[href="${path}"]`).count()).toBe(1)
    const res = await lea.page.request.post(`${base}${path}/members/max/delete`, { headers: { origin: base }, maxRedirects: 0 })
    expect(res.status()).toBe(303)
    await tab.locator('#conn[data-state="closed"]', { hasText: 'You were removed from this room by its owner or an administrator' }).waitFor()
    await tab.locator('#composer').waitFor({ state: 'detached' })
    expect(await tab.locator('.composer.ended').innerText()).toBe('You cannot write in this room any more.')
    expect(await tab.locator(`#side-rooms a[href="${path}"]`).count()).toBe(0)
    expect(await tab.locator('#members-panel form').count()).toBe(0)
    expect(await tab.locator('#notify-level').count()).toBe(0)
    expect(await tab.locator('#members-panel').innerText()).toContain('You are not a member of this room.')
    expect(max.errors).toEqual([])
    for (const p of [lea, max]) await p.context.close()
  })

  it('is told a ban suspended the account, and loses the composer', async () => {
    const [oz, root] = [await person('oz'), await person('root')]
    const path = await room(oz, 'Before the ban', 'public')
    const tab = await oz.open(path)
    await live(tab)
    const res = await root.page.request.post(`${base}/admin/users/oz/ban`, { headers: { origin: base }, maxRedirects: 0 })
    expect(res.status()).toBe(303)
    await tab.locator('#conn[data-state="closed"]', { hasText: 'This account has been suspended by an administrator' }).waitFor()
    await tab.locator('#composer').waitFor({ state: 'detached' })
    expect(await tab.locator('.composer.ended').innerText()).toBe('You cannot write in this room any more.')
    expect(oz.errors).toEqual([])
    for (const p of [oz, root]) await p.context.close()
  })

  it('keeps a typed text to copy when the room was left in another tab', async () => {
    const ned = await person('ned')
    const path = await room(ned, 'Left elsewhere', 'public')
    const tab = await ned.open(path)
    await live(tab)
    await tab.fill('#composer textarea', 'half a thought')
    const other = await ned.open(path)
    await other.click('form[action$="/leave"] button')
    await tab.locator('#conn[data-state="closed"]', { hasText: 'You left this room' }).waitFor()
    expect(await tab.locator('#composer textarea').inputValue()).toBe('half a thought')
    expect(await tab.locator('#composer textarea').getAttribute('readonly')).toBe('')
    expect(await tab.locator('#composer button[type="submit"]').isDisabled()).toBe(true)
    expect(ned.errors).toEqual([])
    await ned.context.close()
  })
})
