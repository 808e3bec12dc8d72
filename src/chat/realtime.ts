import { RateLimiterMemory, type RateLimiterAbstract } from 'rate-limiter-flexible'
import type { Logger } from '../log.ts'
import { PresenceTracker } from '../presence/tracker.ts'
import { TypingBoard } from '../presence/typing.ts'
import { memoryPresence } from '../store/memory/presence.ts'
import type { Bus, MessageStore, Presence, RoomStore, UserStore } from '../store/ports.ts'
import { RoomFeed } from './feed.ts'
import { createHub } from './render.ts'

export interface RealtimeDeps {
  messages: MessageStore
  rooms: RoomStore
  users: UserStore
  bus: Bus
  log: Logger
  presence?: Presence
  /** One typing notice per user per window; shared through Redis when there is one. */
  typingLimiter?: RateLimiterAbstract
}

/**
 * This instance's live side: the hub of sockets, the feed that reads new
 * messages on wake-ups, presence and typing. All of it listens to the bus.
 */
export function createRealtime(deps: RealtimeDeps) {
  const hub = createHub()
  const presence = deps.presence ?? memoryPresence()
  const feed = new RoomFeed({
    messages: deps.messages, hub, log: deps.log,
    onDelivered: (message) => { if (message.rev === message.id) typing.stopped(message.roomId, message.authorId) },
  })
  const tracker = new PresenceTracker({ presence, users: deps.users, rooms: deps.rooms, hub, bus: deps.bus, log: deps.log })
  const typing = new TypingBoard(hub)
  const unsubscribe = deps.bus.subscribe((event) => {
    switch (event.type) {
      case 'wake': return feed.wake(event.roomId)
      case 'resync': return feed.resync()
      case 'membership':
        hub.deliver(event)
        return void tracker.redraw(event.roomId).catch((err: unknown) => deps.log.warn({ err }, 'member list not redrawn'))
      case 'typing': return typing.typing(event)
      case 'presence': return void tracker.changed(event.userId).catch((err: unknown) => deps.log.warn({ err }, 'member list not redrawn'))
    }
  })
  tracker.start()
  return {
    hub, feed, tracker, presence,
    typingLimiter: deps.typingLimiter ?? new RateLimiterMemory({ points: 1, duration: 2 }),
    close() {
      unsubscribe()
      tracker.stop()
    },
  }
}

export type Realtime = ReturnType<typeof createRealtime>
