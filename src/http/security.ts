import type { MiddlewareHandler } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { csrf } from 'hono/csrf'
import { HTTPException } from 'hono/http-exception'
import { secureHeaders } from 'hono/secure-headers'
import type { AppEnv } from '../context.ts'

/** Request bodies are small forms; a message body is at most 4000 characters. */
export const MAX_BODY_BYTES = 64 * 1024

/**
 * No inline script and no eval: scripts come only from /static. Avatars are
 * GitHub's. `connect-src 'self'` covers the same-origin WebSocket.
 */
export function securityHeaders(): MiddlewareHandler<AppEnv> {
  const headers = secureHeaders({
    contentSecurityPolicy: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'", 'https://avatars.githubusercontent.com', 'data:'],
      connectSrc: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
      baseUri: ["'none'"],
      objectSrc: ["'none'"],
    },
    referrerPolicy: 'same-origin',
    crossOriginEmbedderPolicy: false,
  })
  // The upgrade response's headers are immutable on some runtimes; it carries no page anyway.
  return (c, next) => (c.req.path === '/ws' ? next() : headers(c, next))
}

export function limitBody(): MiddlewareHandler<AppEnv> {
  return bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => { throw new HTTPException(413, { message: 'That request is too large.' }) },
  })
}

/** Unsafe requests must come from our own pages. */
export function checkOrigin(publicUrl: string): MiddlewareHandler<AppEnv> {
  const check = csrf({ origin: publicUrl })
  return async (c, next) => {
    try {
      await check(c, async () => {})
    } catch {
      throw new HTTPException(403, { message: 'This request came from another site and was refused.' })
    }
    await next()
  }
}
