import { Hono } from 'hono'
import { bearerAuth } from 'hono/bearer-auth'
import type { Metrics } from './metrics.ts'

/**
 * The metrics listener's app: `GET /metrics` in Prometheus's text format,
 * behind a bearer token when one is configured. It is served on its own
 * address (METRICS_LISTEN), never on the chat's port, so Caddy never
 * exposes it.
 */
export function metricsApp(metrics: Metrics, token: string | undefined) {
  const app = new Hono()
  if (token) app.use('/metrics', bearerAuth({ token }))
  app.get('/metrics', async (c) => c.body(await metrics.registry.metrics(), 200, { 'content-type': metrics.registry.contentType }))
  return app
}
