import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { appOn, browser } from './support/app.ts'
import { databaseBackends, type OpenedDatabase } from './support/databases.ts'
import { emptyFileParts, multipartBody, MULTIPART_TYPE, pulledBody, type Part } from './support/multipart.ts'

/**
 * Multipart bodies are read part by part and refused at the first part past a
 * limit (issue 24): the server answers without reading the rest, and a body
 * that stays within the limits is taken as before. Default limits: 10 MB of
 * files per send.
 */

const [, openPostgres] = databaseBackends[0]!
const MB = 1024 * 1024
let opened: OpenedDatabase
let dataDir: string
let app: ReturnType<typeof appOn>['app']
beforeAll(async () => {
  opened = await openPostgres()
  dataDir = await mkdtemp(join(tmpdir(), 'rtc-multipart-'))
  app = appOn(opened.db, { env: { DATA_DIR: dataDir } }).app
})
afterAll(async () => {
  await opened?.cleanup()
  await rm(dataDir, { recursive: true, force: true })
})

type Person = ReturnType<typeof browser>
let people = 0
const person = async () => {
  const p = browser(app)
  await p.post('/auth/local', { login: `mp${++people}` })
  return p
}
const roomOf = async (owner: Person) =>
  (await owner.post('/rooms', { name: `Multipart ${people}`, visibility: 'public' })).headers.get('location')!.split('/').pop()!

const htmx = { 'hx-request': 'true' }
/** Sends a streamed body; answers the answer and how many bytes of the body the server pulled. */
const send = async (who: Person, path: string, parts: Iterable<Part>, headers: Record<string, string> = htmx) => {
  const body = pulledBody(parts)
  const res = await who.get(path, { method: 'POST', body: body.stream, headers: { 'content-type': MULTIPART_TYPE, ...headers }, duplex: 'half' } as RequestInit)
  return { res, text: await res.text(), pulled: body.pulled() }
}
const texts = (n: number, name = (i: number) => `f${i}`) => Array.from({ length: n }, (_, i): Part => ({ name: name(i), value: '' }))
const bodyLength = (parts: Part[]) => multipartBody(parts).length

describe('a multipart send', () => {
  it('refuses the 11th of 140,000 empty file parts (9.5 MB) with 422 beside the composer, having read only the start, while /healthz answers', async () => {
    const ann = await person()
    const slug = await roomOf(ann)
    const attack = [...emptyFileParts()]
    expect(bodyLength(attack)).toBeGreaterThan(9 * MB)
    expect(bodyLength(attack)).toBeLessThan(10 * MB)
    const [sent, health] = await Promise.all([send(ann, `/rooms/${slug}/messages`, attack), app.request('/healthz')])
    expect(sent.res.status).toBe(422)
    expect(sent.res.headers.get('hx-retarget')).toBe('#composer-error')
    expect(sent.text).toBe('A message can carry at most 10 files; this one has more.')
    expect(sent.pulled).toBeLessThanOrEqual(128 * 1024)
    expect(health.status).toBe(200)
    // Without JavaScript: the room's page, the reason beside the composer, the text kept; nothing stored.
    const plain = await send(ann, `/rooms/${slug}/messages`, attack, {})
    expect(plain.res.status).toBe(422)
    expect(plain.text).toMatch(/<p id="composer-error"[^>]*>A message can carry at most 10 files; this one has more.<\/p>/)
    expect(plain.text).toMatch(/<textarea[^>]*>look at these<\/textarea>/)
    expect(plain.pulled).toBeLessThanOrEqual(128 * 1024)
    expect(await (await ann.get(`/rooms/${slug}`)).text()).not.toContain('look at these</p>')
  })

  it('refuses a form of 140,000 empty fields at the 21st with 413, having read only the start', async () => {
    const ann = await person()
    const slug = await roomOf(ann)
    const sent = await send(ann, `/rooms/${slug}/messages`, [{ name: 'body', value: 'hi' }, ...texts(140_000)])
    expect(sent.res.status).toBe(413)
    expect(sent.text).toBe('That form has too many fields: at most 20.')
    expect(sent.pulled).toBeLessThanOrEqual(128 * 1024)
  })

  it('refuses text past 64 KB with 413, whether in one field or several, and reads no further', async () => {
    const ann = await person()
    const slug = await roomOf(ann)
    const rest = [...emptyFileParts(5)].slice(2).concat(texts(100_000, (i) => `x${i}`).slice(0, 10))
    const one = await send(ann, `/rooms/${slug}/messages`, [{ name: 'body', value: 'a'.repeat(65 * 1024) }, ...rest, { name: 'tail', value: 'b'.repeat(8 * MB) }])
    expect(one.res.status).toBe(413)
    expect(one.text).toBe('That form\'s text is too long: at most 64 KB in all.')
    expect(one.pulled).toBeLessThanOrEqual(256 * 1024)
    const several = await send(ann, `/rooms/${slug}/messages`, [...texts(5, (i) => `t${i}`).map((p) => ({ ...p, value: 'c'.repeat(14 * 1024) })), { name: 'tail', value: 'b'.repeat(8 * MB) }])
    expect(several.res.status).toBe(413)
    expect(several.pulled).toBeLessThanOrEqual(256 * 1024)
  })

  it('refuses a body of unknown length past the byte limit with 413 as it streams, a huge file or a huge field, without holding it', async () => {
    const ann = await person()
    const slug = await roomOf(ann)
    for (const huge of [{ name: 'file', filename: 'huge.bin', value: new Uint8Array(40 * MB) }, { name: 'body', value: 'd'.repeat(40 * MB) }]) {
      const sent = await send(ann, `/rooms/${slug}/messages`, [{ name: 'nonce', value: 'n' }, huge])
      expect(sent.res.status).toBe(413)
      expect(sent.text).toBe('That upload is too large: files can be at most 10 MB in all.')
      expect(sent.pulled).toBeLessThan(11 * MB)
    }
  })

  it('takes sends of one to ten files with their text, the empty file input of a send without files, and a closing epilogue', async () => {
    const ann = await person()
    const slug = await roomOf(ann)
    for (const count of [1, 10]) {
      const files = Array.from({ length: count }, (_, i): Part => ({ name: 'file', filename: `n${count}-${i}.txt`, value: `file ${i} of ${count}` }))
      const sent = await send(ann, `/rooms/${slug}/messages`, [{ name: 'nonce', value: crypto.randomUUID() }, { name: 'body', value: `${count} files` }, ...files])
      expect(sent.res.status).toBe(200)
      expect(sent.text).toContain(`${count} files`)
      expect(sent.text.match(/\/files\/[0-9a-f]{64}/g)?.length).toBe(count)
    }
    const plain = await send(ann, `/rooms/${slug}/messages`, [{ name: 'nonce', value: crypto.randomUUID() }, { name: 'body', value: 'no files' }, { name: 'file', filename: '', value: '' }])
    expect(plain.res.status).toBe(200)
    expect(plain.text).toContain('no files')
    // Whatever follows the closing boundary is not read.
    const epilogue = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(multipartBody([{ name: 'nonce', value: crypto.randomUUID() }, { name: 'body', value: 'with an epilogue' }]))
        controller.enqueue(new TextEncoder().encode('\r\nan epilogue'))
        controller.close()
      },
    })
    const closed = await ann.get(`/rooms/${slug}/messages`, { method: 'POST', body: epilogue, headers: { 'content-type': MULTIPART_TYPE, ...htmx }, duplex: 'half' } as RequestInit)
    expect(closed.status).toBe(200)
  })
})

describe('multipart on other forms', () => {
  it('takes their fields but no files (400), and refuses a body cut short (400)', async () => {
    const ann = await person()
    const slug = await roomOf(ann)
    const topic = await send(ann, `/rooms/${slug}/topic`, [{ name: 'topic', value: 'by multipart' }], {})
    expect(topic.res.status, topic.text.slice(0, 2000)).toBeLessThan(400)
    expect(await (await ann.get(`/rooms/${slug}`)).text()).toContain('by multipart')
    const withFile = await send(ann, `/rooms/${slug}/topic`, [{ name: 'topic', value: 'x' }, { name: 'file', filename: 'a.txt', value: 'a' }], { accept: 'application/json' })
    expect(withFile.res.status).toBe(400)
    expect(JSON.parse(withFile.text)).toMatchObject({ error: 'This form takes no files.' })
    const whole = multipartBody([{ name: 'topic', value: 'cut' }])
    const cut = await ann.get(`/rooms/${slug}/topic`, { method: 'POST', body: whole.slice(0, whole.length - 10), headers: { 'content-type': MULTIPART_TYPE, accept: 'application/json' } })
    expect(cut.status).toBe(400)
    expect(await cut.json()).toMatchObject({ error: 'The form could not be read.' })
  })
})
