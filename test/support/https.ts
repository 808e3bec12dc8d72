import { request, type Agent } from 'node:https'
import WebSocket from 'ws'

export interface HttpsAnswer {
  status: number
  headers: Record<string, string | string[] | undefined>
  text: string
}

/**
 * A request over HTTPS trusting only `ca` (Caddy's local CA, or a throwaway certificate); `timeoutMs`: fails if its
 * connection is idle that long; `agent`: its connection pool (keep-alive, at most so many at once).
 */
export function httpsRequest(url: string, ca: string, init: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number; agent?: Agent } = {}): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'GET', headers: init.headers, ca, timeout: init.timeoutMs, agent: init.agent }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (d: string) => { text += d })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }))
    })
    req.on('error', reject)
    req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer from ${url} within ${init.timeoutMs} ms`), { name: 'TimeoutError' })))
    req.end(init.body)
  })
}

/** Signs in locally over HTTPS and answers the session cookie. */
export async function httpsSignIn(base: string, ca: string, login: string): Promise<string> {
  const res = await httpsRequest(`${base}/auth/local`, ca, {
    method: 'POST', body: new URLSearchParams({ login }).toString(),
    headers: { origin: base, 'content-type': 'application/x-www-form-urlencoded' },
  })
  const cookie = ([] as string[]).concat(res.headers['set-cookie'] ?? [])[0]
  if (res.status !== 303 || !cookie) throw new Error(`sign-in over HTTPS failed: ${res.status} ${res.text.slice(0, 200)}`)
  return cookie.split(';')[0]!
}

/** A form POST over HTTPS as a signed-in person (`htmx`: as the page's htmx sends it, answering a fragment). */
export function httpsForm(base: string, ca: string, cookie: string, path: string, fields: Record<string, string>, htmx = false, headers: Record<string, string> = {}, pool: { timeoutMs?: number; agent?: Agent } = {}) {
  return httpsRequest(`${base}${path}`, ca, { ...pool,
    method: 'POST', body: new URLSearchParams(fields).toString(),
    headers: { cookie, origin: base, 'content-type': 'application/x-www-form-urlencoded', ...(htmx ? { 'hx-request': 'true' } : {}), ...headers },
  })
}

/** A WebSocket over TLS trusting `ca`; resolves when open, rejects with the refusal's status. */
export function wss(url: string, ca: string, headers: Record<string, string>): Promise<{ ws: WebSocket; frames: string[]; closed: Promise<number> }> {
  const ws = new WebSocket(url, { headers, ca })
  const frames: string[] = []
  ws.on('message', (d) => frames.push(d.toString()))
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)))
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve({ ws, frames, closed }))
    ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`refused ${res.statusCode}`), { status: res.statusCode })))
    ws.once('error', reject)
  })
}
