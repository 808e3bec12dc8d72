import WebSocket from 'ws'
import { loadConfig } from '../../src/config.ts'
import { startNode, type NodeOptions, type RunningServer } from '../../src/server/node.ts'
import { capturedLogger } from './logs.ts'
import { sealed } from './network.ts'

export const ORIGIN = 'http://localhost:8080'

/** The real server, in process, on a loopback port (0 picks one). */
export async function startChatServer(
  env: Record<string, string>,
  options: NodeOptions = {},
): Promise<RunningServer & { logs: ReturnType<typeof capturedLogger> }> {
  const logs = capturedLogger()
  // Limits are off unless a test turns them on: suites sign many people in from one address.
  const config = loadConfig({ HOST: '127.0.0.1', PORT: '0', PUBLIC_URL: ORIGIN, LOCAL_LOGIN: 'true', LOG_LEVEL: 'info', RATE_LIMITS: 'off', ...sealed(env), ...env })
  const server = await startNode(config, logs.log, options)
  return Object.assign(server, { logs })
}

/** A signed-in person talking to the server over real HTTP. */
export async function signIn(base: string, login: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}/auth/local`, {
    method: 'POST', redirect: 'manual', body: new URLSearchParams({ login }), headers: { origin: ORIGIN, ...headers },
  })
  const cookie = res.headers.getSetCookie()[0]?.split(';')[0]
  if (res.status !== 303 || !cookie) throw new Error(`sign-in failed: ${res.status}`)
  const send = (path: string, init: RequestInit = {}) =>
    fetch(`${base}${path}`, { redirect: 'manual', ...init, headers: { cookie, origin: ORIGIN, ...init.headers } })
  const form = (path: string, fields: Record<string, string>, htmx = false) =>
    send(path, { method: 'POST', body: new URLSearchParams(fields), headers: htmx ? { 'hx-request': 'true' } : {} })
  return {
    login,
    cookie,
    send,
    form,
    async createRoom(name: string, visibility: 'public' | 'private' = 'public') {
      const res = await form('/rooms', { name, visibility })
      return res.headers.get('location')!.replace('/rooms/', '')
    },
    /** Sends over HTTP as the page does (htmx), answering the status, the fragment and the message id. */
    async post(slug: string, body: string, nonce = crypto.randomUUID()) {
      const res = await form(`/rooms/${slug}/messages`, { body, nonce }, true)
      const html = await res.text()
      return { status: res.status, html, id: /data-key="(\d+)"/.exec(html)?.[1], headers: res.headers }
    },
    socket: (slug: string, since?: string, headers: Record<string, string> = {}) =>
      openSocket(base, slug, since, { cookie, origin: ORIGIN, ...headers }),
  }
}

export type Person = Awaited<ReturnType<typeof signIn>>

export interface TestSocket {
  readonly ws: WebSocket
  readonly frames: string[]
  /** Ids of new messages received, in arrival order (edits and deletes excluded). */
  createdIds(): string[]
  waitFor(predicate: () => boolean, what: string, ms?: number): Promise<void>
  closed: Promise<{ code: number; reason: string }>
  close(): Promise<void>
  /** Says what a tab says (static/js/presence.js): shown and used just now, or hidden. */
  tell(state: 'active' | 'hidden'): void
}

/** Ids in a CreatedFrame, in document order; changed frames carry hx-swap-oob="true" and are skipped. */
export function createdIdsIn(frame: string): string[] {
  if (!frame.startsWith('<div id="messages"')) return []
  return [...frame.matchAll(/<article id="m-(\d+)"/g)].map((m) => m[1]!)
}

/** The id a page's sidebar gives a room (its link is `side-<id>`). */
export function sidebarId(page: string, slug: string): string {
  const id = new RegExp(`<a id="side-(\\d+)" class="side-room" href="/rooms/${slug}"`).exec(page)?.[1]
  if (id === undefined) throw new Error(`no sidebar link to /rooms/${slug} on the page`)
  return id
}

/** The newest count a socket was told for a room's sidebar link (undefined: never told). */
export function lastCount(socket: TestSocket, roomId: string, attr: 'data-unread' | 'data-mentions'): number | undefined {
  let found: number | undefined
  for (const frame of socket.frames) {
    const link = new RegExp(`<a id="side-${roomId}"[^>]*>(.*?)</a>`).exec(frame)?.[1]
    const n = link && new RegExp(`${attr}="(\\d+)"`).exec(link)?.[1]
    if (n) found = Number(n)
  }
  return found
}

export function openSocket(base: string, slug: string, since: string | undefined, headers: Record<string, string>): Promise<TestSocket> {
  const url = `${base.replace('http', 'ws')}/ws?room=${slug}${since ? `&since=${since}` : ''}`
  const ws = new WebSocket(url, { headers })
  const frames: string[] = []
  ws.on('message', (data) => frames.push(data.toString()))
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })))
  const socket: TestSocket = {
    ws, frames, closed,
    createdIds: () => frames.flatMap(createdIdsIn),
    tell: (state) => ws.send(JSON.stringify({ presence: state })),
    async waitFor(predicate, what, ms = 10_000) {
      const start = Date.now()
      while (!predicate()) {
        if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}; got ${frames.length} frames`)
        await new Promise((r) => setTimeout(r, 10))
      }
    },
    async close() {
      if (ws.readyState !== WebSocket.CLOSED) {
        ws.close()
        await closed
      }
    },
  }
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(socket))
    ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode })))
    ws.once('error', reject)
  })
}
