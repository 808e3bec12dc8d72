import type { MembershipEvent, StoredMessage } from '../store/ports.ts'

/** A stored message (new or changed) to push to the room's local subscribers. */
export type MessageEvent = { readonly type: 'message'; readonly message: StoredMessage }

/** Rendered markup, and the same encoded once for sockets that can send bytes as a text frame. */
export interface Rendered {
  readonly html: string
  readonly bytes?: Uint8Array
}

/** One message's rendered push, shared by every subscriber of its room. */
export interface Frame extends Rendered {
  /** The message's id and rev, parsed once per message rather than once per reader; both 0 for markup that is not a message. */
  readonly id: bigint
  readonly rev: bigint
  /**
   * For an edit or delete: the message rendered as new, for a reader that never had it (it was
   * created and changed before this reader's feed saw it). Rendered on first need, once.
   */
  readonly asNew?: () => Rendered
}

const utf8 = new TextEncoder()

export interface Subscriber {
  readonly userId: number
  push(frame: Frame): void
  /** A `notice` (markup the page swaps in) goes first. */
  close(code: number, reason: string, notice?: string): void
}

export interface HubOptions {
  /** Renders a message once per event: the created or changed push. */
  render(message: StoredMessage, roomSlug: string, created: boolean): string
  /** What a member's page is told when their membership ends while it is open, said where the connection state shows. */
  evicted?(by: MembershipEvent['by']): string
}

interface LiveRoom {
  readonly slug: string
  readonly subscribers: Set<Subscriber>
  /** Frames of a big room still being fanned out, oldest first. */
  backlog?: Frame[]
}

/**
 * A room with more subscribers than this is fanned out in slices of this many,
 * yielding to the event loop between slices, so one huge room cannot starve
 * the others. Frames still reach each subscriber in order: a frame's fan-out
 * ends before the next one starts.
 */
export const FANOUT_SLICE = 1000

/** Close codes the hub uses. */
export const CLOSE = {
  restart: 1012, tryAgainLater: 1013, policy: 1008, tooBig: 1009,
  /** The socket's session ended (sign-out, expiry, sign-out everywhere): the tab must sign in again. */
  sessionEnded: 4401,
  /** The user opened more sockets than the cap: the oldest goes. */
  replaced: 4409,
  /** Too many socket opens: a rate limit refused this one. */
  rateLimited: 4429,
  /** More changed since the tab's newest message than a socket replays: the tab loads the newest page. */
  tooFarBehind: 4410,
} as const

/**
 * The in-memory broadcast: rooms to their local subscribers. Membership is
 * checked before a subscriber is added; a membership event removes a user's
 * subscriptions at once.
 */
export class Hub {
  readonly #rooms = new Map<string, LiveRoom>()
  readonly #render: HubOptions['render']
  #delivered = 0
  #slowClosed = 0

  readonly #evicted: HubOptions['evicted']

  constructor({ render, evicted }: HubOptions) {
    this.#render = render
    this.#evicted = evicted
  }

  subscribe(room: { id: string; slug: string }, subscriber: Subscriber): () => void {
    let live = this.#rooms.get(room.id)
    if (!live) this.#rooms.set(room.id, (live = { slug: room.slug, subscribers: new Set() }))
    live.subscribers.add(subscriber)
    return () => {
      live.subscribers.delete(subscriber)
      if (live.subscribers.size === 0 && this.#rooms.get(room.id) === live) this.#rooms.delete(room.id)
    }
  }

  /** Whether any local socket follows the room. */
  serves(roomId: string): boolean {
    return this.#rooms.has(roomId)
  }

  /** Pushes a message to the room's local subscribers, or applies a membership change. */
  deliver(event: MessageEvent | MembershipEvent): void {
    if (event.type === 'membership') {
      if (!event.member) this.evict(event.roomId, event.userId, event.by)
      return
    }
    const live = this.#rooms.get(event.message.roomId)
    if (!live) return
    const message = event.message
    const slug = live.slug
    // A message's rev equals its id until it is edited or deleted.
    const changed = message.rev !== message.id
    const html = this.#render(message, slug, !changed)
    let asNew: Rendered | undefined
    const frame: Frame = {
      id: BigInt(message.id), rev: BigInt(message.rev), html, bytes: utf8.encode(html),
      asNew: changed ? () => (asNew ??= this.#encoded(this.#render(message, slug, true))) : undefined,
    }
    this.#delivered += live.subscribers.size
    if (live.subscribers.size <= FANOUT_SLICE && !live.backlog) {
      for (const subscriber of live.subscribers) subscriber.push(frame)
      return
    }
    if (live.backlog) return void live.backlog.push(frame)
    live.backlog = [frame]
    this.#drain(live)
  }

  #encoded(html: string): Rendered {
    return { html, bytes: utf8.encode(html) }
  }

  /** Fans a big room's backlog out a slice at a time. */
  #drain(live: LiveRoom): void {
    const frame = live.backlog?.shift()
    if (!frame) return void (live.backlog = undefined)
    const subscribers = [...live.subscribers]
    let next = 0
    const slice = () => {
      const end = Math.min(next + FANOUT_SLICE, subscribers.length)
      for (; next < end; next++) subscribers[next]!.push(frame)
      if (next < subscribers.length) setImmediate(slice)
      else this.#drain(live)
    }
    slice()
  }

  /** Rooms followed by a local socket. */
  liveRooms(): string[] {
    return [...this.#rooms.keys()]
  }

  /**
   * Pushes markup that is not a message (member list, typing line) to a room's
   * sockets; `render` is asked once per reader and may answer nothing for one.
   */
  pushToRoom(roomId: string, render: (userId: number) => string | undefined): void {
    const byUser = new Map<number, string | undefined>()
    for (const subscriber of this.#rooms.get(roomId)?.subscribers ?? []) {
      if (!byUser.has(subscriber.userId)) byUser.set(subscriber.userId, render(subscriber.userId))
      const html = byUser.get(subscriber.userId)
      if (html) subscriber.push({ id: 0n, rev: 0n, html })
    }
  }

  /** Closes a user's subscriptions to a room they no longer belong to. */
  evict(roomId: string, userId: number, by?: MembershipEvent['by']): void {
    let notice: string | undefined
    for (const subscriber of this.#rooms.get(roomId)?.subscribers ?? []) {
      if (subscriber.userId === userId) subscriber.close(CLOSE.policy, 'no longer a member', (notice ??= this.#evicted?.(by)))
    }
  }

  closeAll(code: number, reason: string): void {
    for (const live of [...this.#rooms.values()]) for (const subscriber of [...live.subscribers]) subscriber.close(code, reason)
  }

  /** A subscriber was closed for falling too far behind (counted for the metrics). */
  noteSlowClose(): void {
    this.#slowClosed++
  }

  /** Messages a socket was sent from history on (re)connecting: deliveries too. */
  noteReplayed(count: number): void {
    this.#delivered += count
  }

  /** Rooms served live, their subscribers, and what was delivered and closed since start. */
  get stats() {
    return {
      rooms: this.#rooms.size,
      subscribers: [...this.#rooms.values()].reduce((n, r) => n + r.subscribers.size, 0),
      delivered: this.#delivered,
      slowClosed: this.#slowClosed,
    }
  }
}
