import { Hono } from 'hono'
import type { AppEnv } from '../context.ts'
import type { HealthCheck } from '../store/ports.ts'

const CHECK_TIMEOUT_MS = 2000

/**
 * `/healthz`: the process serves. `/readyz`: every configured backend answers
 * (503 and `unavailable` when one does not). The answer is public, so it names
 * only each backend's state; what went wrong goes to the log.
 */
export function healthRoutes(checks: readonly HealthCheck[]) {
  return new Hono<AppEnv>()
    .get('/healthz', (c) => c.json({ status: 'ok' }))
    .get('/readyz', async (c) => {
      const results = await Promise.all(checks.map(async (check) => {
        let timer: ReturnType<typeof setTimeout> | undefined
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer in ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS)
        })
        try {
          await Promise.race([check.check(), timeout])
          return [check.name, { backend: check.backend, status: 'up' }] as const
        } catch (err) {
          c.get('log').warn({ check: check.name, err: { message: (err as Error).message } }, 'readiness check failed')
          return [check.name, { backend: check.backend, status: 'down' }] as const
        } finally {
          clearTimeout(timer)
        }
      }))
      const ready = results.every(([, r]) => r.status === 'up')
      return c.json({ status: ready ? 'ready' : 'unavailable', backends: Object.fromEntries(results) }, ready ? 200 : 503)
    })
}
