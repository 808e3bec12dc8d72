import type { Logger } from '../log.ts'
import { ChatError, type MessageService } from '../messages/service.ts'
import type { Bus, KeptStore, ModerationStore, PinnedMessage, Room, RoomStore, SavedMessage, StoredMessage, User } from '../store/ports.ts'

/** How many pins a room shows, and saved messages a person's list. */
export const MAX_PINS = 50
export const MAX_SAVED = 200


/**
 * Pins (a room's members keep a message in view for everyone; each pin and
 * unpin is in the audit list and redrawn live on every instance) and saved
 * messages (anyone who can read a message keeps it for themselves). Lists
 * read the messages from their store as they are now: a deleted message
 * leaves both, and a saved message of a room the reader can no longer read
 * is not shown.
 */
export function keptService({ kept, rooms, chat, bus, moderation, log }: {
  kept: KeptStore; rooms: RoomStore; chat: MessageService; bus: Bus; moderation: ModerationStore; log: Logger
}) {
  /** The message, unless it is missing or deleted. */
  const live = async (room: Room, id: string) => {
    const message = await chat.find(room, id)
    if (!message || message.deletedAt) throw new ChatError('NOT_FOUND', 'There is no such message in this room.', 404)
    return message
  }
  const changed = (roomId: string) =>
    bus.publish({ type: 'pins', roomId }).catch((err: unknown) => log.warn({ err, roomId }, 'pins change not published to other instances'))
  const audit = (user: User, room: Room, action: string, message: StoredMessage) =>
    moderation.record({ actor: user, action, target: `room ${room.slug}`, detail: `#${message.id} by @${message.authorLogin}` })

  const service = {
    async pin(user: User, room: Room, id: string) {
      const message = await live(room, id)
      if (await kept.pin(room.id, id, user.id)) {
        await audit(user, room, 'pin message', message)
        await changed(room.id)
      }
    },
    async unpin(user: User, room: Room, id: string) {
      const message = await chat.find(room, id)
      if (await kept.unpin(room.id, id)) {
        if (message) await audit(user, room, 'unpin message', message)
        await changed(room.id)
      }
    },
    /** The room's pinned messages as they are now, the latest pinned first. */
    async pinsOf(room: Room): Promise<PinnedMessage[]> {
      const pins = await kept.pins(room.id, MAX_PINS)
      const messages = await Promise.all(pins.map((pin) => chat.find(room, pin.messageId)))
      return pins.flatMap((pin, i) => (messages[i] && !messages[i].deletedAt ? [{ pin, message: messages[i] }] : []))
    },
    async save(user: User, room: Room, id: string) {
      await live(room, id)
      await kept.save(user.id, room.id, id)
    },
    async unsave(user: User, room: Room, id: string) {
      await kept.unsave(user.id, room.id, id)
    },
    savedAmong: (user: User, room: Room, ids: readonly string[]) => kept.savedAmong(user.id, room.id, ids),
    /** The reader's saved messages they can still read, the latest saved first. */
    async savedBy(user: User): Promise<SavedMessage[]> {
      const saved = await kept.saved(user.id, MAX_SAVED)
      const readable = new Map<string, Room | undefined>()
      for (const roomId of new Set(saved.map((s) => s.roomId))) {
        const room = await rooms.findRoomById(roomId)
        readable.set(roomId, room && (room.visibility === 'public' || await rooms.isMember(room.id, user.id)) ? room : undefined)
      }
      const found = await Promise.all(saved.map(async (s) => {
        const room = readable.get(s.roomId)
        const message = room && await chat.find(room, s.messageId)
        return room && message && !message.deletedAt ? { saved: s, room, message } : undefined
      }))
      return found.filter((f) => f !== undefined)
    },
    /** A deleted message leaves the lists (told by the message service). */
    async forget(message: StoredMessage) {
      if ((await kept.forgetMessage(message.roomId, message.id)).unpinned) await changed(message.roomId)
    },
  }
  return service
}

export type KeptService = ReturnType<typeof keptService>
