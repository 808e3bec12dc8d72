/**
 * The baseline: a minimal `ws` broadcast server speaking the same wire format
 * (the same rendered frame per message), with no hub, queue or framework.
 * Run: node --import tsx bench/servers/raw.ts <port>
 */
import { createServer } from 'node:http'
import { monitorEventLoopDelay } from 'node:perf_hooks'
import { WebSocketServer, type WebSocket } from 'ws'
import { renderFrame, type Publish } from '../protocol.ts'

const port = Number(process.argv[2] ?? 9200)
const rooms = new Map<string, Set<WebSocket>>()
const lag = monitorEventLoopDelay({ resolution: 10 })
lag.enable()
const server = createServer()
const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 })

server.on('upgrade', (req, socket, head) => {
  const url = new URL(req.url ?? '/', 'http://x')
  wss.handleUpgrade(req, socket, head, (ws) => {
    if (url.pathname === '/control') {
      ws.on('message', (data) => {
        const text = data.toString()
        if (text === 'stats') {
          ws.send(JSON.stringify({ lagP99Ms: lag.percentile(99) / 1e6, lagMaxMs: lag.max / 1e6 }))
          lag.reset()
          return
        }
        for (const p of JSON.parse(text) as Publish[]) {
          // Encoded once per message, as the product does: the baseline is not slowed by per-send encoding.
          const frame = Buffer.from(renderFrame(p))
          for (const client of rooms.get(String(p.room)) ?? []) client.send(frame, { binary: false })
        }
      })
      return
    }
    const room = url.searchParams.get('room') ?? '0'
    let set = rooms.get(room)
    if (!set) rooms.set(room, (set = new Set()))
    set.add(ws)
    ws.on('close', () => set.delete(ws))
  })
})
server.listen(port, '127.0.0.1', () => process.stdout.write(`listening ${port}\n`))

// Exit cleanly on a signal, so --cpu-prof and the like can write their files.
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => process.exit(0))
