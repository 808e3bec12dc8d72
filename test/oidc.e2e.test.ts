import { mkdir } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { violations } from './support/axe.ts'
import { browserWorld, type BrowserWorld } from './support/browser.ts'
import { startTestProvider, type TestProvider } from './support/oidcProvider.ts'
import { DESKTOP, PHONE } from './support/people.ts'
import { freePort } from './support/ports.ts'

const CLIENT = { client_id: 'rtc-browser', client_secret: 'rtc-browser-secret-0123456789' }

describe('signing in through the household\'s identity provider in a browser', () => {
  let world: BrowserWorld
  let op: TestProvider
  beforeAll(async () => {
    const port = await freePort()
    op = await startTestProvider([{ ...CLIENT, redirect_uris: [`http://127.0.0.1:${port}/auth/oidc/callback`] }])
    world = await browserWorld({
      CLIENT_ID: 'gh-client', CLIENT_SECRET: 'gh-secret-0123456789', LOCAL_LOGIN: 'false',
      OIDC_ISSUER: op.issuer, OIDC_CLIENT_ID: CLIENT.client_id, OIDC_CLIENT_SECRET: CLIENT.client_secret, OIDC_NAME: 'Family login',
      OIDC_ALLOW_HTTP_LOOPBACK: 'true',
    }, { port })
  }, 60_000)
  afterAll(async () => {
    await world?.close()
    await op?.close()
  })

  it('shows a button per provider; the single sign-on one goes through the provider and lands signed in', async () => {
    const context = await world.chromium.browser.newContext({ viewport: DESKTOP })
    context.setDefaultTimeout(15_000)
    const page = await context.newPage()
    const errors: string[] = []
    page.on('pageerror', (err) => errors.push(err.message))
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()) })
    await page.goto(`${world.base}/login`)
    await expect.poll(() => page.getByRole('link', { name: 'Sign in with GitHub' }).count()).toBe(1)
    const sso = page.getByRole('link', { name: 'Sign in with Family login' })
    await expect.poll(() => sso.count()).toBe(1)

    op.signInNext({ sub: 'browser-ada', preferred_username: 'ada', name: 'Ada Lovelace', picture: 'https://id.example.org/ada.png' })
    await sso.click()
    await page.waitForURL(`${world.base}/`)
    await expect.poll(() => page.locator('.whoami .name').textContent()).toBe('Ada Lovelace')
    // The provider was really asked: its authorize, token, keys and userinfo endpoints.
    expect(op.requests).toEqual(expect.arrayContaining(['GET /auth', 'POST /token', 'GET /jwks', 'GET /me']))
    // The picture from elsewhere is kept but not drawn: the page loads images from GitHub's avatar host only.
    expect(await page.locator('.whoami img').count()).toBe(0)

    // A room works as for anyone: the session is real.
    await page.fill('#room-name', 'Kitchen')
    await page.click('form[action="/rooms"] button')
    await page.waitForURL(/\/rooms\/kitchen$/)
    await page.locator('#conn[data-state="connected"]').waitFor()
    expect(errors).toEqual([])
    await context.close()
  })

  it('looks right with two providers at 1280x800 and 390x844, light and dark, with no axe violation (screenshots when SHOTS_DIR is set)', async () => {
    const dir = process.env.SHOTS_DIR
    const found: string[] = []
    if (dir) await mkdir(dir, { recursive: true })
    for (const [name, viewport] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
      for (const dark of [false, true]) {
        const context = await world.chromium.browser.newContext({ viewport, colorScheme: dark ? 'dark' : 'light' })
        const page = await context.newPage()
        await page.goto(`${world.base}/login`)
        const buttons = page.locator('.providers .button')
        await expect.poll(() => buttons.count()).toBe(2)
        // Both buttons fit the window and stand one above the other at full width.
        const [first, second] = [await buttons.nth(0).boundingBox(), await buttons.nth(1).boundingBox()]
        expect(first!.x + first!.width).toBeLessThanOrEqual(viewport.width)
        expect(second!.y).toBeGreaterThan(first!.y + first!.height - 1)
        expect(second!.width).toBe(first!.width)
        if (dir) await page.screenshot({ path: `${dir}/login-two-providers-${name}-${dark ? 'dark' : 'light'}.png` })
        for (const v of await violations(page)) found.push(`${name} ${dark ? 'dark' : 'light'} /login: ${v}`)
        // A refusal is the same page, its message above the buttons to try again.
        const refused = await page.goto(`${world.base}/auth/oidc/callback?error=access_denied`)
        expect(refused?.status()).toBe(400)
        await expect.poll(() => page.locator('.login .error').textContent()).toBe('Sign-in was cancelled at Family login. You can try again.')
        await expect.poll(() => buttons.count()).toBe(2)
        if (dir) await page.screenshot({ path: `${dir}/login-refused-${name}-${dark ? 'dark' : 'light'}.png` })
        for (const v of await violations(page)) found.push(`${name} ${dark ? 'dark' : 'light'} refusal: ${v}`)
        await context.close()
      }
    }
    expect(found).toEqual([])
  })
})
