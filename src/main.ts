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
  const forPeople = config.logFormat === 'pretty' || (config.logFormat === 'auto' && process.stdout.isTTY === true)
  const log = createLogger(config.logLevel, forPeople ? await prettyStream() : undefined)
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
  // Someone at a terminal (npm run demo) is told plainly where to go, whatever the log says.
  if (forPeople) process.stdout.write(`\n  rtc is running: open ${config.publicUrl}\n\n`)
}

/** pino-pretty when it is installed (a checkout; the image has only production dependencies), else JSON. */
async function prettyStream() {
  try {
    const { default: pretty } = await import('pino-pretty')
    return pretty({ colorize: process.stdout.isTTY === true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,service' })
  } catch {
    return undefined
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await main()
