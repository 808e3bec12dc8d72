import { describe, expect, it } from 'vitest'
import { capturedLogger } from '../../test/support/logs.ts'
import type { MessageStore, StoredMessage } from '../store/ports.ts'
import { RoomFeed } from './feed.ts'
import type { Hub } from './hub.ts'

const message = (id: number, rev = id): StoredMessage => ({
  id: String(id), rev: String(rev), roomId: 'r', authorId: 1, authorLogin: 'a', authorName: 'a', nonce: `n${id}`, body: `m${id}`,
  createdAt: new Date(0), editedAt: rev === id ? null : new Date(0), deletedAt: null,
})
const settle = () => new Promise((r) => setTimeout(r, 20))

/** A room's log in memory, counting the reads a feed makes of it; a hub that records what it was handed. */
function world(stored: StoredMessage[] = []) {
  const reads: string[] = []
  const heard: string[] = []
  const messages = {
    lastRev: async () => stored.at(-1)?.rev ?? '0',
    changesSince: async (_room: string, since: string, limit: number) => {
      reads.push(since)
      return stored.filter((m) => BigInt(m.rev) > BigInt(since)).sort((a, b) => Number(BigInt(a.rev) - BigInt(b.rev))).slice(0, limit)
    },
    heard: (_room: string, rev: string) => void heard.push(rev),
  } as unknown as MessageStore
  const delivered: string[] = []
  const hub = { serves: () => true, deliver: (e: { message: StoredMessage }) => void delivered.push(e.message.rev) } as unknown as Hub
  const feed = new RoomFeed({ messages, hub, log: capturedLogger().log })
  const store = (m: StoredMessage) => {
    const after = stored.at(-1)?.rev ?? '0'
    stored.push(m)
    return { message: m, after }
  }
  return { feed, reads, heard, delivered, store }
}

describe('the room feed', () => {
  it('delivers a message its wake-up carried when the cursor stands right before it, without reading the store', async () => {
    const { feed, reads, heard, delivered, store } = world([message(1)])
    await feed.track('r')
    feed.wake('r', store(message(2)))
    feed.wake('r', store(message(3)))
    await settle()
    expect(delivered).toEqual(['2', '3'])
    expect(reads).toEqual([])
    expect(heard).toEqual(['2', '3'])
    expect(feed.cursor('r')).toBe('3')
  })

  it('reads the store when a carried message does not follow on (a wake-up crossed or lost), delivering each once and in order', async () => {
    const { feed, reads, delivered, store } = world([message(1)])
    await feed.track('r')
    const second = store(message(2))
    const third = store(message(3))
    // The later one arrives first: 2 is missing before it, so the store is read from the cursor.
    feed.wake('r', third)
    await settle()
    feed.wake('r', second)
    await settle()
    expect(delivered).toEqual(['2', '3'])
    expect(reads).toEqual(['1'])
  })

  it('reads the store for a wake-up without a message (an edit, a resync), and skips what it already delivered', async () => {
    const { feed, reads, delivered, store } = world([message(1)])
    await feed.track('r')
    const carried = store(message(2))
    store(message(1, 3))
    feed.wake('r')
    await settle()
    feed.wake('r', carried)
    await settle()
    expect(delivered).toEqual(['2', '3'])
    expect(reads).toEqual(['1'])
  })

  it('ignores a carried message for a room it does not follow, but still tells the store where the log stands', async () => {
    const { feed, heard, delivered, store } = world([message(1)])
    feed.wake('r', store(message(2)))
    await settle()
    expect(delivered).toEqual([])
    expect(heard).toEqual(['2'])
  })
})
