import { mkdtemp, readdir, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cassandraMessages } from '../src/store/cassandra/messages.ts'
import { postgresUploads } from '../src/store/postgres/uploads.ts'
import { uploadFiles } from '../src/uploads/files.ts'
import { uploadSweeper } from '../src/uploads/sweeper.ts'
import { appOn, browser } from './support/app.ts'
import { testKeyspace } from './support/cassandra.ts'
import { capturedLogger } from './support/logs.ts'
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

const shaOf = async (bytes: Uint8Array) => Buffer.from(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>)).toString('hex')
const onDisk = (dir: string, sha256: string) => stat(join(dir, 'uploads', sha256.slice(0, 2), sha256)).then(() => true, () => false)
const idIn = async (res: Response) => /data-key="(\d+)"/.exec(await res.text())![1]!
/** The bytes of every file under `dir`. */
const diskBytes = async (dir: string) => {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => [])
  const sizes = await Promise.all(entries.filter((e) => e.isFile()).map((e) => stat(join(e.parentPath, e.name)).then((s) => s.size)))
  return sizes.reduce((sum, size) => sum + size, 0)
}
const sweeperOn = (dir: string, now: () => Date, remove?: (sha256: string) => Promise<void>) => {
  const files = uploadFiles({ dir: join(dir, 'uploads'), previewMaxPixels: 1 })
  return uploadSweeper({
    store: postgresUploads(opened.db.sql), files: { remove: remove ?? files.remove }, graceMs: GRACE_MS, log: capturedLogger().log, now,
  })
}
const GRACE_MS = 60_000
const afterGrace = () => new Date(Date.now() + GRACE_MS + 1000)

describe('the upload quota and the files on disk', () => {
  it('counts a file two live messages carry until both are deleted (send it twice, delete one, again with another file)', async () => {
    const ann = await person('ann7')
    const slug = await roomOf(ann)
    const chunk = (seed: number) => new Uint8Array(160 * 1024).fill(seed)
    const kept: string[] = []
    for (const seed of [21, 22, 23]) {
      const first = await sendFiles(ann, slug, [{ name: `${seed}-a.bin`, bytes: chunk(seed) }])
      const second = await sendFiles(ann, slug, [{ name: `${seed}-b.bin`, bytes: chunk(seed) }])
      expect([first.status, second.status]).toEqual([200, 200])
      kept.push(links(await second.text())[0]!)
      expect((await ann.post(`/rooms/${slug}/messages/${await idIn(first)}/delete`)).status).toBe(303)
    }
    // Three files of 160 KB are stored and served against 600 KB: a fourth does not fit.
    const refused = await sendFiles(ann, slug, [{ name: 'more.bin', bytes: chunk(24) }])
    expect(refused.status).toBe(413)
    expect(await refused.text()).toMatch(/\(480 KB stored\)/)
    for (const link of kept) expect((await ann.get(link)).status).toBe(200)
  })

  it('removes a refused upload\'s file from disk at once, unless someone else\'s message carries it', async () => {
    const [ann, ben] = [await person('ann8'), await person('ben8')]
    const slug = await roomOf(ann)
    await ben.post(`/rooms/${slug}/join`)
    const chunk = (seed: number) => new Uint8Array(160 * 1024).fill(seed)
    // Sent at once, so that they pass the first look at the quota together and are written before three are refused.
    const seeds = [31, 32, 33, 34, 35, 36]
    const answers = await Promise.all(seeds.map((seed) => sendFiles(ann, slug, [{ name: `${seed}.bin`, bytes: chunk(seed) }])))
    expect(answers.map((r) => r.status).sort()).toEqual([200, 200, 200, 413, 413, 413])
    for (const [i, seed] of seeds.entries()) expect(await onDisk(dataDir, await shaOf(chunk(seed))), String(seed)).toBe(answers[i]!.status === 200)
    expect((await sendFiles(ben, slug, [{ name: 'shared.bin', bytes: chunk(37) }])).status).toBe(200)
    expect((await sendFiles(ann, slug, [{ name: 'shared.bin', bytes: chunk(37) }])).status).toBe(413)
    expect(await onDisk(dataDir, await shaOf(chunk(37)))).toBe(true)
  })

  it('forgets the files of a send refused for its text at once: not counted, not on disk', async () => {
    const ann = await person('ann11')
    const slug = await roomOf(ann)
    const chunk = (seed: number) => new Uint8Array(190 * 1024).fill(seed)
    for (const seed of [61, 62]) {
      const refused = await sendFiles(ann, slug, [{ name: `${seed}.bin`, bytes: chunk(seed) }], 'x'.repeat(4001))
      expect(refused.status).toBe(422)
      expect(await onDisk(dataDir, await shaOf(chunk(seed)))).toBe(false)
    }
    for (const seed of [63, 64, 65]) expect((await sendFiles(ann, slug, [{ name: `${seed}.bin`, bytes: chunk(seed) }])).status).toBe(200)
  })

  it('gives a file back its place on disk when a send reuses its hash while it is being removed', async () => {
    const [ann, ben] = [await person('ann9'), await person('ben9')]
    const slug = await roomOf(ann)
    await ben.post(`/rooms/${slug}/join`)
    const bytes = new Uint8Array(50 * 1024).fill(41)
    const sha256 = await shaOf(bytes)
    const sent = await sendFiles(ann, slug, [{ name: 'once.bin', bytes }])
    expect((await ann.post(`/rooms/${slug}/messages/${await idIn(sent)}/delete`)).status).toBe(303)
    let resent: Promise<Response> | undefined
    const files = uploadFiles({ dir: join(dataDir, 'uploads'), previewMaxPixels: 1 })
    await sweeperOn(dataDir, afterGrace, async (removed) => {
      if (removed !== sha256) return files.remove(removed)
      // Ben sends the same file as the sweeper removes it: his send writes it (it is there), then waits for the removal.
      resent = sendFiles(ben, slug, [{ name: 'again.bin', bytes }])
      await untilSomeoneWaitsForALock()
      await files.remove(removed)
    }).sweep()
    const answer = await resent!
    expect(answer.status).toBe(200)
    const [link] = links(await answer.text())
    expect(new Uint8Array(await (await ben.get(link!)).arrayBuffer())).toEqual(bytes)
  })
})

/** Until a connection of this test's database waits for a lock (a send reusing a hash waits for its removal). */
async function untilSomeoneWaitsForALock() {
  for (let i = 0; i < 500; i++) {
    const [row] = await opened.db.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`
    if (row!.n > 0) return
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

describe('a send/delete loop', () => {
  let loopDir: string
  let loopApp: ReturnType<typeof appOn>['app']
  beforeAll(async () => {
    loopDir = await mkdtemp(join(tmpdir(), 'rtc-uploads-loop-'))
    loopApp = appOn(opened.db, { env: { DATA_DIR: loopDir, UPLOAD_MAX_BYTES: String(1100 * 1024), UPLOAD_QUOTA_BYTES: String(3 * 1024 * 1024), UPLOAD_GRACE_SECONDS: '60' } }).app
  })
  afterAll(() => rm(loopDir, { recursive: true, force: true }))

  it('of 100 files of 1 MB leaves the upload directory where it began once the grace period is over', async () => {
    const dan = browser(loopApp)
    await dan.post('/auth/local', { login: 'dan-loop' })
    const slug = (await dan.post('/rooms', { name: 'Loop', visibility: 'public' })).headers.get('location')!.split('/').pop()!
    const kept = await sendFiles(dan, slug, [{ name: 'kept.bin', bytes: new Uint8Array(1024).fill(7) }])
    const began = await diskBytes(join(loopDir, 'uploads'))
    for (let i = 0; i < 100; i++) {
      const bytes = new Uint8Array(1024 * 1024)
      new DataView(bytes.buffer).setUint32(0, i)
      const sent = await sendFiles(dan, slug, [{ name: `${i}.bin`, bytes }])
      expect(sent.status).toBe(200)
      expect((await dan.post(`/rooms/${slug}/messages/${await idIn(sent)}/delete`)).status).toBe(303)
    }
    // Within the grace period, the files stay.
    await sweeperOn(loopDir, () => new Date()).sweep()
    expect(await diskBytes(join(loopDir, 'uploads'))).toBeGreaterThan(began + 99 * 1024 * 1024)
    // (At least: the database is shared with this file's other tests, whose deleted files may be due too.)
    expect(await sweeperOn(loopDir, afterGrace).sweep()).toBeGreaterThanOrEqual(100)
    expect(Math.abs(await diskBytes(join(loopDir, 'uploads')) - began)).toBeLessThan(1024 * 1024)
    expect((await dan.get(links(await kept.text())[0]!)).status).toBe(200)
  })
})

describe('image previews', () => {
  it('gives an image over the pixel limit (26 megapixels in 85 KB) no preview, only its file link', async () => {
    const ann = await person('ann10')
    const slug = await roomOf(ann)
    const huge = new Uint8Array(await sharp({ create: { width: 5200, height: 5000, channels: 3, background: '#123' } }).png({ compressionLevel: 9 }).toBuffer())
    const sent = await sendFiles(ann, slug, [{ name: 'huge.png', bytes: huge }])
    expect(sent.status).toBe(200)
    const html = await sent.text()
    expect(html).not.toContain('/preview')
    const [file] = links(html)
    expect((await ann.get(file!)).headers.get('content-type')).toBe('image/png')
    expect((await ann.get(`${file}/preview`)).status).toBe(404)
  })

  it('answers a send before its image\'s preview is made, and serves the preview once it is', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rtc-uploads-previews-'))
    try {
      const events: string[] = []
      let open!: () => void
      const held = new Promise<void>((resolve) => { open = resolve })
      const files = uploadFiles({
        dir: join(dir, 'uploads'), previewMaxPixels: 25_000_000,
        beforePreview: async () => {
          await held
          events.push('preview made')
        },
      })
      const eve = browser(appOn(opened.db, { env: { DATA_DIR: dir }, deps: { uploadFiles: files } }).app)
      await eve.post('/auth/local', { login: 'eve-previews' })
      const slug = (await eve.post('/rooms', { name: 'Previews', visibility: 'public' })).headers.get('location')!.split('/').pop()!
      const photo = await photoWithGps()
      const sent = await sendFiles(eve, slug, [{ name: 'held.jpg', bytes: photo, type: 'image/jpeg' }])
      events.push('send answered')
      expect(sent.status).toBe(200)
      const [file] = links(await sent.text())
      const sha256 = await shaOf(photo)
      expect(await stat(join(dir, 'uploads', sha256.slice(0, 2), `${sha256}.webp`)).then(() => true, () => false)).toBe(false)
      // The page shows the preview's address at once; asked for, it comes when it is made.
      const preview = eve.get(`${file}/preview`)
      open()
      const answer = await preview
      expect(answer.status).toBe(200)
      expect((await sharp(new Uint8Array(await answer.arrayBuffer())).metadata()).format).toBe('webp')
      expect(events).toEqual(['send answered', 'preview made'])
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})

describe('with messages in Cassandra', () => {
  let ks: Awaited<ReturnType<typeof testKeyspace>>
  let dir: string
  let cassandraApp: ReturnType<typeof appOn>['app']
  beforeAll(async () => {
    ks = await testKeyspace()
    dir = await mkdtemp(join(tmpdir(), 'rtc-uploads-cassandra-'))
    cassandraApp = appOn(opened.db, {
      env: { DATA_DIR: dir, UPLOAD_MAX_BYTES: String(LIMIT), UPLOAD_QUOTA_BYTES: String(3 * LIMIT) }, deps: { messages: cassandraMessages(ks.client) },
    }).app
  })
  afterAll(async () => {
    await ks?.drop()
    await rm(dir, { recursive: true, force: true })
  })

  it('counts a file two live messages carry until both are deleted, then removes it after the grace period', async () => {
    const fay = browser(cassandraApp)
    await fay.post('/auth/local', { login: 'fay-cassandra' })
    const slug = (await fay.post('/rooms', { name: 'Cassandra files', visibility: 'public' })).headers.get('location')!.split('/').pop()!
    const bytes = new Uint8Array(190 * 1024).fill(51)
    const [first, second] = [await sendFiles(fay, slug, [{ name: 'a.bin', bytes }]), await sendFiles(fay, slug, [{ name: 'b.bin', bytes }])]
    expect((await fay.post(`/rooms/${slug}/messages/${await idIn(first)}/delete`)).status).toBe(303)
    // 190 KB still counted against 600 KB: two more files of 190 KB fit, a third does not.
    const more = await Promise.all([52, 53, 54].map((seed) => sendFiles(fay, slug, [{ name: `${seed}.bin`, bytes: new Uint8Array(190 * 1024).fill(seed) }])))
    expect(more.map((r) => r.status).sort()).toEqual([200, 200, 413])
    await sweeperOn(dir, afterGrace).sweep()
    expect(await onDisk(dir, await shaOf(bytes))).toBe(true)
    expect((await fay.post(`/rooms/${slug}/messages/${await idIn(second)}/delete`)).status).toBe(303)
    await sweeperOn(dir, afterGrace).sweep()
    expect(await onDisk(dir, await shaOf(bytes))).toBe(false)
  })
})
