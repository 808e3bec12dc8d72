import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ORIGIN, openSocket, signIn, startChatServer, type Person } from './support/chat.ts'
import { createTestDatabase, type TestDatabase } from './support/postgres.ts'
import { freePort } from './support/ports.ts'
import { REDIS_URL, testRedisPrefix } from './support/redis.ts'
import { docsBlock, runShell } from './support/docs.ts'

type Server_ = Awaited<ReturnType<typeof startChatServer>>

let database: TestDatabase
let redis: Awaited<ReturnType<typeof testRedisPrefix>>
let a: Server_
let b: Server_
const ENV = { ADMIN_LOGINS: 'boss', WEBHOOK_ALLOW_HOSTS: '127.0.0.1' }

beforeAll(async () => {
  redis = await testRedisPrefix()
  database = await createTestDatabase()
  const instance = (id: number) => startChatServer({ DATABASE_URL: database.url, REDIS_URL, REDIS_PREFIX: redis.prefix, INSTANCE_ID: String(id), ...ENV })
  ;[a, b] = await Promise.all([instance(31), instance(32)])
})
afterAll(async () => {
  await Promise.all([a?.close(), b?.close()])
  await database?.drop()
  await redis?.cleanup()
})

const socketOnB = (person: Person, slug: string) => openSocket(b.url, slug, undefined, { cookie: person.cookie, origin: ORIGIN })
const notice = (frames: string[]) => frames.find((f) => f.startsWith('<p id="conn"')) ?? ''

describe('bans and removals across instances', () => {
  it('a ban closes the user\'s sockets on both instances at once and refuses their next sign-in on either', async () => {
    const boss = await signIn(a.url, 'boss')
    const troll = await signIn(a.url, 'troll')
    const slug = await troll.createRoom('Trolling', 'private')
    const sockets = [await troll.socket(slug), await socketOnB(troll, slug)]
    const banned = await boss.form('/admin/users/troll/ban', {})
    expect(banned.status).toBe(303)
    for (const s of sockets) {
      expect((await s.closed).code).toBe(4401)
      expect(notice(s.frames)).toContain('suspended by an administrator')
    }
    for (const server of [a, b]) {
      const res = await fetch(`${server.url}/auth/local`, { method: 'POST', redirect: 'manual', body: new URLSearchParams({ login: 'troll' }), headers: { origin: ORIGIN } })
      expect(res.status).toBe(403)
      expect(res.headers.getSetCookie()).toEqual([])
    }
    await expect(socketOnB(troll, slug)).rejects.toMatchObject({ status: 401 })
  })

  it('an administrator\'s deletion reaches a member live, and a removed member\'s open socket closes at once, on the other instance too', async () => {
    const owner = await signIn(a.url, 'owner-ann')
    const guest = await signIn(b.url, 'guest-gus')
    const slug = await owner.createRoom('Members only', 'private')
    await owner.form(`/rooms/${slug}/members`, { login: 'guest-gus' })
    const s = await socketOnB(guest, slug)
    // An administrator who is not a member deletes the guest's message: it goes, live, on the other instance.
    const { id } = await guest.post(slug, 'an unwelcome remark')
    const boss = await signIn(a.url, 'boss')
    expect((await boss.form(`/rooms/${slug}/messages/${id}/delete`, {})).status).toBe(303)
    await s.waitFor(() => s.frames.some((f) => f.includes(`id="m-${id}"`) && f.includes('This message was deleted.')), 'the deletion, live')
    expect((await owner.form(`/rooms/${slug}/members/guest-gus/delete`, {})).status).toBe(303)
    expect((await s.closed).code).toBe(1008)
    await expect(socketOnB(guest, slug)).rejects.toMatchObject({ status: 404 })
  })
})

const run = runShell

describe('the bot API\'s curl examples in docs/http-api.md, run as written', () => {
  let receiver: Server
  let hook: { body: string; signature: string } | undefined
  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = ''
      req.on('data', (c: Buffer) => { body += c.toString() })
      req.on('end', () => {
        hook = { body, signature: String(req.headers['x-rtc-signature']) }
        res.writeHead(200, { 'content-type': 'text/plain' }).end('on it')
      })
    })
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve))
  })
  afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())))

  it('creates a bot, posts as it (live on the other instance, once per key), and verifies a webhook\'s signature', async () => {
    // An instance whose PUBLIC_URL is the address curl uses, as in a real deployment (the admin's curl sends it as Origin).
    const port = await freePort()
    const RTC_URL = `http://localhost:${port}`
    const c = await startChatServer({ DATABASE_URL: database.url, REDIS_URL, REDIS_PREFIX: redis.prefix, INSTANCE_ID: '33', PORT: String(port), PUBLIC_URL: RTC_URL, ...ENV })
    try {
      await docsExamples(RTC_URL)
    } finally {
      await c.close()
    }
  })

  const docsExamples = async (RTC_URL: string) => {
    const boss = await signIn(a.url, 'boss')
    const created = await run(await docsBlock('create-bot'), { RTC_URL, RTC_ADMIN_COOKIE: boss.cookie })
    expect(created).toContain('Bot @deploy-bot created')
    const token = /id="bot-token"[^>]*value="([^"]+)"/.exec(created)![1]!

    const slug = await boss.createRoom('Deploys')
    await boss.form(`/rooms/${slug}/members`, { login: 'deploy-bot' })
    const watcher = await socketOnB(boss, slug)
    const post = await docsBlock('post-as-bot')
    const out = await run(post, { RTC_URL, RTC_BOT_TOKEN: token, RTC_ROOM: slug })
    expect(out).toMatch(/^\{"id":"\d+","room":"deploys"/)
    await watcher.waitFor(() => watcher.frames.some((f) => f.includes('Deployed build 1234')) && watcher.frames.some((f) => f.includes('Nightly backup done')), 'the bot\'s messages on B')
    await run(post, { RTC_URL, RTC_BOT_TOKEN: token, RTC_ROOM: slug })
    const history = await (await boss.send(`/rooms/${slug}/messages?after=0`, { headers: { 'hx-request': 'true' } })).text()
    expect(history.match(/Deployed build 1234/g)).toHaveLength(1)
    expect(history.match(/Nightly backup done/g)).toHaveLength(2)
    expect(await run(post, { RTC_URL, RTC_BOT_TOKEN: 'x'.repeat(43), RTC_ROOM: slug })).toContain('"code":"UNAUTHORIZED"')
    await watcher.close()

    const withHook = await boss.form('/admin/bots', { name: 'hook-bot', webhook_url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook` })
    const page = await withHook.text()
    const secret = /id="bot-secret"[^>]*value="([^"]+)"/.exec(page)![1]!
    await boss.form(`/rooms/${slug}/members`, { login: 'hook-bot' })
    await boss.post(slug, '@hook-bot are you there?')
    const start = Date.now()
    while (!hook && Date.now() - start < 10_000) await new Promise((r) => setTimeout(r, 20))
    const verify = await docsBlock('verify-webhook')
    expect(await run(verify, { RTC_SIGNATURE: hook!.signature, RTC_BODY: hook!.body, RTC_WEBHOOK_SECRET: secret })).toBe('verified\n')
    expect(await run(verify, { RTC_SIGNATURE: hook!.signature, RTC_BODY: hook!.body.replace('are you', 'ARE YOU'), RTC_WEBHOOK_SECRET: secret })).toBe('forged\n')
  }
})
