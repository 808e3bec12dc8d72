import type { MiddlewareHandler } from 'hono'
import type { UpgradeWebSocket } from 'hono/ws'
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible'
import { createApp } from '../app.ts'
import { renderWithoutAsyncContext } from '../views/renderContext.ts'
import { rateLimits } from '../http/rateLimits.ts'
import { CLOSE } from '../realtime/hub.ts'
import { createRealtime } from '../chat/realtime.ts'
import type { Config } from '../config.ts'
import type { Logger } from '../log.ts'
import { createMetrics } from '../metrics/metrics.ts'
import { metricsApp } from '../metrics/routes.ts'
import { deferredActivity } from '../store/activity.ts'
import { cachedStores } from '../store/cached.ts'
import { localStores } from '../store/local.ts'
import { connectCassandra } from '../store/cassandra/connect.ts'
import { cassandraMessages } from '../store/cassandra/messages.ts'
import { cassandraSearch } from '../store/cassandra/search.ts'
import { memoryBus } from '../store/memory/bus.ts'
import { memoryCache } from '../store/memory/cache.ts'
import { memoryPresence } from '../store/memory/presence.ts'
import type { HealthCheck } from '../store/ports.ts'
import { openDatabase } from '../store/postgres/connect.ts'
import { postgresMessages } from '../store/postgres/messages.ts'
import { postgresKept } from '../store/postgres/kept.ts'
import { postgresInvites } from '../store/postgres/invites.ts'
import { postgresNotifications } from '../store/postgres/notifications.ts'
import { postgresBots } from '../store/postgres/bots.ts'
import { postgresModeration } from '../store/postgres/moderation.ts'
import { postgresSearch, useSearchLanguage } from '../store/postgres/search.ts'
import { migrate } from '../store/postgres/migrate.ts'
import { postgresRooms } from '../store/postgres/rooms.ts'
import { postgresReadState } from '../store/postgres/readState.ts'
import { postgresSessions } from '../store/postgres/sessions.ts'
import { postgresSlackImports } from '../store/postgres/slackImports.ts'
import { postgresUsers } from '../store/postgres/users.ts'
import { postgresSignInStates } from '../store/postgres/oidc.ts'
import { postgresProfiles } from '../store/postgres/profiles.ts'
import { postgresUploads } from '../store/postgres/uploads.ts'
import { uploadFiles } from '../uploads/files.ts'
import { uploadSweeper } from '../uploads/sweeper.ts'
import { redisBus } from '../store/redis/bus.ts'
import { redisCache } from '../store/redis/cache.ts'
import { connectRedis } from '../store/redis/connect.ts'
import { redisPresence } from '../store/redis/presence.ts'

const SESSION_SWEEP_MS = 60 * 60 * 1000
/** How often unreferenced uploads past their grace period are looked for. */
const UPLOAD_SWEEP_MS = 60_000
const CACHE_REPORT_MS = 60_000
const STATS_MS = 60_000
const REDIS_WAIT_MS = 3_000

export interface RuntimeParts {
  upgradeWebSocket: UpgradeWebSocket
  serveStatic: MiddlewareHandler
  /** How often the cache's hit rates are logged. */
  cacheReportMs?: number
  /** How often the one-line stats (sockets, rooms, deliveries/s, p99 send, cache hit rate) are logged. */
  statsMs?: number
}

/**
 * The composition root both runtimes share: builds every adapter from config,
 * then the app. The runtime entry serves `app.fetch` and calls `close()` last.
 */
export async function composeApp(config: Config, log: Logger, runtime: RuntimeParts) {
  renderWithoutAsyncContext()
  const db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir })
  try {
    const applied = await migrate(db.sql)
    if (applied.length) log.info({ versions: applied }, 'database migrated')
    if (!config.cassandra) await useSearchLanguage(db.sql, config.searchLanguage, log)
  } catch (err) {
    await db.close()
    throw err
  }

  const redis = config.redisUrl ? connectRedis(config.redisUrl, config.redisPrefix, log, `rtc-${config.instanceId}@${config.redisPrefix}`) : undefined
  if (redis && !(await redis.ready(REDIS_WAIT_MS))) {
    log.warn({ waitedMs: REDIS_WAIT_MS }, 'starting without Redis: cache, fan-out and presence degrade until it answers')
  }
  const metrics = createMetrics()
  const { timed } = metrics
  const cache = redis ? timed(redisCache(redis), 'redis') : memoryCache()
  const bus = redis ? redisBus(redis, log) : memoryBus()
  const cassandra = config.cassandra ? await connectCassandra(config.cassandra, log) : undefined
  const stores = cachedStores(cache, {
    users: timed(postgresUsers(db.sql), db.backend),
    sessions: timed(postgresSessions(db.sql), db.backend),
    rooms: timed(postgresRooms(db.sql), db.backend),
    messages: cassandra ? timed(cassandraMessages(cassandra, { bucketPositions: config.cassandra!.bucketPositions }), 'cassandra') : timed(postgresMessages(db.sql), db.backend),
    profiles: timed(postgresProfiles(db.sql), db.backend),
  }, log)
  // In front of the shared cache: each request's session, user, room and membership from this process's memory.
  const local = localStores({ ...stores, moderation: timed(postgresModeration(db.sql), db.backend) }, bus, log)
  const search = cassandra
    ? timed(cassandraSearch(cassandra, { bucketPositions: config.cassandra!.bucketPositions }), 'cassandra')
    : timed(postgresSearch(db.sql, { language: config.searchLanguage }), db.backend)
  const health: HealthCheck[] = [{ name: 'database', backend: db.backend, check: async () => { await db.sql`SELECT 1` } }]
  if (redis) health.push({ name: 'redis', backend: 'redis', check: async () => { await redis.commands.ping() } })
  if (cassandra) health.push({ name: 'messages', backend: 'cassandra', check: async () => { await cassandra.execute('SELECT release_version FROM system.local') } })

  const activity = deferredActivity({ rooms: local.rooms, reads: timed(postgresReadState(db.sql), db.backend), log })
  const { rooms, reads } = activity
  const realtime = createRealtime({
    messages: stores.messages, rooms, users: local.users, sessions: local.sessions, reads, bus, log,
    maxSocketsPerUser: config.limits?.maxSocketsPerUser,
    presence: redis ? timed(redisPresence(redis), 'redis') : memoryPresence(),
    typingLimiter: redis
      ? new RateLimiterRedis({
          storeClient: redis.commands, keyPrefix: `${config.redisPrefix}typing`, points: 1, duration: 2,
          insuranceLimiter: new RateLimiterMemory({ points: 1, duration: 2 }),
        })
      : undefined,
  })
  metrics.watch({ live: () => realtime.hub.stats, cache: () => stores.stats.totals })
  bus.subscribe((event) => { if (event.type === 'resync') metrics.busResyncs.inc() })
  if (!config.limits) log.warn('RATE_LIMITS=off: every rate limit and cap is off (benchmarks and load tests only)')
  const uploadStore = postgresUploads(db.sql)
  const uploads = uploadSweeper({
    store: uploadStore, files: uploadFiles({ dir: `${config.dataDir}/uploads`, previewMaxPixels: config.uploads.previewMaxPixels }),
    graceMs: config.uploads.graceMs, log,
  })
  const app = createApp({
    config, log, bus, realtime, health, metrics,
    limits: rateLimits(config.limits, redis && { client: redis.commands, prefix: config.redisPrefix }, {
      onRefused: (limit) => metrics.rateLimited.labels(limit).inc(),
    }),
    users: local.users, sessions: local.sessions, rooms, messages: stores.messages, reads, activity, search,
    signInStates: timed(postgresSignInStates(db.sql), db.backend),
    uploadStore,
    notifications: timed(postgresNotifications(db.sql), db.backend),
    kept: timed(postgresKept(db.sql), db.backend),
    // Through both caches: a new name or face reaches every instance's sessions at once.
    profiles: local.profiles,
    invites: timed(postgresInvites(db.sql), db.backend),
    bots: timed(postgresBots(db.sql), db.backend), moderation: local.moderation,
    slackImports: timed(postgresSlackImports(db.sql), db.backend),
    upgradeWebSocket: runtime.upgradeWebSocket,
    serveStatic: runtime.serveStatic,
  })

  const timers = [
    setInterval(() => log.info({ cache: cache.backend, local: local.stats.take(), ...stores.stats.take() }, 'cache stats'), runtime.cacheReportMs ?? CACHE_REPORT_MS),
    setInterval(() => log.info(metrics.takeStats(), 'stats'), runtime.statsMs ?? STATS_MS),
    setInterval(() => {
      stores.sessions.deleteExpiredSessions(new Date()).catch((err: unknown) => log.warn({ err }, 'session sweep failed'))
    }, SESSION_SWEEP_MS),
    setInterval(() => void uploads.sweep().catch((err: unknown) => log.warn({ err }, 'upload sweep failed')), UPLOAD_SWEEP_MS),
  ]
  for (const timer of timers) (timer as { unref?: () => void }).unref?.()

  return {
    app,
    realtime,
    /** `GET /metrics`, for the runtime to serve on `config.metrics` (never on the chat's port). */
    metricsApp: metricsApp(metrics, config.metrics?.token),
    /** For the start-up line: what serves each role. */
    backends: {
      users: db.backend, sessions: db.backend, rooms: db.backend, messages: cassandra ? 'cassandra' : db.backend,
      cache: cache.backend, bus: redis ? 'redis' : 'memory', presence: redis ? 'redis' : 'memory',
    },
    /** Tells sockets to come back (1012), then closes what was opened. Call after the server stops accepting. */
    closeSockets() {
      realtime.close()
      realtime.hub.closeAll(CLOSE.restart, 'server restarting')
    },
    async close() {
      for (const timer of timers) clearInterval(timer)
      await activity.flush()
      local.close()
      bus.close?.()
      await redis?.close()
      await cassandra?.shutdown()
      await db.close()
    },
  }
}
