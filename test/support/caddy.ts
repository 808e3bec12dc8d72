import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { httpsRequest } from './https.ts'
import { freePort } from './ports.ts'

export interface Caddy {
  /** https://localhost:<port> */
  readonly base: string
  /** Caddy's local root certificate (PEM): trusted by this process's requests only, never by the machine. */
  readonly ca: string
  readonly pid: number
  /** Bytes Caddy has logged (stderr and stdout). */
  logBytes(): number
  /** Its last log lines, for errors. */
  log(): string
  stop(): Promise<void>
}

const CADDYFILE = fileURLToPath(new URL('../../Caddyfile', import.meta.url))

/**
 * Caddy with the project's Caddyfile in front of `upstreams` (host:port, round robin), HTTPS from its local CA
 * (`tls internal`) on `httpsPort`, with a home of its own (a temporary directory, removed by `stop`) so nothing
 * is added to the machine's trust store. Resolves once `/healthz` answers 200 through it.
 */
export async function startCaddy(upstreams: string[], { httpsPort }: { httpsPort?: number } = {}): Promise<Caddy> {
  if (!existsSync('/usr/bin/caddy')) throw new Error('Caddy is needed and is missing: apt-get install caddy (npm test installs it)')
  const port = httpsPort ?? await freePort()
  const httpPort = await freePort()
  const base = `https://localhost:${port}`
  const home = await mkdtemp(join(tmpdir(), 'rtc-caddy-'))
  const caddy = spawn('caddy', ['run', '--config', CADDYFILE, '--adapter', 'caddyfile'], {
    env: {
      PATH: process.env.PATH, HOME: home, XDG_DATA_HOME: home, XDG_CONFIG_HOME: home,
      SITE_ADDRESS: 'localhost', CADDY_TLS: 'internal', CADDY_ADMIN: 'off',
      CADDY_HTTPS_PORT: String(port), CADDY_HTTP_PORT: String(httpPort),
      UPSTREAM_MODE: 'static', UPSTREAMS: upstreams.join(' '),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let bytes = 0
  let tail = ''
  const onData = (d: Buffer) => {
    bytes += d.length
    tail = (tail + d.toString()).slice(-4_000)
  }
  caddy.stdout!.on('data', onData)
  caddy.stderr!.on('data', onData)
  const exited = new Promise<void>((resolve) => caddy.once('exit', () => resolve()))
  const stop = async () => {
    if (caddy.exitCode === null && caddy.signalCode === null) {
      caddy.kill('SIGTERM')
      const killer = setTimeout(() => caddy.kill('SIGKILL'), 10_000)
      await exited
      clearTimeout(killer)
    }
    await rm(home, { recursive: true, force: true })
  }
  try {
    const root = join(home, 'caddy', 'pki', 'authorities', 'local', 'root.crt')
    const started = Date.now()
    let last = ''
    for (;;) {
      if (caddy.exitCode !== null) throw new Error(`Caddy exited with ${caddy.exitCode}: ${tail}`)
      if (Date.now() - started > 30_000) throw new Error(`Caddy did not answer within 30 s; last answer: ${last}; its log: ${tail}`)
      if (existsSync(root)) {
        const ca = await readFile(root, 'utf8')
        const res = await httpsRequest(`${base}/healthz`, ca).catch((err: Error) => ({ status: 0, text: err.message }))
        last = `${res.status} ${res.text.slice(0, 200)}`
        if (res.status === 200) return { base, ca, pid: caddy.pid!, logBytes: () => bytes, log: () => tail, stop }
      }
      await new Promise((r) => setTimeout(r, 100))
    }
  } catch (err) {
    await stop()
    throw err
  }
}
