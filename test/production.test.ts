import { execFileSync, spawn } from 'node:child_process'
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from './support/postgres.ts'
import { freePort } from './support/ports.ts'
import { startServerProcess } from './support/process.ts'
import { REDIS_URL, testRedisPrefix } from './support/redis.ts'

let database: TestDatabase
let dir: string
beforeAll(async () => {
  database = await createTestDatabase()
  execFileSync('npm', ['run', 'build'], { stdio: 'ignore' })
  dir = await mkdtemp(join(tmpdir(), 'rtc-prod-'))
  for (const part of ['dist', 'static', 'package.json', 'package-lock.json']) await cp(part, join(dir, part), { recursive: true })
  execFileSync('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund'], { cwd: dir, stdio: 'ignore' })
}, 240_000)
afterAll(async () => {
  await database?.drop()
  if (dir) await rm(dir, { recursive: true, force: true })
})

describe('the production build', () => {
  it('installs without dev dependencies in a clean directory and answers /healthz with the image\'s start command', async () => {
    const server = await startServerProcess({ DATABASE_URL: database.url }, 'dist', { cwd: dir })
    try {
      const health = await fetch(`${server.url}/healthz`)
      expect(health.status).toBe(200)
      expect(await health.json()).toEqual({ status: 'ok' })
      expect((await fetch(`${server.url}/static/vendor/htmx.min.js`)).status).toBe(200)
    } finally {
      expect((await server.stop()).code).toBe(0)
    }
  })

  it('starts from the systemd unit\'s command line with its environment file, and stops cleanly on its kill signal', async () => {
    const unit = parseUnit(await readFile('deploy/rtc.service', 'utf8'))
    expect(unit.User).toBe('rtc')
    expect(unit.Restart).toBe('on-failure')
    // The example environment file, with what this machine has in place of the placeholders.
    const fileEnv = parseEnvironmentFile(await readFile('deploy/rtc.env.example', 'utf8'))
    expect(Object.keys(fileEnv)).toEqual(expect.arrayContaining(['PUBLIC_URL', 'DATABASE_URL', 'DATA_DIR', 'CLIENT_ID', 'CLIENT_SECRET']))
    const metricsPort = await freePort()
    const redis = await testRedisPrefix()
    const env = {
      ...fileEnv, PORT: '0', PUBLIC_URL: 'http://localhost:8080', DATABASE_URL: database.url, REDIS_URL: REDIS_URL,
      REDIS_PREFIX: redis.prefix, DATA_DIR: join(dir, 'data'), METRICS_LISTEN: `127.0.0.1:${metricsPort}`,
    }
    const [command, ...args] = unit.ExecStart!.split(/\s+/)
    expect(command).toBe('/usr/bin/node')
    const child = spawn(process.execPath, args, { cwd: dir, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
    const out: string[] = []
    child.stdout!.on('data', (d: Buffer) => out.push(d.toString()))
    child.stderr!.on('data', (d: Buffer) => out.push(d.toString()))
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve))
    try {
      let started: { url: string } | undefined
      for (let i = 0; i < 300 && !started; i++) {
        const line = out.join('').split('\n').find((l) => l.includes('"msg":"rtc started"'))
        if (line) started = JSON.parse(line)
        else await new Promise((r) => setTimeout(r, 100))
      }
      expect(started, out.join('')).toBeDefined()
      expect((await fetch(`${started!.url}/healthz`)).status).toBe(200)
      expect((await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).status).toBe(200)
      // The GitHub placeholders are secrets in form: they never reach the log.
      expect(out.join('')).not.toContain(fileEnv.CLIENT_SECRET)
      const stopping = Date.now()
      child.kill(unit.KillSignal as NodeJS.Signals)
      expect(await exited).toBe(0)
      expect(Date.now() - stopping).toBeLessThan(Number(unit.TimeoutStopSec) * 1000)
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL')
      await redis.cleanup()
    }
  })
})

/** The [Service] keys of a unit file (the last value of each). */
function parseUnit(text: string): Record<string, string> {
  const keys: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line.trim())
    if (m) keys[m[1]!] = m[2]!
  }
  return keys
}

/** systemd's EnvironmentFile: KEY=value lines, # comments, optional quotes. */
function parseEnvironmentFile(text: string): Record<string, string> {
  const env: Record<string, string> = {}
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line)
    if (m) env[m[1]!] = m[2]!.trim().replace(/^"(.*)"$/, '$1')
  }
  return env
}
