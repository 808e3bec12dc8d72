import type { Logger } from '../log.ts'
import type { DeferredActivity } from '../store/activity.ts'
import type { Appended, Attachment, Bus, LinkPreview, MessageStore, ReadStateStore, Room, RoomStore, StoredMessage, User, UserStore } from '../store/ports.ts'
import { isId, type IdMaker } from './ids.ts'
import { firstLink } from './markdown.ts'
import { mentionedLogins } from './mentions.ts'
import { checkEmoji } from './reactions.ts'
import { checkBody, nonceFrom } from './validate.ts'

export type ChatErrorCode = 'INVALID_BODY' | 'INVALID_REPLY' | 'INVALID_EMOJI' | 'NOT_FOUND' | 'NOT_AUTHOR' | 'DELETED' | 'NONCE_REUSED' | 'ARCHIVED'

/** A refused chat action; `status` is what HTTP answers. */
export class ChatError extends Error {
  constructor(readonly code: ChatErrorCode, message: string, readonly status: 400 | 403 | 404 | 409 | 422) {
    super(message)
  }
}

export interface MessageServiceOptions {
  messages: MessageStore
  rooms: RoomStore
  reads: ReadStateStore
  bus: Bus
  /** Where a send's room activity and its author's read marker are written, a batch at a time. */
  activity: Pick<DeferredActivity, 'sent'>
  nextId: IdMaker
  log: Logger
  now?: () => Date
  /** Told which message a send's files belong to (the upload quota and the files on disk follow it); without it, nobody. */
  attachments?: AttachmentReferences
  /** Tells a mentioned login of nobody at all from one of someone outside the room; without it, all are outside. */
  users?: Pick<UserStore, 'findUserByLogin'> | undefined
}

/** The bookkeeping of sent files (uploads/), told by the send what became of the files it carries. */
export interface AttachmentReferences {
  /** The files belong to the message of this nonce; told before the message is stored, so a stored message's files are always referenced. */
  keep(userId: number, message: { roomId: string; nonce: string }, attachments: readonly Attachment[]): Promise<void>
  /** The send was refused before its message was stored: its files belong to nothing. */
  drop(userId: number, attachments: readonly Attachment[]): Promise<void>
  /** The message of this nonce does not carry these files (it was deleted, or the nonce named another message). */
  release(userId: number, nonce: string, attachments: readonly Attachment[]): Promise<void>
}

/**
 * Told once per new message, after it is durable and its room was woken: who
 * it concerns beyond the room's readers (for notifications that reach people
 * with no tab open, such as Web Push).
 */
export interface StoredEvent {
  readonly message: StoredMessage
  readonly room: Room
  readonly author: User
  /** Members mentioned by `@login`, the author left out. */
  readonly mentioned: readonly number[]
  /** In a direct room, the other person. */
  readonly recipient?: number
}
export type StoredListener = (event: StoredEvent) => void | Promise<void>
/** Told of a message just deleted, as it was before (with its attachments). */
export type RemovedListener = (message: StoredMessage) => void | Promise<void>
/** Told of a message just edited: as it was, as it is, and its room (not awaited: the edit is answered first). */
export type EditedListener = (before: StoredMessage, after: StoredMessage, room: Room) => void | Promise<void>

export const PAGE_SIZE = 50
export const MAX_PAGE_SIZE = 200

/**
 * Sending, editing, deleting and reading messages. Membership is checked by
 * the caller. The store orders a room's ids by commit, so a send needs no
 * lock here: it is durable first, then the room is woken.
 */
export function messageService({ messages, rooms, reads, bus, activity, nextId, log, now = () => new Date(), attachments: references, users }: MessageServiceOptions) {
  const storedListeners: StoredListener[] = []
  const removedListeners: RemovedListener[] = []
  const editedListeners: EditedListener[] = []
  const tellStored = async (event: Omit<StoredEvent, 'recipient'>) => {
    if (storedListeners.length === 0) return
    const recipient = event.room.visibility === 'direct'
      ? (await rooms.listMembers(event.room.id)).find((m) => m.id !== event.author.id)?.id
      : undefined
    for (const listener of storedListeners) {
      try {
        await listener(recipient === undefined ? event : { ...event, recipient })
      } catch (err) {
        log.error({ err, roomId: event.room.id, messageId: event.message.id }, 'a stored-message listener failed')
      }
    }
  }

  /**
   * A failed wake-up never fails the write: readers catch up from the store. A new message rides on its
   * wake-up, so readers whose cursor stands right before it need not read the store.
   */
  const wake = async (message: StoredMessage, appended?: Appended) => {
    try {
      await bus.publish(appended?.created && appended.after !== undefined
        ? { type: 'wake', roomId: message.roomId, message, after: appended.after }
        : { type: 'wake', roomId: message.roomId })
    } catch (err) {
      log.error({ err, roomId: message.roomId, messageId: message.id }, 'wake-up not published; other instances catch up on reconnect')
    }
  }

  const markRead = async (user: User, room: Room, id: string) => {
    const { marker, moved } = await reads.advance(user.id, room.id, id)
    if (!moved) return marker
    await bus.publish({ type: 'read', userId: user.id, roomId: room.id, id: marker })
      .catch((err: unknown) => log.warn({ err, roomId: room.id }, 'read marker not published to other instances'))
    return marker
  }

  const writable = (room: Room) => {
    if (room.archivedAt) throw new ChatError('ARCHIVED', 'This room is archived: it can be read, not written to.', 403)
  }

  /** The user's own message; `moderator` (an administrator) may change anyone's. */
  const ownMessage = async (user: User, room: Room, id: string, moderator = false) => {
    const message = await messages.findMessage(room.id, id)
    if (!message) throw new ChatError('NOT_FOUND', 'There is no such message in this room.', 404)
    if (message.authorId !== user.id && !moderator) throw new ChatError('NOT_AUTHOR', 'Only its author can change a message.', 403)
    if (message.deletedAt) throw new ChatError('DELETED', 'This message was deleted.', 409)
    return message
  }

  return {
    /**
     * Sends a message; with `attachments` (stored already, see uploads/) the text may be empty. With `replyTo`
     * it answers that message of the room (one not deleted); only its id is kept.
     */
    async send(user: User, room: Room, rawBody: unknown, rawNonce: unknown, attachments: readonly Attachment[] = [], { replyTo }: { replyTo?: unknown } = {}) {
      const bodyless = attachments.length > 0 && (typeof rawBody !== 'string' || rawBody.trim() === '')
      const checked = bodyless ? { ok: true as const, body: '' } : checkBody(rawBody)
      const answered = replyTo === undefined || replyTo === '' ? undefined
        : typeof replyTo === 'string' && isId(replyTo) ? await messages.findMessage(room.id, replyTo) : undefined
      const unanswerable = replyTo !== undefined && replyTo !== '' && (!answered || answered.deletedAt !== null)
      if (!checked.ok || room.archivedAt || unanswerable) {
        // Refused before anything is stored: the files it carries belong to nothing.
        if (attachments.length) await references?.drop(user.id, attachments)
        if (!checked.ok) throw new ChatError('INVALID_BODY', checked.error, 422)
        writable(room)
        throw new ChatError('INVALID_REPLY', answered ? 'The message you answered was deleted; send it without the reply.' : 'The message you answered is not in this room.', 422)
      }
      const nonce = nonceFrom(rawNonce)
      if (attachments.length) await references?.keep(user.id, { roomId: room.id, nonce }, attachments)
      const result = await messages.appendMessage({
        id: nextId(), roomId: room.id, authorId: user.id, authorLogin: user.login, authorName: user.name ?? user.login,
        ...(user.avatarUrl ? { authorAvatarUrl: user.avatarUrl } : {}),
        nonce, body: checked.body, createdAt: now(), ...(attachments.length ? { attachments } : {}), ...(answered ? { replyTo: answered.id } : {}),
      })
      // The nonce named a message sent before (a retry, or a reuse in another room): the files it does not carry are not its.
      const carried = new Set(result.message.attachments?.map((a) => a.sha256))
      const strays = attachments.filter((a) => !carried.has(a.sha256))
      if (strays.length) await references?.release(user.id, nonce, strays)
      const sameRoom = result.message.roomId === room.id
      // Mentions are written before the wake-up, so a count that a wake-up leads to finds them.
      const logins = result.created && sameRoom ? mentionedLogins(result.message.body) : []
      const found = logins.length ? await rooms.membersByLogin(room.id, logins) : []
      const mentioned = found.filter((u) => u.id !== user.id).map((u) => u.id)
      if (mentioned.length) await reads.recordMentions(room.id, result.message.id, mentioned)
      // A repeat wakes too: the first attempt may have been stored by an instance that died before waking anyone.
      await wake(result.message, result)
      if (!sameRoom) {
        throw new ChatError('NONCE_REUSED', 'This send was already used for another room; please send again.', 409)
      }
      const memberLogins = new Set(found.map((u) => u.login.toLowerCase()))
      /** Mentioned logins of people who are not members: nobody was notified, and the author is told. */
      const outside = logins.filter((l) => !memberLogins.has(l))
      const exists = await Promise.all(outside.map(async (l) => !users || (await users.findUserByLogin(l)) !== undefined))
      const notMembers = outside.filter((_, i) => exists[i])
      /** Mentioned logins that are nobody's here: likely a typo. */
      const nobody = outside.filter((_, i) => !exists[i])
      // Whoever writes has read the room up to their message: live sidebars learn it from the wake-up, the store
      // soon after. A repeat notes it too: the first attempt's instance may have died before writing it.
      activity.sent(result.message)
      if (result.created) void tellStored({ message: result.message, room, author: user, mentioned })
      return { ...result, notMembers, nobody }
    },

    /** Advances the reader's marker (never back) and tells every instance, so each of their tabs shows the new count. */
    markRead,

    /** Registers a listener told of every new message after it is stored (see `StoredEvent`). */
    onStored(listener: StoredListener) {
      storedListeners.push(listener)
    },
    /** Registers a listener told of every message deleted here (see `RemovedListener`). */
    onRemoved(listener: RemovedListener) {
      removedListeners.push(listener)
    },
    /** Registers a listener told of every message edited here (see `EditedListener`). */
    onEdited(listener: EditedListener) {
      editedListeners.push(listener)
    },

    async edit(user: User, room: Room, id: string, rawBody: unknown) {
      const checked = checkBody(rawBody)
      if (!checked.ok) throw new ChatError('INVALID_BODY', checked.error, 422)
      writable(room)
      const before = await ownMessage(user, room, id)
      const changed = await messages.changeMessage(room.id, id, { kind: 'edit', body: checked.body, rev: nextId(), at: now() })
      if (!changed || changed.deletedAt) throw new ChatError('DELETED', 'This message was deleted.', 409)
      await wake(changed)
      for (const listener of editedListeners) {
        void Promise.resolve().then(() => listener(before, changed, room))
          .catch((err: unknown) => log.error({ err, roomId: room.id, messageId: id }, 'an edited-message listener failed'))
      }
      return changed
    },

    /**
     * Attaches the card made for `url` (or takes the card off: `card` undefined), unless the message is gone or
     * its first link is no longer `url` (it was edited meanwhile: that edit's card decides). Answers the message
     * when it changed.
     */
    async attachPreview(room: Room, id: string, url: string | undefined, card: Omit<LinkPreview, 'url'> | undefined) {
      const message = await messages.findMessage(room.id, id)
      if (!message || message.deletedAt || firstLink(message.body) !== url) return undefined
      const preview = url && card ? { url, ...card } : null
      if (!preview && !message.preview) return undefined
      const changed = await messages.changeMessage(room.id, id, { kind: 'preview', preview, rev: nextId(), at: now() })
      if (changed && !changed.deletedAt) await wake(changed)
      return changed
    },

    /** The author takes their message's link card off. */
    async removePreview(user: User, room: Room, id: string) {
      writable(room)
      const message = await ownMessage(user, room, id)
      if (!message.preview) return message
      const changed = await messages.changeMessage(room.id, id, { kind: 'preview', preview: null, rev: nextId(), at: now() })
      if (!changed || changed.deletedAt) throw new ChatError('DELETED', 'This message was deleted.', 409)
      await wake(changed)
      return changed
    },

    async remove(user: User, room: Room, id: string, { moderator = false } = {}) {
      if (!moderator) writable(room)
      const before = await ownMessage(user, room, id, moderator)
      const changed = await messages.changeMessage(room.id, id, { kind: 'delete', rev: nextId(), at: now() })
      if (!changed) throw new ChatError('NOT_FOUND', 'There is no such message in this room.', 404)
      // Before the wake-up, so the counts it brings leave the deleted message's mentions out.
      await reads.forgetMentions(room.id, id)
      await wake(changed)
      for (const listener of removedListeners) {
        try {
          await listener(before)
        } catch (err) {
          log.error({ err, roomId: room.id, messageId: id }, 'a removed-message listener failed')
        }
      }
      return changed
    },

    /** Adds the reader's reaction with this emoji, or takes it back if they had it. */
    async toggleReaction(user: User, room: Room, id: string, rawEmoji: unknown) {
      const checked = checkEmoji(rawEmoji)
      if (!checked.ok) throw new ChatError('INVALID_EMOJI', checked.error, 422)
      writable(room)
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
    /** At least this many changes lie between the two revs, when the store can tell without reading them; else 0. */
    changesBetween: (from: bigint, to: bigint) => (messages.denseRevs && to > from ? to - from : 0n),
  }
}

export type MessageService = ReturnType<typeof messageService>
