import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chatScenarios } from './contract/chatScenarios.ts'
import { ORIGIN, signIn } from './support/chat.ts'
import { createTestDatabase, type TestDatabase } from './support/postgres.ts'
import { startServerProcess } from './support/process.ts'

const denoEnv = (databaseUrl: string, env: Record<string, string> = {}) =>
  ({ DATABASE_URL: databaseUrl, PUBLIC_URL: ORIGIN, LOCAL_LOGIN: 'true', LOG_LEVEL: 'info', RATE_LIMITS: 'off', ...env })

/** The same app under Deno 2 (`deno` from the npm registry), as `npm run start:deno` runs it. */
chatScenarios('Deno', async (databaseUrl) => {
  const server = await startServerProcess(denoEnv(databaseUrl), 'deno')
  return {
    url: server.url,
    async close() {
      const { code } = await server.stop()
      if (code !== 0) throw new Error(`deno exited with ${code}:\n${server.stderr.join('\n')}`)
    },
  }
})

describe('Deno shutdown', () => {
  let database: TestDatabase
  beforeAll(async () => { database = await createTestDatabase() })
  afterAll(() => database?.drop())

  it('closes sockets with 1012 and exits 0 on SIGTERM', async () => {
    const server = await startServerProcess(denoEnv(database.url), 'deno')
    const hal = await signIn(server.url, 'hal')
    const s = await hal.socket(await hal.createRoom('Deno restart'))
    const stopped = server.stop('SIGTERM')
    expect((await s.closed).code).toBe(1012)
    const { code, ms } = await stopped
    expect(code).toBe(0)
    expect(ms).toBeLessThan(10_000)
    expect(server.stdout.some((l) => l.includes('"runtime":"deno'))).toBe(true)
  })
})

describe('Deno abuse controls', () => {
  let database: TestDatabase
  beforeAll(async () => { database = await createTestDatabase() })
  afterAll(() => database?.drop())

  it('closes a socket with 4401 when its session signs out, and refuses over-limit rooms and sockets', async () => {
    const server = await startServerProcess(denoEnv(database.url, { RATE_LIMITS: 'on', RATE_LIMIT_ROOMS: '1/10m', RATE_LIMIT_SOCKETS: '2/1m' }), 'deno')
    try {
      const ida = await signIn(server.url, 'ida')
      const slug = await ida.createRoom('Deno limits')
      const refusedRoom = await ida.form('/rooms', { name: 'One too many' })
      expect(refusedRoom.status).toBe(429)
      expect(Number(refusedRoom.headers.get('retry-after'))).toBeGreaterThan(0)

      const live = await ida.socket(slug)
      await (await ida.socket(slug)).close()
      const refused = await ida.socket(slug)
      expect((await refused.closed).code).toBe(4429)

      await ida.form('/logout', {})
      const closed = await live.closed
      expect(closed.code).toBe(4401)
      expect(live.frames.some((f) => f.startsWith('<p id="conn"') && f.includes('You signed out.'))).toBe(true)
    } finally {
      await server.stop()
    }
  })
})
