import type { Logger } from '../../log.ts'
import type { Bus, ChatEvent, PublishedEvent } from '../ports.ts'
import { revivedMessage } from '../json.ts'
import type { RedisClients } from './connect.ts'

/** How often the bus sends itself a heartbeat through Redis, and how many may go missing before it reconnects. */
const BEAT_MS = 5_000
const BEATS_MISSED = 3
/** Events whose publish failed, kept to publish again when Redis returns; the oldest go beyond this. */
const MAX_UNSENT = 1_000

/**
 * Wake-ups between instances over Redis pub/sub. An event reaches this
 * instance's own subscribers first and directly, so local delivery goes on
 * with Redis down. Pub/sub is at-most-once, so:
 * - after the subscription comes back, subscribers get a `resync` and catch up from the store;
 * - an event whose publish failed is published again once commands work again, so the other
 *   instances hear of it too (their subscriptions may never have noticed anything);
 * - the bus sends itself a heartbeat through the channel: a subscription that stops receiving it
 *   (a connection dropped silently, which TCP may not notice for hours) is reconnected.
 */
export function redisBus({ commands, subscriber, prefix }: RedisClients, log: Logger, { beatMs = BEAT_MS } = {}): Bus {
  const channel = `${prefix}events`
  const origin = crypto.randomUUID()
  const handlers = new Set<(event: ChatEvent) => void>()
  const emit = (event: ChatEvent) => {
    for (const handler of handlers) handler(event)
  }

  let subscribed = false
  subscriber.on('ready', () => {
    // ioredis subscribes again by itself after a reconnect; what was published meanwhile is lost.
    if (subscribed) emit({ type: 'resync' })
  })
  // Commands came back after failing (Redis away, or hung and dropped by the watchdog): every instance's
  // publishes may have failed meanwhile, while the subscription itself may never have noticed.
  const publishUnsent = () => {
    const again = [...unsent.values()]
    unsent.clear()
    for (const event of again) void send(event).catch(() => {})
  }
  commands.on('ready', () => {
    if (subscribed) emit({ type: 'resync' })
    publishUnsent()
  })
  let lastBeat = Date.now()
  // Every payload starts with its origin: this instance's own (which its subscribers heard already) are known unparsed.
  const own = JSON.stringify({ o: origin }).slice(0, -1)
  const ownBeat = JSON.stringify({ o: origin, beat: true })
  subscriber.on('message', (from: string, payload: string) => {
    if (from !== channel) return
    if (payload.startsWith(own)) {
      if (payload === ownBeat) lastBeat = Date.now()
      return
    }
    try {
      const { e } = JSON.parse(payload) as { e?: ChatEvent }
      if (e?.type === 'wake' && e.message) emit({ ...e, message: revivedMessage(e.message) })
      else if (e) emit(e)
    } catch (err) {
      log.warn({ err }, 'unreadable bus message ignored')
    }
  })
  subscriber.subscribe(channel).then(() => { subscribed = true }, (err: unknown) => {
    log.error({ err }, 'could not subscribe to the bus; it will retry when Redis returns')
    subscribed = true
  })

  const unsent = new Map<string, PublishedEvent>()
  const send = async (event: PublishedEvent) => {
    const payload = JSON.stringify({ o: origin, e: event })
    try {
      await commands.publish(channel, payload)
    } catch (err) {
      // Published again later as a plain wake-up (the message it carried may no longer be the next one
      // anywhere), so the wake-ups of a room are one entry, keyed by content, however many messages it had.
      const later: PublishedEvent = event.type === 'wake' ? { type: 'wake', roomId: event.roomId } : event
      const key = JSON.stringify(later)
      unsent.delete(key)
      unsent.set(key, later)
      if (unsent.size > MAX_UNSENT) unsent.delete(unsent.keys().next().value!)
      throw err
    }
  }

  // Only beats Redis took count: when commands do not work either, the watchdog on them deals with it.
  let lastBeatSent = 0
  const beat = setInterval(() => {
    if (commands.status !== 'ready' || !subscribed) return
    // Also here: a publish that failed just as the connection came back missed the 'ready' above.
    if (unsent.size > 0) publishUnsent()
    if (lastBeatSent - lastBeat > beatMs * BEATS_MISSED && subscriber.status === 'ready') {
      log.warn({ redis: 'subscriber', silentMs: lastBeatSent - lastBeat }, 'the bus hears nothing back from Redis; resubscribing')
      lastBeat = lastBeatSent = Date.now()
      subscriber.disconnect(true)
      return
    }
    commands.publish(channel, ownBeat).then(() => { lastBeatSent = Date.now() }, () => {})
  }, beatMs)
  ;(beat as { unref?: () => void }).unref?.()

  return {
    async publish(event) {
      emit(event)
      await send(event)
    },
    subscribe(handler) {
      handlers.add(handler)
      return () => handlers.delete(handler)
    },
    close() {
      clearInterval(beat)
    },
  }
}
