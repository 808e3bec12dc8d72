import { lookup } from 'node:dns/promises'
import { Agent as HttpAgent, request as httpRequest, type OutgoingHttpHeaders } from 'node:http'
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https'
import type { LookupFunction } from 'node:net'
import webpush from 'web-push'
import type { PushConfig } from '../config.ts'
import type { Logger } from '../log.ts'
import type { PushSubscriptionKeys } from '../store/ports.ts'
import { checkEndpoint, reachableAddress, type EndpointPolicy } from './subscription.ts'

export type PushOutcome = 'sent' | 'gone' | 'failed'

export interface PushSenderOptions {
  vapid: NonNullable<PushConfig['vapid']>
  policy: EndpointPolicy
  log: Logger
  /** How long one push service may take to answer. */
  timeoutMs?: number
  /** Seconds the push service keeps a push for a browser that is offline. */
  ttlSeconds?: number
  /** Name resolution, replaceable in tests. */
  resolve?: (host: string) => Promise<string[]>
}

/** A VAPID token lives 12 hours (at most 24 are allowed) and is renewed in its last hour. */
const VAPID_TOKEN_SECONDS = 12 * 3600
const VAPID_RENEW_BEFORE_SECONDS = 3600
/** Push services are a handful (one per browser vendor); a flood of made-up origins only empties the cache. */
const MAX_CACHED_TOKENS = 100

/** Connections to push services are kept and reused (a handful of services carry every browser's pushes). */
const agents = { http: new HttpAgent({ keepAlive: true, maxSockets: 16 }), https: new HttpsAgent({ keepAlive: true, maxSockets: 16 }) }

/** Connects to the address that was checked, never to what a second lookup of the name might answer. */
const pinnedTo = (address: string): LookupFunction => (_host, options, callback) => {
  const family = address.includes(':') ? 6 : 4
  if (options.all) (callback as (err: null, addresses: { address: string; family: number }[]) => void)(null, [{ address, family }])
  else callback(null, address, family)
}

/** One POST, no redirects followed; answers the status. */
function post(url: URL, address: string, headers: OutgoingHttpHeaders, body: Uint8Array | null, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const tls = url.protocol === 'https:'
    const req = (tls ? httpsRequest : httpRequest)(url, {
      method: 'POST', headers, agent: tls ? agents.https : agents.http, lookup: pinnedTo(address), signal: AbortSignal.timeout(timeoutMs),
    }, (res) => {
      res.resume()
      res.once('end', () => resolve(res.statusCode ?? 0))
      res.once('error', reject)
    })
    req.once('error', reject)
    req.end(body)
  })
}

const resolveAll = async (host: string) => (await lookup(host, { all: true, verbatim: true })).map((a) => a.address)

/**
 * Sends one encrypted push (RFC 8291 aes128gcm, VAPID per RFC 8292; both by
 * `web-push`) over node:http(s) with kept-alive connections. Before each send the
 * endpoint's host is resolved, every address must be a public one (or loopback
 * where allowed), the connection goes to the address checked, and redirects are
 * not followed, so a subscription cannot point the server at its own network.
 * Log lines name the push service's host only: an endpoint's path is a secret.
 */
export function pushSender({ vapid, policy, log, timeoutMs = 10_000, ttlSeconds = 24 * 3600, resolve = resolveAll }: PushSenderOptions) {
  /** Signing a VAPID token costs more than encrypting a push: one token per push service, reused until near its expiry (RFC 8292 allows it). */
  const tokens = new Map<string, { authorization: string; renewAt: number }>()
  const authorization = (audience: string) => {
    const now = Math.floor(Date.now() / 1000)
    const cached = tokens.get(audience)
    if (cached && cached.renewAt > now) return cached.authorization
    const headers = webpush.getVapidHeaders(audience, vapid.subject, vapid.publicKey, vapid.privateKey, 'aes128gcm', now + VAPID_TOKEN_SECONDS)
    if (tokens.size >= MAX_CACHED_TOKENS) tokens.clear()
    tokens.set(audience, { authorization: headers.Authorization, renewAt: now + VAPID_TOKEN_SECONDS - VAPID_RENEW_BEFORE_SECONDS })
    return headers.Authorization
  }

  /** The address to connect to, if every address the host has is one a push service may have. */
  const vetted = async (url: URL) => {
    if (checkEndpoint(url.href, policy)) return undefined
    const host = url.hostname.replace(/^\[|\]$/g, '')
    const addresses = host === 'localhost' ? ['127.0.0.1'] : await resolve(host)
    return addresses.length > 0 && addresses.every((a) => reachableAddress(a, policy)) ? addresses[0] : undefined
  }

  return async function sendPush(subscription: PushSubscriptionKeys, payload: string): Promise<PushOutcome> {
    const url = new URL(subscription.endpoint)
    const service = url.host
    try {
      const address = await vetted(url)
      if (!address) {
        log.warn({ service }, 'push endpoint refused: it resolves to a private address')
        return 'failed'
      }
      const details = webpush.generateRequestDetails(
        { endpoint: subscription.endpoint, keys: { p256dh: subscription.p256dh, auth: subscription.auth } },
        payload,
        // No vapidDetails: web-push would sign a new token per push; the cached one goes in as a header.
        { headers: { Authorization: authorization(url.origin) }, TTL: ttlSeconds, urgency: 'high' },
      )
      const status = await post(url, address, details.headers as OutgoingHttpHeaders, details.body, timeoutMs)
      if (status === 404 || status === 410) return 'gone'
      if (status >= 200 && status < 300) return 'sent'
      log.warn({ service, status }, 'push not accepted by the push service')
      return 'failed'
    } catch (err) {
      const reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err)
      // The error may quote the URL; only the host is logged.
      log.warn({ pushService: service, reason: reason.split(subscription.endpoint).join(service) }, 'push not sent')
      return 'failed'
    }
  }
}

export type SendPush = ReturnType<typeof pushSender>

/** A fresh VAPID key pair in base64url, as the configuration takes it. */
export const generateVapidKeys = () => webpush.generateVAPIDKeys()
