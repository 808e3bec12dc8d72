import pLimit from 'p-limit'
import { mentionedLogins } from '../messages/mentions.ts'
import type { Logger } from '../log.ts'
import type { NotificationStore, Presence, PushSubscriptionKeys, Room, StoredMessage } from '../store/ports.ts'
import { levelIn, wantsPush } from '../messages/notifyLevels.ts'
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

/** Plain text, whitespace folded, cut at a character (never inside a surrogate pair). */
export function excerpt(body: string, max = EXCERPT_CHARS): string {
  const flat = [...body.replace(/\s+/g, ' ').trim()]
  return flat.length <= max ? flat.join('') : `${flat.slice(0, max - 1).join('').trimEnd()}…`
}

/**
 * Web Push for people not looking at rtc. Told of each newly stored message by
 * the instance that stored it (so one instance decides, and each person gets
 * one push per message however many instances run), it works after the send
 * has answered, at bounded concurrency: each member (never the author) whose
 * level for the room wants the message (src/messages/notifyLevels.ts: every message,
 * mentions, nothing; narrowed by their choice for all rooms) gets it, unless
 * they are present: some tab of theirs visible and used lately, on any instance.
 */
export function createNotifier(o: NotifierOptions) {
  const decide = pLimit(o.concurrency ?? 4)
  const push = pLimit(o.concurrency ?? 16)
  const maxWaiting = o.maxWaiting ?? 10_000

  /** One push, at bounded concurrency; a subscription its push service says is gone is forgotten. */
  const deliver = (userId: number, s: PushSubscriptionKeys, payload: string) => push(async () => {
    const outcome = await o.sendPush(s, payload)
    if (outcome === 'gone') {
      await o.notifications.forgetEndpoint(s.endpoint)
      o.log.info({ userId, pushService: new URL(s.endpoint).host }, 'push subscription gone; forgotten')
    }
    return outcome
  })

  const notify = async (room: Room, message: StoredMessage) => {
    const mentioned = new Set(mentionedLogins(message.body).slice(0, MAX_MENTIONS))
    const direct = room.visibility === 'direct'
    // One read finds the members this message may be for (mentioned, the other side of a direct room, or set to
    // every message), with their settings.
    const members = await o.notifications.recipients(room.id, { logins: [...mentioned], everyone: direct, except: message.authorId })
    const wanting = members.filter((r) => r.subscriptions.length > 0 && wantsPush(levelIn(room, r.level), r.choice, mentioned.has(r.login)))
    const present = wanting.length === 0 ? new Set<number>() : await o.presence.present(wanting.map((r) => r.userId))
    const recipients = wanting.filter((r) => !present.has(r.userId))
    const payload = JSON.stringify({
      title: direct ? message.authorName : `${message.authorName} in ${room.name}`,
      body: excerpt(message.body),
      author: message.authorLogin,
      room: room.slug,
      url: `/rooms/${room.slug}#m-${message.id}`,
      tag: `rtc-${room.slug}`,
    })
    const outcomes = await Promise.all(recipients.flatMap((r) => r.subscriptions.map((s) => deliver(r.userId, s, payload))))
    o.log.debug({
      roomId: room.id, messageId: message.id, candidates: members.length, present: present.size,
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

    /** "Send a test notification": one push to each browser of the user, present or not; answers how many took it. */
    async test(userId: number): Promise<{ browsers: number; reached: number }> {
      const subscriptions = await o.notifications.subscriptionsOf(userId)
      const payload = JSON.stringify({
        title: 'rtc: test notification', body: 'Notifications reach this device.', url: '/settings', tag: 'rtc-test',
      })
      const outcomes = await Promise.all(subscriptions.map((s) => deliver(userId, s, payload)))
      return { browsers: subscriptions.length, reached: outcomes.filter((x) => x === 'sent').length }
    },
  }
}

export type Notifier = ReturnType<typeof createNotifier>
