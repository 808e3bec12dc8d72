import ipaddr from 'ipaddr.js'

/**
 * The range of an IP address as ipaddr.js names it ('unicast' for a public one), with an IPv4 address
 * carried in IPv6 judged as that IPv4: ipaddr.js does so for IPv4-mapped addresses (::ffff:a.b.c.d), not
 * for the deprecated IPv4-compatible ones (::a.b.c.d, which URLs write as [::7f00:1]) that some stacks
 * still route to the IPv4 address.
 */
export function addressRange(address: string): string {
  const parsed = ipaddr.process(address)
  if (parsed.kind() === 'ipv6') {
    const parts = (parsed as ipaddr.IPv6).parts
    if (parts.slice(0, 6).every((p) => p === 0) && (parts[6] !== 0 || parts[7]! > 1)) {
      return ipaddr.IPv4.parse(`${parts[6]! >> 8}.${parts[6]! & 255}.${parts[7]! >> 8}.${parts[7]! & 255}`).range()
    }
  }
  return parsed.range()
}
