import type { MiddlewareHandler } from 'hono'
import type { AppEnv } from '../context.ts'
import type { Logger } from '../log.ts'

/**
 * A path as logs show it: an invite link's token is a secret (whoever holds it
 * may join), so only its first characters are kept, as the invite list shows them.
 */
export const loggedPath = (path: string) => path.replace(/^\/invite\/([^/]{0,6})[^/]*/, '/invite/$1…')

/** Probes a container runtime or load balancer makes every few seconds. */
const PROBES = new Set(['/healthz', '/readyz'])

/**
 * One line per request, written when it ends. The path is logged without its
 * query string (OAuth codes and states travel there) nor an invite's token,
 * and no header is logged.
 * A probe that succeeds is logged at debug: at info, an operator's log would be
 * mostly health checks; one that fails stays at info.
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
      const quiet = PROBES.has(c.req.path) && c.res.status < 400
      log[quiet ? 'debug' : 'info']({
        requestId,
        method: c.req.method,
        path: loggedPath(c.req.path),
        status: c.res.status,
        durationMs: Math.round((performance.now() - started) * 10) / 10,
        ...(user ? { userId: user.id } : {}),
      }, 'request')
    }
  }
}
