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
  const join = (roomId: string, userId: number, sink = fakeSink(), since = 0n) => {
    const connection = new Connection({ userId, sink: sink.sink, since })
    hub.subscribe({ id: roomId, slug: roomId }, connection)
    connection.goLive()
    return { connection, ...sink }
  }
  return { hub, join, renders: () => renders }
}

/** Waits (a few seconds at most, the box may be busy) for the slices the hub fanned out between event-loop turns. */
async function fannedOut(done: () => boolean) {
  for (const deadline = Date.now() + 5000; !done() && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 5))
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

  it('sends an edit as a change to readers who held the message before, and as new to the rest, rendering each form once', () => {
    const { hub, join, renders } = setup()
    const old = [join('r1', 1, fakeSink(), 1n), join('r1', 2, fakeSink(), 1n)]
    const fresh = [join('r1', 3), join('r1', 4)]
    hub.deliver({ type: 'message', message: { ...message('r1', 1, 'fixed'), rev: '2' } })
    for (const r of old) expect(r.sent).toEqual(['changed:1:fixed'])
    for (const r of fresh) expect(r.sent).toEqual(['new:1:fixed'])
    expect(renders()).toBe(2)
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
    await fannedOut(() => readers.at(-1)!.sent.length === 3)
    for (const r of readers) expect(r.sent).toEqual(['new:1:m1', 'new:2:m2', 'new:3:m3'])
  })
})

describe('Connection', () => {
  const created = (id: bigint, html: string) => ({ id, rev: id, html })
  const changed = (id: bigint, rev: bigint, html: string) => ({ id, rev, html, asNew: () => ({ html: `as new: ${html}` }) })

  it('holds live pushes during replay and never sends a replayed message twice', () => {
    const sink = fakeSink()
    const connection = new Connection({ userId: 1, sink: sink.sink, since: 3n })
    connection.push(created(5n, 'live5'))
    connection.push(created(6n, 'live6'))
    connection.replay('replay4-5', 5n)
    connection.goLive()
    connection.push(created(7n, 'live7'))
    connection.push(created(3n, 'old3'))
    expect(sink.sent).toEqual(['replay4-5', 'live6', 'live7'])
  })

  it('sends a change to a message the reader never had as new, and a change to one it had as a change', () => {
    const sink = fakeSink()
    const connection = new Connection({ userId: 1, sink: sink.sink, since: 3n })
    connection.goLive()
    // Message 5 was created and edited (rev 7) before this reader's feed read it: only its edit comes.
    connection.push(created(6n, 'm6'))
    connection.push(changed(5n, 7n, 'm5 edited'))
    connection.push(changed(2n, 8n, 'm2 edited'))
    connection.push(changed(6n, 9n, 'm6 edited'))
    expect(sink.sent).toEqual(['m6', 'as new: m5 edited', 'm2 edited', 'as new: m6 edited'])
  })

  it('skips a change the replay already brought', () => {
    const sink = fakeSink()
    const connection = new Connection({ userId: 1, sink: sink.sink, since: 3n })
    connection.push(changed(2n, 5n, 'm2 edited'))
    connection.replay('replay up to rev 5', 5n)
    connection.goLive()
    connection.push(changed(2n, 5n, 'm2 edited'))
    connection.push(changed(2n, 6n, 'm2 edited again'))
    expect(sink.sent).toEqual(['replay up to rev 5', 'm2 edited again'])
  })

  it('starts a reader that held nothing at the id it is given', () => {
    const sink = fakeSink()
    const connection = new Connection({ userId: 1, sink: sink.sink })
    connection.startFrom(10n)
    connection.goLive()
    connection.push(created(10n, 'm10'))
    connection.push(changed(4n, 11n, 'm4 edited'))
    connection.push(created(12n, 'm12'))
    expect(sink.sent).toEqual(['m4 edited', 'm12'])
  })

  it('starts a reader that held nothing before a message pushed while it waited, even when told to start past it', () => {
    const sink = fakeSink()
    const connection = new Connection({ userId: 1, sink: sink.sink })
    // The feed delivered 11 to the subscribed socket, then the socket read the feed's cursor, now 11.
    connection.push(created(11n, 'm11'))
    expect(connection.startFrom(11n)).toBe(10n)
    connection.replay('replay of 11', 11n)
    connection.goLive()
    connection.push(created(12n, 'm12'))
    expect(sink.sent).toEqual(['replay of 11', 'm12'])
    // With nothing held, the start is what it is told.
    expect(new Connection({ userId: 1, sink: fakeSink().sink }).startFrom(11n)).toBe(11n)
  })

  it('closes with 1013 when too many pushes pile up during replay', () => {
    const sink = fakeSink()
    const connection = new Connection({ userId: 1, sink: sink.sink, since: 0n, maxPending: 3 })
    for (let id = 1n; id <= 4n; id++) connection.push(created(id, `m${id}`))
    expect(sink.closes).toEqual([[CLOSE.tryAgainLater, 'too far behind; reconnect to catch up']])
    connection.goLive()
    expect(sink.sent).toEqual([])
  })
})
