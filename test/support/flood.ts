import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import postgres from 'postgres'
import type { AttackName, AttackTarget, Tally } from './attacks.ts'
import { ORIGIN, signIn, type Person } from './chat.ts'

export type { Tally } from './attacks.ts'

/**
 * A flood from one account while well-behaved members of the same room keep
 * talking: the pieces shared by test/flood.e2e.test.ts (the limits hold) and
 * `npm run flood` (the others see no slowdown, measured).
 */

/** The defaults: 10 sends per 10 s, and 20 more once per 5 min. */
export const SEND = { points: 10, seconds: 10 }
export const BURST = 20
export const HONEST_PEOPLE = 20
/** Each honest person sends every 1.2 s (8.3 per 10 s, under the limit); together about 16 sends/s. */
export const HONEST_INTERVAL_MS = 60
const FLOOD_LOOPS = 2
/** /healthz is probed every 20 ms, as a load balancer's check would be, only far more often. */
const HEALTH_INTERVAL_MS = 20

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const p = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!
export const summary = (ms: number[]) => {
  const sorted = [...ms].sort((x, y) => x - y)
  return { n: sorted.length, p50: +p(sorted, 0.5).toFixed(1), p99: +p(sorted, 0.99).toFixed(1), max: +sorted.at(-1)!.toFixed(1) }
}

/** The honest people, in turn: one send every interval for `ms`, each timed; every one must be accepted. */
export async function talk(people: Person[], slug: string, ms: number, into: number[]) {
  const end = Date.now() + ms
  while (Date.now() < end) {
    const started = performance.now()
    const sent = await people[into.length % people.length]!.post(slug, `honest ${into.length}`)
    into.push(performance.now() - started)
    if (sent.status !== 200) throw new Error(`an honest send was answered ${sent.status}`)
    await sleep(Math.max(0, HONEST_INTERVAL_MS - (performance.now() - started)))
  }
}

/**
 * An attack (test/support/attacks.ts) from a process of its own at the lowest
 * CPU priority (`nice`), standing in for an attacker on another machine: its
 * own work must not be counted as the server's slowness on this shared box.
 * Started once, it attacks from `go` until `halt`: `loops` loops sending as
 * fast as answers come back; each halt answers how many sends were accepted,
 * met the refusal the attack must meet, or were answered otherwise.
 */
export function attacker(attack: AttackName, target: Omit<AttackTarget, 'origin'>, loops = FLOOD_LOOPS) {
  const child = spawn('nice', ['-n', '19', process.execPath, '--import', 'tsx', fileURLToPath(new URL('./attacker.ts', import.meta.url))], {
    env: { PATH: process.env.PATH ?? '', ATTACK: attack, URL: target.url, COOKIE: target.cookie, SLUG: target.slug, ORIGIN, LOOPS: String(loops) },
    stdio: ['pipe', 'pipe', 'inherit'],
  })
  const tallies: ((t: Tally) => void)[] = []
  let out = ''
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString()
    for (let nl = out.indexOf('\n'); nl >= 0; nl = out.indexOf('\n')) {
      tallies.shift()?.(JSON.parse(out.slice(0, nl)) as Tally)
      out = out.slice(nl + 1)
    }
  })
  return {
    go: () => void child.stdin!.write('go\n'),
    halt: () => new Promise<Tally>((resolve) => {
      tallies.push(resolve)
      child.stdin!.write('halt\n')
    }),
    end: () => new Promise<void>((resolve) => {
      child.once('exit', () => resolve())
      child.stdin!.end('exit\n')
    }),
  }
}

/** GET /healthz one after another for `ms`, each timed; every answer must be 200. */
export async function probeHealth(url: string, ms: number, into: number[]) {
  const end = Date.now() + ms
  while (Date.now() < end) {
    const started = performance.now()
    const res = await fetch(`${url}/healthz`)
    await res.arrayBuffer()
    into.push(performance.now() - started)
    if (res.status !== 200) throw new Error(`/healthz was answered ${res.status}`)
    await sleep(Math.max(0, HEALTH_INTERVAL_MS - (performance.now() - started)))
  }
}

/**
 * The multipart attack against a running server (rate limits off: many
 * accounts, each within its send budget): /healthz is probed through
 * `phases` phases of `phaseMs`, every other one under the attack. Answers
 * /healthz's timings quiet and attacked, the attack's tally, and with
 * `serverCpu` (the server's CPU seconds so far) its CPU time while attacked.
 */
export async function multipartScenario(url: string, { phases, phaseMs, loops = 4, serverCpu }: { phases: number; phaseMs: number; loops?: number; serverCpu?: () => number }) {
  const mallory = await signIn(url, 'multipart-mallory')
  const slug = await mallory.createRoom('Multipart attack')
  const attack = attacker('multipart', { url, cookie: mallory.cookie, slug }, loops)
  await probeHealth(url, 500, []) // connections, JIT
  const quiet: number[] = []
  const attacked: number[] = []
  const counts: Tally = { accepted: 0, refused: 0, other: 0 }
  let cpuSeconds = 0
  for (let phase = 0; phase < phases; phase++) {
    if (phase % 2 === 0) {
      await probeHealth(url, phaseMs, quiet)
      continue
    }
    const cpuBefore = serverCpu?.() ?? 0
    attack.go()
    await probeHealth(url, phaseMs, attacked)
    const tally = await attack.halt()
    cpuSeconds += (serverCpu?.() ?? 0) - cpuBefore
    for (const k of ['accepted', 'refused', 'other'] as const) counts[k] += tally[k]
  }
  await attack.end()
  return { quiet: summary(quiet), attacked: summary(attacked), counts, cpuSeconds }
}

/**
 * The whole scenario against a running server with the default limits:
 * honest members talk through `phases` phases of `phaseMs`, the flooder
 * floods every other one. Answers the honest sends' timings in quiet and
 * flooded phases, the flooder's tally, and what the database stored.
 */
export async function floodScenario(url: string, databaseUrl: string, { phases, phaseMs }: { phases: number; phaseMs: number }) {
  const honest: Person[] = []
  for (let i = 0; i < HONEST_PEOPLE; i++) honest.push(await signIn(url, `flood-honest-${i}`))
  const mallory = await signIn(url, 'flood-mallory')
  const slug = await honest[0]!.createRoom('Flooded')
  for (const person of [...honest.slice(1), mallory]) await person.form(`/rooms/${slug}/join`, {})
  const flood = attacker('spam', { url, cookie: mallory.cookie, slug })
  const warmUp: number[] = []
  await talk(honest, slug, 1000, warmUp) // connections, caches, JIT

  const quiet: number[] = []
  const flooded: number[] = []
  const counts: Tally = { accepted: 0, refused: 0, other: 0 }
  let firstFlood = 0
  for (let phase = 0; phase < phases; phase++) {
    if (phase % 2 === 0) {
      await talk(honest, slug, phaseMs, quiet)
      continue
    }
    firstFlood ||= Date.now()
    flood.go()
    await talk(honest, slug, phaseMs, flooded)
    const tally = await flood.halt()
    for (const k of ['accepted', 'refused', 'other'] as const) counts[k] += tally[k]
  }
  await flood.end()
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} })
  const [stored] = await sql<{ spam: number; honest: number }[]>`
    SELECT count(*) FILTER (WHERE body = 'spam')::int AS spam, count(*) FILTER (WHERE body LIKE 'honest %')::int AS honest FROM messages`
  await sql.end()
  return {
    quiet: summary(quiet), flooded: summary(flooded), counts, floodSpanMs: Date.now() - firstFlood,
    honestSent: warmUp.length + quiet.length + flooded.length, stored: stored!,
  }
}
