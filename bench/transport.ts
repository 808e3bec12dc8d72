/** Fan-out scenarios against a transport server (the product's, or the raw baseline). */
import { openMany, percentiles, Probe, publishOpenLoop, Sink } from './load.ts'
import { control, cpuSeconds, freePort, rssBytes, startPinned, type ServerProcess } from './procs.ts'
import { wireBytes } from './protocol.ts'

export type Kind = 'product' | 'raw'
const FILES: Record<Kind, string> = { product: 'bench/servers/product.ts', raw: 'bench/servers/raw.ts' }

/** `env` reaches the server only: `BENCH_BODY` there picks the bodies it renders (the generator learns the frame size from its probes). */
export const startTransport = async (kind: Kind, env?: Record<string, string>) => {
  const port = await freePort()
  return startPinned(FILES[kind], [String(port)], { core: 0, port, env })
}

export interface Room {
  id: number
  sinks: Sink[]
  probes: Probe[]
}

/** Opens the rooms: about 1% of members are probes (at least one per room), the rest sinks. */
export async function openRooms(server: ServerProcess, rooms: number, members: number, firstRoom = 0): Promise<Room[]> {
  const probesPerRoom = Math.max(1, Math.round(members / 100))
  const out: Room[] = []
  for (let r = 0; r < rooms; r++) {
    const id = firstRoom + r
    const probes = await openMany(probesPerRoom, () => new Probe(`ws://127.0.0.1:${server.port}/ws?room=${id}`))
    out.push({ id, probes, sinks: [] })
  }
  const sinks = await openMany(rooms * (members - probesPerRoom), (i) => {
    const room = out[i % rooms]!
    const sink = new Sink(server.port, `/ws?room=${room.id}`)
    room.sinks.push(sink)
    return sink
  })
  if (sinks.length !== rooms * (members - probesPerRoom)) throw new Error('sinks missing')
  return out
}

export function closeRooms(rooms: Room[]) {
  for (const r of rooms) for (const c of [...r.sinks, ...r.probes]) c.close()
}

export interface StepResult {
  rate: number
  offeredDeliveriesPerSecond: number
  deliveredPerSecond: number
  expected: number
  delivered: number
  lost: number
  latencyMs: ReturnType<typeof percentiles>
  cpuUsPerDelivery: number
  lagP99Ms: number
  lagMaxMs: number
}

let seq = 0

/**
 * One step: warm up, then publish open-loop at `rate` messages/s over
 * `rooms` for `measureMs`; wait until every expected delivery arrived (or the
 * drain time ran out) and report loss as loss, never as a number to average.
 */
export async function step(server: ServerProcess, rooms: Room[], rate: number, warmMs: number, measureMs: number, publishTo: number[] = rooms.map((r) => r.id)): Promise<StepResult> {
  const ctl = await control(server.port)
  const count = () => rooms.reduce((n, r) => n + r.probes.reduce((a, p) => a + p.frames, 0), 0)
  const bytes = () => rooms.reduce((n, r) => n + r.sinks.reduce((a, s) => a + s.bytes, 0), 0)
  const members = new Map(rooms.map((r) => [r.id, r.sinks.length + r.probes.length]))
  const expectedOf = (perRoom: Map<number, number>) => [...perRoom].reduce((n, [room, msgs]) => n + msgs * members.get(room)!, 0)

  // Warm up, and let every warm-up delivery land before counting starts.
  const [probesAtStart, bytesAtStart] = [count(), bytes()]
  const warm = await publishOpenLoop(ctl.send, { rate, durationMs: warmMs, rooms: publishTo, firstSeq: seq })
  seq += warm.sent
  const frameSize = wireBytes(rooms.find((r) => r.probes[0]?.frameBytes)?.probes[0]?.frameBytes ?? 0)
  const warmExpected = expectedOf(warm.perRoom)
  await settle(() => count() - probesAtStart + Math.round((bytes() - bytesAtStart) / (frameSize || 1)) >= warmExpected, 5_000)
  const [probesBefore, bytesBefore] = [count(), bytes()]
  for (const r of rooms) for (const p of r.probes) { p.measureFrom = seq; p.latencies.length = 0 }
  await ctl.stats()
  const cpuBefore = cpuSeconds(server.pid)
  const started = performance.now()
  const { perRoom, sent } = await publishOpenLoop(ctl.send, { rate, durationMs: measureMs, rooms: publishTo, firstSeq: seq })
  seq += sent
  const expected = expectedOf(perRoom)
  const delivered = () => count() - probesBefore + Math.round((bytes() - bytesBefore) / (frameSize || 1))
  await settle(() => delivered() >= expected, 5_000)
  const elapsed = (performance.now() - started) / 1000
  const cpu = cpuSeconds(server.pid) - cpuBefore
  const lag = await ctl.stats()
  ctl.close()
  const got = delivered()
  return {
    rate,
    offeredDeliveriesPerSecond: Math.round(expected / (measureMs / 1000)),
    deliveredPerSecond: Math.round(got / elapsed),
    expected,
    delivered: got,
    lost: expected - got,
    latencyMs: percentiles(rooms.flatMap((r) => r.probes.flatMap((p) => p.latencies))),
    cpuUsPerDelivery: got ? (cpu * 1e6) / got : NaN,
    lagP99Ms: lag.lagP99Ms,
    lagMaxMs: lag.lagMaxMs,
  }
}

async function settle(done: () => boolean, maxMs: number) {
  const start = Date.now()
  while (!done() && Date.now() - start < maxMs) await new Promise((r) => setTimeout(r, 20))
}

/** Idle connections held open: resident memory per connection, and how fast they were accepted. */
export async function idle(kind: Kind, count: number) {
  const server = await startTransport(kind)
  try {
    await new Promise((r) => setTimeout(r, 500))
    const before = rssBytes(server.pid)
    const started = performance.now()
    const sinks = await openMany(count, (i) => new Sink(server.port, `/ws?room=${i % 1000}`), 500)
    const seconds = (performance.now() - started) / 1000
    await new Promise((r) => setTimeout(r, 1500))
    const after = rssBytes(server.pid)
    for (const s of sinks) s.close()
    return { connections: count, rssPerConnectionBytes: Math.round((after - before) / count), rssMB: Math.round(after / 1048576), connectionsPerSecond: Math.round(count / seconds) }
  } finally {
    await server.stop()
  }
}
