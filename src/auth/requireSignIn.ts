import type { MiddlewareHandler } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { AppEnv } from '../context.ts'

/** Routes anyone may reach; every other route needs a signed-in user. */
const PUBLIC = [/^\/healthz$/, /^\/readyz$/, /^\/login$/, /^\/auth\//, /^\/invite\/[^/]+$/, /^\/static\//, /^\/favicon\.ico$/, /^\/manifest\.webmanifest$/]

export const isPublicPath = (path: string) => PUBLIC.some((p) => p.test(path))

export const requireSignIn: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.get('user') || isPublicPath(c.req.path)) return next()
  if (c.req.method === 'GET' && c.req.header('hx-request') !== 'true' && c.req.path !== '/ws') {
    return c.redirect('/login', 303)
  }
  throw new HTTPException(401, { message: 'Please sign in first.' })
}
