import { describe, expect, it } from 'vitest'
import type { StoredMessage } from '../store/ports.ts'
import { Connection, type Sink } from './connection.ts'
import { CLOSE, FANOUT_SLICE, Hub } from './hub.ts'

const message = (roomId: string, id: number, body = `m${id}`): StoredMessage => ({
  id: String(id), roomId, authorId: 1, authorLogin: 'a', authorName: 'A', nonce: `n${id}`, body,
  createdAt: new Date(0), rev: String(id), editedAt: null, deletedAt: null,
})

function fakeSink(drains = true) {
  const sent: string[] = []
  const closes: [number, string][] = []
  let buffered = 0
  const sink: Sink = {
    send: (data) => { sent.push(data); if (!drains) buffered += data.length },
    close: (code, reason) => { closes.push([code, reason]) },
    bufferedAmount: () => buffered,
  }
  return { sink, sent, closes }
}

function setup() {
  let renders = 0
  const hub = new Hub({ render: (m, _slug, created) => { renders++; return `${created ? 'new' : 'changed'}:${m.id}:${m.body}` } })
  const join = (roomId: string, userId: number, sink = fakeSink()) => {
    const connection = new Connection({ userId, sink: sink.sink, since: 0n })
    hub.subscribe({ id: roomId, slug: roomId }, connection)
    connection.goLive()
    return { connection, ...sink }
  }
  return { hub, join, renders: () => renders }
}

describe('Hub', () => {
  it('fans each message out to every subscriber of its room, rendering it once', () => {
    const { hub, join, renders } = setup()
    const readers = [join('r1', 1), join('r1', 2), join('r1', 3)]
    hub.deliver({ type: 'message', message: message('r1', 10) })
    for (const r of readers) expect(r.sent).toEqual(['new:10:m10'])
    expect(renders()).toBe(1)
  })

  it('keeps the order messages were published in', () => {
    const { hub, join } = setup()
    const reader = join('r1', 1)
    for (let id = 1; id <= 100; id++) hub.deliver({ type: 'message', message: message('r1', id) })
    expect(reader.sent).toEqual(Array.from({ length: 100 }, (_, i) => `new:${i + 1}:m${i + 1}`))
  })

  it('delivers nothing to subscribers of other rooms', () => {
    const { hub, join } = setup()
    const other = join('r2', 1)
    hub.deliver({ type: 'message', message: message('r1', 1) })
    expect(other.sent).toEqual([])
  })

  it('closes a removed member\'s subscription at once and delivers nothing more to it', () => {
    const { hub, join } = setup()
    const removed = join('r1', 1)
    const staying = join('r1', 2)
    hub.deliver({ type: 'membership', roomId: 'r1', userId: 1, member: false })
    hub.deliver({ type: 'message', message: message('r1', 5) })
    expect(removed.closes).toEqual([[CLOSE.policy, 'no longer a member']])
    expect(removed.sent).toEqual([])
    expect(staying.sent).toEqual(['new:5:m5'])
  })

  it('closes a consumer that falls behind with 1013 without holding up the others', () => {
    const { hub, join } = setup()
    const slow = fakeSink(false)
    const lagging = new Connection({ userId: 1, sink: slow.sink, since: 0n, maxBufferedBytes: 100 })
    hub.subscribe({ id: 'r1', slug: 'r1' }, lagging)
    lagging.goLive()
    const fast = join('r1', 2)
    for (let id = 1; id <= 50; id++) hub.deliver({ type: 'message', message: message('r1', id, 'x'.repeat(20)) })
    expect(slow.closes).toEqual([[CLOSE.tryAgainLater, 'too far behind; reconnect to catch up']])
    expect(slow.sent.length).toBeLessThan(50)
    expect(fast.sent).toHaveLength(50)
  })

  it('sends edits and deletes of messages the reader already has', () => {
    const { hub, join } = setup()
    const reader = join('r1', 1)
    hub.deliver({ type: 'message', message: message('r1', 1) })
    hub.deliver({ type: 'message', message: { ...message('r1', 1, 'fixed'), rev: '2' } })
    expect(reader.sent).toEqual(['new:1:m1', 'changed:1:fixed'])
  })
})

describe('Hub with a big room', () => {
  it('fans out in slices, yielding between them, and keeps every reader\'s order', async () => {
    const { hub, join } = setup()
    const readers = Array.from({ length: FANOUT_SLICE * 2 + 5 }, (_, i) => join('big', i))
    for (let id = 1; id <= 3; id++) hub.deliver({ type: 'message', message: message('big', id) })
    // The first slice of the first frame went out at once; the rest waits for the event loop.
    expect(readers[0]!.sent).toEqual(['new:1:m1'])
    expect(readers.at(-1)!.sent).toEqual([])
    await new Promise((r) => setTimeout(r, 50))
    for (const r of readers) expect(r.sent).toEqual(['new:1:m1', 'new:2:m2', 'new:3:m3'])
  })
})

describe('Connection', () => {
  it('holds live pushes during replay and never sends a replayed message twice', () => {
    const sink = fakeSink()
    const connection = new Connection({ userId: 1, sink: sink.sink, since: 3n })
    connection.push({ seq: 5n, created: true, html: 'live5' })
    connection.push({ seq: 6n, created: true, html: 'live6' })
    connection.replay('replay4-5', 5n)
    connection.goLive()
    connection.push({ seq: 7n, created: true, html: 'live7' })
    connection.push({ seq: 3n, created: true, html: 'old3' })
    expect(sink.sent).toEqual(['replay4-5', 'live6', 'live7'])
  })

  it('closes with 1013 when too many pushes pile up during replay', () => {
    const sink = fakeSink()
    const connection = new Connection({ userId: 1, sink: sink.sink, since: 0n, maxPending: 3 })
    for (let id = 1; id <= 4; id++) connection.push({ seq: BigInt(id), created: true, html: `m${id}` })
    expect(sink.closes).toEqual([[CLOSE.tryAgainLater, 'too far behind; reconnect to catch up']])
    connection.goLive()
    expect(sink.sent).toEqual([])
  })
})
