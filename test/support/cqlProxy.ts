import { connect, createServer, type Socket } from 'node:net'

/**
 * A TCP proxy in front of a Cassandra node that reads the CQL native protocol
 * (v4 frames) well enough to name each request's statement: QUERY and
 * PREPARE carry their text, EXECUTE and BATCH name prepared ids, which it
 * learns from the answers to PREPARE. A fault is armed for the n-th request
 * whose statement matches, and then:
 * - `cut-before`: that connection is cut and the request never reaches the node;
 * - `cut-after`: the request reaches the node, then the connection is cut, so
 *   the client never hears the outcome;
 * - `hold`: that request and every later one through this proxy wait for
 *   `release()` (or `holdMs`), then go on to the node even if the client is
 *   gone by then: a stalled writer whose statements land late.
 */
export type FaultAction = 'cut-before' | 'cut-after' | 'hold'

export interface Fault {
  readonly match: RegExp
  readonly action: FaultAction
  /** Matching requests to let through before this one. */
  readonly skip?: number
  readonly holdMs?: number
}

const OPCODE = { query: 0x07, prepare: 0x09, execute: 0x0a, batch: 0x0d, result: 0x08 } as const
const HEADER = 9

interface Armed extends Fault {
  seen: number
  fired: () => void
}

export interface CqlProxy {
  readonly port: number
  /** Every statement that went through, in order, as `BATCH: a; b` for batches. */
  readonly statements: string[]
  /** Resolves with the statement once the fault has fired. */
  arm(fault: Fault): Promise<string>
  /** Lets held requests go on, in order. */
  release(): void
  /** Forgets faults that have not fired. */
  disarm(): void
  close(): Promise<void>
}

export async function cqlProxy(target = { host: '127.0.0.1', port: 9042 }): Promise<CqlProxy> {
  const preparedText = new Map<string, string>()
  const statements: string[] = []
  const armed: Armed[] = []
  const links = new Set<{ client: Socket; upstream: Socket }>()
  let held: { upstream: Socket; frame: Buffer }[] | undefined
  let holdTimer: ReturnType<typeof setTimeout> | undefined

  const release = () => {
    clearTimeout(holdTimer)
    const queue = held ?? []
    held = undefined
    for (const { upstream, frame } of queue) if (!upstream.destroyed) upstream.write(frame)
  }

  const server = createServer((client) => {
    const upstream = connect(target.port, target.host)
    const link = { client, upstream }
    links.add(link)
    const pendingPrepares = new Map<number, string>()
    const drop = () => {
      links.delete(link)
      client.destroy()
      // A held request still goes to the node later: only an unheld link is torn down at once.
      if (!held?.some((h) => h.upstream === upstream)) upstream.destroy()
    }
    client.on('error', () => {})
    upstream.on('error', () => client.destroy())
    client.on('close', drop)
    upstream.on('close', () => client.destroy())

    frames(client, (frame) => {
      const text = statementOf(frame, pendingPrepares, preparedText)
      if (text !== undefined) statements.push(text)
      const fault = text === undefined ? undefined : armed.find((f) => f.match.test(text) && f.seen++ >= (f.skip ?? 0))
      if (fault) {
        armed.splice(armed.indexOf(fault), 1)
        if (fault.action === 'cut-before') {
          fault.fired()
          client.destroy()
          upstream.destroy()
          return
        }
        if (fault.action === 'cut-after') {
          upstream.write(frame, () => {
            fault.fired()
            client.destroy()
          })
          return
        }
        held ??= []
        if (fault.holdMs !== undefined) holdTimer = setTimeout(release, fault.holdMs)
        fault.fired()
      }
      if (held) held.push({ upstream, frame })
      else upstream.write(frame)
    })
    frames(upstream, (frame) => {
      learnPrepared(frame, pendingPrepares, preparedText)
      if (!client.destroyed) client.write(frame)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }

  return {
    port,
    statements,
    arm(fault) {
      return new Promise((resolve) => {
        const entry: Armed = { ...fault, seen: 0, fired: () => resolve(statements.at(-1) ?? '') }
        armed.push(entry)
      })
    },
    release,
    disarm: () => void armed.splice(0),
    async close() {
      release()
      for (const { client, upstream } of links) {
        client.destroy()
        upstream.destroy()
      }
      await new Promise((resolve) => server.close(resolve))
    },
  }
}

/** Splits a byte stream into whole CQL frames. */
function frames(socket: Socket, onFrame: (frame: Buffer) => void): void {
  let buffer: Buffer = Buffer.alloc(0)
  socket.on('data', (chunk: Buffer) => {
    buffer = buffer.length ? Buffer.concat([buffer, chunk]) : chunk
    while (buffer.length >= HEADER) {
      const length = HEADER + buffer.readInt32BE(5)
      if (buffer.length < length) break
      onFrame(buffer.subarray(0, length))
      buffer = buffer.subarray(length)
    }
  })
}

const longString = (body: Buffer, at: number) => body.toString('utf8', at + 4, at + 4 + body.readInt32BE(at))
const shortBytes = (body: Buffer, at: number) => body.subarray(at + 2, at + 2 + body.readUInt16BE(at))

/** The request's statement text, if it has one. */
function statementOf(frame: Buffer, pendingPrepares: Map<number, string>, preparedText: Map<string, string>): string | undefined {
  const stream = frame.readInt16BE(2)
  const opcode = frame[4]
  const body = frame.subarray(HEADER)
  if (frame[1]! & 0x04) return undefined // a custom payload comes first; the driver sends none
  if (opcode === OPCODE.query) return longString(body, 0)
  if (opcode === OPCODE.prepare) {
    pendingPrepares.set(stream, longString(body, 0))
    return undefined
  }
  if (opcode === OPCODE.execute) return preparedText.get(shortBytes(body, 0).toString('hex')) ?? '(unknown prepared statement)'
  if (opcode === OPCODE.batch) {
    const count = body.readUInt16BE(1)
    const parts: string[] = []
    let at = 3
    for (let i = 0; i < count; i++) {
      const kind = body[at++]
      if (kind === 0) {
        parts.push(longString(body, at))
        at += 4 + body.readInt32BE(at)
      } else {
        const id = shortBytes(body, at)
        parts.push(preparedText.get(id.toString('hex')) ?? '(unknown prepared statement)')
        at += 2 + id.length
      }
      const values = body.readUInt16BE(at)
      at += 2
      for (let v = 0; v < values; v++) {
        const size = body.readInt32BE(at)
        at += 4 + Math.max(size, 0)
      }
    }
    return `BATCH: ${parts.join('; ')}`
  }
  return undefined
}

/** Remembers a prepared statement's id from the node's answer to PREPARE. */
function learnPrepared(frame: Buffer, pendingPrepares: Map<number, string>, preparedText: Map<string, string>): void {
  if (frame[4] !== OPCODE.result || frame[1]! & 0x0e) return
  const stream = frame.readInt16BE(2)
  const text = pendingPrepares.get(stream)
  if (text === undefined) return
  pendingPrepares.delete(stream)
  const body = frame.subarray(HEADER)
  if (body.readInt32BE(0) !== 0x0004) return
  preparedText.set(shortBytes(body, 4).toString('hex'), text)
}
