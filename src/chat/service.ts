import type { Logger } from '../log.ts'
import type { Attachment, Bus, MessageStore, Room, RoomStore, StoredMessage, User } from '../store/ports.ts'
import type { IdMaker } from './ids.ts'
import { checkEmoji } from './reactions.ts'
import { checkBody, nonceFrom } from './validate.ts'

export type ChatErrorCode = 'INVALID_BODY' | 'INVALID_EMOJI' | 'NOT_FOUND' | 'NOT_AUTHOR' | 'DELETED' | 'NONCE_REUSED'

/** A refused chat action; `status` is what HTTP answers. */
export class ChatError extends Error {
  constructor(readonly code: ChatErrorCode, message: string, readonly status: 400 | 403 | 404 | 409 | 422) {
    super(message)
  }
}

export interface MessageServiceOptions {
  messages: MessageStore
  rooms: RoomStore
  bus: Bus
  nextId: IdMaker
  log: Logger
  now?: () => Date
}

export const PAGE_SIZE = 50
export const MAX_PAGE_SIZE = 200

/**
 * Sending, editing, deleting and reading messages. Membership is checked by
 * the caller. The store orders a room's ids by commit, so a send needs no
 * lock here: it is durable first, then the room is woken.
 */
export function messageService({ messages, rooms, bus, nextId, log, now = () => new Date() }: MessageServiceOptions) {
  /** A failed wake-up never fails the write: readers catch up from the store. */
  const wake = async (message: StoredMessage) => {
    try {
      await bus.publish({ type: 'wake', roomId: message.roomId })
    } catch (err) {
      log.error({ err, roomId: message.roomId, messageId: message.id }, 'wake-up not published; other instances catch up on reconnect')
    }
  }

  const ownMessage = async (user: User, room: Room, id: string) => {
    const message = await messages.findMessage(room.id, id)
    if (!message) throw new ChatError('NOT_FOUND', 'There is no such message in this room.', 404)
    if (message.authorId !== user.id) throw new ChatError('NOT_AUTHOR', 'Only its author can change a message.', 403)
    if (message.deletedAt) throw new ChatError('DELETED', 'This message was deleted.', 409)
    return message
  }

  return {
    /** Sends a message; with `attachments` (stored already, see uploads/) the text may be empty. */
    async send(user: User, room: Room, rawBody: unknown, rawNonce: unknown, attachments: readonly Attachment[] = []) {
      const bodyless = attachments.length > 0 && (typeof rawBody !== 'string' || rawBody.trim() === '')
      const checked = bodyless ? { ok: true as const, body: '' } : checkBody(rawBody)
      if (!checked.ok) throw new ChatError('INVALID_BODY', checked.error, 422)
      const nonce = nonceFrom(rawNonce)
      const result = await messages.appendMessage({
        id: nextId(), roomId: room.id, authorId: user.id, authorLogin: user.login, authorName: user.name ?? user.login,
        ...(user.avatarUrl ? { authorAvatarUrl: user.avatarUrl } : {}),
        nonce, body: checked.body, createdAt: now(), ...(attachments.length ? { attachments } : {}),
      })
      // A repeat wakes too: the first attempt may have been stored by an instance that died before waking anyone.
      await wake(result.message)
      if (result.message.roomId !== room.id) {
        throw new ChatError('NONCE_REUSED', 'This send was already used for another room; please send again.', 409)
      }
      if (result.created) {
        rooms.touchRoom(room.id, result.message.createdAt).catch((err: unknown) => log.warn({ err }, 'room activity not updated'))
      }
      return result
    },

    async edit(user: User, room: Room, id: string, rawBody: unknown) {
      const checked = checkBody(rawBody)
      if (!checked.ok) throw new ChatError('INVALID_BODY', checked.error, 422)
      await ownMessage(user, room, id)
      const changed = await messages.changeMessage(room.id, id, { kind: 'edit', body: checked.body, rev: nextId(), at: now() })
      if (!changed || changed.deletedAt) throw new ChatError('DELETED', 'This message was deleted.', 409)
      await wake(changed)
      return changed
    },

    async remove(user: User, room: Room, id: string) {
      await ownMessage(user, room, id)
      const changed = await messages.changeMessage(room.id, id, { kind: 'delete', rev: nextId(), at: now() })
      if (!changed) throw new ChatError('NOT_FOUND', 'There is no such message in this room.', 404)
      await wake(changed)
      return changed
    },

    /** Adds the reader's reaction with this emoji, or takes it back if they had it. */
    async toggleReaction(user: User, room: Room, id: string, rawEmoji: unknown) {
      const checked = checkEmoji(rawEmoji)
      if (!checked.ok) throw new ChatError('INVALID_EMOJI', checked.error, 422)
      const message = await messages.findMessage(room.id, id)
      if (!message) throw new ChatError('NOT_FOUND', 'There is no such message in this room.', 404)
      if (message.deletedAt) throw new ChatError('DELETED', 'This message was deleted.', 409)
      const had = message.reactions?.some((r) => r.emoji === checked.emoji && r.userId === user.id) ?? false
      const changed = await messages.changeMessage(room.id, id, {
        kind: 'react', reaction: { emoji: checked.emoji, userId: user.id, login: user.login }, on: !had, rev: nextId(), at: now(),
      })
      if (!changed || changed.deletedAt) throw new ChatError('DELETED', 'This message was deleted.', 409)
      await wake(changed)
      return changed
    },

    find: (room: Room, id: string) => messages.findMessage(room.id, id),

    /** A page of history: before a cursor (older), after one (newer), or the newest. */
    page(room: Room, cursor: { before?: string | undefined; after?: string | undefined }, limit = PAGE_SIZE) {
      const n = Math.min(Math.max(1, limit), MAX_PAGE_SIZE)
      return cursor.after !== undefined ? messages.pageAfter(room.id, cursor.after, n) : messages.pageBefore(room.id, cursor.before, n)
    },

    changesSince: (room: Room, since: string, limit: number) => messages.changesSince(room.id, since, limit),

    /** The room's newest id or rev: where a reader with nothing yet starts. */
    lastRev: (room: Room) => messages.lastRev(room.id),
  }
}

export type MessageService = ReturnType<typeof messageService>
