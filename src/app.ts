import { Hono, type MiddlewareHandler } from 'hono'
import type { UpgradeWebSocket } from 'hono/ws'
import { authRoutes } from './auth/routes.tsx'
import { requireSignIn } from './auth/requireSignIn.ts'
import { sessionRoutes } from './auth/sessionRoutes.tsx'
import { sessionCookies } from './auth/session.ts'
import { idMaker, type IdMaker } from './chat/ids.ts'
import { createRealtime, type Realtime } from './chat/realtime.ts'
import { messageRoutes } from './chat/routes.tsx'
import { sendLimit } from './chat/sendLimit.ts'
import { messageService } from './chat/service.ts'
import { socketRoutes } from './chat/socket.ts'
import type { Config } from './config.ts'
import type { AppEnv } from './context.ts'
import { notFound, onError } from './http/errors.tsx'
import { faviconRoutes } from './http/favicon.ts'
import { healthRoutes } from './http/health.ts'
import { requestLog } from './http/requestLog.ts'
import { clientAddress, runtimeRemoteAddress, type RemoteAddress } from './http/clientAddress.ts'
import { rateLimits, type RateLimits } from './http/rateLimits.ts'
import { checkOrigin, limitBody, requestIds, securityHeaders } from './http/security.ts'
import type { Logger } from './log.ts'
import type { Metrics } from './metrics/metrics.ts'
import { typingRoutes } from './presence/routes.ts'
import { roomRoutes } from './rooms/routes.tsx'
import type { Bus, HealthCheck, MessageStore, RoomStore, SessionStore, UploadStore, UserStore } from './store/ports.ts'
import { uploadFiles } from './uploads/files.ts'
import { uploadRoutes } from './uploads/routes.ts'
import { uploadService } from './uploads/service.ts'

export interface AppDeps {
  config: Config
  log: Logger
  users: UserStore
  sessions: SessionStore
  rooms: RoomStore
  messages: MessageStore
  bus: Bus
  health: readonly HealthCheck[]
  /** The runtime's WebSocket helper (`@hono/node-server` or `hono/deno`); without it /ws is 404. */
  upgradeWebSocket?: UpgradeWebSocket
  /** The runtime's static file middleware, serving `static/` under /static. */
  serveStatic?: MiddlewareHandler
  /** The live side (hub, feed, presence); the entry makes it to close it on shutdown, tests let the app make one. */
  realtime?: Realtime
  /** The rate limits (shared through Redis by the entries); tests let the app make in-process ones from config. */
  limits?: RateLimits
  /** The runtime's peer address, for limits per client address; by default read from what Node's and Deno's servers pass as env. */
  remoteAddress?: RemoteAddress
  nextId?: IdMaker
  now?: () => Date
  /** Counts sends and their latency; the entry serves it on its own address. */
  metrics?: Metrics
  /** Who stored which files (the quota); without it messages take no files. */
  uploadStore?: UploadStore
}

/**
 * Builds the whole HTTP app from its dependencies; opens nothing itself.
 * The feed and hub listen to the bus here, so every stored message reaches
 * this instance's sockets.
 */
export function createApp(deps: AppDeps) {
  const { config, log, rooms, bus } = deps
  const session = sessionCookies({
    sessions: deps.sessions, secureCookies: config.secureCookies, bus, log, maxSessionsPerUser: config.limits?.maxSessionsPerUser, now: deps.now,
  })
  const realtime = deps.realtime ?? createRealtime({
    messages: deps.messages, rooms, users: deps.users, sessions: deps.sessions, bus, log, maxSocketsPerUser: config.limits?.maxSocketsPerUser,
  })
  const limits = deps.limits ?? rateLimits(config.limits)
  const { hub, feed, presence, tracker } = realtime
  const chat = messageService({
    messages: deps.messages, rooms, bus, log, now: deps.now, nextId: deps.nextId ?? idMaker(config.instanceId),
  })

  const uploads = deps.uploadStore && uploadService({
    files: uploadFiles({ dir: `${config.dataDir}/uploads` }), store: deps.uploadStore, maxBytes: config.uploads.maxBytes, quotaBytes: config.uploads.quotaBytes,
  })

  const app = new Hono<AppEnv>()
  app.use(requestIds())
  app.use(requestLog(log))
  app.use(securityHeaders())
  if (deps.serveStatic) app.use('/static/*', deps.serveStatic)
  app.use(limitBody({ uploadMaxBytes: uploads?.maxBytes }))
  app.use(checkOrigin(config.publicUrl))
  app.route('/', healthRoutes(deps.health))
  app.route('/', faviconRoutes())
  // Metrics live on their own listener only: here they are not found, signed in or not.
  app.all('/metrics', (c) => c.notFound())
  const sends = sendLimit(limits, session.sessionHashOf)
  app.post('/rooms/:room/messages', sends.beforeSession)
  // Timed after the limit's first look, so refusals do not count as sends.
  if (deps.metrics) app.post('/rooms/:room/messages', timeSends(deps.metrics))
  app.use(session.loadSession)
  app.use(requireSignIn)
  app.route('/', authRoutes({
    config, users: deps.users, session, limits, clientAddress: (c) => clientAddress(c, deps.remoteAddress ?? runtimeRemoteAddress, config.trustedProxies),
  }))
  app.route('/', sessionRoutes({ sessions: deps.sessions, session, now: deps.now }))
  app.post('/rooms/:room/messages', sends.afterSession)
  app.route('/', roomRoutes({ rooms, users: deps.users, chat, bus, presence, limits }))
  app.route('/', messageRoutes({ rooms, chat, presence, uploads }))
  if (uploads) app.route('/', uploadRoutes({ chat, uploads }))
  app.route('/', typingRoutes({ bus, limiter: realtime.typingLimiter }))
  if (deps.upgradeWebSocket) {
    app.route('/', socketRoutes({
      upgradeWebSocket: deps.upgradeWebSocket, publicUrl: config.publicUrl, rooms, chat, hub, feed, tracker, sockets: realtime.sockets, limits,
    }))
  }

  app.onError(onError)
  app.notFound(notFound)
  return app
}

export type App = ReturnType<typeof createApp>

function timeSends(metrics: Metrics): MiddlewareHandler {
  return async (_c, next) => {
    const started = performance.now()
    await next()
    metrics.observeSend((performance.now() - started) / 1000)
  }
}
