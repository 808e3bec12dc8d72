import type { MiddlewareHandler } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { AppEnv } from '../context.ts'
import type { User } from '../store/ports.ts'

/** Administrators are the people (never bots) whose login is in `ADMIN_LOGINS`. */
export const isAdmin = (adminLogins: readonly string[], user: User | undefined) =>
  user !== undefined && user.kind !== 'bot' && adminLogins.includes(user.login.toLowerCase())

/** Sets `admin` for the signed-in user; runs after the session is loaded. */
export function loadAdmin(adminLogins: readonly string[]): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    c.set('admin', isAdmin(adminLogins, c.get('user')))
    await next()
  }
}

/** Administrators only; to anyone else the address does not exist. */
export const requireAdmin: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (!c.get('admin')) throw new HTTPException(404, { message: 'There is nothing at this address.' })
  await next()
}
