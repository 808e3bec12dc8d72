import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from './support/postgres.ts'
import { runMain, startServerProcess } from './support/process.ts'

let database: TestDatabase
beforeAll(async () => { database = await createTestDatabase() })
afterAll(() => database?.drop())

describe('the Node process', () => {
  it('stops start-up with one line naming a malformed variable', async () => {
    const run = runMain({ PORT: 'eighty' })
    expect(await run.exited).toBe(1)
    expect(run.stderr).toEqual(['config: PORT must be an integer from 0 to 65535 (got "eighty")'])
    expect(run.stdout).toEqual([])
  })

  it('refuses local sign-in on a non-loopback host', async () => {
    const run = runMain({ LOCAL_LOGIN: 'true', HOST: '0.0.0.0' })
    expect(await run.exited).toBe(1)
    expect(run.stderr).toHaveLength(1)
    expect(run.stderr[0]).toMatch(/^config: LOCAL_LOGIN /)
  })

  it('refuses local sign-in behind a proxy on loopback when PUBLIC_URL is not a loopback address, saying why', async () => {
    const run = runMain({ LOCAL_LOGIN: 'true', HOST: '127.0.0.1', PUBLIC_URL: 'https://chat.example.org' })
    expect(await run.exited).toBe(1)
    expect(run.stderr).toHaveLength(1)
    expect(run.stderr[0]).toMatch(/^config: LOCAL_LOGIN .*PUBLIC_URL "https:\/\/chat\.example\.org" is not a loopback address/)
  })

  it('logs which backend serves each role, and exits 0 on SIGTERM within 10 s', async () => {
    const server = await startServerProcess({ DATABASE_URL: database.url })
    const started = JSON.parse(server.stdout.find((l) => l.includes('rtc started'))!)
    expect(started.backends).toMatchObject({ users: 'postgres', sessions: 'postgres', rooms: 'postgres', messages: 'postgres', bus: 'memory' })
    expect(JSON.stringify(started)).not.toContain(database.url)
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200)
    const icon = await fetch(`${server.url}/favicon.ico`)
    expect([icon.status, icon.headers.get('content-type')]).toEqual([200, 'image/svg+xml'])
    const { code, ms } = await server.stop('SIGTERM')
    expect(code).toBe(0)
    expect(ms).toBeLessThan(10_000)
    expect(server.stdout.some((l) => l.includes('"msg":"rtc stopped"'))).toBe(true)
  })

  it('tells a person where to go in one plain line, with readable logs, when asked for pretty logs', async () => {
    const run = runMain({ DATABASE_URL: database.url, HOST: '127.0.0.1', PORT: '0', LOG_FORMAT: 'pretty', PUBLIC_URL: 'http://localhost:8123' })
    try {
      const start = Date.now()
      // Logs are written asynchronously: the pretty "rtc started" line may come a moment after the plain one.
      const both = () => run.stdout.includes('  rtc is running: open http://localhost:8123') && run.stdout.some((l) => l.includes('rtc started'))
      while (!both() && run.child.exitCode === null && Date.now() - start < 30_000) {
        await new Promise((r) => setTimeout(r, 50))
      }
      expect(run.stdout).toContain('  rtc is running: open http://localhost:8123')
      expect(run.stdout.some((l) => l.includes('rtc started') && !l.startsWith('{'))).toBe(true)
    } finally {
      run.child.kill('SIGTERM')
      expect(await run.exited).toBe(0)
    }
  })

  it('exits 0 on SIGINT too', async () => {
    const server = await startServerProcess({ DATABASE_URL: database.url })
    expect((await server.stop('SIGINT')).code).toBe(0)
  })

  it('stays up when the database fails: 503 on /readyz and a friendly page, then recovers', async () => {
    const server = await startServerProcess({ DATABASE_URL: database.url, LOCAL_LOGIN: 'true', PUBLIC_URL: 'http://localhost:8080' })
    const admin = postgres(database.url.replace(`/${database.name}`, '/postgres'), { max: 1, onnotice: () => {} })
    try {
      const signIn = await fetch(`${server.url}/auth/local`, {
        method: 'POST', redirect: 'manual', body: new URLSearchParams({ login: 'dora' }), headers: { origin: 'http://localhost:8080' },
      })
      const cookie = signIn.headers.getSetCookie()[0]!.split(';')[0]!
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200)

      await admin.unsafe(`ALTER DATABASE ${database.name} WITH ALLOW_CONNECTIONS false`)
      await admin`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = ${database.name}`
      const ready = await fetch(`${server.url}/readyz`)
      expect(ready.status).toBe(503)
      expect(await ready.json()).toEqual({ status: 'unavailable', backends: { database: { backend: 'postgres', status: 'down' } } })
      // The reason goes to the log, which reaches us through a pipe a moment later.
      for (let i = 0; i < 100 && !server.stdout.some((l) => l.includes('"msg":"readiness check failed"')); i++) await new Promise((r) => setTimeout(r, 20))
      expect(server.stdout.some((l) => l.includes('"msg":"readiness check failed"'))).toBe(true)
      const page = await fetch(`${server.url}/`, { headers: { cookie, accept: 'text/html' } })
      expect(page.status).toBe(503)
      expect(await page.text()).toContain('briefly unavailable')
      expect((await fetch(`${server.url}/healthz`)).status).toBe(200)

      await admin.unsafe(`ALTER DATABASE ${database.name} WITH ALLOW_CONNECTIONS true`)
      expect((await fetch(`${server.url}/readyz`)).status).toBe(200)
      expect((await fetch(`${server.url}/`, { headers: { cookie, accept: 'text/html' } })).status).toBe(200)
    } finally {
      await admin.unsafe(`ALTER DATABASE ${database.name} WITH ALLOW_CONNECTIONS true`)
      await admin.end()
      expect((await server.stop()).code).toBe(0)
    }
  })
})
