import { mentionedLogins } from '../messages/mentions.ts'
import type { RoomFeed } from '../realtime/feed.ts'
import type { Subscriber } from '../realtime/hub.ts'
import type { Logger } from '../log.ts'
import type { MembershipEvent, MessageStore, ReadEvent, ReadStateStore, RoomStore, RoomSummary, StoredMessage, User } from '../store/ports.ts'
import { html } from '../views/Message.tsx'
import { SidebarItem, SidebarRooms, UNREAD_CAP, UnreadTotal, type SidebarEntry } from '../views/Sidebar.tsx'

/** A user's sidebar changes reach their tabs at most this often (per user, every room's changes together). */
export const SIDEBAR_FLUSH_MS = 1000

interface Tally {
  readonly room: RoomSummary
  /** When the room's newest message was sent (ms), for the order of the list. */
  activity: number
  marker: bigint
  unread: number
  mentions: number
  /** Counted from the store up to this id; the feed's messages above it are added as they come. Undefined while not yet known. */
  base: bigint | undefined
  /** What arrived while a recount ran: added to its result. */
  pending?: { unread: number; mentions: number }
  recounts: Promise<void>
}

interface Follower {
  readonly user: User
  readonly login: string
  /** Each tab's socket, with the room it has open. */
  readonly sockets: Map<Subscriber, string | undefined>
  rooms: Map<string, Tally>
  dirty: Set<string>
  /** Of those, the rooms whose counts were read again (a marker moved): sent even to the tab that has one open. */
  recounted: Set<string>
  /** Rooms came or went: the whole list is sent. */
  whole: boolean
  lastFlush: number
  /** The newest marker heard of per room, so a read that arrives while the list is being (re)read is not lost. */
  readonly heard: Map<string, bigint>
  loads: number
}

export interface AwarenessOptions {
  rooms: RoomStore
  messages: MessageStore
  reads: ReadStateStore
  feed: RoomFeed
  log: Logger
  flushMs?: number
}

const capped = (n: number) => Math.min(n, UNREAD_CAP)
/** How often due sidebars are looked at: a change waits at most this long beyond the once-per-`flushMs` rule. */
const TICK_MS = 100
const roomAt = (t: Tally): RoomSummary =>
  t.activity === (t.room.lastMessageAt?.getTime() ?? 0) ? t.room : { ...t.room, lastMessageAt: new Date(t.activity) }
/** Rendered sidebar links kept for reuse; past this the memory starts afresh. */
const MAX_RENDERED = 20_000

/**
 * The user's own stream on their tabs' sockets: unread and mention counts of
 * every room they belong to, and rooms coming and going. Counts start from the
 * store (read markers and `countAfter`, exact up to the cap) and then follow
 * the feed's new messages in memory, so a message costs no write per member
 * and no query per reader; a user's changes are sent at most once per
 * `flushMs`, whatever the number of rooms or messages.
 */
export class Awareness {
  readonly #o: AwarenessOptions
  readonly #flushMs: number
  readonly #followers = new Map<number, Follower>()
  readonly #byRoom = new Map<string, Set<Follower>>()
  /** A room's link with the same counts is the same markup for every member who has them: rendered once. */
  readonly #rendered = new Map<string, string>()
  /** Followers with something to send; one timer serves them all. */
  readonly #due = new Set<Follower>()
  #ticker: ReturnType<typeof setInterval> | undefined

  constructor(options: AwarenessOptions) {
    this.#o = options
    this.#flushMs = options.flushMs ?? SIDEBAR_FLUSH_MS
  }

  /** Whether a local user's sidebar follows the room (the feed keeps reading it). */
  follows(roomId: string): boolean {
    return this.#byRoom.has(roomId)
  }

  /** The user's sidebar for a page: from this instance's live counts when a tab of theirs is here, else from the stores. */
  async sidebar(user: User): Promise<SidebarEntry[]> {
    const live = this.#followers.get(user.id)
    if (live && live.loads === 0) return this.#entries(live)
    const { rooms, messages, reads } = this.#o
    const [summaries, markers, mentions] = await Promise.all([rooms.roomsOf(user.id), reads.markers(user.id), reads.unreadMentions(user.id, UNREAD_CAP)])
    return Promise.all(summaries.map(async (room) => ({
      room,
      unread: await messages.countAfter(room.id, markers.get(room.id) ?? '0', { cap: UNREAD_CAP, reader: user.id }),
      mentions: mentions.get(room.id) ?? 0,
    })))
  }

  /** Adds a tab's socket (showing `openRoomId`) to the user's stream; answers how to take it off. */
  follow(user: User, socket: Subscriber, openRoomId?: string): () => void {
    let follower = this.#followers.get(user.id)
    if (!follower) {
      follower = { user, login: user.login.toLowerCase(), sockets: new Map(), rooms: new Map(), dirty: new Set(), recounted: new Set(), whole: false, lastFlush: 0, loads: 0, heard: new Map() }
      this.#followers.set(user.id, follower)
      void this.#load(follower)
    } else if (follower.loads === 0) {
      // The page may have been drawn before the last changes: this tab gets the whole list once.
      follower.whole = true
      this.#schedule(follower)
    }
    follower.sockets.set(socket, openRoomId)
    const f = follower
    return () => {
      f.sockets.delete(socket)
      if (f.sockets.size > 0 || this.#followers.get(user.id) !== f) return
      this.#followers.delete(user.id)
      this.#due.delete(f)
      for (const roomId of f.rooms.keys()) this.#unlink(roomId, f)
    }
  }

  /** A message the feed read (new or changed) in a room someone here follows. */
  delivered(message: StoredMessage): void {
    const followers = this.#byRoom.get(message.roomId)
    if (!followers) return
    const id = BigInt(message.id)
    // Its author has read the room up to it: their tabs here show that room as read (the store learns it
    // shortly). Also when this feed first sees it already changed: its author wrote it all the same.
    if (!message.deletedAt) this.read({ type: 'read', userId: message.authorId, roomId: message.roomId, id: message.id })
    if (message.rev !== message.id) {
      // A deleted message counts no more: whoever may have counted it counts the room again (deletes are rare).
      if (!message.deletedAt) return
      for (const f of followers) {
        const tally = f.rooms.get(message.roomId)
        if (tally?.base !== undefined && id > tally.marker && message.authorId !== f.user.id) this.#recount(f, message.roomId, tally)
      }
      return
    }
    const logins = message.body.includes('@') ? mentionedLogins(message.body) : []
    for (const f of followers) {
      const tally = f.rooms.get(message.roomId)
      if (!tally) continue
      tally.activity = message.createdAt.getTime()
      f.dirty.add(message.roomId)
      this.#schedule(f)
      // Before its base is known a recount will count it; below the base it was counted already.
      if (tally.base === undefined || id <= tally.base || id <= tally.marker || message.authorId === f.user.id) continue
      const mention = logins.includes(f.login) ? 1 : 0
      tally.unread = capped(tally.unread + 1)
      tally.mentions = capped(tally.mentions + mention)
      if (tally.pending) {
        tally.pending.unread++
        tally.pending.mentions += mention
      }
    }
  }

  /** A marker moved (on any instance): the user's tabs here show the room's new count. */
  read(event: ReadEvent): void {
    const f = this.#followers.get(event.userId)
    if (!f) return
    const id = BigInt(event.id)
    if (id > (f.heard.get(event.roomId) ?? 0n)) f.heard.set(event.roomId, id)
    const tally = f.rooms.get(event.roomId)
    if (!tally || id <= tally.marker) return
    tally.marker = id
    this.#recount(f, event.roomId, tally)
  }

  /** Someone joined, left, was added or started a direct room: that user's list is read again. */
  membership(event: MembershipEvent): void {
    const f = this.#followers.get(event.userId)
    if (f) void this.#load(f)
  }

  /** The user's list is read again (a room's notification level changed: its entry shows it). */
  reload(userId: number): void {
    const f = this.#followers.get(userId)
    if (f) void this.#load(f)
  }

  /** After the bus lost events: every list here is read again. */
  resync(): void {
    for (const f of this.#followers.values()) void this.#load(f)
  }

  #entries(f: Follower): SidebarEntry[] {
    return [...f.rooms.values()].map((t) => ({ room: roomAt(t), unread: t.unread, mentions: t.mentions }))
  }

  /** (Re)reads the user's rooms and markers, then counts each room up to where the feed stands. */
  async #load(f: Follower): Promise<void> {
    f.loads++
    try {
      const { rooms, reads, feed, messages } = this.#o
      const [summaries, markers] = await Promise.all([rooms.roomsOf(f.user.id), reads.markers(f.user.id)])
      if (this.#followers.get(f.user.id) !== f) return
      const next = new Map<string, Tally>()
      for (const room of summaries) {
        const stored = BigInt(markers.get(room.id) ?? '0')
        const heard = f.heard.get(room.id) ?? 0n
        next.set(room.id, { room, activity: room.lastMessageAt?.getTime() ?? 0, marker: heard > stored ? heard : stored, unread: 0, mentions: 0, base: undefined, recounts: Promise.resolve() })
      }
      for (const roomId of f.rooms.keys()) if (!next.has(roomId)) this.#unlink(roomId, f)
      f.rooms = next
      for (const roomId of next.keys()) this.#link(roomId, f)
      await Promise.all(summaries.map((room) => feed.track(room.id)))
      if (this.#followers.get(f.user.id) !== f || f.rooms !== next) return
      const bases = new Map<string, string>()
      for (const [roomId, tally] of next) {
        // Synchronously with setting the base: the feed delivers everything above its cursor after this.
        const base = feed.cursor(roomId) ?? (await messages.lastRev(roomId))
        tally.base = BigInt(base)
        tally.pending = { unread: 0, mentions: 0 }
        bases.set(roomId, base)
      }
      const [counts, mentions] = await Promise.all([
        Promise.all([...next].map(([roomId, t]) => messages.countAfter(roomId, String(t.marker), { cap: UNREAD_CAP, until: bases.get(roomId)!, reader: f.user.id }))),
        reads.unreadMentions(f.user.id, UNREAD_CAP, bases),
      ])
      let i = 0
      for (const [roomId, t] of next) {
        t.unread = capped(counts[i++]! + t.pending!.unread)
        t.mentions = capped((mentions.get(roomId) ?? 0) + t.pending!.mentions)
        t.pending = undefined
      }
      if (f.rooms !== next) return
      f.whole = true
      this.#schedule(f)
    } catch (err) {
      this.#o.log.warn({ err, userId: f.user.id }, 'sidebar counts not loaded')
    } finally {
      f.loads--
    }
  }

  /** Counts the room again from the store after the marker moved; what arrives meanwhile is added. */
  #recount(f: Follower, roomId: string, tally: Tally): void {
    tally.recounts = tally.recounts.then(async () => {
      if (tally.base === undefined) return
      const base = this.#o.feed.cursor(roomId) ?? String(tally.base)
      tally.base = BigInt(base)
      // A marker at or past everything this instance has read (an author's own send, reading to the
      // bottom) leaves nothing to count: no query. What the feed reads later is counted as it comes.
      if (tally.marker >= tally.base) {
        tally.unread = 0
        tally.mentions = 0
        f.dirty.add(roomId)
        f.recounted.add(roomId)
        this.#schedule(f)
        return
      }
      const pending = (tally.pending = { unread: 0, mentions: 0 })
      try {
        const [unread, mentions] = await Promise.all([
          this.#o.messages.countAfter(roomId, String(tally.marker), { cap: UNREAD_CAP, until: base, reader: f.user.id }),
          this.#o.reads.unreadMentions(f.user.id, UNREAD_CAP, new Map([[roomId, base]])),
        ])
        tally.unread = capped(unread + pending.unread)
        tally.mentions = capped((mentions.get(roomId) ?? 0) + pending.mentions)
      } catch (err) {
        this.#o.log.warn({ err, userId: f.user.id, roomId }, 'unread count not refreshed')
      } finally {
        if (tally.pending === pending) tally.pending = undefined
      }
      f.dirty.add(roomId)
      f.recounted.add(roomId)
      this.#schedule(f)
    })
  }

  #item(t: Tally): string {
    const key = `${t.room.id}:${t.unread}:${t.mentions}:${t.activity}:${t.room.peer?.id ?? ''}:${t.room.level ?? ''}`
    let markup = this.#rendered.get(key)
    if (markup === undefined) {
      if (this.#rendered.size >= MAX_RENDERED) this.#rendered.clear()
      markup = html(SidebarItem({ entry: { room: roomAt(t), unread: t.unread, mentions: t.mentions }, oob: true }))
      this.#rendered.set(key, markup)
    }
    return markup
  }

  #link(roomId: string, f: Follower): void {
    let set = this.#byRoom.get(roomId)
    if (!set) this.#byRoom.set(roomId, (set = new Set()))
    set.add(f)
  }

  #unlink(roomId: string, f: Follower): void {
    const set = this.#byRoom.get(roomId)
    if (!set?.delete(f)) return
    if (set.size === 0) this.#byRoom.delete(roomId)
  }

  #schedule(f: Follower): void {
    this.#due.add(f)
    if (this.#ticker) return
    this.#ticker = setInterval(() => this.#tick(), Math.min(TICK_MS, this.#flushMs / 4))
    ;(this.#ticker as { unref?: () => void }).unref?.()
  }

  /** Sends what is due: each follower at most once per `flushMs`. */
  #tick(): void {
    const now = Date.now()
    for (const f of this.#due) {
      if (now - f.lastFlush < this.#flushMs) continue
      this.#due.delete(f)
      this.#flush(f)
    }
    if (this.#due.size > 0) return
    clearInterval(this.#ticker)
    this.#ticker = undefined
  }

  #flush(f: Follower): void {
    if (this.#followers.get(f.user.id) !== f || (f.loads > 0 && f.whole)) return
    f.lastFlush = Date.now()
    const entries = this.#entries(f)
    // Made only when some tab gets a frame: a busy room's readers mostly have it open and get none.
    let total: string | undefined
    const totalOnce = () => (total ??= html(UnreadTotal({ entries, oob: true })))
    const whole = f.whole ? html(SidebarRooms({ entries, oob: true })) : undefined
    const dirty = [...f.dirty]
    const recounted = new Set(f.recounted)
    f.whole = false
    f.dirty.clear()
    f.recounted.clear()
    // A tab is not sent new arrivals in the room it has open: it is reading that room live (its count there
    // is shown as read), and a busy room would otherwise cost every reader a frame a second. A recount (the
    // marker moved) still goes to it. Frames are made once per open room, not per socket.
    const frames = new Map<string | undefined, { id: bigint; rev: bigint; html: string } | undefined>()
    const frameFor = (open: string | undefined) => {
      if (frames.has(open)) return frames.get(open)
      const items = whole ?? dirty.filter((roomId) => roomId !== open || recounted.has(roomId)).map((roomId) => f.rooms.get(roomId))
        .filter((t) => t !== undefined).map((t) => this.#item(t)).join('')
      const frame = items === '' ? undefined : { id: 0n, rev: 0n, html: items + totalOnce() }
      frames.set(open, frame)
      return frame
    }
    for (const [socket, open] of f.sockets) {
      const frame = frameFor(open)
      if (frame) socket.push(frame)
    }
  }
}
