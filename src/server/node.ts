import { readFile } from 'node:fs/promises'
import type { Server as HttpServer } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { serve, type ServerType } from '@hono/node-server'
import { serveStatic } from '@hono/node-server/serve-static'
import { WebSocketServer, type WebSocket } from 'ws'
import { CLOSE } from '../realtime/hub.ts'
import { MAX_FRAME_BYTES } from '../chat/socket.ts'
import type { Config } from '../config.ts'
import { createLogger, type Logger } from '../log.ts'
import { composeApp } from './compose.ts'
import { listenUrl } from './listen.ts'
import { acceptWebSockets, upgradeWebSocket } from './nodeSockets.ts'

const HEARTBEAT_MS = 30_000
const DRAIN_MS = 3_000

export interface RunningServer {
  readonly url: string
  readonly port: number
  readonly log: Logger
  /** Stops accepting, closes sockets with 1012, drains and closes pools. */
  close(): Promise<void>
}

export interface NodeOptions {
  /** How often sockets are pinged; one silent for a whole interval is dropped. */
  heartbeatMs?: number
  /** How often the cache's hit rates are logged. */
  cacheReportMs?: number
  /** How often the one-line stats are logged. */
  statsMs?: number
}

/** Serves the composed app on Node, with `ws` for WebSockets (frames over 64 KiB close with 1009) and a ping heartbeat. */
export async function startNode(config: Config, log: Logger = createLogger(config.logLevel), options: NodeOptions = {}): Promise<RunningServer> {
  const composed = await composeApp(config, log, {
    upgradeWebSocket, serveStatic: serveStatic({ root: './' }), cacheReportMs: options.cacheReportMs, statsMs: options.statsMs,
  })
  const { app } = composed

  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES })
  const tls = config.tls && {
    createServer: createHttpsServer,
    serverOptions: { cert: await readFile(config.tls.certFile), key: await readFile(config.tls.keyFile) },
  }
  const server: ServerType = await new Promise((resolve, reject) => {
    const s = serve({ fetch: app.fetch, port: config.port, hostname: config.host, ...tls }, () => resolve(s))
    s.once('error', reject)
  })
  acceptWebSockets(server as HttpServer, wss, app.fetch)
  const metricsServer: ServerType | undefined = config.metrics && await new Promise((resolve, reject) => {
    const s = serve({ fetch: composed.metricsApp.fetch, port: config.metrics!.port, hostname: config.metrics!.host }, () => resolve(s))
    s.once('error', reject)
  })
  const port = (server.address() as AddressInfo).port
  const url = listenUrl(config.host, port, config.tls ? 'https' : 'http')

  // Ping every socket; one that has not answered the previous ping is dead and dropped.
  const alive = new WeakSet<WebSocket>()
  wss.on('connection', (ws: WebSocket) => {
    alive.add(ws)
    ws.on('pong', () => alive.add(ws))
  })
  const heartbeat = setInterval(() => {
    for (const ws of wss.clients) {
      if (!alive.has(ws)) ws.terminate()
      else {
        alive.delete(ws)
        ws.ping()
      }
    }
  }, options.heartbeatMs ?? HEARTBEAT_MS)
  heartbeat.unref()

  log.info({
    url,
    publicUrl: config.publicUrl,
    instanceId: config.instanceId,
    runtime: `node ${process.version}`,
    backends: composed.backends,
    githubSignIn: config.github !== undefined,
    oidcSignIn: config.oidc?.issuer ?? false,
    localSignIn: config.localLogin,
    metrics: config.metrics ? `${listenUrl(config.metrics.host, config.metrics.port)}/metrics` : 'off',
  }, 'rtc started')

  let closing: Promise<void> | undefined
  return {
    url,
    port,
    log,
    close: () => (closing ??= (async () => {
      clearInterval(heartbeat)
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()))
      metricsServer?.close()
      composed.closeSockets()
      for (const ws of wss.clients) ws.close(CLOSE.restart, 'server restarting')
      wss.close()
      // Requests in flight get a few seconds to finish; connections that never sent one (browsers
      // pre-connect) would otherwise hold the close until the 60 s headers timeout.
      const http = server as Partial<Pick<HttpServer, 'closeIdleConnections' | 'closeAllConnections'>>
      http.closeIdleConnections?.()
      const drainDeadline = setTimeout(() => http.closeAllConnections?.(), DRAIN_MS)
      await stopped
      clearTimeout(drainDeadline)
      await composed.close()
      log.info('rtc stopped')
    })()),
  }
}
