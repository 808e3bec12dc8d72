import type { Hub } from '../realtime/hub.ts'
import type { TypingEvent } from '../store/ports.ts'
import { TypingLine } from '../views/Members.tsx'
import { html } from '../views/Message.tsx'

/** A typing notice lasts this long unless renewed; the client renews it while typing. */
export const TYPING_MS = 5_000

/** Who is typing in each live room, as every instance learns it from the bus. */
export class TypingBoard {
  readonly #hub: Hub
  readonly #rooms = new Map<string, Map<number, { name: string; timer: ReturnType<typeof setTimeout> }>>()

  constructor(hub: Hub) {
    this.#hub = hub
  }

  typing({ roomId, userId, name }: TypingEvent): void {
    if (!this.#hub.serves(roomId)) return
    let room = this.#rooms.get(roomId)
    if (!room) this.#rooms.set(roomId, (room = new Map()))
    const previous = room.get(userId)
    if (previous) clearTimeout(previous.timer)
    const timer = setTimeout(() => this.stopped(roomId, userId), TYPING_MS)
    timer.unref?.()
    room.set(userId, { name, timer })
    if (!previous) this.#push(roomId)
  }

  /** The notice ends: timed out, or their message arrived. */
  stopped(roomId: string, userId: number): void {
    const room = this.#rooms.get(roomId)
    const entry = room?.get(userId)
    if (!room || !entry) return
    clearTimeout(entry.timer)
    room.delete(userId)
    if (room.size === 0) this.#rooms.delete(roomId)
    this.#push(roomId)
  }

  #push(roomId: string): void {
    const typers = [...(this.#rooms.get(roomId) ?? new Map()).entries()]
    // Each reader sees the others: your own typing is not news to you.
    this.#hub.pushToRoom(roomId, (reader) => html(TypingLine({ names: typers.filter(([id]) => id !== reader).map(([, t]) => t.name), oob: true })))
  }
}
