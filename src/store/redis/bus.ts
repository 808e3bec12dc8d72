import type { Logger } from '../../log.ts'
import type { Bus, ChatEvent } from '../ports.ts'
import type { RedisClients } from './connect.ts'

/**
 * Wake-ups between instances over Redis pub/sub. An event reaches this
 * instance's own subscribers first and directly, so local delivery goes on
 * with Redis down. Pub/sub is at-most-once: after the subscription comes back,
 * subscribers get a `resync` and catch up from the store.
 */
export function redisBus({ commands, subscriber, prefix }: RedisClients, log: Logger): Bus {
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
  commands.on('ready', () => {
    if (subscribed) emit({ type: 'resync' })
  })
  subscriber.on('message', (from: string, payload: string) => {
    if (from !== channel) return
    try {
      const { o, e } = JSON.parse(payload) as { o: string; e: ChatEvent }
      if (o !== origin) emit(e)
    } catch (err) {
      log.warn({ err }, 'unreadable bus message ignored')
    }
  })
  subscriber.subscribe(channel).then(() => { subscribed = true }, (err: unknown) => {
    log.error({ err }, 'could not subscribe to the bus; it will retry when Redis returns')
    subscribed = true
  })

  return {
    async publish(event) {
      emit(event)
      await commands.publish(channel, JSON.stringify({ o: origin, e: event }))
    },
    subscribe(handler) {
      handlers.add(handler)
      return () => handlers.delete(handler)
    },
  }
}
