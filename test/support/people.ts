import type { BrowserContext, BrowserContextOptions, Page } from 'playwright-core'
import type { BrowserWorld } from './browser.ts'

export const DESKTOP = { width: 1280, height: 800 }
export const PHONE = { width: 390, height: 844 }

export interface Person { context: BrowserContext; page: Page; pageErrors: string[] }

/** A person signed in (local login) in a fresh browser context; script errors and console errors are recorded. */
export async function signedIn(world: BrowserWorld, login: string, options: BrowserContextOptions = { viewport: DESKTOP }): Promise<Person> {
  const context = await world.chromium.browser.newContext(options)
  // Well inside the test timeout, so a step that never happens names itself.
  context.setDefaultTimeout(8_000)
  const pageErrors: string[] = []
  const page = await context.newPage()
  page.on('dialog', (d) => void d.accept())
  page.on('pageerror', (err) => pageErrors.push(err.message))
  page.on('console', (m) => { if (m.type() === 'error' && !/Failed to load resource/.test(m.text())) pageErrors.push(m.text()) })
  await page.goto(`${world.base}/login`)
  await page.fill('input[name="login"]', login)
  await page.click('form.local button')
  await page.waitForURL(`${world.base}/`)
  return { context, page, pageErrors }
}

/** Creates a room from the lobby and waits until its page is live; its path. */
export async function createRoom(world: BrowserWorld, page: Page, name: string, visibility: 'public' | 'private' = 'public'): Promise<string> {
  await page.goto(`${world.base}/`)
  await page.fill('#room-name', name)
  await page.selectOption('select[name="visibility"]', visibility)
  await page.click('form[action="/rooms"] button')
  await page.waitForURL(/\/rooms\/[a-z0-9-]+$/)
  await page.locator('#conn[data-state="connected"]').waitFor()
  return new URL(page.url()).pathname
}

/** Posts messages straight to the server with the page's session, as another tab would; throws on a refusal. */
export async function postMessages(world: BrowserWorld, page: Page, room: string, bodies: readonly string[]) {
  for (const body of bodies) {
    const answer = await page.request.post(`${world.base}${room}/messages`, { headers: { origin: world.base, 'hx-request': 'true' }, form: { body, nonce: crypto.randomUUID() } })
    if (answer.status() !== 200) throw new Error(`send refused: ${answer.status()}`)
  }
}
