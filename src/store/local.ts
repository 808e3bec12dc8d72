import { LRUCache } from 'lru-cache'
import type { Logger } from '../log.ts'
import type { Bus, ModerationStore, ProfileStore, Room, RoomStore, SessionRecord, SessionStore, User, UserStore } from './ports.ts'

/** How long an answer is served from this process's memory when no event dropped it sooner. */
export const LOCAL_TTL_MS = 10_000
const MAX_ENTRIES = 50_000
const MAX_ABSENT_SLUGS = 10_000

type Entry = SessionRecord | User | Room | boolean

/**
 * The lookups every request makes (its session and user, the room by slug,
 * membership), answered from this process's memory. Each entry is dropped by
 * the write that changes it, here through these stores and on the other
 * instances by the bus event the write already sends: `sessions-ended` (sign
 * out, bans), `membership` (join, leave, removal), `room` (renamed,
 * archived, deleted; published here) and `user` (a profile's new name or
 * face, published here: the user and every session carrying them are read
 * again, so the next send carries the new ones). A `resync` (the bus lost events)
 * drops everything, and every entry lives at most `ttlMs`, so an event that
 * never arrives costs at most that long. Only what exists is remembered: a
 * session or membership that is missing is asked for again. A slug that
 * names no room is the one absence remembered, so that to an outsider a
 * private room and a missing one take the same path (the room from memory,
 * then a membership lookup that finds nothing); a room made anywhere drops
 * its slug's absence at once (`room` with its slug).
 */
export function localStores(
  stores: { users: UserStore; sessions: SessionStore; rooms: RoomStore; moderation: ModerationStore; profiles?: ProfileStore | undefined },
  bus: Bus, log: Logger, { ttlMs = LOCAL_TTL_MS } = {},
) {
  const memory = new LRUCache<string, Entry>({ max: MAX_ENTRIES, ttl: ttlMs })
  // Slugs that name no room, apart and smaller: probing random slugs must not push sessions out of `memory`.
  const absent = new LRUCache<string, true>({ max: MAX_ABSENT_SLUGS, ttl: ttlMs })
  const stats = {
    hits: 0, misses: 0,
    /** Hits and misses since the last call, then counts afresh (the periodic cache line). */
    take() {
      const total = stats.hits + stats.misses
      const taken = { hits: stats.hits, misses: stats.misses, hitRate: total ? Math.round((stats.hits / total) * 1000) / 1000 : null }
      stats.hits = stats.misses = 0
      return taken
    },
  }
  // Counts what was forgotten: a load that began before a change it did not see is not remembered
  // (a member removed while their request read the store must not stay a member for a whole TTL).
  let forgotten = 0
  const forget = (key: string) => {
    forgotten++
    memory.delete(key)
  }
  const remembered = async <T extends Entry>(key: string, load: () => Promise<T | undefined>): Promise<T | undefined> => {
    const known = memory.get(key) as T | undefined
    if (known !== undefined) {
      stats.hits++
      return known
    }
    stats.misses++
    const before = forgotten
    const value = await load()
    if (value !== undefined && forgotten === before) memory.set(key, value)
    return value
  }
  const forgetRoom = (roomId: string) => {
    forget(`room:${roomId}`)
    // Its slug entry, whatever the slug (a rename may have changed what the room is called).
    for (const [key, value] of memory.entries()) if (key.startsWith('slug:') && (value as Room).id === roomId) memory.delete(key)
  }
  const roomChanged = async (roomId: string, slug?: string) => {
    forgetRoom(roomId)
    if (slug) absent.delete(slug)
    await bus.publish({ type: 'room', roomId, ...(slug ? { slug } : {}) })
      .catch((err: unknown) => log.warn({ err, roomId }, 'room change not published to other instances'))
  }
  const made = async (room: Room) => {
    await roomChanged(room.id, room.slug)
    return room
  }

  const forgetUser = (userId: number) => {
    forget(`user:${userId}`)
    for (const [key, value] of memory.entries()) if (key.startsWith('session:') && (value as SessionRecord).user.id === userId) forget(key)
  }
  const userChanged = async (user: User) => {
    forgetUser(user.id)
    await bus.publish({ type: 'user', userId: user.id })
      .catch((err: unknown) => log.warn({ err, userId: user.id }, 'profile change not published to other instances'))
    return user
  }

  const unsubscribe = bus.subscribe((event) => {
    switch (event.type) {
      case 'sessions-ended': return void event.sessions.forEach((hash) => forget(`session:${hash}`))
      case 'membership': return forget(`member:${event.roomId}:${event.userId}`)
      case 'user': return forgetUser(event.userId)
      case 'room':
        if (event.slug) absent.delete(event.slug)
        return forgetRoom(event.roomId)
      case 'resync':
        forgotten++
        absent.clear()
        return memory.clear()
    }
  })

  const { users, sessions, rooms, moderation, profiles } = stores
  const rememberUser = (user: User) => {
    memory.set(`user:${user.id}`, user)
    return user
  }
  return {
    stats,
    close: unsubscribe,
    users: {
      ...users,
      upsertGithubUser: async (profile) => rememberUser(await users.upsertGithubUser(profile)),
      upsertLocalUser: async (login) => rememberUser(await users.upsertLocalUser(login)),
      upsertOidcUser: async (profile) => rememberUser(await users.upsertOidcUser(profile)),
      findUserById: (id) => remembered(`user:${id}`, () => users.findUserById(id)),
    } satisfies UserStore,
    sessions: {
      ...sessions,
      async findSession(hash, now) {
        const found = await remembered(`session:${hash}`, () => sessions.findSession(hash, now))
        if (found && found.expiresAt <= now) return void forget(`session:${hash}`)
        return found
      },
      async renewSession(hash, expiresAt, activeAt) {
        await sessions.renewSession(hash, expiresAt, activeAt)
        const known = memory.get(`session:${hash}`) as SessionRecord | undefined
        if (known) memory.set(`session:${hash}`, { ...known, expiresAt })
      },
      async deleteSession(hash) {
        forget(`session:${hash}`)
        await sessions.deleteSession(hash)
        forget(`session:${hash}`)
      },
      async deleteUserSessions(userId, except) {
        const ended = await sessions.deleteUserSessions(userId, except)
        for (const hash of ended) forget(`session:${hash}`)
        return ended
      },
      async trimSessions(userId, keep) {
        const ended = await sessions.trimSessions(userId, keep)
        for (const hash of ended) forget(`session:${hash}`)
        return ended
      },
    } satisfies SessionStore,
    rooms: {
      ...rooms,
      findRoomBySlug: async (slug) => {
        if (absent.has(slug)) {
          stats.hits++
          return undefined
        }
        const before = forgotten
        const room = await remembered(`slug:${slug}`, () => rooms.findRoomBySlug(slug))
        if (!room && forgotten === before) absent.set(slug, true)
        return room
      },
      createRoom: async (input) => made(await rooms.createRoom(input)),
      directRoom: async (a, b) => made(await rooms.directRoom(a, b)),
      findRoomById: (id) => remembered(`room:${id}`, () => rooms.findRoomById(id)),
      // Only membership is remembered, never its absence: someone who joins on another instance is a member here at once.
      isMember: async (roomId, userId) =>
        (await remembered(`member:${roomId}:${userId}`, async () => ((await rooms.isMember(roomId, userId)) ? true : undefined))) === true,
      async addMember(roomId, userId) {
        const added = await rooms.addMember(roomId, userId)
        memory.set(`member:${roomId}:${userId}`, true)
        return added
      },
      async removeMember(roomId, userId) {
        forget(`member:${roomId}:${userId}`)
        await rooms.removeMember(roomId, userId)
        forget(`member:${roomId}:${userId}`)
      },
    } satisfies RoomStore,
    profiles: profiles && {
      ...profiles,
      saveProfile: async (userId, fields, avatar) => userChanged(await profiles.saveProfile(userId, fields, avatar)),
      removeAvatar: async (userId) => userChanged(await profiles.removeAvatar(userId)),
    } satisfies ProfileStore,
    moderation: {
      ...moderation,
      renameRoom: async (roomId, name) => { await moderation.renameRoom(roomId, name); await roomChanged(roomId) },
      setTopic: async (roomId, topic) => { await moderation.setTopic(roomId, topic); await roomChanged(roomId) },
      setArchived: async (roomId, at) => { await moderation.setArchived(roomId, at); await roomChanged(roomId) },
      deleteRoom: async (roomId) => { await moderation.deleteRoom(roomId); await roomChanged(roomId) },
    } satisfies ModerationStore,
  }
}
