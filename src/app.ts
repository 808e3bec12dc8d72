import { Hono, type MiddlewareHandler } from 'hono'
import { requestId } from 'hono/request-id'
import type { UpgradeWebSocket } from 'hono/ws'
import { authRoutes } from './auth/routes.tsx'
import { requireSignIn } from './auth/requireSignIn.ts'
import { sessionCookies } from './auth/session.ts'
import { idMaker, type IdMaker } from './chat/ids.ts'
import { createRealtime, type Realtime } from './chat/realtime.ts'
import { messageRoutes } from './chat/routes.tsx'
import { messageService } from './chat/service.ts'
import { socketRoutes } from './chat/socket.ts'
import type { Config } from './config.ts'
import type { AppEnv } from './context.ts'
import { notFound, onError } from './http/errors.tsx'
import { healthRoutes } from './http/health.ts'
import { requestLog } from './http/requestLog.ts'
import { checkOrigin, limitBody, securityHeaders } from './http/security.ts'
import type { Logger } from './log.ts'
import { typingRoutes } from './presence/routes.ts'
import { roomRoutes } from './rooms/routes.tsx'
import type { Bus, HealthCheck, MessageStore, RoomStore, SessionStore, UserStore } from './store/ports.ts'

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
  nextId?: IdMaker
  now?: () => Date
}

/**
 * Builds the whole HTTP app from its dependencies; opens nothing itself.
 * The feed and hub listen to the bus here, so every stored message reaches
 * this instance's sockets.
 */
export function createApp(deps: AppDeps) {
  const { config, log, rooms, bus } = deps
  const session = sessionCookies({ sessions: deps.sessions, secureCookies: config.secureCookies, now: deps.now })
  const realtime = deps.realtime ?? createRealtime({ messages: deps.messages, rooms, users: deps.users, bus, log })
  const { hub, feed, presence, tracker } = realtime
  const chat = messageService({
    messages: deps.messages, rooms, bus, log, now: deps.now, nextId: deps.nextId ?? idMaker(config.instanceId),
  })

  const app = new Hono<AppEnv>()
  app.use(requestId())
  app.use(requestLog(log))
  app.use(securityHeaders())
  if (deps.serveStatic) app.use('/static/*', deps.serveStatic)
  app.use(limitBody())
  app.use(checkOrigin(config.publicUrl))
  app.route('/', healthRoutes(deps.health))
  app.use(session.loadSession)
  app.use(requireSignIn)
  app.route('/', authRoutes({ config, users: deps.users, session }))
  app.route('/', roomRoutes({ rooms, users: deps.users, chat, bus, presence }))
  app.route('/', messageRoutes({ rooms, chat, presence }))
  app.route('/', typingRoutes({ bus, limiter: realtime.typingLimiter }))
  if (deps.upgradeWebSocket) {
    app.route('/', socketRoutes({ upgradeWebSocket: deps.upgradeWebSocket, publicUrl: config.publicUrl, rooms, chat, hub, feed, tracker }))
  }

  app.onError(onError)
  app.notFound(notFound)
  return app
}

export type App = ReturnType<typeof createApp>
