import type { Context, ErrorHandler, NotFoundHandler } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { AppEnv } from '../context.ts'
import { ErrorPage } from '../views/ErrorPage.tsx'
import { RateLimited } from './rateLimits.ts'
import { loggedPath } from './requestLog.ts'

/** Browsers get a page; API clients and scripts get JSON. */
export function wantsHtml(c: Context): boolean {
  return (c.req.header('accept') ?? '').includes('text/html') || c.req.header('hx-request') === 'true'
}

/** Errors a driver raises when its backend cannot be reached: the request may succeed later. */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED', 'CONNECTION_ENDED', 'CONNECTION_DESTROYED',
  '3D000', // database does not exist (dropped or not yet created)
  '55000', // database not accepting connections
])
/** SQLSTATE classes: connection exception, invalid authorization, insufficient resources, operator intervention. */
const UNAVAILABLE_SQLSTATE_CLASSES = ['08', '28', '53', '57']

export function isBackendUnavailable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code
  if (typeof code !== 'string') return false
  return UNAVAILABLE_CODES.has(code) || (/^[0-9A-Z]{5}$/.test(code) && UNAVAILABLE_SQLSTATE_CLASSES.includes(code.slice(0, 2)))
}

/** Cassandra's answers that say nothing about whether a write happened (timeouts, no replica, lost races). */
const UNKNOWN_OUTCOME_NAMES = new Set(['NoHostAvailableError', 'OperationTimedOutError', 'BusyConnectionError'])
/** Protocol error codes: unavailable, overloaded, bootstrapping, write and read timeouts, read and write failures, CAS write unknown. */
const UNKNOWN_OUTCOME_CQL = new Set([0x1000, 0x1001, 0x1002, 0x1100, 0x1200, 0x1300, 0x1500, 0x1700])

export function isOutcomeUnknown(err: unknown): boolean {
  const e = err as { name?: unknown; code?: unknown } | null
  if (!e) return false
  if (e.code === 'ECONTENDED') return true
  if (typeof e.name === 'string' && UNKNOWN_OUTCOME_NAMES.has(e.name)) return true
  // The driver's "Socket was closed": the node went away (killed, restarted) with the request on the wire.
  if ((e as { isSocketError?: unknown }).isSocketError === true) return true
  return e.name === 'ResponseError' && typeof e.code === 'number' && UNKNOWN_OUTCOME_CQL.has(e.code)
}

export function errorResponse(c: Context, status: number, message: string): Response | Promise<Response> {
  c.status(status as 400)
  return wantsHtml(c) ? c.html(<ErrorPage status={status} message={message} />) : c.json({ error: message, status })
}

/** Answers a rate-limit refusal: 429, Retry-After, the reason; a warn line (no stack) for the first refusal of its window. */
export function rateLimitedResponse(c: Context<AppEnv>, err: RateLimited, render: () => Response | Promise<Response> = () => errorResponse(c, 429, err.message)) {
  if (err.report) c.get('log').warn({ limit: err.limit, key: err.key, retryAfter: err.retryAfterSeconds, path: loggedPath(c.req.path) }, 'rate limited')
  c.header('Retry-After', String(err.retryAfterSeconds))
  return render()
}

export const onError: ErrorHandler<AppEnv> = (err, c) => {
  if (err instanceof RateLimited) return rateLimitedResponse(c, err)
  if (err instanceof HTTPException) {
    if (err.status >= 500) c.get('log').error({ err }, 'http exception')
    // Bad input is the client's: a line to see it by, without a stack.
    else if (err.status === 400) c.get('log').warn({ status: 400, reason: err.message, path: loggedPath(c.req.path) }, 'bad request')
    return errorResponse(c, err.status, err.message || defaultMessage(err.status))
  }
  if (isOutcomeUnknown(err)) {
    c.get('log').error({ err }, 'message store did not answer')
    return errorResponse(c, 503, 'The message store did not answer in time. What you sent may have been stored; sending it again is safe.')
  }
  if (isBackendUnavailable(err)) {
    c.get('log').error({ err }, 'backend unavailable')
    return errorResponse(c, 503, 'The service is briefly unavailable. Your request was not completed; please try again shortly.')
  }
  c.get('log').error({ err }, 'unhandled error')
  return errorResponse(c, 500, 'Something went wrong on our side. It has been logged.')
}

export const notFound: NotFoundHandler<AppEnv> = (c) => errorResponse(c, 404, 'There is nothing at this address.')

function defaultMessage(status: number): string {
  switch (status) {
    case 401: return 'Please sign in first.'
    case 403: return 'You are not allowed to do that.'
    case 413: return 'That request is too large.'
    case 429: return 'Too many requests; please wait a moment.'
    default: return 'The request could not be completed.'
  }
}
