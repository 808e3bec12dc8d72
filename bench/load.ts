/** The load generator's clients: cheap byte-counting sinks, latency probes, an open-loop publisher. */
import { connect, type Socket } from 'node:net'
import WebSocket from 'ws'
import { readStamp, type Publish } from './protocol.ts'

const HANDSHAKE_END = '\r\n\r\n'
/** Ephemeral ports per (source address, destination): stay well under the 28k Linux gives by default. */
const PER_SOURCE = 20_000
let opened = 0
const nextSource = () => `127.0.0.${1 + Math.floor(opened++ / PER_SOURCE)}`

/** A WebSocket handshake over raw TCP, then only counting bytes. */
export class Sink {
  bytes = 0
  readonly socket: Socket
  readonly ready: Promise<void>

  constructor(port: number, path: string, headers: Record<string, string> = {}) {
    this.socket = connect({ port, host: '127.0.0.1', localAddress: nextSource() })
    this.socket.setNoDelay(true)
    this.ready = new Promise((resolve, reject) => {
      let head = ''
      const onData = (chunk: Buffer) => {
        head += chunk.toString('latin1')
        const end = head.indexOf(HANDSHAKE_END)
        if (end < 0) return
        if (!head.startsWith('HTTP/1.1 101')) return reject(new Error(`upgrade refused: ${head.split('\r\n')[0]}`))
        this.bytes += head.length - end - HANDSHAKE_END.length
        this.socket.off('data', onData)
        this.socket.on('data', (c: Buffer) => { this.bytes += c.length })
        resolve()
      }
      this.socket.on('data', onData)
      this.socket.once('error', reject)
    })
    const extra = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')
    this.socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString('base64')}\r\n${extra}\r\n`)
  }

  close() {
    this.socket.destroy()
  }
}

/** A real client that reads every frame and records its delivery latency against the intended send time. */
export class Probe {
  frames = 0
  frameBytes = 0
  /** Distinct stamped messages received, and stamped messages received again. */
  stamped = 0
  repeated = 0
  /** Frames carrying a link card (a message changed to show its preview). */
  previews = 0
  readonly #seen = new Set<number>()
  /** Latencies in ms of messages with seq at or above `measureFrom`. */
  readonly latencies: number[] = []
  measureFrom = 0
  readonly ws: WebSocket
  readonly ready: Promise<void>

  /**
   * `withPreviews`: a message may come again once with its link card (a change pushed like an edit,
   * as a new message to readers who started before it): counted in `previews`, not as repeated.
   */
  constructor(url: string, headers: Record<string, string> = {}, { withPreviews = false } = {}) {
    this.ws = new WebSocket(url, { headers, perMessageDeflate: false, handshakeTimeout: 10_000 })
    this.ws.on('message', (data: Buffer) => {
      const now = process.hrtime.bigint()
      this.frames++
      this.frameBytes = data.length
      const text = data.toString()
      const stamp = readStamp(text)
      if (!stamp) return
      const card = withPreviews && text.includes('class="link-preview')
      if (card) this.previews++
      if (this.#seen.has(stamp.seq)) return void (card || this.repeated++)
      this.#seen.add(stamp.seq)
      this.stamped++
      if (stamp.seq >= this.measureFrom) this.latencies.push(Number(now - stamp.t) / 1e6)
    })
    this.ready = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve())
      this.ws.once('error', reject)
    })
  }

  close() {
    this.ws.terminate()
  }
}

/** Opens `count` connections `parallel` at a time. */
export async function openMany<T extends { ready: Promise<void> }>(count: number, make: (i: number) => T, parallel = 256): Promise<T[]> {
  const all: T[] = []
  for (let i = 0; i < count; i += parallel) {
    const batch = Array.from({ length: Math.min(parallel, count - i) }, (_, j) => make(i + j))
    await Promise.all(batch.map((c) => c.ready))
    all.push(...batch)
  }
  return all
}

/**
 * Publishes open-loop: message i is due at start + i/rate and carries that
 * intended time, whenever it actually leaves; a stalled server therefore shows
 * its stall in the latencies instead of slowing the publisher down.
 */
export async function publishOpenLoop(send: (batch: Publish[]) => void | Promise<void>, opts: { rate: number; durationMs: number; rooms: number[]; firstSeq: number }) {
  const start = process.hrtime.bigint()
  const interval = 1e9 / opts.rate
  const total = Math.floor((opts.rate * opts.durationMs) / 1000)
  let sent = 0
  const perRoom = new Map<number, number>()
  while (sent < total) {
    const due = Math.min(total, Math.floor(Number(process.hrtime.bigint() - start) / interval) + 1)
    const batch: Publish[] = []
    for (; sent < due; sent++) {
      const room = opts.rooms[sent % opts.rooms.length]!
      perRoom.set(room, (perRoom.get(room) ?? 0) + 1)
      batch.push({ room, t: String(start + BigInt(Math.round(sent * interval))), seq: opts.firstSeq + sent })
    }
    if (batch.length) await send(batch)
    await new Promise((r) => setTimeout(r, 1))
  }
  return { sent, perRoom }
}

export function percentiles(xs: number[]) {
  if (xs.length === 0) return { p50: NaN, p95: NaN, p99: NaN, max: NaN }
  const s = Float64Array.from(xs).sort()
  const at = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: s[s.length - 1]! }
}
