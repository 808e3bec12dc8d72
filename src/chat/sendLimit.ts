import type { Context, MiddlewareHandler } from 'hono'
import { signedInUser, type AppEnv } from '../context.ts'
import { rateLimitedResponse } from '../http/errors.tsx'
import { RateLimited, type RateLimits } from '../http/rateLimits.ts'

/** Sessions remembered as refused; beyond this the expired ones are swept. */
const SWEEP_ABOVE = 10_000

/**
 * The send limit, per user, in two steps. `afterSession` spends a send of the
 * signed-in user. Once a user is refused, their session is remembered until
 * the window ends, and `beforeSession` refuses its next sends without looking
 * the session up at all: a flood then costs this instance a hash and a map
 * lookup per request, not a session read and a counter. Either way the
 * composer keeps its text and shows the reason beside it.
 */
export function sendLimit(limits: RateLimits, sessionHashOf: (c: Context) => Promise<string | undefined>) {
  const refused = new Map<string, { until: number; key: string }>()
  const answer = (c: Context<AppEnv>, err: RateLimited) => {
    if (c.req.header('hx-request') !== 'true') throw err
    return rateLimitedResponse(c, err, () => {
      c.header('HX-Retarget', '#composer-error')
      c.header('HX-Reswap', 'textContent')
      return c.text(err.message, 429)
    })
  }

  const beforeSession: MiddlewareHandler<AppEnv> = async (c, next) => {
    if (!limits.enabled || refused.size === 0) return next()
    const hash = await sessionHashOf(c)
    const entry = hash === undefined ? undefined : refused.get(hash)
    if (!entry || entry.until <= Date.now()) return next()
    // Already reported when this window's first refusal was.
    limits.noteRefused('send')
    return answer(c, new RateLimited('send', Math.ceil((entry.until - Date.now()) / 1000), entry.key, false))
  }

  const afterSession: MiddlewareHandler<AppEnv> = async (c, next) => {
    try {
      await limits.take('send', String(signedInUser(c.get('user')).id))
    } catch (err) {
      if (!(err instanceof RateLimited)) throw err
      const hash = c.get('sessionHash')
      if (hash) remember(hash, Date.now() + err.retryAfterSeconds * 1000, err.key)
      return answer(c, err)
    }
    await next()
  }

  const remember = (hash: string, until: number, key: string) => {
    if (refused.size >= SWEEP_ABOVE) {
      const now = Date.now()
      for (const [h, e] of refused) if (e.until <= now) refused.delete(h)
    }
    refused.set(hash, { until, key })
  }

  /**
   * Edits and reaction toggles take from the same budget as sends: each is a change pushed to every
   * reader of the room. A refusal is the usual 429 with Retry-After (the editor or the picker shows it).
   */
  const change: MiddlewareHandler<AppEnv> = async (c, next) => {
    await limits.take('send', String(signedInUser(c.get('user')).id))
    await next()
  }

  return { beforeSession, afterSession, change }
}
