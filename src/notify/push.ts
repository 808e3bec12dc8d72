import { lookup } from 'node:dns/promises'
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

const resolveAll = async (host: string) => (await lookup(host, { all: true, verbatim: true })).map((a) => a.address)

/**
 * Sends one encrypted push (RFC 8291 aes128gcm, VAPID per RFC 8292; both by
 * `web-push`) with `fetch`. Before each send the endpoint's host is resolved and
 * every address must be a public one (or loopback where allowed), and redirects
 * are not followed, so a subscription cannot point the server at its own network.
 * Log lines name the push service's host only: an endpoint's path is a secret.
 */
export function pushSender({ vapid, policy, log, timeoutMs = 10_000, ttlSeconds = 24 * 3600, resolve = resolveAll }: PushSenderOptions) {
  const vapidDetails = { subject: vapid.subject, publicKey: vapid.publicKey, privateKey: vapid.privateKey }

  const reachable = async (url: URL) => {
    if (checkEndpoint(url.href, policy)) return false
    const host = url.hostname.replace(/^\[|\]$/g, '')
    const addresses = host === 'localhost' ? ['127.0.0.1'] : await resolve(host)
    return addresses.length > 0 && addresses.every((a) => reachableAddress(a, policy))
  }

  return async function sendPush(subscription: PushSubscriptionKeys, payload: string): Promise<PushOutcome> {
    const url = new URL(subscription.endpoint)
    const service = url.host
    try {
      if (!(await reachable(url))) {
        log.warn({ service }, 'push endpoint refused: it resolves to a private address')
        return 'failed'
      }
      const details = webpush.generateRequestDetails(
        { endpoint: subscription.endpoint, keys: { p256dh: subscription.p256dh, auth: subscription.auth } },
        payload,
        { vapidDetails, TTL: ttlSeconds, urgency: 'high' },
      )
      const headers = new Headers()
      for (const [name, value] of Object.entries(details.headers)) {
        if (name.toLowerCase() !== 'content-length') headers.set(name, String(value))
      }
      const res = await fetch(details.endpoint, {
        method: 'POST', headers, body: details.body ? new Uint8Array(details.body) : null, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs),
      })
      await res.body?.cancel()
      if (res.status === 404 || res.status === 410) return 'gone'
      if (res.status >= 200 && res.status < 300) return 'sent'
      log.warn({ service, status: res.status }, 'push not accepted by the push service')
      return 'failed'
    } catch (err) {
      const reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err)
      // The error may quote the URL; only the host is logged.
      log.warn({ service, reason: reason.split(subscription.endpoint).join(service) }, 'push not sent')
      return 'failed'
    }
  }
}

export type SendPush = ReturnType<typeof pushSender>

/** A fresh VAPID key pair in base64url, as the configuration takes it. */
export const generateVapidKeys = () => webpush.generateVAPIDKeys()
