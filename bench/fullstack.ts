/**
 * The whole path (scenarios e, f, g): members signed in, each with a socket
 * to an app instance; messages POSTed over HTTP open-loop, stored in the
 * stack's message store, woken through Redis and pushed by every instance
 * that has a reader of the room. It reports the send acknowledged (the
 * POST's answer) and send-to-delivery, both against the intended send time,
 * fails on any delivery missing or repeated, and gives the CPU per
 * acknowledged send of each process on the path (both instances, the
 * Cassandra JVM, PostgreSQL, Redis) from /proc over the measured window.
 * The setup (users, rooms, sockets, instances) is done once and can carry
 * several steps at rising rates (g's capacity).
 */
import { openMany, percentiles, Probe, publishOpenLoop } from './load.ts'
import type { Profiler } from './profile.ts'
import { cpuWindow } from './procs.ts'
import { stampBody, type Publish } from './protocol.ts'
import { createRoom, inParallel, joinRoom, ORIGIN, sendMessage, signIn, type Stack } from './stack.ts'

export interface FullStackSetup {
  /** The scenario's name, also naming its rooms and users (letters, digits and dashes). */
  name: string
  rooms: number
  /** Per room; each member is a user of its own with one socket. */
  members: number
  /**
   * false: every send goes to instance A and every socket to B (one writer instance).
   * true: sends and sockets go round robin over A and B, as Caddy spreads them.
   */
  spread: boolean
  /**
   * With `spread`: each room's sends all go to one instance (chosen by the room), as the project's Caddyfile
   * routes them (it hashes a send's path over the instances), instead of alternating; sockets still alternate.
   */
  sendsByRoom?: boolean
  /**
   * Every body ends with a link to this site's page for its message (`<links>/page/<seq>`), and the
   * instances may fetch it (link previews on, loopback allowed): each send then has a card attached after
   * it is acknowledged, delivered as a change. Deliveries count new messages only; cards are counted apart.
   */
  links?: string
}

export interface FullStackStep {
  /** Messages a second over all rooms. */
  rate: number
  warmMs: number
  measureMs: number
}

export type FullStackPlan = FullStackSetup & FullStackStep

/** CPU ms per acknowledged send of each process: the instances, both together (app), and the services found (a missing one is left out). */
export interface CpuMsPerSend { appA: number; appB: number; app: number; cassandra?: number; postgres?: number; redis?: number }

const SETUP_PARALLEL = 16

/** Picks rooms in a fixed pseudo-random order, so the round robin over instances does not pin a room to one instance. */
function roomOrder(rooms: number): number[] {
  if (rooms === 1) return [0]
  let x = 12345
  return Array.from({ length: 10_007 }, () => (x = (x * 1103515245 + 12345) % 2 ** 31) % rooms)
}

/** One setup, one step: scenarios e, f and g. `profiler` records the instances over the measured window. */
export async function fullStack(stack: Stack, plan: FullStackPlan, profiler?: Profiler) {
  const setup = await openFullStack(stack, plan, profiler)
  try {
    return await setup.step(plan, { profile: profiler !== undefined })
  } finally {
    await setup.close()
  }
}

/**
 * Signs the members in, creates and joins the rooms, starts instances A and B and opens every socket; `step` then
 * runs one rate (warm-up, measured window, drain) and answers its row. Steps number their messages on from the last,
 * so a late delivery of one is never taken for another's.
 */
export async function openFullStack(stack: Stack, setup: FullStackSetup, profiler?: Profiler) {
  const { name, rooms, members, spread, sendsByRoom, links } = setup
  const apps = await stack.instances(2, { nodeArgs: profiler?.nodeArgs(name), ...(links ? { env: { LINK_PREVIEWS: 'on', LINK_PREVIEW_ALLOW_LOOPBACK: 'true' } } : {}) })
  const [a, b] = apps.bases as [string, string]
  const [pidA, pidB] = apps.pids as [number, number]
  const probes: Probe[] = []
  let memberCookies: string[][]
  let slugs: string[]
  try {
    const cookies = await inParallel(Array.from({ length: rooms * members }, (_, i) => `${name}-user-${i}`), SETUP_PARALLEL, (login) => signIn(a, login))
    memberCookies = Array.from({ length: rooms }, (_, r) => cookies.slice(r * members, (r + 1) * members))
    slugs = await inParallel(memberCookies, SETUP_PARALLEL, async ([owner, ...others], r) => {
      const slug = await createRoom(a, owner!, `Bench ${name} ${r}`)
      for (const cookie of others) await joinRoom(a, cookie, slug)
      return slug
    })
    const socketBase = (i: number) => (spread ? [a, b][i % 2]! : b).replace('http', 'ws')
    probes.push(...await openMany(rooms * members, (i) => new Probe(`${socketBase(i)}/ws?room=${slugs[Math.floor(i / members)]}`, { cookie: cookies[i]!, origin: ORIGIN }, { withPreviews: links !== undefined }), 50))
  } catch (err) {
    for (const p of probes) p.close()
    await apps.stop()
    throw err
  }
  const order = roomOrder(rooms)
  let nextSeq = 0

  async function step({ rate, warmMs, measureMs }: FullStackStep, { profile = false } = {}) {
    const firstSeq = nextSeq
    const warmCount = Math.floor((rate * warmMs) / 1000)
    const stampedBefore = probes.reduce((n, p) => n + p.stamped, 0)
    const repeatedBefore = probes.reduce((n, p) => n + p.repeated, 0)
    const previewsBefore = probes.reduce((n, p) => n + p.previews, 0)
    for (const p of probes) {
      p.measureFrom = firstSeq + warmCount
      p.latencies.length = 0
    }
    const acks: number[] = []
    const inflight: Promise<void>[] = []
    // Failed sends by HTTP status or error name.
    const failed: Record<string, number> = {}
    const fail = (why: string) => void (failed[why] = (failed[why] ?? 0) + 1)
    // Spread: each writer's consecutive sends alternate instances too, as behind a round-robin proxy, or each
    // room's go to the instance the Caddyfile's hash would pick for it.
    const sendBase = (p: Publish) => (!spread ? a : [a, b][(sendsByRoom ? p.room : p.seq) % 2]!)
    const post = (p: Publish) => inflight.push(sendMessage(sendBase(p), memberCookies[p.room]![Math.floor(p.seq / 2) % members]!, slugs[p.room]!, links ? `${stampBody(p)} ${links}/page/${p.seq}` : stampBody(p))
      .then((status) => {
        if (status !== 200) fail(String(status))
        else if (p.seq >= firstSeq + warmCount) acks.push(Number(process.hrtime.bigint() - BigInt(p.t)) / 1e6)
      }, (err: Error) => fail(err.name)))
    const send = (batch: Publish[]) => batch.forEach(post)
    const warm = await publishOpenLoop(send, { rate, durationMs: warmMs, rooms: order, firstSeq })
    // The measured window: from the first measured send until its last delivery arrived (or the drain gave up).
    const stopProfiles = profile && profiler ? await profiler.start(name, { A: pidA, B: pidB }) : undefined
    const cpuBefore = apps.cpu()
    const endCpu = cpuWindow({ appA: () => [pidA], appB: () => [pidB], ...stack.services() })
    const started = performance.now()
    const measured = await publishOpenLoop(send, { rate, durationMs: measureMs, rooms: order, firstSeq: firstSeq + warm.sent })
    nextSeq = firstSeq + warm.sent + measured.sent
    await Promise.all(inflight)
    const expected = (warm.sent + measured.sent) * members
    const delivered = () => probes.reduce((n, p) => n + p.stamped, 0) - stampedBefore
    const cards = () => probes.reduce((n, p) => n + p.previews, 0) - previewsBefore
    const deadline = Date.now() + 10_000
    while ((delivered() < expected || (links && cards() < expected)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
    const elapsed = (performance.now() - started) / 1000
    const cpu = apps.cpu() - cpuBefore
    const cpuBy = endCpu()
    const profiles = await stopProfiles?.()
    const repeated = probes.reduce((n, p) => n + p.repeated, 0) - repeatedBefore
    const failures = Object.values(failed).reduce((n, k) => n + k, 0)
    const latencies = probes.flatMap((p) => p.latencies)
    // Milliseconds of each process's CPU per measured send acknowledged, to the µs (/proc counts 10 ms ticks); app is A and B together.
    const perSend = (seconds: number) => Math.round((seconds * 1e6) / Math.max(1, acks.length)) / 1000
    const { appA = 0, appB = 0, ...services } = cpuBy
    const cpuMsPerSend: CpuMsPerSend = {
      appA: perSend(appA), appB: perSend(appB), app: perSend(appA + appB),
      ...Object.fromEntries(Object.entries(services).map(([process, seconds]) => [process, perSend(seconds)])),
    }
    const row = {
      scenario: `${name}: ${rooms}×${members} at ${rate}/s${spread ? (sendsByRoom ? ', A+B by room' : ', A+B') : ''}`, kind: 'full stack' as const,
      note: `HTTP→${stack.store}→Redis→${spread ? 'A+B' : 'B'}`, rate, expected, delivered: delivered(), repeated, failedSends: failures, failedBy: failed,
      lost: expected - delivered(), deliveredPerSecond: Math.round(latencies.length / elapsed),
      latencyMs: percentiles(latencies), ackMs: percentiles(acks), cpuUsPerDelivery: (cpu * 1e6) / Math.max(1, latencies.length),
      sendsAcknowledged: acks.length, cpuMsPerSend, ...(profiles ? { profiles } : {}),
      ...(links ? { previewsDelivered: cards() } : {}),
    }
    process.stderr.write(`full stack ${name} at ${rate}/s: delivery p50 ${row.latencyMs.p50.toFixed(1)} p99 ${row.latencyMs.p99.toFixed(1)} ms, ` +
      `ack p50 ${row.ackMs.p50.toFixed(1)} p99 ${row.ackMs.p99.toFixed(1)} ms, lost ${row.lost}, repeated ${repeated}, failed sends ${failures} ${JSON.stringify(failed)}; ` +
      `CPU ms/send ${Object.entries(cpuMsPerSend).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(' ')}\n`)
    return row
  }

  return {
    step,
    async close() {
      for (const p of probes) p.close()
      await apps.stop()
    },
  }
}
