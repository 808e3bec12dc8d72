import { Redis } from 'ioredis'
import type { Logger } from '../../log.ts'

export interface RedisClients {
  /** Commands: cache, presence, publish. */
  readonly commands: Redis
  /** Subscriptions only (a subscribed connection can run nothing else). */
  readonly subscriber: Redis
  readonly prefix: string
  /** Resolves true once both connections are ready, or false after `timeoutMs`. */
  ready(timeoutMs: number): Promise<boolean>
  close(): Promise<void>
}

/**
 * Two connections to Redis, named `<name>-commands` and `<name>-subscriber` in CLIENT LIST. Commands fail fast while Redis is away (no offline
 * queue) so callers degrade at once instead of piling up; both reconnect on
 * their own with backoff.
 */
export function connectRedis(url: string, prefix: string, log: Logger, name = 'rtc'): RedisClients {
  const options = {
    lazyConnect: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 5000,
    retryStrategy: (attempt: number) => Math.min(200 * 2 ** attempt, 5000),
  }
  const commands = new Redis(url, { ...options, connectionName: `${name}-commands` })
  // The subscription waits for Redis however long it takes, and is renewed after every reconnect.
  const subscriber = new Redis(url, { ...options, enableOfflineQueue: true, maxRetriesPerRequest: null, connectionName: `${name}-subscriber` })
  for (const [name, client] of [['commands', commands], ['subscriber', subscriber]] as const) {
    let down = false
    client.on('error', (err: Error) => {
      if (!down) log.warn({ redis: name, err: { message: err.message } }, 'redis unreachable; degraded until it returns')
      down = true
    })
    client.on('ready', () => {
      if (down) log.info({ redis: name }, 'redis is back')
      down = false
    })
  }
  const isReady = (client: Redis) => client.status === 'ready'
    ? Promise.resolve() : new Promise<void>((resolve) => client.once('ready', () => resolve()))
  return {
    commands,
    subscriber,
    prefix,
    async ready(timeoutMs) {
      let timer: ReturnType<typeof setTimeout> | undefined
      const late = new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), timeoutMs) })
      const result = await Promise.race([Promise.all([isReady(commands), isReady(subscriber)]).then(() => true), late])
      clearTimeout(timer)
      return result
    },
    async close() {
      // QUIT would wait for a Redis that may be away; nothing pending matters at shutdown.
      commands.disconnect()
      subscriber.disconnect()
    },
  }
}
