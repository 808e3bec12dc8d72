import { execFileSync } from 'node:child_process'
import { cp, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createTestDatabase, type TestDatabase } from './support/postgres.ts'
import { startServerProcess } from './support/process.ts'

let database: TestDatabase
let dir: string
beforeAll(async () => { database = await createTestDatabase() })
afterAll(async () => {
  await database?.drop()
  if (dir) await rm(dir, { recursive: true, force: true })
})

describe('the production build', () => {
  it('installs without dev dependencies in a clean directory and answers /healthz with the image\'s start command', async () => {
    execFileSync('npm', ['run', 'build'], { stdio: 'ignore' })
    dir = await mkdtemp(join(tmpdir(), 'rtc-prod-'))
    for (const part of ['dist', 'static', 'package.json', 'package-lock.json']) await cp(part, join(dir, part), { recursive: true })
    execFileSync('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund'], { cwd: dir, stdio: 'ignore' })
    const server = await startServerProcess({ DATABASE_URL: database.url }, 'dist', { cwd: dir })
    try {
      const health = await fetch(`${server.url}/healthz`)
      expect(health.status).toBe(200)
      expect(await health.json()).toEqual({ status: 'ok' })
      expect((await fetch(`${server.url}/static/vendor/htmx.min.js`)).status).toBe(200)
    } finally {
      expect((await server.stop()).code).toBe(0)
    }
  }, 240_000)
})
