import { CLOSE } from './hub.ts'

/** One open socket as the registry sees it. */
export interface LiveSocket {
  readonly userId: number
  readonly sessionHash: string
  /** Closes the socket, telling the tab why (`notice` is shown on the page). */
  close(code: number, reason: string, notice: string): void
}

export interface SocketRegistryOptions {
  /** Open sockets per user on this instance; opening one more closes the oldest. None: unbounded. */
  maxPerUser?: number | undefined
  /** Asked when a socket's session reaches its expiry: the session's new expiry if it was renewed, else undefined. */
  sessionExpiry(sessionHash: string): Promise<Date | undefined>
  /** Said on the page of a socket whose session expired. */
  expiredNotice: string
  /** Said on the page of a socket whose session was found ended on a recheck. */
  endedNotice?: string
  now?: () => number
}

/** setTimeout fires at once beyond 2^31-1 ms; a far expiry is checked again after this. */
const MAX_TIMER_MS = 24 * 60 * 60 * 1000

/**
 * This instance's open sockets by session and by user, so that ending a
 * session closes its sockets (4401), and a user's sockets stay under the cap
 * (the oldest closes with 4409). Sockets are closed, never just forgotten: a
 * closed socket removes itself through the function `add` returns.
 */
export class SocketRegistry {
  readonly #bySession = new Map<string, Set<LiveSocket>>()
  /** Insertion order is opening order: the first is the oldest. */
  readonly #byUser = new Map<number, Set<LiveSocket>>()
  readonly #timers = new Map<LiveSocket, ReturnType<typeof setTimeout>>()
  readonly #o: SocketRegistryOptions

  constructor(options: SocketRegistryOptions) {
    this.#o = options
  }

  /** Registers a socket whose session ends at `expiresAt`; returns how to remove it once closed. */
  add(socket: LiveSocket, expiresAt: Date): () => void {
    const add = <K>(map: Map<K, Set<LiveSocket>>, key: K) => {
      let set = map.get(key)
      if (!set) map.set(key, (set = new Set()))
      set.add(socket)
    }
    add(this.#bySession, socket.sessionHash)
    add(this.#byUser, socket.userId)
    this.#watchExpiry(socket, expiresAt)
    const mine = this.#byUser.get(socket.userId)!
    const max = this.#o.maxPerUser
    if (max !== undefined && mine.size > max) {
      const oldest = mine.values().next().value!
      this.remove(oldest)
      oldest.close(CLOSE.replaced, 'too many open connections',
        `This tab was disconnected because you opened more than ${max} connections; the oldest closes first. Reload to reconnect here.`)
    }
    return () => this.remove(socket)
  }

  remove(socket: LiveSocket): void {
    const drop = <K>(map: Map<K, Set<LiveSocket>>, key: K) => {
      const set = map.get(key)
      if (!set?.delete(socket)) return
      if (set.size === 0) map.delete(key)
    }
    drop(this.#bySession, socket.sessionHash)
    drop(this.#byUser, socket.userId)
    clearTimeout(this.#timers.get(socket))
    this.#timers.delete(socket)
  }

  /** Closes every socket of these sessions, telling each tab `notice`. */
  endSessions(sessionHashes: readonly string[], notice: string): number {
    let closed = 0
    for (const hash of sessionHashes) {
      for (const socket of [...(this.#bySession.get(hash) ?? [])]) {
        this.remove(socket)
        socket.close(CLOSE.sessionEnded, 'session ended', notice)
        closed++
      }
    }
    return closed
  }

  /**
   * Asks the store about every session with a socket here and closes those
   * that ended: after the bus lost messages (a Redis reconnect), an end
   * published meanwhile is not missed.
   */
  async recheck(): Promise<void> {
    for (const [hash, sockets] of [...this.#bySession]) {
      const expiry = await this.#o.sessionExpiry(hash).catch(() => new Date(8.64e15))
      if (expiry) continue
      for (const socket of [...sockets]) {
        this.remove(socket)
        socket.close(CLOSE.sessionEnded, 'session ended', this.#o.endedNotice ?? this.#o.expiredNotice)
      }
    }
  }

  /** How many sockets the user holds here. */
  count(userId: number): number {
    return this.#byUser.get(userId)?.size ?? 0
  }

  #watchExpiry(socket: LiveSocket, expiresAt: Date): void {
    const now = this.#o.now?.() ?? Date.now()
    const timer = setTimeout(() => {
      this.#o.sessionExpiry(socket.sessionHash).then((renewed) => {
        if (!this.#timers.has(socket)) return
        if (renewed && renewed.getTime() > (this.#o.now?.() ?? Date.now())) return this.#watchExpiry(socket, renewed)
        this.remove(socket)
        socket.close(CLOSE.sessionEnded, 'session expired', this.#o.expiredNotice)
      }, () => {
        // The store did not answer: look again shortly rather than close a live session.
        if (this.#timers.has(socket)) this.#watchExpiry(socket, new Date((this.#o.now?.() ?? Date.now()) + 30_000))
      })
    }, Math.min(Math.max(0, expiresAt.getTime() - now), MAX_TIMER_MS))
    ;(timer as { unref?: () => void }).unref?.()
    this.#timers.set(socket, timer)
  }
}
