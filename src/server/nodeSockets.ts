import { STATUS_CODES, type IncomingMessage, type Server } from 'node:http'
import type { Duplex } from 'node:stream'
import { defineWebSocketHelper, WSContext, type WSEvents } from 'hono/ws'
import type { WebSocket, WebSocketServer } from 'ws'
import { SEND_TEXT_BYTES, type TextBytesSender } from '../realtime/connection.ts'

/**
 * Hono's `upgradeWebSocket` for Node, lean on memory. `@hono/node-server`'s
 * helper keeps each socket's request, Hono context and URL alive for the
 * socket's whole life (about 18 KB each, measured by the benchmark); here the
 * route only parks its events for the upgrade, and an open socket holds
 * nothing but `ws` and those events.
 */
const parked = new WeakMap<IncomingMessage, WSEvents<WebSocket>>()

export const upgradeWebSocket = defineWebSocketHelper<WebSocket>((c, events) => {
  if (c.req.header('upgrade')?.toLowerCase() !== 'websocket') return
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming
  if (!incoming) return new Response('WebSocket upgrade needs the Node server', { status: 500 })
  parked.set(incoming, events)
  return new Response(null, { status: 200 })
})

type Fetch = (request: Request, env: { incoming: IncomingMessage; outgoing: undefined }) => Response | Promise<Response>

/** Answers upgrades on `server`: the app decides (sign-in, Origin, membership) and refuses before the 101, or its route parks events. */
export function acceptWebSockets(server: Pick<Server, 'on'>, wss: WebSocketServer, fetch: Fetch): void {
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy())
    void (async () => {
      const headers = new Headers()
      for (const [name, value] of Object.entries(req.headers)) {
        if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value)
      }
      let response: Response
      try {
        response = await fetch(new Request(new URL(req.url ?? '/', 'http://localhost'), { headers }), { incoming: req, outgoing: undefined })
      } catch {
        return refuse(socket, 500)
      }
      const events = parked.get(req)
      parked.delete(req)
      if (!events || socket.destroyed) return refuse(socket, response.status === 200 ? 400 : response.status)
      wss.handleUpgrade(req, socket, head, (ws) => {
        // `ws` emits 'connection' only from its own upgrade listener, never for a callback: the heartbeat listens for it.
        wss.emit('connection', ws, req)
        wire(ws, events, socket)
      })
    })()
  })
}

/**
 * Sockets written to in this tick, corked until it ends: a reader that gets
 * several frames in one tick (a burst, a drained backlog, a server falling
 * behind) gets them in one system call. Measured with bench/servers/product.ts
 * (100 rooms of 100): four frames per reader in one tick cost about half the
 * CPU per delivery; a lone frame costs the same as uncorked.
 */
let corked: Duplex[] = []
const uncorkAll = () => {
  const sockets = corked
  corked = []
  for (const socket of sockets) socket.uncork()
}

function corkForTick(socket: Duplex): void {
  if (socket.writableCorked || socket.destroyed) return
  socket.cork()
  if (corked.push(socket) === 1) process.nextTick(uncorkAll)
}

const TEXT = { binary: false } as const

function wire(ws: WebSocket, events: WSEvents<WebSocket>, socket: Duplex): void {
  const ctx = new WSContext<WebSocket>({
    send: (data) => {
      corkForTick(socket)
      ws.send(data as string)
    },
    close: (code, reason) => ws.close(code, reason),
    raw: ws,
    get readyState() {
      return ws.readyState as 0 | 1 | 2 | 3
    },
    url: null,
    protocol: ws.protocol,
  })
  Object.assign(ctx, {
    [SEND_TEXT_BYTES]: ((bytes) => {
      corkForTick(socket)
      ws.send(bytes, TEXT)
    }) satisfies TextBytesSender,
  })
  events.onOpen?.(new Event('open'), ctx)
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    const payload = isBinary ? new Uint8Array(data).buffer : data.toString('utf8')
    events.onMessage?.(new MessageEvent('message', { data: payload }), ctx)
  })
  ws.on('close', (code: number, reason: Buffer) => {
    events.onClose?.(Object.assign(new Event('close'), { code, reason: reason.toString(), wasClean: true }) as CloseEvent, ctx)
  })
  ws.on('error', (error: Error) => events.onError?.(Object.assign(new Event('error'), { error }), ctx))
}

function refuse(socket: Duplex, status: number): void {
  if (!socket.destroyed) socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Refused'}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`)
}
