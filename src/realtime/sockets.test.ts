import { describe, expect, it } from 'vitest'
import { SocketRegistry, type LiveSocket } from './sockets.ts'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

function socket(userId: number, sessionHash: string) {
  const closes: { code: number; reason: string; notice: string }[] = []
  const live: LiveSocket = { userId, sessionHash, close: (code, reason, notice) => closes.push({ code, reason, notice }) }
  return { live, closes }
}

const later = (ms: number) => new Date(Date.now() + ms)

describe('the socket registry', () => {
  it('closes every socket of an ended session with 4401 and the reason, and no other', () => {
    const registry = new SocketRegistry({ expiredNotice: 'expired', sessionExpiry: async () => later(60_000) })
    const [one, two, other] = [socket(1, 'a'), socket(1, 'a'), socket(1, 'b')]
    for (const s of [one, two, other]) registry.add(s.live, later(60_000))
    expect(registry.endSessions(['a'], 'You signed out.')).toBe(2)
    expect(one.closes).toEqual([{ code: 4401, reason: 'session ended', notice: 'You signed out.' }])
    expect(two.closes).toHaveLength(1)
    expect(other.closes).toEqual([])
    expect(registry.count(1)).toBe(1)
  })

  it('closes a socket when its session expires, unless the session was renewed meanwhile', async () => {
    let renewed: Date | undefined = later(120)
    const registry = new SocketRegistry({ expiredNotice: 'Your session expired.', sessionExpiry: async () => renewed })
    const s = socket(1, 'a')
    registry.add(s.live, later(40))
    await sleep(80)
    expect(s.closes).toEqual([])
    renewed = undefined
    await sleep(120)
    expect(s.closes).toEqual([{ code: 4401, reason: 'session expired', notice: 'Your session expired.' }])
    expect(registry.count(1)).toBe(0)
  })

  it('closes the oldest of a user\'s sockets beyond the cap with 4409, and only theirs', () => {
    const registry = new SocketRegistry({ maxPerUser: 2, expiredNotice: '', sessionExpiry: async () => later(60_000) })
    const sockets = [socket(1, 'a'), socket(2, 'c'), socket(1, 'a'), socket(1, 'b')]
    for (const s of sockets) registry.add(s.live, later(60_000))
    expect(sockets[0]!.closes.map((c) => c.code)).toEqual([4409])
    for (const s of sockets.slice(1)) expect(s.closes).toEqual([])
    expect(registry.count(1)).toBe(2)
  })

  it('closes, on a recheck, the sockets of sessions the store no longer has, and keeps the rest', async () => {
    const live = new Set(['kept'])
    const registry = new SocketRegistry({
      expiredNotice: 'expired', endedNotice: 'ended elsewhere', sessionExpiry: async (hash) => (live.has(hash) ? later(60_000) : undefined),
    })
    const [kept, ended] = [socket(1, 'kept'), socket(1, 'gone')]
    for (const s of [kept, ended]) registry.add(s.live, later(60_000))
    await registry.recheck()
    expect(ended.closes).toEqual([{ code: 4401, reason: 'session ended', notice: 'ended elsewhere' }])
    expect(kept.closes).toEqual([])
  })
})
