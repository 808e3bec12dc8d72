import { ConfigError, loadConfig, type Config } from './config.ts'
import { createLogger } from './log.ts'
import { startNode } from './server/node.ts'

const SHUTDOWN_DEADLINE_MS = 10_000

/** Starts rtc on Node from the environment, and stops it cleanly on SIGTERM or SIGINT. */
export async function main(env: Record<string, string | undefined> = process.env): Promise<void> {
  let config: Config
  try {
    config = loadConfig(env)
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    process.stderr.write(`${err.message}\n`)
    process.exit(1)
  }
  const log = createLogger(config.logLevel)
  const server = await startNode(config, log).catch((err: unknown) => {
    log.fatal({ err }, 'start-up failed')
    process.exit(1)
  })

  const stop = (signal: string) => {
    log.info({ signal }, 'shutting down')
    setTimeout(() => {
      log.error('shutdown took too long; exiting')
      process.exit(1)
    }, SHUTDOWN_DEADLINE_MS).unref()
    server.close().then(() => process.exit(0), (err: unknown) => {
      log.error({ err }, 'shutdown failed')
      process.exit(1)
    })
  }
  process.once('SIGTERM', stop)
  process.once('SIGINT', stop)
}

if (import.meta.url === `file://${process.argv[1]}`) await main()
