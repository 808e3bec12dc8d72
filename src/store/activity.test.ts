import { describe, expect, it } from 'vitest'
import { capturedLogger } from '../../test/support/logs.ts'
import { deferredActivity } from './activity.ts'
import type { ReadStateStore, RoomStore, StoredMessage } from './ports.ts'

const sent = (roomId: string, id: number, authorId: number, at: number): StoredMessage => ({
  id: String(id), rev: String(id), roomId, authorId, authorLogin: 'a', authorName: 'a', nonce: `n${id}`, body: '',
  createdAt: new Date(at), editedAt: null, deletedAt: null,
})

/** Stores that record each batch written, and fail the first `failures` of them. */
function stores(failures = 0) {
  const touched: { roomId: string; at: number }[][] = []
  const advanced: { userId: number; roomId: string; id: string }[][] = []
  let failing = failures
  const rooms = {
    touchRooms: async (a: { roomId: string; at: Date }[]) => {
      if (failing-- > 0) throw new Error('database away')
      touched.push(a.map((x) => ({ roomId: x.roomId, at: x.at.getTime() })))
    },
    roomsOf: async () => [],
  } as unknown as RoomStore
  const reads = {
    advanceAll: async (m: { userId: number; roomId: string; id: string }[]) => void advanced.push([...m]),
    markers: async () => new Map(),
  } as unknown as ReadStateStore
  return { rooms, reads, touched, advanced }
}

describe('a send\'s room activity and read marker', () => {
  it('are written a batch at a time: each room\'s newest activity and each author\'s highest marker', async () => {
    const s = stores()
    const activity = deferredActivity({ rooms: s.rooms, reads: s.reads, log: capturedLogger().log, flushMs: 50 })
    activity.sent(sent('1', 5, 7, 1000))
    activity.sent(sent('1', 6, 8, 3000))
    activity.sent(sent('1', 4, 7, 2000))
    activity.sent(sent('2', 9, 7, 500))
    expect(s.touched).toEqual([])
    await new Promise((r) => setTimeout(r, 120))
    expect(s.touched).toEqual([[{ roomId: '1', at: 3000 }, { roomId: '2', at: 500 }]])
    expect(s.advanced).toEqual([[{ userId: 7, roomId: '1', id: '5' }, { userId: 8, roomId: '1', id: '6' }, { userId: 7, roomId: '2', id: '9' }]])
  })

  it('are written before this instance reads rooms or markers, so it reads its own writes', async () => {
    const s = stores()
    const activity = deferredActivity({ rooms: s.rooms, reads: s.reads, log: capturedLogger().log, flushMs: 60_000 })
    activity.sent(sent('1', 5, 7, 1000))
    await activity.rooms.roomsOf(7)
    expect(s.touched).toHaveLength(1)
    await activity.reads.markers(7)
    expect(s.advanced).toHaveLength(1)
  })

  it('are kept for the next batch when the database refuses one', async () => {
    const s = stores(1)
    const { log, lines } = capturedLogger()
    const activity = deferredActivity({ rooms: s.rooms, reads: s.reads, log, flushMs: 60_000 })
    activity.sent(sent('1', 5, 7, 1000))
    await activity.flush()
    expect(s.touched).toEqual([])
    expect(lines.some((l) => l.includes('room activity and read markers not written'))).toBe(true)
    await activity.flush()
    expect(s.touched).toEqual([[{ roomId: '1', at: 1000 }]])
    // The markers went out the first time: they are not written again.
    expect(s.advanced).toHaveLength(1)
  })
})
