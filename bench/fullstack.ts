/**
 * The whole path (scenarios e, f, g): members signed in, each with a socket
 * to an app instance; messages POSTed over HTTP open-loop, stored in the
 * stack's message store, woken through Redis and pushed by every instance
 * that has a reader of the room. It reports the send acknowledged (the
 * POST's answer) and send-to-delivery, both against the intended send time,
 * and fails on any delivery missing or repeated.
 */
import { openMany, percentiles, Probe, publishOpenLoop } from './load.ts'
import { stampBody, type Publish } from './protocol.ts'
import { createRoom, inParallel, joinRoom, ORIGIN, sendMessage, signIn, type Stack } from './stack.ts'

export interface FullStackPlan {
  /** The scenario's letter, also naming its rooms and users. */
  name: string
  rooms: number
  /** Per room; each member is a user of its own with one socket. */
  members: number
  /** Messages a second over all rooms. */
  rate: number
  warmMs: number
  measureMs: number
  /**
   * false: every send goes to instance A and every socket to B (one writer instance).
   * true: sends and sockets go round robin over A and B, as Caddy spreads them.
   */
  spread: boolean
}

const SETUP_PARALLEL = 16

/** Picks rooms in a fixed pseudo-random order, so the round robin over instances does not pin a room to one instance. */
function roomOrder(rooms: number): number[] {
  if (rooms === 1) return [0]
  let x = 12345
  return Array.from({ length: 10_007 }, () => (x = (x * 1103515245 + 12345) % 2 ** 31) % rooms)
}

export async function fullStack(stack: Stack, plan: FullStackPlan) {
  const { name, rooms, members, rate, spread } = plan
  const apps = await stack.instances(2)
  const [a, b] = apps.bases as [string, string]
  const probes: Probe[] = []
  try {
    const cookies = await inParallel(Array.from({ length: rooms * members }, (_, i) => `${name}-user-${i}`), SETUP_PARALLEL, (login) => signIn(a, login))
    const memberCookies = Array.from({ length: rooms }, (_, r) => cookies.slice(r * members, (r + 1) * members))
    const slugs = await inParallel(memberCookies, SETUP_PARALLEL, async ([owner, ...others], r) => {
      const slug = await createRoom(a, owner!, `Bench ${name} ${r}`)
      for (const cookie of others) await joinRoom(a, cookie, slug)
      return slug
    })
    const warmCount = Math.floor((rate * plan.warmMs) / 1000)
    const socketBase = (i: number) => (spread ? [a, b][i % 2]! : b).replace('http', 'ws')
    probes.push(...await openMany(rooms * members, (i) => {
      const p = new Probe(`${socketBase(i)}/ws?room=${slugs[Math.floor(i / members)]}`, { cookie: cookies[i]!, origin: ORIGIN })
      p.measureFrom = warmCount
      return p
    }, 50))

    const acks: number[] = []
    const inflight: Promise<void>[] = []
    // Failed sends by HTTP status or error name.
    const failed: Record<string, number> = {}
    const fail = (why: string) => void (failed[why] = (failed[why] ?? 0) + 1)
    // Each writer's consecutive sends alternate instances too, as behind a round-robin proxy.
    const post = (p: Publish) => inflight.push(sendMessage(spread ? [a, b][p.seq % 2]! : a, memberCookies[p.room]![Math.floor(p.seq / 2) % members]!, slugs[p.room]!, stampBody(p))
      .then((status) => {
        if (status !== 200) fail(String(status))
        else if (p.seq >= warmCount) acks.push(Number(process.hrtime.bigint() - BigInt(p.t)) / 1e6)
      }, (err: Error) => fail(err.name)))
    const send = (batch: Publish[]) => batch.forEach(post)
    const order = roomOrder(rooms)
    const warm = await publishOpenLoop(send, { rate, durationMs: plan.warmMs, rooms: order, firstSeq: 0 })
    const cpuBefore = apps.cpu()
    const started = performance.now()
    const measured = await publishOpenLoop(send, { rate, durationMs: plan.measureMs, rooms: order, firstSeq: warm.sent })
    await Promise.all(inflight)
    const expected = (warm.sent + measured.sent) * members
    const delivered = () => probes.reduce((n, p) => n + p.stamped, 0)
    const deadline = Date.now() + 10_000
    while (delivered() < expected && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    const elapsed = (performance.now() - started) / 1000
    const cpu = apps.cpu() - cpuBefore
    const repeated = probes.reduce((n, p) => n + p.repeated, 0)
    const failures = Object.values(failed).reduce((n, k) => n + k, 0)
    const latencies = probes.flatMap((p) => p.latencies)
    const row = {
      scenario: `${name}: ${rooms}×${members} at ${rate}/s${spread ? ', A+B' : ''}`, kind: 'full stack' as const,
      note: `HTTP→${stack.store}→Redis→${spread ? 'A+B' : 'B'}`, rate, expected, delivered: delivered(), repeated, failedSends: failures, failedBy: failed,
      lost: expected - delivered(), deliveredPerSecond: Math.round(latencies.length / elapsed),
      latencyMs: percentiles(latencies), ackMs: percentiles(acks), cpuUsPerDelivery: (cpu * 1e6) / Math.max(1, latencies.length),
    }
    process.stderr.write(`full stack ${name}: delivery p50 ${row.latencyMs.p50.toFixed(1)} p99 ${row.latencyMs.p99.toFixed(1)} ms, ` +
      `ack p50 ${row.ackMs.p50.toFixed(1)} p99 ${row.ackMs.p99.toFixed(1)} ms, lost ${expected - row.delivered}, repeated ${repeated}, failed sends ${failures} ${JSON.stringify(failed)}\n`)
    return row
  } finally {
    for (const p of probes) p.close()
    await apps.stop()
  }
}
