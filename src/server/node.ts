import { readFile } from 'node:fs/promises'
import type { Server as HttpServer } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { serve, upgradeWebSocket, type ServerType } from '@hono/node-server'
import { serveStatic } from '@hono/node-server/serve-static'
import { WebSocketServer, type WebSocket } from 'ws'
import { createApp } from '../app.ts'
import type { Config } from '../config.ts'
import { CLOSE } from '../chat/hub.ts'
import { createRealtime } from '../chat/realtime.ts'
import { createLogger, type Logger } from '../log.ts'
import { cachedStores } from '../store/cached.ts'
import { memoryBus } from '../store/memory/bus.ts'
import { memoryCache } from '../store/memory/cache.ts'
import { memoryPresence } from '../store/memory/presence.ts'
import type { HealthCheck } from '../store/ports.ts'
import { redisBus } from '../store/redis/bus.ts'
import { redisCache } from '../store/redis/cache.ts'
import { connectRedis } from '../store/redis/connect.ts'
import { redisPresence } from '../store/redis/presence.ts'
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible'
import { openDatabase } from '../store/postgres/connect.ts'
import { postgresMessages } from '../store/postgres/messages.ts'
import { migrate } from '../store/postgres/migrate.ts'
import { postgresRooms } from '../store/postgres/rooms.ts'
import { postgresSessions } from '../store/postgres/sessions.ts'
import { postgresUsers } from '../store/postgres/users.ts'

/** Frames larger than this close the socket with 1009. */
export const MAX_FRAME_BYTES = 64 * 1024
const SESSION_SWEEP_MS = 60 * 60 * 1000
const HEARTBEAT_MS = 30_000
const DRAIN_MS = 3_000
const CACHE_REPORT_MS = 60_000
const REDIS_WAIT_MS = 3_000

export interface RunningServer {
  readonly url: string
  readonly port: number
  readonly log: Logger
  /** Stops accepting, closes sockets with 1012, drains and closes pools. */
  close(): Promise<void>
}

/** The Node composition root: builds every adapter from config, then the app, then the server. */
export interface NodeOptions {
  /** How often sockets are pinged; one silent for a whole interval is dropped. */
  heartbeatMs?: number
  /** How often the cache's hit rates are logged. */
  cacheReportMs?: number
}

export async function startNode(config: Config, log: Logger = createLogger(config.logLevel), options: NodeOptions = {}): Promise<RunningServer> {
  const db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir })
  try {
    const applied = await migrate(db.sql)
    if (applied.length) log.info({ versions: applied }, 'database migrated')
  } catch (err) {
    await db.close()
    throw err
  }
  const redis = config.redisUrl ? connectRedis(config.redisUrl, config.redisPrefix, log, `rtc-${config.instanceId}`) : undefined
  if (redis && !(await redis.ready(REDIS_WAIT_MS))) {
    log.warn({ waitedMs: REDIS_WAIT_MS }, 'starting without Redis: cache, fan-out and presence degrade until it answers')
  }
  const cache = redis ? redisCache(redis) : memoryCache()
  const bus = redis ? redisBus(redis, log) : memoryBus()
  const stores = cachedStores(cache, {
    users: postgresUsers(db.sql),
    sessions: postgresSessions(db.sql),
    rooms: postgresRooms(db.sql),
    messages: postgresMessages(db.sql),
  }, log)
  const { users, sessions } = stores
  const health: HealthCheck[] = [{ name: 'database', backend: db.backend, check: async () => { await db.sql`SELECT 1` } }]
  if (redis) health.push({ name: 'redis', backend: 'redis', check: async () => { await redis.commands.ping() } })

  const realtime = createRealtime({
    messages: stores.messages, rooms: stores.rooms, users, bus, log,
    presence: redis ? redisPresence(redis) : memoryPresence(),
    typingLimiter: redis
      ? new RateLimiterRedis({
          storeClient: redis.commands, keyPrefix: `${config.redisPrefix}typing`, points: 1, duration: 2,
          insuranceLimiter: new RateLimiterMemory({ points: 1, duration: 2 }),
        })
      : undefined,
  })
  const { hub } = realtime
  const app = createApp({
    config,
    log,
    users,
    sessions,
    rooms: stores.rooms,
    messages: stores.messages,
    bus,
    realtime,
    health,
    upgradeWebSocket,
    serveStatic: serveStatic({ root: './' }),
  })

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES })
  const tls = config.tls && {
    createServer: createHttpsServer,
    serverOptions: { cert: await readFile(config.tls.certFile), key: await readFile(config.tls.keyFile) },
  }
  const server: ServerType = await new Promise((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: config.port, hostname: config.host, websocket: { server: wss }, ...tls },
      () => resolve(s))
    s.once('error', reject)
  })
  const port = (server.address() as AddressInfo).port
  const url = `${config.tls ? 'https' : 'http'}://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`

  // Ping every socket; one that has not answered the previous ping is dead and dropped.
  const alive = new WeakSet<WebSocket>()
  wss.on('connection', (ws: WebSocket) => {
    alive.add(ws)
    ws.on('pong', () => alive.add(ws))
  })
  const heartbeat = setInterval(() => {
    for (const ws of wss.clients) {
      if (!alive.has(ws)) ws.terminate()
      else {
        alive.delete(ws)
        ws.ping()
      }
    }
  }, options.heartbeatMs ?? HEARTBEAT_MS)
  heartbeat.unref()

  const cacheReport = setInterval(() => log.info({ cache: cache.backend, ...stores.stats.take() }, 'cache stats'), options.cacheReportMs ?? CACHE_REPORT_MS)
  cacheReport.unref()

  const sweep = setInterval(() => {
    sessions.deleteExpiredSessions(new Date()).catch((err: unknown) => log.warn({ err }, 'session sweep failed'))
  }, SESSION_SWEEP_MS)
  sweep.unref()

  log.info({
    url,
    publicUrl: config.publicUrl,
    instanceId: config.instanceId,
    backends: { users: db.backend, sessions: db.backend, rooms: db.backend, messages: db.backend, cache: cache.backend, bus: redis ? 'redis' : 'memory', presence: redis ? 'redis' : 'memory' },
    githubSignIn: config.github !== undefined,
    localSignIn: config.localLogin,
  }, 'rtc started')

  let closing: Promise<void> | undefined
  return {
    url,
    port,
    log,
    close: () => (closing ??= (async () => {
      clearInterval(sweep)
      clearInterval(heartbeat)
      clearInterval(cacheReport)
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()))
      realtime.close()
      hub.closeAll(CLOSE.restart, 'server restarting')
      for (const ws of wss.clients) ws.close(CLOSE.restart, 'server restarting')
      wss.close()
      // Requests in flight get a few seconds to finish; connections that never sent one (browsers
      // pre-connect) would otherwise hold the close until the 60 s headers timeout.
      const http = server as Partial<Pick<HttpServer, 'closeIdleConnections' | 'closeAllConnections'>>
      http.closeIdleConnections?.()
      const drainDeadline = setTimeout(() => http.closeAllConnections?.(), DRAIN_MS)
      await stopped
      clearTimeout(drainDeadline)
      await redis?.close()
      await db.close()
      log.info('rtc stopped')
    })()),
  }
}
