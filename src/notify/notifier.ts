import pLimit from 'p-limit'
import { mentionedLogins } from '../messages/mentions.ts'
import type { Logger } from '../log.ts'
import type { NotificationStore, Presence, PushRecipient, Room, StoredMessage } from '../store/ports.ts'
import type { SendPush } from './push.ts'

export interface NotifierOptions {
  notifications: NotificationStore
  presence: Presence
  sendPush: SendPush
  log: Logger
  /** Messages being decided at once, and pushes in flight at once. */
  concurrency?: number
  /** Messages waiting beyond this are dropped (and logged): a push is a courtesy, the message is stored either way. */
  maxWaiting?: number
}

/** Logins of one message looked up at most: a message naming the whole company notifies the first ones. */
const MAX_MENTIONS = 20
const EXCERPT_CHARS = 140

type Reason = 'mention' | 'direct'

/** Plain text, whitespace folded, cut at a character (never inside a surrogate pair). */
export function excerpt(body: string, max = EXCERPT_CHARS): string {
  const flat = [...body.replace(/\s+/g, ' ').trim()]
  return flat.length <= max ? flat.join('') : `${flat.slice(0, max - 1).join('').trimEnd()}…`
}

const wanted = (r: PushRecipient, reason: Reason) =>
  !r.muted && r.choice !== 'nothing' && (r.choice === 'all' || reason === 'mention')

/**
 * Web Push for people with no tab open. Told of each newly stored message by
 * the instance that stored it (so one instance decides, and each person gets
 * one push per message however many instances run), it works after the send
 * has answered, at bounded concurrency: mentions of members (never the
 * author) and direct messages go to those not online anywhere, unless they
 * muted the room, chose "nothing", or chose "mentions only" for a direct message.
 */
export function createNotifier(o: NotifierOptions) {
  const decide = pLimit(o.concurrency ?? 4)
  const push = pLimit(o.concurrency ?? 16)
  const maxWaiting = o.maxWaiting ?? 10_000

  const notify = async (room: Room, message: StoredMessage) => {
    const mentioned = new Set(mentionedLogins(message.body).slice(0, MAX_MENTIONS))
    const direct = room.visibility === 'direct'
    // One read finds the members this message is for (mentioned, or the other side of a direct room), with their settings.
    const members = direct || mentioned.size > 0
      ? await o.notifications.recipients(room.id, { logins: [...mentioned], everyone: direct, except: message.authorId })
      : []
    const wanting = members.filter((r) => r.subscriptions.length > 0 && wanted(r, mentioned.has(r.login) ? 'mention' : 'direct'))
    const online = wanting.length === 0 ? new Set<number>() : await o.presence.online(wanting.map((r) => r.userId))
    const recipients = wanting.filter((r) => !online.has(r.userId))
    const payload = JSON.stringify({
      title: direct ? message.authorName : `${message.authorName} in ${room.name}`,
      body: excerpt(message.body),
      author: message.authorLogin,
      room: room.slug,
      url: `/rooms/${room.slug}#m-${message.id}`,
      tag: `rtc-${room.slug}`,
    })
    const outcomes = await Promise.all(recipients.flatMap((r) => r.subscriptions.map((s) => push(async () => {
      const outcome = await o.sendPush(s, payload)
      if (outcome === 'gone') {
        await o.notifications.forgetEndpoint(s.endpoint)
        o.log.info({ userId: r.userId, pushService: new URL(s.endpoint).host }, 'push subscription gone; forgotten')
      }
      return outcome
    }))))
    o.log.debug({
      roomId: room.id, messageId: message.id, candidates: members.length, online: online.size,
      pushed: outcomes.filter((x) => x === 'sent').length, failed: outcomes.filter((x) => x !== 'sent').length,
    }, 'pushes done')
  }

  return {
    /** A message was stored by this instance: decide its pushes later, never holding up the send. */
    stored(room: Room, message: StoredMessage): void {
      if (decide.pendingCount >= maxWaiting) {
        o.log.warn({ roomId: room.id, messageId: message.id }, 'push queue full; this message notifies nobody')
        return
      }
      decide(() => notify(room, message)).catch((err: unknown) => o.log.warn({ err, roomId: room.id, messageId: message.id }, 'pushes not decided'))
    },
  }
}

export type Notifier = ReturnType<typeof createNotifier>
