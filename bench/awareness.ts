/**
 * (h) The user's own stream: every user in `perUser` rooms with one of them
 * open on a socket, messages posted over HTTP open-loop at `rate` spread over
 * all rooms, each by a poster of the room who has no socket (a sender's own
 * marker moves to their message, so their counts fall; the readers' only rise). Each member's sidebar count of a
 * room other than the one their tab has open must reach the number of messages others posted there (nobody reads, so counts only rise and stay
 * under the cap); the time from a send to the first sidebar frame showing it
 * is the latency reported. Also CPU per message and resident memory per socket.
 */
import WebSocket from 'ws'
import { openMany, percentiles, publishOpenLoop } from './load.ts'
import type { Publish } from './protocol.ts'
import { createRoom, inParallel, joinRoom, ORIGIN, sendMessage, signIn, type Stack } from './stack.ts'

export interface AwarenessPlan { users: number; perUser: number; members: number; rate: number; warmMs: number; measureMs: number }

interface Sent { t: bigint; measured: boolean }

/** One user's socket: reads sidebar counts out of the frames and matches them to the sends they cover. */
class SidebarProbe {
  readonly ws: WebSocket
  readonly ready: Promise<void>
  /** Per room index: how many of the room's sends (others' only) this user's sidebar has shown. */
  readonly shown = new Map<number, number>()
  /** The whole list arrived: this user's counts were read from the store. */
  loaded = false

  constructor(url: string, cookie: string, ids: Map<string, number>, sends: Sent[][], latencies: number[]) {
    this.ws = new WebSocket(url, { headers: { cookie, origin: ORIGIN }, perMessageDeflate: false })
    this.ws.on('message', (data: Buffer) => {
      const now = process.hrtime.bigint()
      const text = data.toString()
      if (text.startsWith('<div id="side-rooms"')) this.loaded = true
      for (const m of text.matchAll(/<a id="side-(\d+)"[^>]*?href="\/rooms\/([^"]+)"[^>]*>.*?data-unread="(\d+)"/g)) {
        const room = ids.get(m[2]!)
        if (room === undefined) continue
        const count = Number(m[3])
        const list = sends[room]!
        for (let shown = this.shown.get(room) ?? 0; shown < Math.min(count, list.length); shown++) {
          const sent = list[shown]!
          if (sent.measured) latencies.push(Number(now - sent.t) / 1e6)
          this.shown.set(room, shown + 1)
        }
      }
    })
    this.ready = new Promise((resolve, reject) => { this.ws.once('open', () => resolve()); this.ws.once('error', reject) })
  }
}

export async function awarenessScenario(stack: Stack, plan: AwarenessPlan) {
  const started = Date.now()
  const { users, perUser, members, rate } = plan
  const rooms = (users * perUser) / members
  const stride = rooms / perUser
  if (!Number.isInteger(rooms) || !Number.isInteger(stride)) throw new Error('users × perUser must fill rooms of `members` evenly')
  // User i belongs to rooms i, i+stride, … (mod rooms): every room gets `members` members.
  const roomsOf = (i: number) => Array.from({ length: perUser }, (_, k) => (i + k * stride) % rooms)
  const membersOf: number[][] = Array.from({ length: rooms }, () => [])
  for (let i = 0; i < users; i++) for (const r of roomsOf(i)) membersOf[r]!.push(i)

  // Messages in PostgreSQL: 200 sends a second saturate this box's one Cassandra node (see g), which would hide what this measures.
  const apps = await stack.instances(1, { postgresMessages: true })
  const [a] = apps.bases as [string]
  const sockets: SidebarProbe[] = []
  try {
    const cookies = await inParallel(Array.from({ length: users }, (_, i) => `h-user-${i}`), 16, (login) => signIn(a, login))
    const posters = await inParallel(Array.from({ length: rooms }, (_, r) => `h-poster-${r}`), 16, (login) => signIn(a, login))
    const slugs = await inParallel(membersOf, 64, async (roomMembers, r) => {
      const slug = await createRoom(a, posters[r]!, `Bench h ${r}`)
      for (const i of roomMembers) await joinRoom(a, cookies[i]!, slug)
      return slug
    })
    const ids = new Map(slugs.map((slug, r) => [slug, r]))
    process.stderr.write(`awareness h: ${users} users in ${rooms} rooms set up in ${Math.round((Date.now() - started) / 1000)} s\n`)
    const sends: Sent[][] = Array.from({ length: rooms }, () => [])
    const latencies: number[] = []
    const rssBefore = apps.rss()
    const opening = Date.now()
    sockets.push(...await openMany(users, (i) => new SidebarProbe(`${a.replace('http', 'ws')}/ws?room=${slugs[roomsOf(i)[0]!]}`, cookies[i]!, ids, sends, latencies), 50))
    // Each user's first socket reads their markers and counts from the store: measured apart, before the steady state.
    while (sockets.some((s) => !s.loaded) && Date.now() - opening < 300_000) await new Promise((r) => setTimeout(r, 100))
    const loadSeconds = (Date.now() - opening) / 1000
    await new Promise((r) => setTimeout(r, 2000))
    const rssPerSocket = Math.round((apps.rss() - rssBefore) / users)
    process.stderr.write(`awareness h: ${users} sockets open with their counts in ${loadSeconds.toFixed(1)} s\n`)

    const warmCount = Math.floor((rate * plan.warmMs) / 1000)
    const inflight: Promise<unknown>[] = []
    let failed = 0
    const post = (p: Publish) => {
      sends[p.room]!.push({ t: BigInt(p.t), measured: p.seq >= warmCount })
      inflight.push(sendMessage(a, posters[p.room]!, slugs[p.room]!, `h ${p.seq}`).then((s) => { if (s !== 200) failed++ }, () => failed++))
    }
    const order = Array.from({ length: rooms }, (_, r) => (r * 7919) % rooms)
    const warm = await publishOpenLoop((b) => b.forEach(post), { rate, durationMs: plan.warmMs, rooms: order, firstSeq: 0 })
    const cpuBefore = apps.cpu()
    const measured = await publishOpenLoop((b) => b.forEach(post), { rate, durationMs: plan.measureMs, rooms: order, firstSeq: warm.sent })
    await Promise.all(inflight)
    const cpu = apps.cpu() - cpuBefore
    // Every member must see each measured send in their sidebar, but for the room their tab has open: its messages
    // arrive as messages there (scenarios a–g measure those) and its count is not pushed to that tab.
    // Coalescing holds a count back at most a second.
    const watching = (r: number) => membersOf[r]!.filter((i) => roomsOf(i)[0] !== r).length
    const expected = sends.reduce((n, list, r) => n + list.filter((s) => s.measured).length * watching(r), 0)
    const deadline = Date.now() + 10_000
    while (latencies.length < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
    const row = {
      scenario: `h: ${users} users × ${perUser} rooms at ${rate}/s`, kind: 'full stack' as const,
      note: 'sidebar counts, HTTP→PostgreSQL→Redis→A', rate, expected, delivered: latencies.length, lost: expected - latencies.length,
      repeated: 0, failedSends: failed, latencyMs: percentiles(latencies),
      cpuUsPerMessage: Math.round((cpu * 1e6) / Math.max(1, measured.sent)), rssPerSocketBytes: rssPerSocket, sidebarsLoadedSeconds: loadSeconds,
    }
    process.stderr.write(`awareness h: send→sidebar p50 ${row.latencyMs.p50.toFixed(0)} p99 ${row.latencyMs.p99.toFixed(0)} ms, ` +
      `${row.cpuUsPerMessage} µs CPU/message, ${rssPerSocket} B/socket, ${row.lost} counts missing, ${failed} sends failed\n`)
    return row
  } finally {
    for (const s of sockets) s.ws.terminate()
    await apps.stop()
  }
}
