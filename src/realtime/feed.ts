import type { Logger } from '../log.ts'
import type { MessageStore, StoredMessage } from '../store/ports.ts'
import type { Hub } from './hub.ts'
import { KeyedSequencer } from './sequencer.ts'

const BATCH = 500
const RETRY_MS = 1000

/** A new message as its wake-up carried it, with the rev just before it. */
export interface Carried {
  readonly message: StoredMessage
  readonly after: string
}

/**
 * Turns wake-ups into ordered deliveries. For each room served live here it
 * keeps a cursor (the last rev delivered). A wake-up that carries a new
 * message whose `after` is the cursor is delivered as it is: nothing can lie
 * between them. Any other wake-up, or one that shows a gap (wake-ups from
 * several instances can arrive out of order), reads what the store has after
 * the cursor, in rev order. Wake-ups that arrive while a read runs fold into
 * one more read, so a busy room costs at most one query per batch.
 */
export class RoomFeed {
  readonly #messages: MessageStore
  readonly #hub: Hub
  readonly #log: Logger
  readonly #cursors = new Map<string, string>()
  /** Rooms to read from the store. */
  readonly #dirty = new Set<string>()
  /** New messages carried by wake-ups, not yet delivered. */
  readonly #carried = new Map<string, Carried[]>()
  readonly #running = new Set<string>()
  readonly #reads = new KeyedSequencer()
  readonly #onDelivered: (message: StoredMessage) => void
  readonly #follows: (roomId: string) => boolean
  readonly #beforeDelivery: (roomId: string, batch: readonly StoredMessage[]) => Promise<unknown>

  constructor({ messages, hub, log, onDelivered = () => {}, follows = () => false, beforeDelivery = async () => {} }: {
    messages: MessageStore; hub: Hub; log: Logger; onDelivered?: (message: StoredMessage) => void
    /** Rooms followed here without a socket on them (a member's sidebar counts them): the feed keeps reading those too. */
    follows?: (roomId: string) => boolean
    /** Runs before a batch is handed on (the mentions it makes are looked up). */
    beforeDelivery?: (roomId: string, batch: readonly StoredMessage[]) => Promise<unknown>
  }) {
    this.#messages = messages
    this.#hub = hub
    this.#log = log
    this.#onDelivered = onDelivered
    this.#follows = follows
    this.#beforeDelivery = beforeDelivery
  }

  /**
   * Starts following a room, if this instance did not already. Resolves once
   * the cursor is set: a socket replays from the store after this, so nothing
   * falls between its replay and the live feed.
   */
  async track(roomId: string): Promise<void> {
    if (this.#cursors.has(roomId)) return
    await this.#reads.run(roomId, async () => {
      if (!this.#cursors.has(roomId)) this.#cursors.set(roomId, await this.#messages.lastRev(roomId))
    })
  }

  /** The last rev this instance's feed read for the room, if it follows it. */
  cursor(roomId: string): string | undefined {
    return this.#cursors.get(roomId)
  }

  /** Something changed in the room; `carried`: the new message the wake-up brought. */
  wake(roomId: string, carried?: Carried): void {
    if (carried) this.#messages.heard?.(roomId, carried.message.rev)
    if (!this.#cursors.has(roomId)) return
    if (carried) {
      const list = this.#carried.get(roomId)
      if (list) list.push(carried)
      else this.#carried.set(roomId, [carried])
    } else {
      this.#dirty.add(roomId)
    }
    this.#start(roomId)
  }

  #start(roomId: string): void {
    if (this.#running.has(roomId)) return
    this.#running.add(roomId)
    void this.#reads.run(roomId, () => this.#drain(roomId)).finally(() => {
      this.#running.delete(roomId)
      // A wake-up that came after the drain's last look but before this line would otherwise be lost.
      if (this.#dirty.has(roomId) || this.#carried.has(roomId)) this.#start(roomId)
    })
  }

  /** After a lost bus connection: read every followed room, in case a wake-up went missing. */
  resync(): void {
    for (const roomId of this.#cursors.keys()) this.wake(roomId)
  }

  async #drain(roomId: string): Promise<void> {
    for (;;) {
      const carried = this.#carried.get(roomId)
      this.#carried.delete(roomId)
      const read = this.#dirty.delete(roomId)
      if (!carried && !read) return
      if (!this.#hub.serves(roomId) && !this.#follows(roomId)) {
        this.#cursors.delete(roomId)
        return
      }
      try {
        const gap = carried ? await this.#deliverCarried(roomId, carried) : false
        if (read || gap) await this.#readStore(roomId)
      } catch (err) {
        this.#log.error({ err, roomId }, 'could not read new messages; retrying')
        setTimeout(() => this.wake(roomId), RETRY_MS).unref?.()
        return
      }
    }
  }

  /** Delivers the carried messages that follow on from the cursor; true when one did not (a gap the store fills). */
  async #deliverCarried(roomId: string, carried: Carried[]): Promise<boolean> {
    carried.sort((a, b) => (BigInt(a.message.rev) < BigInt(b.message.rev) ? -1 : 1))
    let cursor = this.#cursors.get(roomId)
    if (cursor === undefined) return false
    const run: StoredMessage[] = []
    let gap = false
    for (const { message, after } of carried) {
      if (BigInt(message.rev) <= BigInt(cursor)) continue
      if (after !== cursor) {
        gap = true
        break
      }
      run.push(message)
      cursor = message.rev
    }
    if (run.length > 0) await this.#hand(roomId, run)
    return gap
  }

  async #readStore(roomId: string): Promise<void> {
    for (;;) {
      const cursor = this.#cursors.get(roomId)
      if (cursor === undefined) return
      const batch = await this.#messages.changesSince(roomId, cursor, BATCH)
      if (batch.length > 0) await this.#hand(roomId, batch)
      if (batch.length < BATCH) return
    }
  }

  /** Hands a batch in rev order to the hub, then moves the cursor past it. */
  async #hand(roomId: string, batch: readonly StoredMessage[]): Promise<void> {
    await this.#beforeDelivery(roomId, batch)
    for (const message of batch) {
      this.#hub.deliver({ type: 'message', message })
      this.#onDelivered(message)
    }
    this.#cursors.set(roomId, batch.at(-1)!.rev)
  }
}
