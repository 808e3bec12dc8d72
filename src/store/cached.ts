import type { Logger } from '../log.ts'
import { revivedMessage } from './json.ts'
import type { Cache, MessageStore, ProfileStore, RoomStore, SessionStore, StoredMessage, User, UserStore } from './ports.ts'

/** Lifetimes, in seconds: short enough that a missed invalidation heals quickly. */
const TTL = { session: 60, user: 300, member: 300, page: 60 } as const

type Kind = keyof typeof TTL

/** Counts hits and misses per kind; a cache that fails counts as a miss and the store answers. */
export class CacheStats {
  readonly hits: Record<Kind, number> = { session: 0, user: 0, member: 0, page: 0 }
  readonly misses: Record<Kind, number> = { session: 0, user: 0, member: 0, page: 0 }
  errors = 0
  /** Since start, never reset: what the metrics read. */
  readonly totals = { hits: 0, misses: 0 }

  /** The hit rate of each kind since the last call, then starts counting afresh. */
  take() {
    const rates = Object.fromEntries(
      (Object.keys(this.hits) as Kind[]).map((k) => {
        const total = this.hits[k] + this.misses[k]
        return [k, { hits: this.hits[k], misses: this.misses[k], hitRate: total ? Math.round((this.hits[k] / total) * 1000) / 1000 : null }]
      }),
    )
    const errors = this.errors
    for (const k of Object.keys(this.hits) as Kind[]) this.hits[k] = this.misses[k] = 0
    this.errors = 0
    return { ...rates, errors }
  }
}

/** Cache-aside around the stores, invalidated by every write that goes through them. */
export function cachedStores(
  cache: Cache,
  stores: { users: UserStore; sessions: SessionStore; rooms: RoomStore; messages: MessageStore; profiles?: ProfileStore | undefined },
  log: Logger,
) {
  const stats = new CacheStats()
  const safely = async <T>(work: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await work()
    } catch (err) {
      if (stats.errors++ === 0) log.warn({ err: { message: (err as Error).message } }, 'cache unavailable; reading the store')
      return undefined
    }
  }
  /** Read through the cache: a hit is parsed, a miss is loaded and filled. */
  const through = async <T>(kind: Kind, key: string, load: () => Promise<T>, revive: (raw: T) => T = (x) => x): Promise<T> => {
    const raw = await safely(() => cache.get(key))
    if (raw !== undefined) {
      stats.hits[kind]++
      stats.totals.hits++
      return revive(JSON.parse(raw) as T)
    }
    stats.misses[kind]++
    stats.totals.misses++
    const value = await load()
    await safely(() => cache.fill(key, JSON.stringify(value ?? null), TTL[kind]))
    return value
  }
  const put = (kind: Kind, key: string, value: unknown) => safely(() => cache.put(key, JSON.stringify(value ?? null), TTL[kind]))

  const { users, sessions, rooms, messages } = stores
  const reviveMessages = (page: StoredMessage[]) => page.map(revivedMessage)
  const pageVersion = (roomId: string) => `pagever:${roomId}`
  const bumpPage = (roomId: string) => safely(() => cache.bump(pageVersion(roomId)))

  const cachedUsers: UserStore = {
    ...users,
    async upsertGithubUser(profile) {
      const user = await users.upsertGithubUser(profile)
      await put('user', `user:${user.id}`, user)
      return user
    },
    async upsertLocalUser(login) {
      const user = await users.upsertLocalUser(login)
      await put('user', `user:${user.id}`, user)
      return user
    },
    async upsertOidcUser(profile) {
      const user = await users.upsertOidcUser(profile)
      await put('user', `user:${user.id}`, user)
      return user
    },
    findUserById: (id) => through('user', `user:${id}`, () => users.findUserById(id).then((u) => u ?? null)).then((u) => u ?? undefined),
  }

  // A profile change is the user's new name or face: the shared entry is replaced, so every instance's next read has it.
  const { profiles } = stores
  const profileChanged = async (user: User) => {
    await put('user', `user:${user.id}`, user)
    return user
  }
  const cachedProfiles: ProfileStore | undefined = profiles && {
    ...profiles,
    saveProfile: async (userId, fields, avatar) => profileChanged(await profiles.saveProfile(userId, fields, avatar)),
    removeAvatar: async (userId) => profileChanged(await profiles.removeAvatar(userId)),
  }

  const cachedSessions: SessionStore = {
    ...sessions,
    async findSession(hash, now) {
      const entry = await through('session', `session:${hash}`,
        async () => {
          const found = await sessions.findSession(hash, now)
          return found ? { userId: found.user.id, expiresAt: found.expiresAt.toISOString() } : null
        })
      if (!entry || Date.parse(entry.expiresAt) <= now.getTime()) return undefined
      const user: User | undefined = await cachedUsers.findUserById(entry.userId)
      return user && { user, expiresAt: new Date(entry.expiresAt) }
    },
    async renewSession(hash, expiresAt, activeAt) {
      await sessions.renewSession(hash, expiresAt, activeAt)
      // The cached entry knows the user; a missing one is filled by the next lookup.
      const raw = await safely(() => cache.get(`session:${hash}`))
      const entry = raw === undefined ? null : (JSON.parse(raw) as { userId: number } | null)
      if (entry) await put('session', `session:${hash}`, { userId: entry.userId, expiresAt: expiresAt.toISOString() })
    },
    async deleteSession(hash) {
      await sessions.deleteSession(hash)
      // A tombstone, so a reader that raced the sign-out cannot fill the old entry back in.
      await put('session', `session:${hash}`, null)
    },
    async deleteUserSessions(userId, except) {
      const ended = await sessions.deleteUserSessions(userId, except)
      await Promise.all(ended.map((hash) => put('session', `session:${hash}`, null)))
      return ended
    },
    async trimSessions(userId, keep) {
      const ended = await sessions.trimSessions(userId, keep)
      await Promise.all(ended.map((hash) => put('session', `session:${hash}`, null)))
      return ended
    },
  }

  const cachedRooms: RoomStore = {
    ...rooms,
    isMember: async (roomId, userId) =>
      (await through('member', `member:${roomId}:${userId}`, () => rooms.isMember(roomId, userId))) === true,
    async addMember(roomId, userId) {
      const added = await rooms.addMember(roomId, userId)
      await put('member', `member:${roomId}:${userId}`, true)
      return added
    },
    async removeMember(roomId, userId) {
      await rooms.removeMember(roomId, userId)
      await put('member', `member:${roomId}:${userId}`, false)
    },
  }

  const cachedMessages: MessageStore = {
    ...messages,
    async appendMessage(m) {
      const result = await messages.appendMessage(m)
      if (result.created) await bumpPage(m.roomId)
      return result
    },
    ...(messages.appendMessages ? {
      async appendMessages(list: Parameters<NonNullable<MessageStore['appendMessages']>>[0]) {
        const result = await messages.appendMessages!(list)
        if (result.some((r) => r.created)) await bumpPage(list[0]!.roomId)
        return result
      },
    } : {}),
    async changeMessage(roomId, id, change) {
      const changed = await messages.changeMessage(roomId, id, change)
      await bumpPage(roomId)
      return changed
    },
    async forgetRoom(roomId) {
      await messages.forgetRoom(roomId)
      await bumpPage(roomId)
    },
    async pageBefore(roomId, before, limit) {
      if (before !== undefined) return messages.pageBefore(roomId, before, limit)
      const version = await safely(() => cache.get(pageVersion(roomId)))
      return through('page', `page:${roomId}:${version ?? 0}:${limit}`, () => messages.pageBefore(roomId, undefined, limit), reviveMessages)
    },
  }

  return { users: cachedUsers, sessions: cachedSessions, rooms: cachedRooms, messages: cachedMessages, profiles: cachedProfiles, stats }
}
