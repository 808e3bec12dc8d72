/**
 * The Deno entry: the same app on Deno.serve, with hono/deno's WebSocket
 * helper (Deno pings idle sockets itself, after 120 s by default). Run it
 * with `npm run start:deno`.
 */
import { serveStatic, upgradeWebSocket } from 'hono/deno'
import { ConfigError, loadConfig, type Config } from './config.ts'
import { createLogger } from './log.ts'
import { composeApp } from './server/compose.ts'
import { listenUrl } from './server/listen.ts'

const SHUTDOWN_DEADLINE_MS = 10_000
const CLOSE_FRAMES_MS = 250

let config: Config
try {
  config = loadConfig(Deno.env.toObject())
} catch (err) {
  if (!(err instanceof ConfigError)) throw err
  console.error(err.message)
  Deno.exit(1)
}
// Written synchronously: Deno.exit() does not run the exit hook that flushes an asynchronous stdout.
const log = createLogger(config.logLevel, undefined, { sync: true })

const composed = await composeApp(config, log, { upgradeWebSocket, serveStatic: serveStatic({ root: './' }) }).catch((err: unknown) => {
  log.fatal({ err }, 'start-up failed')
  Deno.exit(1)
})
const tls = config.tls && { cert: await Deno.readTextFile(config.tls.certFile), key: await Deno.readTextFile(config.tls.keyFile) }
const server = Deno.serve({
  port: config.port,
  hostname: config.host,
  ...tls,
  onListen({ port }) {
    log.info({
      url: listenUrl(config.host, port, config.tls ? 'https' : 'http'),
      publicUrl: config.publicUrl,
      instanceId: config.instanceId,
      runtime: `deno ${Deno.version.deno}`,
      backends: composed.backends,
      githubSignIn: config.github !== undefined,
      oidcSignIn: config.oidc?.issuer ?? false,
      localSignIn: config.localLogin,
      metrics: config.metrics ? `${listenUrl(config.metrics.host, config.metrics.port)}/metrics` : 'off',
    }, 'rtc started')
  },
}, composed.app.fetch)

const metricsServer = config.metrics && Deno.serve({ port: config.metrics.port, hostname: config.metrics.host, onListen() {} }, composed.metricsApp.fetch)

let stopping = false
const stop = (signal: string) => {
  if (stopping) return
  stopping = true
  log.info({ signal }, 'shutting down')
  setTimeout(() => {
    log.error('shutdown took too long; exiting')
    Deno.exit(1)
  }, SHUTDOWN_DEADLINE_MS)
  composed.closeSockets()
  // Let the 1012 close frames leave before shutdown() drops what is still open (it would say 1001).
  new Promise((resolve) => setTimeout(resolve, CLOSE_FRAMES_MS))
    .then(() => Promise.all([server.shutdown(), metricsServer?.shutdown()]))
    .then(() => composed.close())
    .then(() => {
      log.info('rtc stopped')
      Deno.exit(0)
    }, (err: unknown) => {
      log.error({ err }, 'shutdown failed')
      Deno.exit(1)
    })
}
Deno.addSignalListener('SIGTERM', () => stop('SIGTERM'))
Deno.addSignalListener('SIGINT', () => stop('SIGINT'))
