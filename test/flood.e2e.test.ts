import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ORIGIN } from './support/chat.ts'
import { BURST, floodScenario, SEND } from './support/flood.ts'
import { createTestDatabase, type TestDatabase } from './support/postgres.ts'
import { startServerProcess, type ServerProcess } from './support/process.ts'
import { REDIS_URL, testRedisPrefix } from './support/redis.ts'

/**
 * A flood from one account in a room where others keep talking, under the
 * default limits: the limits hold, and nobody else is refused. How fast the
 * others' sends stay is a measurement, not a test: `npm run flood`.
 */

let database: TestDatabase
let redis: Awaited<ReturnType<typeof testRedisPrefix>>
let server: ServerProcess

beforeAll(async () => {
  redis = await testRedisPrefix()
  database = await createTestDatabase()
  server = await startServerProcess({
    DATABASE_URL: database.url, REDIS_URL, REDIS_PREFIX: redis.prefix, INSTANCE_ID: '31', PUBLIC_URL: ORIGIN, LOCAL_LOGIN: 'true',
    // Everyone signs in from this one address; every other limit keeps its default.
    RATE_LIMIT_SIGN_IN: '100/10m',
  })
})
afterAll(async () => {
  await server?.stop()
  await database?.drop()
  await redis?.cleanup()
})

describe('a flood in a shared room', () => {
  it('holds the flooder to the send limit, refuses the rest with Retry-After, and refuses none of the others', async () => {
    const run = await floodScenario(server.url, database.url, { phases: 4, phaseMs: 2000 })
    expect(run.counts.other).toBe(0)
    expect(run.counts.refused).toBeGreaterThan(run.counts.accepted * 5)
    // Fixed windows: at most the steady points per window the flood touched, plus the burst allowance once.
    expect(run.counts.accepted).toBeLessThanOrEqual(SEND.points * (Math.ceil(run.floodSpanMs / 1000 / SEND.seconds) + 1) + BURST)
    // What was stored is exactly what was accepted: nothing refused got in, nothing accepted was lost.
    expect(run.stored).toEqual({ spam: run.counts.accepted, honest: run.honestSent })
  }, 120_000)
})
