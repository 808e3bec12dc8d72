import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { appOn, browser } from './support/app.ts'
import { databaseBackends, type OpenedDatabase } from './support/databases.ts'

const [, openPostgres] = databaseBackends[0]!
let opened: OpenedDatabase
let dataDir: string
let app: ReturnType<typeof appOn>['app']
const LIMIT = 200 * 1024
beforeAll(async () => {
  opened = await openPostgres()
  dataDir = await mkdtemp(join(tmpdir(), 'rtc-uploads-'))
  app = appOn(opened.db, { env: { DATA_DIR: dataDir, UPLOAD_MAX_BYTES: String(LIMIT), UPLOAD_QUOTA_BYTES: String(3 * LIMIT) } }).app
})
afterAll(async () => {
  await opened?.cleanup()
  await rm(dataDir, { recursive: true, force: true })
})

type Person = ReturnType<typeof browser>
const person = async (login: string) => {
  const p = browser(app)
  await p.post('/auth/local', { login })
  return p
}
let rooms = 0
const roomOf = async (owner: Person, visibility = 'public') => {
  const slug = (await owner.post('/rooms', { name: `Files ${++rooms}`, visibility })).headers.get('location')!.split('/').pop()!
  return slug
}
/** Sends a multipart message; answers the rendered message (htmx) or the refusal. */
const sendFiles = (who: Person, slug: string, files: { name: string; bytes: Uint8Array; type?: string }[], body = '') => {
  const form = new FormData()
  form.set('body', body)
  form.set('nonce', crypto.randomUUID())
  for (const f of files) form.append('file', new File([f.bytes as Uint8Array<ArrayBuffer>], f.name, { type: f.type ?? 'image/png' }))
  return who.get(`/rooms/${slug}/messages`, { method: 'POST', body: form, headers: { 'hx-request': 'true' } })
}
const links = (html: string) => [...html.matchAll(/href="(\/rooms\/[^"]+\/files\/[0-9a-f]{64})"/g)].map((m) => m[1]!)
const bytesOf = async (res: Response) => new Uint8Array(await res.arrayBuffer())

/** A JPEG carrying GPS EXIF, as a phone makes them. */
const photoWithGps = () => sharp({ create: { width: 1600, height: 1200, channels: 3, background: '#c33' } })
  .withExif({ IFD0: { Make: 'PhoneCo' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 0/1', GPSLongitudeRef: 'W', GPSLongitude: '0/1 7/1 0/1' } })
  .jpeg().toBuffer().then((b) => new Uint8Array(b))

describe('attachments', () => {
  it('stores an image by its hash, previews it as a small WebP without its EXIF location, and serves both only inertly', async () => {
    const ann = await person('ann')
    const slug = await roomOf(ann)
    const photo = await photoWithGps()
    expect((await sharp(photo).metadata()).exif?.toString('latin1')).toContain('PhoneCo')
    const sent = await sendFiles(ann, slug, [{ name: 'holiday.jpg', bytes: photo, type: 'image/jpeg' }], 'look')
    expect(sent.status).toBe(200)
    const html = await sent.text()
    const [file] = links(html)
    expect(file).toMatch(new RegExp(`/files/${Buffer.from(await crypto.subtle.digest('SHA-256', photo)).toString('hex')}$`))
    expect(html).toContain(`<img src="${file}/preview" alt="holiday.jpg"`)

    const original = await ann.get(file!)
    expect(original.status).toBe(200)
    expect(await bytesOf(original)).toEqual(photo)
    expect(original.headers.get('content-type')).toBe('image/jpeg')
    expect(original.headers.get('x-content-type-options')).toBe('nosniff')
    expect(original.headers.get('content-security-policy')).toBe('sandbox')
    expect(original.headers.get('content-disposition')).toMatch(/^inline; filename="holiday.jpg"/)

    const preview = await ann.get(`${file}/preview`)
    expect(preview.headers.get('content-type')).toBe('image/webp')
    expect(preview.headers.get('content-security-policy')).toBe('sandbox')
    const meta = await sharp(await bytesOf(preview)).metadata()
    expect(meta.format).toBe('webp')
    expect(Math.max(meta.width!, meta.height!)).toBe(800)
    expect(meta.exif).toBeUndefined()
  })

  it('serves lying, unknown, scripted and polyglot files as downloads that cannot run, and a corrupt image without a preview', async () => {
    const ann = await person('ann2')
    const slug = await roomOf(ann)
    const png = new Uint8Array(await sharp({ create: { width: 4, height: 4, channels: 3, background: '#000' } }).png().toBuffer())
    const text = (s: string) => new TextEncoder().encode(s)
    const cases = [
      { name: 'evil.png', bytes: text('<html><script>alert(1)</script></html>'), type: 'image/png', expect: 'application/octet-stream' },
      { name: 'draw.svg', bytes: text('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), type: 'image/svg+xml', expect: 'application/octet-stream' },
      { name: 'page.html', bytes: text('<script>alert(1)</script>'), type: 'text/html', expect: 'application/octet-stream' },
      { name: 'real.txt', bytes: png, type: 'text/plain', expect: 'application/octet-stream' },
      { name: 'poly.gif', bytes: text('GIF89a/*<script>alert(1)</script>*/'), type: 'image/gif', expect: 'image/gif' },
      { name: 'broken.jpg', bytes: new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4, 5, 6, 7, 8]), type: 'image/jpeg', expect: 'image/jpeg' },
    ]
    for (const c of cases) {
      const sent = await sendFiles(ann, slug, [c])
      expect(sent.status, c.name).toBe(200)
      const html = await sent.text()
      expect(html, c.name).not.toContain('/preview')
      const [file] = links(html)
      const res = await ann.get(file!)
      expect(res.headers.get('content-type'), c.name).toBe(c.expect)
      expect(res.headers.get('x-content-type-options')).toBe('nosniff')
      expect(res.headers.get('content-security-policy')).toBe('sandbox')
      if (c.expect === 'application/octet-stream') expect(res.headers.get('content-disposition'), c.name).toMatch(/^attachment; /)
      expect(await bytesOf(res)).toEqual(c.bytes)
    }
  })

  it('refuses an upload over the limit with the limit in the message, before reading it whole', async () => {
    const ann = await person('ann3')
    const slug = await roomOf(ann)
    const said = await sendFiles(ann, slug, [{ name: 'big.bin', bytes: new Uint8Array(LIMIT + 1) }])
    expect(said.status).toBe(413)
    // Rounded, both are 200 KB: the bytes tell them apart.
    expect(await said.text()).toContain('at most 200 KB (204800 bytes) in all, these are 204801 bytes.')
    // No Content-Length: counted while it streams, and the stream is left unread past the limit.
    let pulled = 0
    const endless = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('--x\r\nContent-Disposition: form-data; name="file"; filename="endless.bin"\r\n\r\n'))
      },
      pull(controller) {
        pulled += 64 * 1024
        controller.enqueue(new Uint8Array(64 * 1024))
        if (pulled > 100 * 1024 * 1024) controller.close()
      },
    })
    const streamed = await ann.get(`/rooms/${slug}/messages`, {
      method: 'POST', body: endless, headers: { 'content-type': 'multipart/form-data; boundary=x' }, duplex: 'half',
    } as RequestInit)
    expect(streamed.status).toBe(413)
    expect(await streamed.text()).toContain('at most 200 KB')
    expect(pulled).toBeLessThan(4 * LIMIT)
  })

  it('keeps each user within their storage quota, counting a file sent again once', async () => {
    const ann = await person('ann4')
    const slug = await roomOf(ann)
    const chunk = (seed: number) => new Uint8Array(160 * 1024).fill(seed)
    expect((await sendFiles(ann, slug, [{ name: 'a.bin', bytes: chunk(1) }])).status).toBe(200)
    expect((await sendFiles(ann, slug, [{ name: 'b.bin', bytes: chunk(2) }])).status).toBe(200)
    expect((await sendFiles(ann, slug, [{ name: 'a-again.bin', bytes: chunk(1) }])).status).toBe(200)
    expect((await sendFiles(ann, slug, [{ name: 'c.bin', bytes: chunk(3) }])).status).toBe(200)
    const refused = await sendFiles(ann, slug, [{ name: 'd.bin', bytes: chunk(4) }])
    expect(refused.status).toBe(413)
    expect(await refused.text()).toMatch(/storage quota of 600 KB is used up \(480 KB stored\)/)
    const ben = await person('ben4')
    expect((await sendFiles(ben, slug, [{ name: 'd.bin', bytes: chunk(4) }])).status).toBe(403)
  })

  it('keeps uploads sent at once within the quota together, and frees a deleted message\'s files from it', async () => {
    const cy = await person('cy4')
    const slug = await roomOf(cy)
    const chunk = (seed: number) => new Uint8Array(160 * 1024).fill(seed)
    // Six files of 160 KB at once against 600 KB: three fit, whatever order they are recorded in.
    const answers = await Promise.all([11, 12, 13, 14, 15, 16].map((seed) => sendFiles(cy, slug, [{ name: `${seed}.bin`, bytes: chunk(seed) }])))
    const accepted = answers.filter((r) => r.status === 200)
    expect(accepted.length).toBe(3)
    expect(answers.filter((r) => r.status === 413).length).toBe(3)
    const refused = await sendFiles(cy, slug, [{ name: 'more.bin', bytes: chunk(17) }])
    expect(await refused.text()).toMatch(/\(480 KB stored\)/)
    const id = /data-key="(\d+)"/.exec(await accepted[0]!.text())![1]
    expect((await cy.post(`/rooms/${slug}/messages/${id}/delete`)).status).toBe(303)
    expect((await sendFiles(cy, slug, [{ name: 'more.bin', bytes: chunk(17) }])).status).toBe(200)
  })

  it('serves a private room\'s files to its members only, and stops serving a deleted message\'s files', async () => {
    const ann = await person('ann5')
    const eve = await person('eve5')
    const slug = await roomOf(ann, 'private')
    const sent = await sendFiles(ann, slug, [{ name: 'secret.bin', bytes: new Uint8Array([1, 2, 3]) }], 'for members')
    const html = await sent.text()
    const [file] = links(html)
    expect((await ann.get(file!)).status).toBe(200)
    expect((await eve.get(file!)).status).toBe(404)
    // The same file through a message of another room does not exist there.
    const other = await roomOf(eve)
    expect((await eve.get(file!.replace(`/rooms/${slug}/`, `/rooms/${other}/`))).status).toBe(404)
    const id = /data-key="(\d+)"/.exec(html)![1]
    expect((await ann.post(`/rooms/${slug}/messages/${id}/delete`)).status).toBe(303)
    expect((await ann.get(file!)).status).toBe(404)
  })

  it('takes a plain multipart form without JavaScript, and a message of files alone', async () => {
    const ann = await person('ann6')
    const slug = await roomOf(ann)
    const form = new FormData()
    form.set('nonce', crypto.randomUUID())
    form.set('body', '')
    form.append('file', new File(['hello'], 'hello.txt', { type: 'text/plain' }))
    const sent = await ann.get(`/rooms/${slug}/messages`, { method: 'POST', body: form })
    expect(sent.status).toBe(303)
    const page = await (await ann.get(`/rooms/${slug}`)).text()
    expect(page).toContain('hello.txt')
    expect(page).toContain('enctype="multipart/form-data"')
  })
})
