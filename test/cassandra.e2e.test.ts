import cassandra from 'cassandra-driver'
import { afterAll, describe, expect, it } from 'vitest'
import { chatScenarios } from './contract/chatScenarios.ts'
import { CASSANDRA_CONTACT_POINTS } from './support/cassandra.ts'
import { startChatServer } from './support/chat.ts'

const keyspace = `rtc_e2e_${process.pid}_${Math.random().toString(36).slice(2, 8)}`
let started: Awaited<ReturnType<typeof startChatServer>> | undefined

/** The chat's end-to-end cases once more, with messages in Cassandra (the app makes the keyspace; this drops it). */
chatScenarios('Node with Cassandra', async (databaseUrl) => {
  started = await startChatServer({
    DATABASE_URL: databaseUrl, CASSANDRA_CONTACT_POINTS: CASSANDRA_CONTACT_POINTS.join(','), CASSANDRA_KEYSPACE: keyspace,
  })
  return started
})

describe('an app with Cassandra for messages', () => {
  it('says so at start-up and on /readyz', async () => {
    const line = started!.logs.lines.find((l) => l.includes('"msg":"rtc started"'))!
    expect(JSON.parse(line).backends.messages).toBe('cassandra')
    const ready = await fetch(`${started!.url}/readyz`)
    expect(ready.status).toBe(200)
    expect(await ready.json()).toMatchObject({ backends: { messages: { backend: 'cassandra', status: 'up' } } })
  })
})

afterAll(async () => {
  const client = new cassandra.Client({ contactPoints: CASSANDRA_CONTACT_POINTS, localDataCenter: 'datacenter1' })
  await client.connect()
  await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`)
  await client.shutdown()
})
