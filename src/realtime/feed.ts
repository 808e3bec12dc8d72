import type { Logger } from '../log.ts'
import type { MessageStore, StoredMessage } from '../store/ports.ts'
import type { Hub } from './hub.ts'
import { KeyedSequencer } from './sequencer.ts'

const BATCH = 500
const RETRY_MS = 1000

/**
 * Turns wake-ups into ordered deliveries. For each room served live here it
 * keeps a cursor (the last rev delivered); a wake-up reads what the store has
 * after it and hands it to the hub in rev order. Wake-ups that arrive while a
 * read runs fold into one more read, so a busy room costs one query per batch.
 */
export class RoomFeed {
  readonly #messages: MessageStore
  readonly #hub: Hub
  readonly #log: Logger
  readonly #cursors = new Map<string, string>()
  readonly #dirty = new Set<string>()
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

  wake(roomId: string): void {
    if (!this.#cursors.has(roomId)) return
    this.#dirty.add(roomId)
    if (this.#running.has(roomId)) return
    this.#running.add(roomId)
    void this.#reads.run(roomId, () => this.#drain(roomId)).finally(() => {
      this.#running.delete(roomId)
      // A wake-up that came after the drain's last look but before this line would otherwise be lost.
      if (this.#dirty.has(roomId)) this.wake(roomId)
    })
  }

  /** After a lost bus connection: read every followed room, in case a wake-up went missing. */
  resync(): void {
    for (const roomId of this.#cursors.keys()) this.wake(roomId)
  }

  async #drain(roomId: string): Promise<void> {
    while (this.#dirty.delete(roomId)) {
      if (!this.#hub.serves(roomId) && !this.#follows(roomId)) {
        this.#cursors.delete(roomId)
        return
      }
      try {
        for (;;) {
          const cursor = this.#cursors.get(roomId)
          if (cursor === undefined) return
          const batch = await this.#messages.changesSince(roomId, cursor, BATCH)
          if (batch.length > 0) await this.#beforeDelivery(roomId, batch)
          for (const message of batch) {
            this.#hub.deliver({ type: 'message', message })
            this.#onDelivered(message)
          }
          if (batch.length > 0) this.#cursors.set(roomId, batch.at(-1)!.rev)
          if (batch.length < BATCH) break
        }
      } catch (err) {
        this.#log.error({ err, roomId }, 'could not read new messages; retrying')
        setTimeout(() => this.wake(roomId), RETRY_MS).unref?.()
        return
      }
    }
  }
}
