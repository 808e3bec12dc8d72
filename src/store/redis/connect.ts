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

/** A command unanswered this long fails, and the caller degrades as if Redis were away. */
const COMMAND_TIMEOUT_MS = 500
/** How often an answering-looking connection is asked whether Redis still answers. */
const WATCHDOG_MS = 1_000

/**
 * Two connections to Redis, named `<name>-commands` and `<name>-subscriber` in CLIENT LIST. Commands fail fast while Redis is away (no offline
 * queue) so callers degrade at once instead of piling up; both reconnect on
 * their own with backoff. A Redis that hangs (stopped, swapping, a network
 * that drops silently) would hold every command instead: commands time out,
 * and a watchdog that sees a ping time out drops the connection, so the
 * commands after it fail fast until Redis answers a fresh connection.
 */
export function connectRedis(url: string, prefix: string, log: Logger, name = 'rtc', { commandTimeoutMs = COMMAND_TIMEOUT_MS } = {}): RedisClients {
  const options = {
    lazyConnect: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    connectTimeout: 5000,
    // TCP keep-alive probes after 10 s idle, so a peer that vanished is noticed by the kernel too.
    keepAlive: 10_000,
    retryStrategy: (attempt: number) => Math.min(200 * 2 ** attempt, 5000),
  }
  const commands = new Redis(url, { ...options, commandTimeout: commandTimeoutMs, connectionName: `${name}-commands` })
  // The subscription waits for Redis however long it takes, and is renewed after every reconnect.
  const subscriber = new Redis(url, { ...options, enableOfflineQueue: true, maxRetriesPerRequest: null, connectionName: `${name}-subscriber` })
  // Two pings in a row must time out: one alone may be this process's own event loop stalling past the timeout.
  let strikes = 0
  const watchdog = setInterval(() => {
    if (commands.status !== 'ready') return void (strikes = 0)
    commands.ping().then(() => { strikes = 0 }, (err: Error) => {
      if (!/timed out/i.test(err.message) || commands.status !== 'ready' || ++strikes < 2) return
      strikes = 0
      log.warn({ redis: 'commands', timeoutMs: commandTimeoutMs }, 'redis does not answer; reconnecting, degraded until it does')
      commands.disconnect(true)
    })
  }, WATCHDOG_MS)
  ;(watchdog as { unref?: () => void }).unref?.()
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
      clearInterval(watchdog)
      commands.disconnect()
      subscriber.disconnect()
    },
  }
}
