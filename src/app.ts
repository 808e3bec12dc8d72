import { Hono, type MiddlewareHandler } from 'hono'
import { requestId } from 'hono/request-id'
import { authRoutes } from './auth/routes.tsx'
import { requireSignIn } from './auth/requireSignIn.ts'
import { sessionCookies } from './auth/session.ts'
import type { Config } from './config.ts'
import type { AppEnv } from './context.ts'
import { notFound, onError } from './http/errors.tsx'
import { healthRoutes } from './http/health.ts'
import { requestLog } from './http/requestLog.ts'
import { checkOrigin, limitBody, securityHeaders } from './http/security.ts'
import type { Logger } from './log.ts'
import { roomRoutes } from './rooms/routes.tsx'
import type { HealthCheck, SessionStore, UserStore } from './store/ports.ts'

export interface AppDeps {
  config: Config
  log: Logger
  users: UserStore
  sessions: SessionStore
  health: readonly HealthCheck[]
  /** The runtime's static file middleware, serving `static/` under /static. */
  serveStatic?: MiddlewareHandler
  now?: () => Date
}

/** Builds the whole HTTP app from its dependencies; opens nothing itself. */
export function createApp(deps: AppDeps) {
  const { config, log } = deps
  const session = sessionCookies({ sessions: deps.sessions, secureCookies: config.secureCookies, now: deps.now })
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
  app.route('/', roomRoutes())

  app.onError(onError)
  app.notFound(notFound)
  return app
}

export type App = ReturnType<typeof createApp>
