import { Buffer } from 'node:buffer'
import { createECDH } from 'node:crypto'
import ipaddr from 'ipaddr.js'
import { addressRange } from '../lib/addressRange.ts'
import type { PushSubscriptionKeys } from '../store/ports.ts'

/** A browser's subscription JSON is a few hundred bytes; anything near this is not one. */
export const MAX_SUBSCRIPTION_BYTES = 4096
export const MAX_ENDPOINT_CHARS = 2048
const BASE64URL = /^[A-Za-z0-9_-]+$/

export type SubscriptionCheck = { ok: true; subscription: PushSubscriptionKeys } | { ok: false; error: string }

export interface EndpointPolicy {
  /** Loopback endpoints (http too) for a stand-in push service in tests. */
  allowLoopback: boolean
}

/** Is this address one a push service may have: public unicast, or loopback where allowed? */
export function reachableAddress(address: string, policy: EndpointPolicy): boolean {
  if (!ipaddr.isValid(address)) return false
  const range = addressRange(address)
  return range === 'unicast' || (policy.allowLoopback && range === 'loopback')
}

/** The endpoint's host as an address literal, or undefined for a name. */
function literalAddress(hostname: string): string | undefined {
  const bare = hostname.startsWith('[') ? hostname.slice(1, -1) : hostname
  return ipaddr.isValid(bare) ? bare : undefined
}

/**
 * Checks an endpoint URL before it is stored: https (http only to an allowed
 * loopback stand-in), no credentials, and never a private, loopback or
 * link-local address literal. Names are resolved and checked again at send time.
 */
export function checkEndpoint(raw: string, policy: EndpointPolicy): string | undefined {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return 'The endpoint is not a URL.'
  }
  if (url.username || url.password) return 'The endpoint must not carry credentials.'
  const literal = literalAddress(url.hostname)
  const loopback = url.hostname === 'localhost' || (literal !== undefined && addressRange(literal) === 'loopback')
  if (loopback) return policy.allowLoopback ? undefined : 'The endpoint must be a push service on the internet, not this machine.'
  if (url.protocol !== 'https:') return 'The endpoint must be an https URL.'
  if (literal !== undefined && !reachableAddress(literal, policy)) return 'The endpoint must be a push service on the internet, not a private address.'
  return undefined
}

function key(value: unknown, name: string, bytes: number): string | { error: string } {
  if (typeof value !== 'string' || !BASE64URL.test(value.replace(/=+$/, '')) || Buffer.from(value, 'base64url').length !== bytes) {
    return { error: `keys.${name} must be ${bytes} bytes in base64url.` }
  }
  return value.replace(/=+$/, '')
}

/**
 * Checks a browser's `PushSubscription.toJSON()`: an endpoint URL, and keys
 * `p256dh` (an uncompressed P-256 point, 65 bytes) and `auth` (16 bytes).
 */
export function checkSubscription(json: unknown, policy: EndpointPolicy): SubscriptionCheck {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { ok: false, error: 'A subscription is a JSON object.' }
  const { endpoint, keys } = json as { endpoint?: unknown; keys?: unknown }
  if (typeof endpoint !== 'string' || endpoint.length === 0 || endpoint.length > MAX_ENDPOINT_CHARS) {
    return { ok: false, error: `endpoint must be a URL of at most ${MAX_ENDPOINT_CHARS} characters.` }
  }
  const refused = checkEndpoint(endpoint, policy)
  if (refused) return { ok: false, error: refused }
  if (typeof keys !== 'object' || keys === null) return { ok: false, error: 'keys must hold p256dh and auth.' }
  const p256dh = key((keys as { p256dh?: unknown }).p256dh, 'p256dh', 65)
  if (typeof p256dh !== 'string') return { ok: false, ...p256dh }
  const auth = key((keys as { auth?: unknown }).auth, 'auth', 16)
  if (typeof auth !== 'string') return { ok: false, ...auth }
  try {
    // Encryption to a point off the curve would fail at every send: refuse it now.
    const ecdh = createECDH('prime256v1')
    ecdh.generateKeys()
    ecdh.computeSecret(Buffer.from(p256dh, 'base64url'))
  } catch {
    return { ok: false, error: 'keys.p256dh is not a P-256 public key.' }
  }
  return { ok: true, subscription: { endpoint, p256dh, auth } }
}
