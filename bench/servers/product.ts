/**
 * The product's transport under load: its Hub (render once, queue to every
 * subscriber), Connection (bounded queue, 1013 for the slow) and its Node
 * server with `ws` and its lean upgrade (src/server/nodeSockets.ts), as
 * src/chat/socket.ts wires them, without sign-in or
 * storage. The publisher's control socket stands in for the bus's wake-ups.
 * Run: node --import tsx bench/servers/product.ts <port>
 */
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { serve } from '@hono/node-server'
import { Hono } from 'hono'
import { WebSocketServer } from 'ws'
import { Connection, SEND_TEXT_BYTES, type TextBytesSender } from '../../src/realtime/connection.ts'
import { createHub } from '../../src/chat/render.ts'
import { MAX_FRAME_BYTES } from '../../src/chat/socket.ts'
import { acceptWebSockets, upgradeWebSocket } from '../../src/server/nodeSockets.ts'
import { benchMessage, roomSlug, type Publish } from '../protocol.ts'

const port = Number(process.argv[2] ?? 9100)
const hub = createHub()
const lag = monitorEventLoopDelay({ resolution: 10 })
lag.enable()
let userId = 0

const app = new Hono()
  .get('/ws', upgradeWebSocket((c) => {
    const room = c.req.query('room') ?? '0'
    let unsubscribe = () => {}
    return {
      onOpen(_event, ws) {
        const connection = new Connection({
          userId: ++userId,
          since: 0n,
          sink: {
            // As src/chat/socket.ts: pre-encoded bytes as a text frame on Node.
            send: (text, bytes) => (bytes ? (ws as unknown as Record<symbol, TextBytesSender>)[SEND_TEXT_BYTES]!(bytes) : ws.send(text)),
            close: (code, reason) => ws.close(code, reason),
            bufferedAmount: () => (ws.raw as { bufferedAmount?: number } | undefined)?.bufferedAmount ?? 0,
          },
          onClose: () => unsubscribe(),
        })
        unsubscribe = hub.subscribe({ id: room, slug: roomSlug(room) }, connection)
        connection.goLive()
      },
      onClose() {
        unsubscribe()
      },
    }
  }))
  .get('/control', upgradeWebSocket(() => ({
    onMessage(event, ws) {
      const text = String(event.data)
      if (text === 'stats') {
        ws.send(JSON.stringify({ lagP99Ms: lag.percentile(99) / 1e6, lagMaxMs: lag.max / 1e6, ...hub.stats }))
        lag.reset()
        return
      }
      for (const p of JSON.parse(text) as Publish[]) hub.deliver({ type: 'message', message: benchMessage(p) })
    },
  })))

const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, () => process.stdout.write(`listening ${port}\n`))
acceptWebSockets(server as import('node:http').Server, new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES }), app.fetch)

// Exit cleanly on a signal, so --cpu-prof and the like can write their files.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(0))
