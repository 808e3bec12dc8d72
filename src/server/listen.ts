/** The URL a listener answers on, as the start-up line names it: IPv6 hosts in brackets. */
export function listenUrl(host: string, port: number, scheme: 'http' | 'https' = 'http'): string {
  return `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`
}
