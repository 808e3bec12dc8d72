import type { Context } from 'hono'

/** How the runtime tells the address of the peer that connected (Caddy's, behind it). */
export type RemoteAddress = (c: Context) => string | undefined

/**
 * The peer's address on either runtime: `@hono/node-server` passes the Node
 * request as `env.incoming`, `Deno.serve` passes its handler info (`remoteAddr`) as env.
 */
export const runtimeRemoteAddress: RemoteAddress = (c) => {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } }; remoteAddr?: { hostname?: string } } | undefined
  return env?.incoming?.socket?.remoteAddress ?? env?.remoteAddr?.hostname
}

const unmapped = (address: string) => address.toLowerCase().replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1')

function ipv4ToNumber(address: string): number | undefined {
  const parts = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(address)
  if (!parts) return undefined
  return parts.slice(1, 5).reduce((n, p) => n * 256 + Number(p), 0)
}

/** Whether `address` is one of `trusted` (exact addresses, or IPv4 ranges like 10.0.0.0/8). */
export function isTrusted(address: string, trusted: readonly string[]): boolean {
  const plain = unmapped(address)
  const v4 = ipv4ToNumber(plain)
  return trusted.some((entry) => {
    const [base, bits] = entry.split('/')
    if (bits === undefined) return unmapped(base!) === plain
    const start = ipv4ToNumber(base!)
    if (v4 === undefined || start === undefined) return false
    const mask = Number(bits) === 0 ? 0 : (0xffffffff << (32 - Number(bits))) >>> 0
    return ((v4 & mask) >>> 0) === ((start & mask) >>> 0)
  })
}

/**
 * The client's address: the peer's, unless the peer is a trusted proxy; then
 * the nearest address in X-Forwarded-For that is not itself a trusted proxy
 * (entries further left are the client's to forge).
 */
export function clientAddress(c: Context, remote: RemoteAddress | undefined, trusted: readonly string[]): string {
  let address = remote?.(c)
  if (!address) return 'unknown'
  if (!isTrusted(address, trusted)) return unmapped(address)
  const hops = (c.req.header('x-forwarded-for') ?? '').split(',').map((h) => h.trim()).filter(Boolean)
  for (let i = hops.length - 1; i >= 0; i--) {
    address = hops[i]!
    if (!isTrusted(address, trusted)) break
  }
  return unmapped(address)
}
