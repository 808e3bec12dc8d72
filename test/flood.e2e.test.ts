import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ORIGIN, signIn } from './support/chat.ts'
import { BURST, floodScenario, multipartScenario, SEND } from './support/flood.ts'
import { emptyFileParts, heldSend } from './support/multipart.ts'
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

describe('a multipart attack (issue 24)', () => {
  // Rate limits off: many accounts, each within its send budget, or one account's budget spent at once.
  let attacked: ServerProcess
  let dataDir: string
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'rtc-flood-'))
    attacked = await startServerProcess({ DATABASE_URL: database.url, DATA_DIR: dataDir, PUBLIC_URL: ORIGIN, LOCAL_LOGIN: 'true', RATE_LIMITS: 'off' })
  })
  afterAll(async () => {
    await attacked?.stop()
    if (dataDir) await rm(dataDir, { recursive: true, force: true })
  })

  it('answers the 11th of 140,000 empty file parts with 422 before the client has sent the rest, and /healthz meanwhile', async () => {
    const eve = await signIn(attacked.url, 'held-eve')
    const slug = await eve.createRoom('Held')
    const send = heldSend(attacked.url, `/rooms/${slug}/messages`, { cookie: eve.cookie, origin: ORIGIN, 'hx-request': 'true' }, emptyFileParts(), { waitMs: 20_000 })
    expect((await fetch(`${attacked.url}/healthz`)).status).toBe(200)
    const answer = await send
    expect(answer.status).toBe(422)
    expect(answer.text).toBe('A message can carry at most 10 files; this one has more.')
    expect(answer.written).toBeLessThan(answer.length / 10)
  }, 60_000)

  it('refuses every send of the attack from four loops with 422, and /healthz answers 200 throughout', async () => {
    const run = await multipartScenario(attacked.url, { phases: 2, phaseMs: 1500 })
    expect(run.counts.accepted).toBe(0)
    expect(run.counts.other).toBe(0)
    expect(run.counts.refused).toBeGreaterThan(0)
    expect(run.attacked.n).toBeGreaterThan(0)
  }, 60_000)
})
