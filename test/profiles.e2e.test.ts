import { mkdir } from 'node:fs/promises'
import type { Page } from 'playwright-core'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { browserWorld, type BrowserWorld } from './support/browser.ts'
import { createRoom, signedIn, type Person } from './support/people.ts'

let world: BrowserWorld
beforeAll(async () => { world = await browserWorld() })
afterAll(() => world?.close())

/** A landscape photo (a circle on a colour, so the crop shows) with a GPS position in its EXIF. */
const photo = async (background: string) => ({
  name: 'IMG_2001.JPG', mimeType: 'image/jpeg',
  buffer: await sharp({ create: { width: 640, height: 480, channels: 3, background } })
    .composite([{ input: Buffer.from('<svg width="640" height="480"><circle cx="320" cy="240" r="150" fill="#fff" fill-opacity=".85"/></svg>') }])
    .jpeg().withExif({ IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 24/1' } }).toBuffer(),
})

const person = async (login: string, options: { width?: number; height?: number; dark?: boolean; javaScript?: boolean } = {}): Promise<Person> => {
  const who = await signedIn(world, login, {
    viewport: { width: options.width ?? 1280, height: options.height ?? 800 }, colorScheme: options.dark ? 'dark' : 'light', javaScriptEnabled: options.javaScript ?? true,
  })
  who.page.setDefaultTimeout(15_000)
  return who
}

const send = async (page: Page, body: string) => {
  await page.locator('#composer textarea').fill(body)
  await page.locator('#composer textarea').press('Enter')
  await page.locator('#messages article', { hasText: body }).waitFor()
}

/** Saves the profile form as a person fills it in. */
const editProfile = async (page: Page, fields: { name?: string; bio?: string; zone?: string; picture?: Awaited<ReturnType<typeof photo>> }) => {
  await page.goto(`${world.base}/profile`)
  if (fields.name !== undefined) await page.fill('#display_name', fields.name)
  if (fields.bio !== undefined) await page.fill('#bio', fields.bio)
  if (fields.zone !== undefined) await page.selectOption('#time_zone', fields.zone)
  if (fields.picture) await page.setInputFiles('#avatar', fields.picture)
  await page.click('#profile-form button[type="submit"]')
}

describe('profiles in the browser', () => {
  it('edits a profile, shows the new name on new messages only, opens the card from a name, and messages from it', async () => {
    const ann = await person('ann')
    const ben = await person('ben')
    const room = await createRoom(world, ann.page, 'Faces')
    await ben.page.goto(`${world.base}${room}`)
    await ben.page.click(`form[action="${room}/join"] button`)
    await ben.page.locator('#conn[data-state="connected"]').waitFor()
    await send(ann.page, 'sent as plain ann')

    await editProfile(ann.page, { name: 'Ann Aurora', bio: 'Maps, trains and tea.', zone: 'Asia/Tokyo', picture: await photo('#d63') })
    await ann.page.waitForURL(`${world.base}/profile?saved`)
    expect(await ann.page.locator('.notice').innerText()).toContain('Saved.')
    expect(await ann.page.locator('.whoami .name').innerText()).toBe('Ann Aurora')
    const face = ann.page.locator('.avatar-field img.big-face')
    await expect.poll(() => face.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), { timeout: 15_000 }).toBe(256)

    await ann.page.goto(`${world.base}${room}`)
    await ann.page.locator('#conn[data-state="connected"]').waitFor()
    await send(ann.page, 'sent as Ann Aurora')
    // The reader sees both live: the old message keeps the name it was sent with.
    const [before, after] = [ben.page.locator('#messages article', { hasText: 'sent as plain ann' }), ben.page.locator('#messages article', { hasText: 'sent as Ann Aurora' })]
    await after.waitFor()
    expect(await before.locator('a.who').innerText()).toBe('ann')
    expect(await after.locator('a.who').textContent()).toBe('Ann Aurora')
    expect(await after.locator('img.face').getAttribute('src')).toMatch(/^\/avatars\/-\d+\/[0-9a-f]{64}\.webp$/)

    // The card opens over the room from the old message's name: the person as they are now.
    await before.locator('a.who').click()
    const dialog = ben.page.locator('dialog#profile-dialog[open]')
    await dialog.waitFor()
    expect(ben.page.url()).toBe(`${world.base}${room}`)
    expect(await dialog.locator('#profile-name').innerText()).toBe('Ann Aurora')
    expect(await dialog.locator('.profile-bio').innerText()).toBe('Maps, trains and tea.')
    expect(await dialog.locator('.profile-facts').innerText()).toMatch(/Local time\s+\w{3} \d\d:\d\d \(Asia\/Tokyo\)/)
    expect(await dialog.locator('.profile-facts').innerText()).toMatch(/Online\s+now/)
    await ben.page.keyboard.press('Escape')
    await dialog.waitFor({ state: 'detached' }).catch(() => {})
    await expect.poll(() => ben.page.locator('dialog#profile-dialog[open]').count()).toBe(0)
    // From the member list too, and its Message opens the direct room.
    await ben.page.locator('#members a.member-name', { hasText: 'Ann Aurora' }).click()
    await dialog.waitFor()
    await dialog.locator('button', { hasText: 'Message' }).click()
    await ben.page.waitForURL((url) => url.pathname !== room && url.pathname.startsWith('/rooms/'))
    expect(await ben.page.locator('.room-head h1').innerText()).toMatch(/^Ann Aurora\s+direct$/)
    expect([...ann.pageErrors, ...ben.pageErrors]).toEqual([])
    await ann.context.close()
    await ben.context.close()
  })

  it('edits a profile and reads a card without JavaScript, refusals shown on the form with the typed text kept', async () => {
    const cal = await person('cal', { javaScript: false })
    const dot = await person('dot', { javaScript: false })
    await editProfile(cal.page, { name: 'Cal typed this', bio: 'and this', picture: { name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('not a picture at all') } })
    expect(await cal.page.locator('#avatar-error').innerText()).toBe('A picture must be a JPEG, PNG, WebP or GIF image.')
    expect(await cal.page.inputValue('#display_name')).toBe('Cal typed this')
    expect(await cal.page.inputValue('#bio')).toBe('and this')

    await editProfile(cal.page, { name: 'Cal Without Script', bio: 'No JavaScript here.', zone: 'Europe/Lisbon', picture: await photo('#36c') })
    await cal.page.waitForURL(`${world.base}/profile?saved`)
    expect(await cal.page.locator('.whoami .name').innerText()).toBe('Cal Without Script')

    await dot.page.goto(`${world.base}/users/cal`)
    expect(await dot.page.locator('h1#profile-name').innerText()).toBe('Cal Without Script')
    expect(await dot.page.locator('.profile-bio').innerText()).toBe('No JavaScript here.')
    expect(await dot.page.locator('.profile-facts').innerText()).toContain('(Europe/Lisbon)')
    expect(await dot.page.locator('img.big-face').getAttribute('src')).toMatch(/^\/avatars\//)
    await dot.page.click('.profile-actions button')
    await dot.page.waitForURL(/\/rooms\/[^/]+$/)
    expect(await dot.page.locator('.room-head h1').innerText()).toMatch(/^Cal Without Script\s+direct$/)
    // In the room, the name is a plain link to the card.
    await dot.page.locator('#composer textarea').fill('hello without script')
    await dot.page.click('#composer button[type="submit"]')
    await dot.page.locator('#messages article', { hasText: 'hello without script' }).locator('a.who').click()
    await dot.page.waitForURL(`${world.base}/users/dot`)
    expect(await dot.page.locator('.profile-actions a').innerText()).toBe('Edit your profile')
    await cal.context.close()
    await dot.context.close()
  })

  it('offers this device\'s time zone in one click and refuses a picture over 5 MB before it is sent', async () => {
    const gil = await signedIn(world, 'gil', { viewport: { width: 1280, height: 800 }, timezoneId: 'Europe/Berlin' })
    await gil.page.goto(`${world.base}/profile`)
    const use = gil.page.locator('#use-device-zone')
    expect(await use.innerText()).toBe('Use this device\'s (Europe/Berlin)')
    await use.click()
    expect(await gil.page.inputValue('#time_zone')).toBe('Europe/Berlin')
    expect(await use.isVisible()).toBe(false)
    await gil.page.setInputFiles('#avatar', { name: 'huge.jpg', mimeType: 'image/jpeg', buffer: Buffer.alloc(6 * 1024 * 1024) })
    expect(await gil.page.locator('#avatar-error').innerText()).toBe('That picture is too large: at most 5 MB.')
    expect(await gil.page.locator('#avatar').evaluate((input: HTMLInputElement) => input.files?.length)).toBe(0)
    await gil.page.click('#profile-form button[type="submit"]')
    await gil.page.waitForURL(`${world.base}/profile?saved`)
    await gil.page.goto(`${world.base}/users/gil`)
    expect(await gil.page.locator('.profile-facts').innerText()).toContain('(Europe/Berlin)')
    expect(gil.pageErrors).toEqual([])
    await gil.context.close()
  })

  it('looks right at 1280x800 and 390x844, light and dark (screenshots when SHOTS_DIR is set)', async () => {
    const dir = process.env.SHOTS_DIR
    if (dir) await mkdir(dir, { recursive: true })
    const eve = await person('eve')
    await editProfile(eve.page, { name: 'Eve Ng', bio: 'Keeps the build green.\nAsk me about Cassandra compaction.', zone: 'Europe/Paris', picture: await photo('#7a3') })
    await eve.page.waitForURL(`${world.base}/profile?saved`)
    const room = await createRoom(world, eve.page, 'Looks')
    await send(eve.page, 'Morning all, the deploy went out.')
    await eve.context.close()
    for (const [name, width, height] of [['desktop', 1280, 800], ['phone', 390, 844]] as const) {
      for (const dark of [false, true]) {
        const shade = dark ? 'dark' : 'light'
        const self = await person('eve', { width, height, dark })
        await self.page.goto(`${world.base}/profile`)
        await expect.poll(() => self.page.locator('.avatar-field img.big-face').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), { timeout: 15_000 }).toBe(256)
        // Nothing sticks out of the window.
        expect(await self.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width)
        if (dir) await self.page.screenshot({ path: `${dir}/profile-${name}-${shade}.png`, fullPage: true })
        await self.context.close()
        const fay = await person('fay', { width, height, dark })
        await fay.page.goto(`${world.base}${room}`)
        const who = fay.page.locator('#messages article a.who').first()
        await who.click()
        const dialog = fay.page.locator('dialog#profile-dialog[open]')
        await dialog.waitFor()
        await expect.poll(() => dialog.locator('img.big-face').evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth), { timeout: 15_000 }).toBe(256)
        // The card fits the window.
        const box = await dialog.boundingBox()
        expect(box!.x).toBeGreaterThanOrEqual(0)
        expect(box!.x + box!.width).toBeLessThanOrEqual(width)
        if (dir) await fay.page.screenshot({ path: `${dir}/card-${name}-${shade}.png` })
        await fay.page.goto(`${world.base}/users/eve`)
        if (dir) await fay.page.screenshot({ path: `${dir}/card-page-${name}-${shade}.png` })
        expect(fay.pageErrors).toEqual([])
        await fay.context.close()
      }
    }
  })
})
