import type { Context, MiddlewareHandler } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { HTTPException } from 'hono/http-exception'
import { secureHeaders } from 'hono/secure-headers'
import type { AppEnv } from '../context.ts'
import { formatBytes } from '../lib/bytes.ts'

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
      // blob: the composer's thumbnails of files not yet sent (object URLs the page makes from the user's own files).
      imgSrc: ["'self'", 'https://avatars.githubusercontent.com', 'data:', 'blob:'],
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
  return async (c, next) => {
    if (c.req.path === '/ws') return next()
    await headers(c, next)
    // A sent file is no page of ours: whatever it holds, it runs nothing (see uploads/routes.ts).
    if (SENT_FILE.test(c.req.path) && c.res.ok) c.res.headers.set('Content-Security-Policy', 'sandbox')
  }
}

const SENT_FILE = /^\/rooms\/[^/]+\/messages\/\d+\/files\/|^\/avatars\//

/** Where an administrator uploads a Slack export (src/import/). */
const IMPORT_PATH = '/admin/import'

/** Where files are sent: a message with `multipart/form-data`. */
const UPLOAD_PATH = /^\/rooms\/[^/]+\/messages$/
/** Where a profile's picture is sent. */
const PROFILE_PATH = '/profile'

const isMultipartPost = (c: Context) => c.req.method === 'POST' && (c.req.header('content-type') ?? '').startsWith('multipart/form-data')

/**
 * Caps every request body while it streams in (and at once by Content-Length):
 * small forms everywhere, and `uploadMaxBytes` of files plus a form's worth
 * for a multipart send, refused with the limit in the message. A profile's
 * form (`avatarMaxBytes` of picture) is only ever counted as it streams, so
 * its route reads the text fields that came first and shows the refusal on
 * the form, beside what was typed.
 */
export function limitBody({ uploadMaxBytes, avatarMaxBytes, importMaxBytes }: { uploadMaxBytes?: number | undefined; avatarMaxBytes?: number | undefined; importMaxBytes?: number | undefined } = {}): MiddlewareHandler<AppEnv> {
  const small = capped(MAX_BODY_BYTES, 'That request is too large.')
  const upload = uploadMaxBytes ? capped(uploadMaxBytes + MAX_BODY_BYTES, `That upload is too large: files can be at most ${formatBytes(uploadMaxBytes)} in all.`) : undefined
  const avatar = avatarMaxBytes ? capped(avatarMaxBytes + MAX_BODY_BYTES, `That picture is too large: at most ${formatBytes(avatarMaxBytes)}.`, { streamed: true }) : undefined
  const archive = importMaxBytes ? capped(importMaxBytes + MAX_BODY_BYTES, `That archive is too large to upload: at most ${formatBytes(importMaxBytes)} (IMPORT_UPLOAD_MAX_BYTES); import it with npm run import:slack instead.`) : undefined
  if (!upload && !avatar && !archive) return small
  return (c, next) => {
    if (!isMultipartPost(c)) return small(c, next)
    if (upload && UPLOAD_PATH.test(c.req.path)) return upload(c, next)
    if (avatar && c.req.path === PROFILE_PATH) return avatar(c, next)
    if (archive && c.req.path === IMPORT_PATH) return archive(c, next)
    return small(c, next)
  }
}

/**
 * Refuses a body over `maxSize` with 413. A body with a Content-Length is judged by it (the HTTP parser
 * reads exactly that many bytes), without touching the body: looking at it would make the runtime build
 * a web Request and stream for every request. Only a body of unknown length is counted as it streams in:
 * a multipart one as its parts are read (http/multipart.ts), so it is never held whole here; any other
 * held up to the limit. With `streamed`, a multipart body is counted so even when it has a length.
 */
function capped(maxSize: number, message: string, { streamed: always = false } = {}): MiddlewareHandler<AppEnv> {
  const refusal = () => new HTTPException(413, { message })
  const onError = (): never => { throw refusal() }
  const streamed = bodyLimit({ maxSize, onError })
  return (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next()
    const length = c.req.header('content-length')
    if (always || length === undefined || c.req.header('transfer-encoding') !== undefined) {
      const body = c.req.raw.body
      if (!body || !/^multipart\//i.test(c.req.header('content-type') ?? '')) return streamed(c, next)
      c.req.raw = new Request(c.req.raw, { body: counted(body, maxSize, refusal), duplex: 'half' } as RequestInit)
      return next()
    }
    return Number(length) > maxSize ? onError() : next()
  }
}

/** The body as it is pulled, failing with `refusal()` once more than `maxSize` bytes came: nothing is read ahead or kept. */
function counted(body: ReadableStream<Uint8Array>, maxSize: number, refusal: () => Error): ReadableStream<Uint8Array> {
  const reader = body.getReader()
  let size = 0
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read()
      if (done) return controller.close()
      size += value.byteLength
      if (size > maxSize) return controller.error(refusal())
      controller.enqueue(value)
    },
    cancel: (reason) => reader.cancel(reason),
  }, { highWaterMark: 0 })
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/**
 * Unsafe requests must come from our own pages, whatever their content type
 * (a JSON body is preflighted by browsers; this is the second fence). Browsers
 * send Origin on every unsafe request; Sec-Fetch-Site stands in when a privacy
 * setting dropped it. A request with neither is refused too.
 */
export function checkOrigin(publicUrl: string): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (!SAFE_METHODS.has(c.req.method)) {
      const origin = c.req.header('origin')
      const site = c.req.header('sec-fetch-site')
      const ours = origin !== undefined ? origin === publicUrl : site === 'same-origin'
      if (!ours) throw new HTTPException(403, { message: 'This request came from another site and was refused.' })
    }
    await next()
  }
}

/** What a request id from outside (a proxy's, or a client's) must look like to be kept. */
const REQUEST_ID = /^[A-Za-z0-9-]{8,64}$/

/**
 * Every request gets an id for its log lines and the X-Request-Id answer. One
 * from upstream is kept only if it is plain letters, digits and dashes, so a
 * client cannot put arbitrary text into our logs or headers.
 */
export function requestIds(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const given = c.req.header('x-request-id')
    const id = given !== undefined && REQUEST_ID.test(given) ? given : crypto.randomUUID()
    c.set('requestId', id)
    // The upgrade response's headers are immutable on some runtimes.
    if (c.req.path !== '/ws') c.header('X-Request-Id', id)
    await next()
  }
}
