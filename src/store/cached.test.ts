import { describe, expect, it } from 'vitest'
import { createLogger } from '../log.ts'
import { cachedStores } from './cached.ts'
import { memoryCache } from './memory/cache.ts'
import type { MessageStore, RoomStore, SessionStore, User, UserStore } from './ports.ts'

const alice: User = { id: 1, login: 'alice', name: 'Alice', avatarUrl: null }

/** A session store that counts its reads, so a test can tell a cache hit from a store read. */
function countingSessions() {
  const rows = new Map<string, Date>()
  let reads = 0
  const store: SessionStore = {
    createSession: async (hash, _userId, expiresAt) => { rows.set(hash, expiresAt) },
    findSession: async (hash) => { reads++; const e = rows.get(hash); return e && { user: alice, expiresAt: e } },
    renewSession: async (hash, expiresAt) => { rows.set(hash, expiresAt) },
    deleteSession: async (hash) => { rows.delete(hash) },
    deleteExpiredSessions: async () => 0,
    listSessions: async () => [...rows].map(([tokenHash, expiresAt]) => ({ tokenHash, createdAt: new Date(0), expiresAt, device: null, lastActiveAt: new Date(0) })),
    deleteUserSessions: async (_userId, except) => {
      const ended = [...rows.keys()].filter((h) => h !== except)
      for (const h of ended) rows.delete(h)
      return ended
    },
    trimSessions: async () => [],
  }
  return { store, reads: () => reads }
}

const users = { findUserById: async () => alice } as unknown as UserStore

describe('cached sessions', () => {
  const setup = () => {
    const sessions = countingSessions()
    const cached = cachedStores(memoryCache(), { users, sessions: sessions.store, rooms: {} as RoomStore, messages: {} as MessageStore }, createLogger('silent'))
    return { sessions, cached: cached.sessions }
  }

  it('forgets every other session of a user at once when they are ended together, and keeps the current one', async () => {
    const { sessions, cached } = setup()
    for (const h of ['mine', 'other1', 'other2']) await sessions.store.createSession(h, 1, new Date('2030-01-01'))
    for (const h of ['mine', 'other1', 'other2']) await cached.findSession(h, new Date('2029-01-01'))
    expect((await cached.deleteUserSessions(1, 'mine')).sort()).toEqual(['other1', 'other2'])
    expect(await cached.findSession('other1', new Date('2029-01-01'))).toBeUndefined()
    expect(await cached.findSession('other2', new Date('2029-01-01'))).toBeUndefined()
    expect(await cached.findSession('mine', new Date('2029-01-01'))).toMatchObject({ user: alice })
  })

  it('serves a repeated lookup from the cache', async () => {
    const { sessions, cached } = setup()
    await sessions.store.createSession('h', 1, new Date('2030-01-01'))
    await cached.findSession('h', new Date('2029-01-01'))
    await cached.findSession('h', new Date('2029-01-01'))
    expect(sessions.reads()).toBe(1)
  })

  it('shows a renewed expiry at once, without reading the store again', async () => {
    const { sessions, cached } = setup()
    await sessions.store.createSession('h', 1, new Date('2030-01-01'))
    await cached.findSession('h', new Date('2029-01-01'))
    await cached.renewSession('h', new Date('2031-01-01'))
    expect((await cached.findSession('h', new Date('2029-01-01')))?.expiresAt).toEqual(new Date('2031-01-01'))
    expect(sessions.reads()).toBe(1)
  })

  it('ends a session for every reader at once, whatever was cached', async () => {
    const { sessions, cached } = setup()
    await sessions.store.createSession('h', 1, new Date('2030-01-01'))
    await cached.findSession('h', new Date('2029-01-01'))
    await cached.deleteSession('h')
    expect(await cached.findSession('h', new Date('2029-01-01'))).toBeUndefined()
  })
})
