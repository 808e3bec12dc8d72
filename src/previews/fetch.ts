import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { isIP } from 'node:net'
import { checkWebhookTarget, type CheckedTarget } from '../bots/targets.ts'

/** A page or image a preview does not take: a refused address or type, a bad status, too many redirects, too big, too slow. */
export class PreviewFetchRefused extends Error {
  readonly code = 'PREVIEW_FETCH_REFUSED'
}

export const MAX_REDIRECTS = 3

export interface GuardedGetOptions {
  /** The content types taken (lower-cased, without parameters); any other is refused before its body is read. */
  accept: (type: string) => boolean
  maxBytes: number
  /** True: a body longer than `maxBytes`, or still coming at `timeoutMs`, is cut there (a page's head is what matters); false: refused. */
  cut: boolean
  /** For the whole fetch, redirects included. */
  timeoutMs: number
  /** Address ranges taken beyond public unicast: ['loopback'] only for tests (LINK_PREVIEW_ALLOW_LOOPBACK). */
  allowRanges: readonly string[]
}

export interface Fetched {
  /** Where the body came from, after redirects. */
  readonly url: URL
  /** As the server sent it, parameters included. */
  readonly contentType: string
  readonly bytes: Uint8Array
}

type Answer = Fetched | { readonly location: string }

const REDIRECTS = new Set([301, 302, 303, 307, 308])

/**
 * GETs a URL for a link preview through the webhooks' SSRF guard: every URL,
 * the first and each redirect's, is resolved and checked (public addresses
 * only) and connected to at the address checked, so a DNS answer that
 * changes in between (rebinding) is never asked for. At most three
 * redirects, one deadline for them all, and the body is read only as far as
 * `maxBytes`.
 */
export async function guardedGet(raw: string, options: GuardedGetOptions): Promise<Fetched> {
  const deadline = Date.now() + options.timeoutMs
  let href = raw
  for (let hop = 0; ; hop++) {
    const target = await beforeDeadline(checkWebhookTarget(href, [], options.allowRanges), deadline, options.timeoutMs)
    const answer = await getOnce(target, options, deadline - Date.now())
    if (!('location' in answer)) return answer
    if (hop >= MAX_REDIRECTS) throw new PreviewFetchRefused(`more than ${MAX_REDIRECTS} redirects`)
    href = new URL(answer.location, target.url).href
  }
}

/** A slow DNS answer counts against the fetch's time too. */
async function beforeDeadline<T>(work: Promise<T>, deadline: number, timeoutMs: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new PreviewFetchRefused(`no answer within ${timeoutMs} ms`)), Math.max(0, deadline - Date.now()))
  })
  return Promise.race([work, late]).finally(() => clearTimeout(timer))
}

function getOnce(target: CheckedTarget, options: GuardedGetOptions, timeoutMs: number): Promise<Answer> {
  const { url, address, family } = target
  const https = url.protocol === 'https:'
  return new Promise<Answer>((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    let contentType = ''
    let settled = false
    const settle = (answer: Answer | Error) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      req.destroy()
      if (answer instanceof Error) reject(answer)
      else resolve(answer)
    }
    const body = () => {
      const bytes = Buffer.concat(chunks)
      return { url, contentType, bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, Math.min(bytes.byteLength, options.maxBytes)) }
    }
    // Our own timer (not an AbortSignal on the request): it also ends a body that trickles forever, on Node and Deno alike.
    const timer = setTimeout(() => settle(options.cut && size > 0 ? body() : new PreviewFetchRefused(`no answer within ${options.timeoutMs} ms`)), Math.max(0, timeoutMs))
    const req = (https ? httpsRequest : httpRequest)({
      host: address,
      family,
      port: url.port || (https ? 443 : 80),
      path: `${url.pathname}${url.search}`,
      method: 'GET',
      headers: { host: url.host, 'user-agent': 'rtc-link-preview', accept: 'text/html, image/*;q=0.8', 'accept-encoding': 'identity' },
      ...(https && !isIP(url.hostname.replace(/^\[(.*)\]$/, '$1')) ? { servername: url.hostname } : {}),
    }, (res) => {
      const status = res.statusCode ?? 0
      const location = res.headers.location
      if (REDIRECTS.has(status) && location) return settle({ location })
      if (status < 200 || status > 299) return settle(new PreviewFetchRefused(`answered ${status}`))
      contentType = String(res.headers['content-type'] ?? '')
      const type = contentType.split(';')[0]!.trim().toLowerCase()
      if (!options.accept(type)) return settle(new PreviewFetchRefused(`a preview does not take ${type || 'an untyped body'}`))
      const declared = Number(res.headers['content-length'] ?? NaN)
      if (!options.cut && declared > options.maxBytes) return settle(new PreviewFetchRefused(`larger than ${options.maxBytes} bytes`))
      res.on('data', (chunk: Buffer) => {
        size += chunk.length
        chunks.push(chunk)
        if (size <= options.maxBytes) return
        settle(options.cut ? body() : new PreviewFetchRefused(`larger than ${options.maxBytes} bytes`))
      })
      res.on('end', () => settle(body()))
      res.on('error', (err) => settle(err))
    })
    req.on('error', (err) => settle(err))
    req.end()
  })
}
