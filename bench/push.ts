/**
 * `npm run bench:push`: what Web Push costs the send path. The app runs as a
 * process of its own on PostgreSQL; one author sends messages at a steady rate,
 * each mentioning 5 of 20 members who have no tab open and one browser each,
 * first with push off (no VAPID keys), then on, against a stand-in push service
 * on loopback that decrypts every push. Reports the server's CPU time per
 * message (from /proc, so the box's other load does not count), the send's
 * acknowledgement (p50/p99) in both runs, and from the send to the push's arrival.
 * A benchmark, not a test: it needs PostgreSQL running and prints a table.
 */
import { readFileSync } from 'node:fs'
import { signIn, type Person } from '../test/support/chat.ts'
import { createTestDatabase } from '../test/support/postgres.ts'
import { startServerProcess } from '../test/support/process.ts'
import { pushEnv, startPushService, type Subscriber } from '../test/support/pushService.ts'

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 400)
const RATE = Number(process.env.BENCH_RATE ?? 40)
const MEMBERS = 20
const MENTIONED = 5

/** The process's CPU time in ms (user + system), from /proc: what the server spent, whatever else runs on the box. */
const cpuMs = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100
}

const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))]!
const ms = (n: number) => n.toFixed(1)

async function run(label: string, pushOn: boolean) {
  const database = await createTestDatabase()
  const push = await startPushService()
  const { env } = pushEnv()
  const server = await startServerProcess({ DATABASE_URL: database.url, PUBLIC_URL: 'http://localhost:8080', LOCAL_LOGIN: 'true', RATE_LIMITS: 'off', ...(pushOn ? env : {}) })
  try {
    const author = await signIn(server.url, 'author')
    const slug = await author.createRoom('Bench')
    const members: { person: Person; browser: Subscriber }[] = []
    for (let i = 0; i < MEMBERS; i++) {
      const person = await signIn(server.url, `member${i}`)
      await person.form(`/rooms/${slug}/join`, {})
      const browser = push.subscriber(person.login)
      if (pushOn) {
        const res = await person.send('/push/subscriptions', { method: 'POST', body: JSON.stringify(browser.json), headers: { 'content-type': 'application/json' } })
        if (res.status !== 201) throw new Error(`subscription refused: ${res.status}`)
      }
      members.push({ person, browser })
    }
    const cpuBefore = cpuMs(server.child.pid!)
    const sentAt = new Map<string, number>()
    const acks: number[] = []
    const started = performance.now()
    const sends: Promise<void>[] = []
    for (let i = 0; i < MESSAGES; i++) {
      const due = started + (i * 1000) / RATE
      await new Promise((r) => setTimeout(r, Math.max(0, due - performance.now())))
      const names = Array.from({ length: MENTIONED }, (_, k) => `@member${(i + k) % MEMBERS}`).join(' ')
      sends.push(author.post(slug, `bench ${i} ${names}`).then(({ status, id }) => {
        if (status !== 200 || !id) throw new Error(`send failed: ${status}`)
        acks.push(performance.now() - due)
        sentAt.set(id, due)
      }))
    }
    await Promise.all(sends)
    const expected = pushOn ? MESSAGES * MENTIONED : 0
    const deadline = Date.now() + 30_000
    while (push.received.length < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    if (push.received.length !== expected) throw new Error(`${label}: ${push.received.length} pushes, expected ${expected}`)
    const cpuPerMessage = (cpuMs(server.child.pid!) - cpuBefore) / MESSAGES
    const arrivals = members.flatMap(({ browser }) => push.to(browser).map((r) => {
      const { url } = JSON.parse(browser.decrypt(r.body)) as { url: string }
      return r.at - sentAt.get(url.split('#m-')[1]!)!
    }))
    return { label, acks, arrivals, cpuPerMessage }
  } finally {
    await server.stop()
    await push.close()
    await database.drop()
  }
}

const results = [await run('push off', false), await run('push on', true)]
console.log(`\n${MESSAGES} sends at ${RATE}/s, each mentioning ${MENTIONED} of ${MEMBERS} members with no tab open\n`)
console.log('| run | server CPU ms per message | send ack p50 ms | send ack p99 ms | pushes | send to push p50 ms | send to push p99 ms |')
console.log('|---|---|---|---|---|---|---|')
for (const { label, acks, arrivals, cpuPerMessage } of results) {
  const push = arrivals.length ? [ms(percentile(arrivals, 0.5)), ms(percentile(arrivals, 0.99))] : ['–', '–']
  console.log(`| ${label} | ${ms(cpuPerMessage)} | ${ms(percentile(acks, 0.5))} | ${ms(percentile(acks, 0.99))} | ${arrivals.length} | ${push[0]} | ${push[1]} |`)
}
