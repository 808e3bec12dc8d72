import { lookup } from 'node:dns/promises'
import ipaddr from 'ipaddr.js'
import { addressRange } from '../lib/addressRange.ts'

/** A webhook URL refused: not http(s), or a host that is (or resolves to) an address we never call. */
export class WebhookTargetRefused extends Error {
  readonly code = 'WEBHOOK_TARGET_REFUSED'
}

export interface CheckedTarget {
  readonly url: URL
  /** The address checked, which the request must connect to (a second lookup could answer differently). */
  readonly address: string
  readonly family: 4 | 6
}

const MAX_URL_LENGTH = 2000

/** A webhook URL as an admin typed it: http or https, no credentials in it. */
export function parseWebhookUrl(raw: string): URL {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new WebhookTargetRefused('The webhook URL is not a URL; it starts with https:// (or http://).')
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new WebhookTargetRefused('The webhook URL must start with https:// or http://.')
  if (url.username || url.password) throw new WebhookTargetRefused('The webhook URL must not carry a user name or password.')
  if (raw.length > MAX_URL_LENGTH) throw new WebhookTargetRefused(`The webhook URL is longer than ${MAX_URL_LENGTH} characters.`)
  return url
}

/**
 * Resolves the URL's host and checks every address it has: only public
 * unicast addresses are called, so a webhook cannot reach loopback,
 * link-local, private, unique-local, CGNAT, multicast or unspecified
 * addresses (IPv4-mapped IPv6 is judged as the IPv4 it carries), unless the
 * host is on the administrator's allowlist, or its range is among `allowRanges` (the link previews' test-only
 * 'loopback'). Ranges come from ipaddr.js. Link previews check every page and image URL with it too.
 */
export async function checkWebhookTarget(raw: string | URL, allowHosts: readonly string[], allowRanges: readonly string[] = []): Promise<CheckedTarget> {
  const url = typeof raw === 'string' ? parseWebhookUrl(raw) : raw
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase()
  const allowed = allowHosts.includes(host) || allowHosts.includes(`[${host}]`)
  let addresses: { address: string; family: number }[]
  if (ipaddr.isValid(host)) {
    addresses = [{ address: host, family: host.includes(':') ? 6 : 4 }]
  } else {
    try {
      addresses = await lookup(host, { all: true, verbatim: true })
    } catch {
      throw new WebhookTargetRefused(`The webhook host ${host} could not be resolved.`)
    }
  }
  if (addresses.length === 0) throw new WebhookTargetRefused(`The webhook host ${host} has no address.`)
  if (!allowed) {
    for (const { address } of addresses) {
      const range = addressRange(address)
      if (range !== 'unicast' && !allowRanges.includes(range)) {
        throw new WebhookTargetRefused(
          `The webhook host ${host} is a ${range} address; webhooks go only to public addresses unless the host is listed in WEBHOOK_ALLOW_HOSTS.`)
      }
    }
  }
  const first = addresses[0]!
  return { url, address: first.address, family: first.family === 6 ? 6 : 4 }
}
