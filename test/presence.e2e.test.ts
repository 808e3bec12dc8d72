import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signIn, startChatServer } from './support/chat.ts'
import { createTestDatabase, type TestDatabase } from './support/postgres.ts'

let database: TestDatabase
let server: Awaited<ReturnType<typeof startChatServer>>
beforeAll(async () => {
  database = await createTestDatabase()
  server = await startChatServer({ DATABASE_URL: database.url })
})
afterAll(async () => {
  await server?.close()
  await database?.drop()
})

const COALESCE_MS = 300

describe('presence under churn', () => {
  it('redraws a room\'s member list at most once per window however fast someone connects and disconnects, and ends right', async () => {
    const alice = await signIn(server.url, 'churn-alice')
    const frank = await signIn(server.url, 'churn-frank')
    const slug = await alice.createRoom('Churn')
    await frank.form(`/rooms/${slug}/join`, {})
    const watcher = await alice.socket(slug)
    await new Promise((r) => setTimeout(r, COALESCE_MS * 2))
    const lists = () => watcher.frames.filter((f) => f.startsWith('<ul id="members"'))
    const before = lists().length

    const started = Date.now()
    for (let i = 0; i < 40; i++) await (await frank.socket(slug)).close()
    const churnMs = Date.now() - started
    await new Promise((r) => setTimeout(r, COALESCE_MS * 3))

    const redraws = lists().length - before
    expect(redraws).toBeGreaterThanOrEqual(1)
    // One per window while it lasted, plus the window that closes after the last change.
    expect(redraws).toBeLessThanOrEqual(Math.ceil(churnMs / COALESCE_MS) + 1)
    expect(redraws).toBeLessThan(80)
    expect(lists().at(-1)).toMatch(/<li class="offline">(?:(?!<\/li>).)*@churn-frank/s)
    await watcher.close()
  })
})
