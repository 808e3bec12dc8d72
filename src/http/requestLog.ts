import type { MiddlewareHandler } from 'hono'
import type { AppEnv } from '../context.ts'
import type { Logger } from '../log.ts'

/**
 * One line per request, written when it ends. The path is logged without its
 * query string (OAuth codes and states travel there) and no header is logged.
 */
export function requestLog(log: Logger): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const started = performance.now()
    const requestId = c.get('requestId')
    c.set('log', log.child({ requestId }))
    try {
      await next()
    } finally {
      const user = c.get('user')
      log.info({
        requestId,
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        durationMs: Math.round((performance.now() - started) * 10) / 10,
        ...(user ? { userId: user.id } : {}),
      }, 'request')
    }
  }
}
