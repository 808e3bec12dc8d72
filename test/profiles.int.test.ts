import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../src/log.ts'
import { cachedStores } from '../src/store/cached.ts'
import { localStores } from '../src/store/local.ts'
import { postgresMessages } from '../src/store/postgres/messages.ts'
import { postgresModeration } from '../src/store/postgres/moderation.ts'
import { postgresProfiles } from '../src/store/postgres/profiles.ts'
import { postgresRooms } from '../src/store/postgres/rooms.ts'
import { postgresSessions } from '../src/store/postgres/sessions.ts'
import { postgresUsers } from '../src/store/postgres/users.ts'
import { redisBus } from '../src/store/redis/bus.ts'
import { redisCache } from '../src/store/redis/cache.ts'
import { connectRedis } from '../src/store/redis/connect.ts'
import { profileStoreContract } from './contract/profileStore.ts'
import { appOn, browser } from './support/app.ts'
import { databaseBackends } from './support/databases.ts'
import { REDIS_URL, testRedisPrefix } from './support/redis.ts'

for (const [name, open] of databaseBackends) {
  profileStoreContract(name, async () => {
    const opened = await open()
    return {
      store: postgresProfiles(opened.db.sql),
      users: postgresUsers(opened.db.sql),
      avatarRows: async (userId) => Number((await opened.db.sql`SELECT count(*)::int AS n FROM avatars WHERE user_id = ${userId}`)[0]!.n),
      cleanup: () => opened.cleanup(),
    }
  })
}

type Browser = ReturnType<typeof browser>
type App = ReturnType<typeof appOn>['app']

const signedIn = async (app: App, login: string) => {
  const b = browser(app)
  expect((await b.post('/auth/local', { login })).status).toBe(303)
  return b
}

/** A multipart POST /profile, as the form sends it (the picture last, as it stands last in the form). */
const saveProfile = (who: Browser, fields: Record<string, string>, file?: { bytes: Uint8Array; name: string; type: string }) => {
  const form = new FormData()
  for (const [k, v] of Object.entries({ display_name: '', bio: '', time_zone: '', ...fields })) form.set(k, v)
  form.set('avatar', file ? new File([file.bytes as Uint8Array<ArrayBuffer>], file.name, { type: file.type }) : new File([], '', { type: 'application/octet-stream' }))
  return who.get('/profile', { method: 'POST', body: form })
}

/** A phone's photo: landscape, with its maker and where it was taken in EXIF. */
const phonePhoto = async () => new Uint8Array(await sharp({ create: { width: 600, height: 400, channels: 3, background: '#c84' } })
  .jpeg().withExif({ IFD0: { Make: 'PhoneCo', Model: 'Pocket 9' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 24/1', GPSLongitudeRef: 'E', GPSLongitude: '2/1 21/1 7/1' } })
  .toBuffer())

const avatarSrc = (page: string) => /<img class="big-face" src="(\/avatars\/-?\d+\/[0-9a-f]{64}\.webp)"/.exec(page)?.[1]
const sendMessage = async (who: Browser, slug: string, body: string) => {
  const res = await who.post(`/rooms/${slug}/messages`, { body, nonce: crypto.randomUUID() }, { headers: { 'hx-request': 'true' } })
  expect(res.status).toBe(200)
  return res.text()
}

for (const [name, open] of databaseBackends) {
  describe(`profiles over HTTP on ${name}`, () => {
    let opened: Awaited<ReturnType<typeof open>>
    let app: App
    beforeAll(async () => {
      opened = await open()
      app = appOn(opened.db).app
    })
    afterAll(() => opened?.cleanup())

    it('shows the form, saves name, bio and time zone, and refuses bad fields beside them with the text kept, never a 500', async () => {
      const ann = await signedIn(app, 'pf-ann')
      const form = await (await ann.get('/profile')).text()
      for (const field of ['name="display_name"', 'name="bio"', 'name="time_zone"', 'name="avatar"', 'type="file"', 'enctype="multipart/form-data"']) expect(form).toContain(field)
      const long = 'N'.repeat(65)
      const refused = await saveProfile(ann, { display_name: long, bio: 'b'.repeat(281), time_zone: 'Mars/Olympus' })
      expect(refused.status).toBe(422)
      const page = await refused.text()
      expect(page).toContain('A display name is at most 64 characters; this one has 65.')
      expect(page).toContain('A bio is at most 280 characters; this one has 281.')
      expect(page).toContain('Choose a time zone from the list, or none.')
      expect(page).toContain(`value="${long}"`)
      expect(page).toContain(`>${'b'.repeat(281)}</textarea>`)
      expect(page).toContain('<option value="Mars/Olympus" selected="">Mars/Olympus</option>')

      const saved = await saveProfile(ann, { display_name: '  Ann <Lee> ', bio: 'Tea & bikes.', time_zone: 'Asia/Tokyo' })
      expect(saved.status).toBe(303)
      expect(saved.headers.get('location')).toBe('/profile?saved')
      const after = await (await ann.get('/profile?saved')).text()
      expect(after).toContain('value="Ann &lt;Lee&gt;"')
      expect(after).toContain('<option value="Asia/Tokyo" selected="">')
      expect(after).toContain('<span class="name">Ann &lt;Lee&gt;</span>')
      // Not a form at all, or a broken one: the client's mistake.
      expect((await ann.get('/profile', { method: 'POST', body: 'x', headers: { 'content-type': 'text/plain' } })).status).toBe(400)
    })

    it('re-encodes an uploaded photo: square WebP, EXIF and GPS gone, served from rtc with long caching; refuses what is no picture', async () => {
      const bo = await signedIn(app, 'pf-bo')
      const photo = await phonePhoto()
      expect((await sharp(photo).metadata()).exif?.toString('latin1')).toContain('PhoneCo')
      expect((await saveProfile(bo, { display_name: 'Bo', bio: 'typed' }, { bytes: photo, name: 'IMG_0001.JPG', type: 'image/jpeg' })).status).toBe(303)
      const src = avatarSrc(await (await bo.get('/profile')).text())!
      expect(src).toMatch(/^\/avatars\/-\d+\/[0-9a-f]{64}\.webp$/)
      const served = await bo.get(src)
      expect(served.status).toBe(200)
      expect(served.headers.get('content-type')).toBe('image/webp')
      expect(served.headers.get('cache-control')).toBe('private, max-age=31536000, immutable')
      expect(served.headers.get('x-content-type-options')).toBe('nosniff')
      const bytes = new Uint8Array(await served.arrayBuffer())
      const meta = await sharp(bytes).metadata()
      expect(meta).toMatchObject({ format: 'webp', width: 256, height: 256 })
      expect(meta.exif).toBeUndefined()
      expect(meta.icc).toBeUndefined()
      expect(Buffer.from(bytes).includes('PhoneCo')).toBe(false)

      const text = await saveProfile(bo, { display_name: 'Bo kept', bio: 'still typed' }, { bytes: new TextEncoder().encode('<svg onload=alert(1)>'), name: 'x.png', type: 'image/png' })
      expect(text.status).toBe(422)
      const page = await text.text()
      expect(page).toContain('A picture must be a JPEG, PNG, WebP or GIF image.')
      expect(page).toContain('value="Bo kept"')
      expect(page).toContain('>still typed</textarea>')
      // The picture before stays.
      expect(avatarSrc(page)).toBe(src)
      // The address of a picture that is not the person's: nothing.
      expect((await bo.get(`/avatars/1/${'0'.repeat(64)}.webp`)).status).toBe(404)
      expect((await bo.get('/avatars/x/y.webp')).status).toBe(404)
    })

    it('refuses a picture over 5 MB as it streams and one over the pixel limit, keeping the typed text', async () => {
      const cy = await signedIn(app, 'pf-cy')
      const big = new Uint8Array(6 * 1024 * 1024)
      big.set(await phonePhoto())
      const tooBig = await saveProfile(cy, { display_name: 'Cy typed', bio: 'bio typed' }, { bytes: big, name: 'big.jpg', type: 'image/jpeg' })
      expect(tooBig.status).toBe(413)
      const page = await tooBig.text()
      expect(page).toContain('That picture is too large: at most 5 MB.')
      expect(page).toContain('value="Cy typed"')
      expect(page).toContain('>bio typed</textarea>')

      const small = appOn(opened.db, { env: { UPLOAD_PREVIEW_MAX_PIXELS: '100000' } }).app
      const cyThere = browser(small)
      for (const [k, v] of cy.jar) cyThere.jar.set(k, v)
      const wide = await saveProfile(cyThere, { display_name: 'Cy wide' }, { bytes: await phonePhoto(), name: 'wide.jpg', type: 'image/jpeg' })
      expect(wide.status).toBe(422)
      expect(await wide.text()).toContain('That picture is 600×400 pixels: at most 0.1 megapixels are taken.')
    })

    it('shows a card at /users/:login (the card alone for htmx), 404 for an unknown login, and sends a signed-out visitor to sign in', async () => {
      const dee = await signedIn(app, 'pf-dee')
      const eli = await signedIn(app, 'pf-eli')
      await saveProfile(dee, { display_name: 'Dee Dee', bio: 'Line one\nline <two>', time_zone: 'Pacific/Auckland' })
      const card = await eli.get('/users/PF-DEE')
      expect(card.status).toBe(200)
      const page = await card.text()
      expect(page).toContain('<h1 id="profile-name"><bdi>Dee Dee</bdi></h1>')
      expect(page).toContain('@pf-dee')
      expect(page).toContain('Line one\nline &lt;two&gt;')
      expect(page).toMatch(/<span class="local-time">\w{3} \d\d:\d\d<\/span> <span class="muted">\(Pacific\/Auckland\)<\/span>/)
      expect(page).toContain('<input type="hidden" name="login" value="pf-dee"/>')
      expect(page).toContain('>Message</button>')
      const fragment = await (await eli.get('/users/pf-dee', { headers: { 'hx-request': 'true' } })).text()
      expect(fragment.startsWith('<section class="profile-card"')).toBe(true)
      expect(fragment).toContain('<h2 id="profile-name">')
      // One's own card offers editing instead.
      const own = await (await dee.get('/users/pf-dee')).text()
      expect(own).toContain('href="/profile">Edit your profile</a>')
      expect(own).not.toContain('>Message</button>')
      expect((await eli.get('/users/pf-nobody')).status).toBe(404)
      // A bot's name in a message leads to a card too, saying it is one.
      await opened.db.sql`INSERT INTO users (id, login, name, kind) VALUES (-nextval('local_user_ids'), 'pf-bot', 'pf-bot', 'bot')`
      expect(await (await eli.get('/users/pf-bot')).text()).toContain('@pf-bot <span class="badge">bot</span>')
      const stranger = browser(app)
      const out = await stranger.get('/users/pf-dee')
      expect(out.status).toBe(303)
      expect(out.headers.get('location')).toBe('/login')
      expect((await stranger.get('/profile')).status).toBe(303)
      // "Message" opens the direct room with them.
      const direct = await eli.post('/direct-rooms', { login: 'pf-dee' })
      expect(direct.status).toBe(303)
      expect(direct.headers.get('location')).toMatch(/^\/rooms\//)
    })

    it('keeps each message\'s name as sent, new ones carrying the new name and face; a replaced picture\'s old address leads to the new one', async () => {
      const fay = await signedIn(app, 'pf-fay')
      await fay.post('/rooms', { name: 'Faces' })
      const before = await sendMessage(fay, 'faces', 'before the change')
      expect(before).toContain('<bdi>pf-fay</bdi>')
      await saveProfile(fay, { display_name: 'Fay Renamed' }, { bytes: await phonePhoto(), name: 'a.jpg', type: 'image/jpeg' })
      const first = avatarSrc(await (await fay.get('/profile')).text())!
      const after = await sendMessage(fay, 'faces', 'after the change')
      expect(after).toContain('<bdi>Fay Renamed</bdi>')
      expect(after).toContain(`<img class="face" src="${first}"`)
      const room = await (await fay.get('/rooms/faces')).text()
      expect(room).toMatch(/<bdi>pf-fay<\/bdi><\/a> <time[^>]*>[^<]*<\/time><\/header><div class="body" dir="auto"><p>before the change/)
      expect(room).toContain('<a class="who" href="/users/pf-fay" title="@pf-fay"><bdi>Fay Renamed</bdi></a>')

      const png = new Uint8Array(await sharp({ create: { width: 300, height: 500, channels: 4, background: '#3a6' } }).png().toBuffer())
      await saveProfile(fay, { display_name: 'Fay Renamed' }, { bytes: png, name: 'b.png', type: 'image/png' })
      const second = avatarSrc(await (await fay.get('/profile')).text())!
      expect(second).not.toBe(first)
      const old = await fay.get(first)
      expect(old.status).toBe(302)
      expect(old.headers.get('location')).toBe(second)
      expect(Number((await opened.db.sql`SELECT count(*)::int AS n FROM avatars a JOIN users u ON u.id = a.user_id WHERE u.login = 'pf-fay'`)[0]!.n)).toBe(1)

      const removed = await fay.post('/profile/avatar/delete')
      expect(removed.headers.get('location')).toBe('/profile?removed')
      expect(avatarSrc(await (await fay.get('/profile')).text())).toBeUndefined()
      // A local user has no GitHub avatar to fall back to: the old addresses lead nowhere now.
      expect((await fay.get(second)).status).toBe(404)
      expect(Number((await opened.db.sql`SELECT count(*)::int AS n FROM avatars a JOIN users u ON u.id = a.user_id WHERE u.login = 'pf-fay'`)[0]!.n)).toBe(0)
    })
  })
}

describe('a profile change on one instance', () => {
  const [, openPostgres] = databaseBackends[0]!
  let opened: Awaited<ReturnType<typeof openPostgres>>
  let redis: Awaited<ReturnType<typeof testRedisPrefix>>
  const closers: (() => unknown)[] = []
  beforeAll(async () => {
    opened = await openPostgres()
    redis = await testRedisPrefix()
  })
  afterAll(async () => {
    for (const close of closers.reverse()) await close()
    await redis?.cleanup()
    await opened?.cleanup()
  })

  /** An instance as compose.ts makes one: the shared Redis cache, its own memory (kept for ten minutes here), the Redis bus. */
  const instance = (n: number) => {
    const log = createLogger('silent')
    const clients = connectRedis(REDIS_URL, redis.prefix, log, `profiles-${n}`)
    const bus = redisBus(clients, log)
    const sql = opened.db.sql
    const stores = cachedStores(redisCache(clients), {
      users: postgresUsers(sql), sessions: postgresSessions(sql), rooms: postgresRooms(sql), messages: postgresMessages(sql), profiles: postgresProfiles(sql),
    }, log)
    const local = localStores({ ...stores, moderation: postgresModeration(sql) }, bus, log, { ttlMs: 600_000 })
    closers.push(async () => { local.close(); bus.close?.(); await clients.close() })
    return appOn(opened.db, { deps: { bus, users: local.users, sessions: local.sessions, rooms: local.rooms, messages: stores.messages, moderation: local.moderation, profiles: local.profiles } }).app
  }

  it('reaches the other instances\' remembered sessions at once, so the next send there carries the new name', async () => {
    const [one, two] = [instance(1), instance(2)]
    const gus = await signedIn(one, 'pf-gus')
    const there = browser(two)
    for (const [k, v] of gus.jar) there.jar.set(k, v)
    await there.post('/rooms', { name: 'Two instances' })
    expect(await sendMessage(there, 'two-instances', 'as I was')).toContain('<bdi>pf-gus</bdi>')
    expect((await saveProfile(gus, { display_name: 'Gus Anew' })).status).toBe(303)
    // Instance two remembers the session for ten minutes: only the change's event can have made it read it again.
    await expect.poll(async () => (await (await there.get('/')).text()).includes('<span class="name">Gus Anew</span>'), { timeout: 5_000 }).toBe(true)
    expect(await sendMessage(there, 'two-instances', 'as I am now')).toContain('<bdi>Gus Anew</bdi>')
  })
})
