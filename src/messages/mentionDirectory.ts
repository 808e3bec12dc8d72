import { mentionedLogins } from './mentions.ts'
import type { RoomStore } from '../store/ports.ts'
import type { IsMember } from './mentionable.ts'

/** Rooms whose answers are remembered; past this the memory starts afresh. */
const MAX_ROOMS = 10_000
const MAX_LOGINS_PER_ROOM = 2_000

/**
 * Which mentioned logins belong to a room's members, so a message is rendered
 * once for every reader with its mentions marked. Only logins that messages
 * mention are looked up (one query per batch that mentions someone new), and
 * a room's answers are forgotten when its membership changes.
 */
export class MentionDirectory {
  readonly #rooms: RoomStore
  readonly #known = new Map<string, Map<string, boolean>>()

  constructor(rooms: RoomStore) {
    this.#rooms = rooms
  }

  /** Learns what these texts mention in the room; answers the room's membership test. */
  async load(roomId: string, texts: readonly string[]): Promise<IsMember> {
    let known = this.#known.get(roomId)
    const missing = [...new Set(texts.flatMap((t) => (t.includes('@') ? mentionedLogins(t) : [])))].filter((l) => !known?.has(l))
    if (missing.length > 0) {
      const members = new Set((await this.#rooms.membersByLogin(roomId, missing)).map((u) => u.login.toLowerCase()))
      if (this.#known.size >= MAX_ROOMS) this.#known.clear()
      known = this.#known.get(roomId)
      if (!known || known.size > MAX_LOGINS_PER_ROOM) this.#known.set(roomId, (known = new Map()))
      for (const login of missing) known.set(login, members.has(login))
    }
    return this.isMember(roomId)
  }

  /** What is known now (after `load`), without asking the store. */
  isMember(roomId: string): IsMember {
    return (login) => this.#known.get(roomId)?.get(login.toLowerCase()) === true
  }

  forget(roomId: string): void {
    this.#known.delete(roomId)
  }
}
