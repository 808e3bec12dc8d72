import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser } from 'playwright-core'
import { loadConfig } from '../../src/config.ts'
import { startNode, type RunningServer } from '../../src/server/node.ts'
import { capturedLogger } from './logs.ts'
import { freePort } from './ports.ts'
import { createTestDatabase, type TestDatabase } from './postgres.ts'
import { sealed } from './network.ts'

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

/**
 * Debian's headless Chromium; never a downloaded browser. Playwright gives each
 * launch a fresh temporary profile (it refuses --user-data-dir here), and each
 * context within it its own cookies.
 */
export async function launchChromium(): Promise<{ browser: Browser; close(): Promise<void> }> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is needed for the browser tests and is missing at ${CHROMIUM}: apt-get install chromium (npm test installs it)`)
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync',
    ],
  })
  return {
    browser,
    close: () => browser.close(),
  }
}

export interface BrowserWorld {
  readonly database: TestDatabase
  readonly chromium: Awaited<ReturnType<typeof launchChromium>>
  /** Where the app answers, and its PUBLIC_URL: the same across restarts. */
  readonly base: string
  server: RunningServer
  /** What the app logged (every level), across restarts. */
  readonly logs: ReturnType<typeof capturedLogger>
  /** Starts the app again on the same port (after `server.close()`). */
  start(): Promise<RunningServer>
  close(): Promise<void>
}

/**
 * What the browser suites share: a database, Chromium, and the app on a fixed
 * loopback port, so a restarted server comes back where the pages look for it.
 * Limits are off: the suites seed messages faster than a person would.
 */
export async function browserWorld(env: Record<string, string> = {}, { port: given }: { port?: number } = {}): Promise<BrowserWorld> {
  const database = await createTestDatabase()
  const chromium = await launchChromium()
  // A suite that must register its address elsewhere first (an identity provider's redirect URI) picks the port.
  const port = given ?? await freePort()
  const base = `http://127.0.0.1:${port}`
  const dataDir = await mkdtemp(join(tmpdir(), 'rtc-browser-'))
  const logs = capturedLogger()
  const start = () => startNode(
    loadConfig({ HOST: '127.0.0.1', PORT: String(port), PUBLIC_URL: base, LOCAL_LOGIN: 'true', DATABASE_URL: database.url, LOG_LEVEL: 'warn', RATE_LIMITS: 'off', DATA_DIR: dataDir, ...sealed(env), ...env }),
    logs.log,
  )
  const world: BrowserWorld = {
    database, chromium, base, logs, server: await start(), start,
    async close() {
      await chromium.close()
      await world.server.close()
      await database.drop()
      await rm(dataDir, { recursive: true, force: true })
    },
  }
  return world
}
