import type { Hub } from '../realtime/hub.ts'
import type { Logger } from '../log.ts'
import type { Bus, Presence, RoomStore, UserStore } from '../store/ports.ts'
import { MemberList } from '../views/Members.tsx'
import { html } from '../views/Message.tsx'

export interface PresenceTrackerOptions {
  presence: Presence
  users: UserStore
  rooms: RoomStore
  hub: Hub
  bus: Bus
  log: Logger
  /** How long a heartbeat keeps a user online; a crashed instance's users drop off after this. */
  ttlMs?: number
  heartbeatMs?: number
  /** How often connected users' last-seen time is written to the database. */
  lastSeenMs?: number
  /** Presence changes within this window are redrawn together: at most one member-list redraw per room per window. */
  coalesceMs?: number
}

/**
 * This instance's side of presence: counts each user's sockets here, renews
 * their online marks, writes last-seen times, and redraws the member lists of
 * live rooms when someone comes or goes (or a mark expires). Comings and
 * goings are gathered for `coalesceMs` and redrawn once, so a user churning
 * sockets costs each of their rooms one redraw per window, not one per socket.
 */
export class PresenceTracker {
  readonly #o: Required<PresenceTrackerOptions>
  readonly #sockets = new Map<number, number>()
  readonly #drawn = new Map<string, string>()
  #timers: ReturnType<typeof setInterval>[] = []
  /** Users whose presence changed since the last flush. */
  #changed = new Set<number>()
  #flush: ReturnType<typeof setTimeout> | undefined

  constructor(options: PresenceTrackerOptions) {
    this.#o = { ttlMs: 45_000, heartbeatMs: 15_000, lastSeenMs: 300_000, coalesceMs: 300, ...options }
  }

  start(): void {
    const every = (ms: number, work: () => Promise<unknown>) => {
      const timer = setInterval(() => void work().catch((err: unknown) => this.#o.log.warn({ err }, 'presence upkeep failed')), ms)
      timer.unref?.()
      this.#timers.push(timer)
    }
    every(this.#o.heartbeatMs, async () => {
      await this.#o.presence.heartbeat([...this.#sockets.keys()], this.#o.ttlMs)
      // Marks of other instances' users may have expired meanwhile.
      for (const roomId of this.#o.hub.liveRooms()) await this.redraw(roomId)
    })
    every(this.#o.lastSeenMs, () => this.#o.users.touchLastSeen([...this.#sockets.keys()], new Date()))
  }

  stop(): void {
    for (const timer of this.#timers) clearInterval(timer)
    this.#timers = []
    clearTimeout(this.#flush)
    this.#flush = undefined
  }

  async connected(userId: number): Promise<void> {
    const count = (this.#sockets.get(userId) ?? 0) + 1
    this.#sockets.set(userId, count)
    if (count === 1) {
      await this.#o.presence.heartbeat([userId], this.#o.ttlMs)
      await this.#announce(userId)
    }
  }

  async disconnected(userId: number): Promise<void> {
    const count = (this.#sockets.get(userId) ?? 1) - 1
    if (count > 0) return void this.#sockets.set(userId, count)
    this.#sockets.delete(userId)
    await this.#o.presence.leave(userId)
    await this.#o.users.touchLastSeen([userId], new Date())
    await this.#announce(userId)
  }

  /** Someone's presence changed: the live rooms they belong to are redrawn at the end of the window. */
  async changed(userId: number): Promise<void> {
    this.#changed.add(userId)
    if (this.#flush) return
    this.#flush = setTimeout(() => {
      this.#flush = undefined
      this.#redrawChanged().catch((err: unknown) => this.#o.log.warn({ err }, 'member lists not redrawn'))
    }, this.#o.coalesceMs)
    ;(this.#flush as { unref?: () => void }).unref?.()
  }

  async #redrawChanged(): Promise<void> {
    const users = [...this.#changed]
    this.#changed.clear()
    const live = this.#o.hub.liveRooms()
    // A room no one here follows is not redrawn, so what was last drawn there goes stale: forget it,
    // or the next reader's first redraw could be skipped as "unchanged" (the reader seeing themselves offline).
    for (const roomId of this.#drawn.keys()) if (!live.includes(roomId)) this.#drawn.delete(roomId)
    // One query for which live rooms the changed users belong to, whatever the number of changes: after
    // many sockets (re)connect at once, asking room by user would be rooms × users lookups.
    for (const roomId of await this.#o.rooms.roomsWithAnyOf(live, users)) await this.redraw(roomId)
  }

  /** Pushes the room's member list when it differs from the one last pushed. */
  async redraw(roomId: string): Promise<void> {
    const members = await this.#o.rooms.listMembers(roomId)
    const online = await this.#o.presence.online(members.map((m) => m.id))
    const list = html(MemberList({ members, online, oob: true }))
    if (this.#drawn.get(roomId) === list) return
    this.#drawn.set(roomId, list)
    this.#o.hub.pushToRoom(roomId, () => list)
  }

  async #announce(userId: number): Promise<void> {
    try {
      await this.#o.bus.publish({ type: 'presence', userId })
    } catch (err) {
      this.#o.log.warn({ err, userId }, 'presence change not published')
    }
  }
}
