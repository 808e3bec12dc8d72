import { describe, expect, it } from 'vitest'
import type { RoomFeed } from '../realtime/feed.ts'
import type { Frame, Subscriber } from '../realtime/hub.ts'
import { capturedLogger } from '../../test/support/logs.ts'
import type { MessageStore, ReadStateStore, RoomStore, RoomSummary, StoredMessage, User } from '../store/ports.ts'
import { Awareness } from './awareness.ts'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const bob: User = { id: 2, login: 'bob', name: null, avatarUrl: null }
const room = (id: string): RoomSummary => ({ id, slug: `r${id}`, name: `Room ${id}`, visibility: 'public', lastMessageAt: null })
const message = (roomId: string, id: number, authorId = 1, body = 'hi'): StoredMessage => ({
  id: String(id), rev: String(id), roomId, authorId, authorLogin: `u${authorId}`, authorName: `u${authorId}`, nonce: `n${id}`, body,
  createdAt: new Date(1_800_000_000_000 + id), editedAt: null, deletedAt: null,
})

/** Stores that know of two rooms with a stored backlog, and a feed standing at `cursor`. */
function world() {
  const counted: string[] = []
  const stores = {
    rooms: { roomsOf: async () => [room('1'), room('2')] } as unknown as RoomStore,
    reads: { markers: async () => new Map([['1', '5']]), unreadMentions: async () => new Map([['1', 1]]) } as unknown as ReadStateStore,
    messages: {
      countAfter: async (roomId: string, after: string, o: { until?: string }) => {
        counted.push(`${roomId}>${after}<=${o.until}`)
        return roomId === '1' ? 3 : 0
      },
    } as unknown as MessageStore,
  }
  // Where the feed stands per room: a test moves it past a batch, as the feed does right after handing it on.
  const cursors = new Map<string, string>()
  const feed = { track: async () => {}, cursor: (roomId: string) => cursors.get(roomId) ?? '8' } as unknown as RoomFeed
  const awareness = new Awareness({ ...stores, feed, log: capturedLogger().log, flushMs: 200 })
  const frames: string[] = []
  const socket: Subscriber = { userId: bob.id, push: (f: Frame) => void frames.push(f.html), close() {} }
  return { awareness, frames, socket, counted, cursors }
}

const unread = (html: string, roomId: string) => new RegExp(`<a id="side-${roomId}"[^>]*>.*?data-unread="(\\d+)"`).exec(html)?.[1]
const mentions = (html: string, roomId: string) => new RegExp(`<a id="side-${roomId}"[^>]*>.*?data-mentions="(\\d+)"`).exec(html)?.[1]

describe('a user\'s sidebar counts', () => {
  it('starts from the markers and the store up to where the feed stands, then adds what the feed reads after it', async () => {
    const { awareness, frames, socket, counted } = world()
    awareness.follow(bob, socket)
    await sleep(150)
    expect(counted).toEqual(['1>5<=8', '2>0<=8'])
    expect(frames).toHaveLength(1)
    expect(frames[0]).toContain('<div id="side-rooms" hx-swap-oob="true">')
    expect([unread(frames[0]!, '1'), mentions(frames[0]!, '1'), unread(frames[0]!, '2')]).toEqual(['3', '1', '0'])
    expect(frames[0]).toContain('<span id="unread-total" data-total="3"')

    // At or below the feed's cursor was counted by the store; a mention counts apart.
    awareness.delivered(message('1', 8))
    awareness.delivered(message('1', 9))
    awareness.delivered(message('1', 11, 1, 'ping @Bob'))
    awareness.delivered({ ...message('1', 9), rev: '12', body: 'edited @bob' })
    awareness.delivered(message('2', 13))
    await sleep(300)
    // Coalesced: one frame for all of it, with both rooms' links.
    expect(frames).toHaveLength(2)
    expect([unread(frames[1]!, '1'), mentions(frames[1]!, '1'), unread(frames[1]!, '2')]).toEqual(['5', '2', '1'])
    expect(frames[1]).toContain('data-total="6"')
    expect(frames[1]).not.toContain('side-rooms')
  })

  it('takes an author\'s own message as their marker moving up to it, without asking the store', async () => {
    const { awareness, frames, socket, counted, cursors } = world()
    awareness.follow(bob, socket)
    await sleep(150)
    expect(unread(frames[0]!, '1')).toBe('3')
    const asked = counted.length
    awareness.delivered(message('1', 9, bob.id))
    cursors.set('1', '9')
    await sleep(300)
    expect(counted).toHaveLength(asked)
    expect([unread(frames.at(-1)!, '1'), mentions(frames.at(-1)!, '1')]).toEqual(['0', '0'])
  })

  it('sends nothing to a socket taken off, and stops following rooms when the user\'s last socket goes', async () => {
    const { awareness, frames, socket } = world()
    const off = awareness.follow(bob, socket)
    await sleep(150)
    expect(awareness.follows('1')).toBe(true)
    off()
    expect(awareness.follows('1')).toBe(false)
    awareness.delivered(message('1', 9))
    await sleep(300)
    expect(frames).toHaveLength(1)
  })

  it('spares a tab the arrivals in the room it has open, yet tells it when that room is read', async () => {
    const { awareness, frames, socket, counted } = world()
    const frames2: string[] = []
    awareness.follow(bob, socket, '1')
    awareness.follow(bob, { userId: bob.id, push: (f: Frame) => void frames2.push(f.html), close() {} }, '2')
    await sleep(150)
    expect([frames.length, frames2.length]).toEqual([1, 1])
    // Busy room 1: the tab reading it gets nothing, the tab on room 2 gets room 1's count.
    awareness.delivered(message('1', 9))
    await sleep(300)
    expect(frames).toHaveLength(1)
    expect(unread(frames2.at(-1)!, '1')).toBe('4')
    // A marker at the feed's cursor clears the room without asking the store, and both tabs hear of it.
    const asked = counted.length
    awareness.read({ type: 'read', userId: bob.id, roomId: '1', id: '9' })
    await sleep(300)
    expect(counted).toHaveLength(asked)
    expect([unread(frames.at(-1)!, '1'), unread(frames2.at(-1)!, '1')]).toEqual(['0', '0'])
  })
})
