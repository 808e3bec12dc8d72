import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { isIP } from 'node:net'
import type { CheckedTarget } from './targets.ts'

export interface PostAnswer {
  readonly status: number
  readonly contentType: string
  readonly text: string
}

/** A reply is a message (at most 4000 characters); more than this is not read. */
const MAX_ANSWER_BYTES = 64 * 1024

/**
 * POSTs `body` to the checked address itself, with the URL's host in the Host
 * header (and as the TLS server name), so the address connected to is the
 * one checked: a DNS answer that changes in between (rebinding) is never
 * asked for. Redirects are not followed. Rejects on a network error or when
 * `timeoutMs` passes before the answer is read.
 */
export function postTo(target: CheckedTarget, body: string, headers: Record<string, string>, timeoutMs: number): Promise<PostAnswer> {
  const { url, address, family } = target
  const https = url.protocol === 'https:'
  return new Promise((resolve, reject) => {
    const req = (https ? httpsRequest : httpRequest)({
      host: address,
      family,
      port: url.port || (https ? 443 : 80),
      path: `${url.pathname}${url.search}`,
      method: 'POST',
      headers: { ...headers, host: url.host, 'content-length': String(Buffer.byteLength(body)) },
      ...(https && !isIP(url.hostname.replace(/^\[(.*)\]$/, '$1')) ? { servername: url.hostname } : {}),
      signal: AbortSignal.timeout(timeoutMs),
    }, (res) => {
      const chunks: Buffer[] = []
      let size = 0
      res.on('data', (chunk: Buffer) => {
        size += chunk.length
        if (size <= MAX_ANSWER_BYTES) chunks.push(chunk)
      })
      res.on('end', () => resolve({
        status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), text: Buffer.concat(chunks).toString('utf8'),
      }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(body)
  })
}
