import { RateLimiterMemory, type RateLimiterAbstract } from 'rate-limiter-flexible'
import type { Logger } from '../log.ts'
import { PresenceTracker } from '../presence/tracker.ts'
import { TypingBoard } from '../presence/typing.ts'
import { memoryPresence } from '../store/memory/presence.ts'
import type { Bus, MessageStore, Presence, ReadStateStore, RoomStore, SessionStore, UserStore } from '../store/ports.ts'
import { Awareness } from '../awareness/awareness.ts'
import { MentionDirectory } from '../messages/mentionDirectory.ts'
import { ReplyDirectory } from '../messages/replies.ts'
import { SESSION_ENDED } from '../auth/session.ts'
import { RoomFeed } from '../realtime/feed.ts'
import { createHub } from './render.ts'
import { SocketRegistry } from '../realtime/sockets.ts'

export interface RealtimeDeps {
  messages: MessageStore
  rooms: RoomStore
  users: UserStore
  sessions: SessionStore
  reads: ReadStateStore
  bus: Bus
  log: Logger
  presence?: Presence
  /** One typing notice per user per window; shared through Redis when there is one. */
  typingLimiter?: RateLimiterAbstract
  /** Open sockets per user on this instance; none: unbounded. */
  maxSocketsPerUser?: number | undefined
}

/**
 * This instance's live side: the hub of sockets, the feed that reads new
 * messages on wake-ups, presence and typing. All of it listens to the bus.
 */
export function createRealtime(deps: RealtimeDeps) {
  const mentions = new MentionDirectory(deps.rooms)
  const replies = new ReplyDirectory(deps.messages)
  const hub = createHub(mentions, replies)
  const presence = deps.presence ?? memoryPresence()
  const feed: RoomFeed = new RoomFeed({
    messages: deps.messages, hub, log: deps.log,
    follows: (roomId): boolean => awareness.follows(roomId),
    beforeDelivery: (roomId, batch) => Promise.all([mentions.load(roomId, batch.map((m) => m.body)), replies.load(roomId, batch)]),
    onDelivered: (message) => {
      if (message.rev === message.id) typing.stopped(message.roomId, message.authorId)
      awareness.delivered(message)
    },
  })
  const awareness: Awareness = new Awareness({ rooms: deps.rooms, messages: deps.messages, reads: deps.reads, feed, log: deps.log })
  const tracker = new PresenceTracker({ presence, users: deps.users, rooms: deps.rooms, hub, bus: deps.bus, log: deps.log })
  const typing = new TypingBoard(hub)
  const sockets = new SocketRegistry({
    maxPerUser: deps.maxSocketsPerUser,
    expiredNotice: SESSION_ENDED.expired,
    endedNotice: SESSION_ENDED.endedElsewhere,
    sessionExpiry: async (hash) => (await deps.sessions.findSession(hash, new Date()))?.expiresAt,
  })
  const unsubscribe = deps.bus.subscribe((event) => {
    switch (event.type) {
      case 'sessions-ended': return void sockets.endSessions(event.sessions, event.reason)
      case 'wake': return feed.wake(event.roomId, event.message && event.after !== undefined ? { message: event.message, after: event.after } : undefined)
      case 'resync':
        void sockets.recheck().catch((err: unknown) => deps.log.warn({ err }, 'sessions not rechecked after resync'))
        awareness.resync()
        return feed.resync()
      case 'read': return awareness.read(event)
      case 'notify-level': return awareness.reload(event.userId)
      case 'membership':
        mentions.forget(event.roomId)
        awareness.membership(event)
        hub.deliver(event)
        return void tracker.redraw(event.roomId).catch((err: unknown) => deps.log.warn({ err }, 'member list not redrawn'))
      case 'typing': return typing.typing(event)
      case 'presence': return void tracker.changed(event.userId).catch((err: unknown) => deps.log.warn({ err }, 'member list not redrawn'))
    }
  })
  tracker.start()
  return {
    hub, feed, tracker, presence, sockets, awareness, mentions, replies,
    typingLimiter: deps.typingLimiter ?? new RateLimiterMemory({ points: 1, duration: 2 }),
    close() {
      unsubscribe()
      tracker.stop()
    },
  }
}

export type Realtime = ReturnType<typeof createRealtime>
