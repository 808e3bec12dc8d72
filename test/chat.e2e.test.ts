import { connect } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chatScenarios } from './contract/chatScenarios.ts'
import { ORIGIN, signIn, startChatServer } from './support/chat.ts'
import { createTestDatabase, type TestDatabase } from './support/postgres.ts'

chatScenarios('Node', (databaseUrl) => startChatServer({ DATABASE_URL: databaseUrl }))

let database: TestDatabase
beforeAll(async () => { database = await createTestDatabase() })
afterAll(() => database?.drop())

describe('heartbeat', () => {
  it('keeps a healthy socket open across many heartbeats', async () => {
    const own = await startChatServer({ DATABASE_URL: database.url }, { heartbeatMs: 100 })
    try {
      const gil = await signIn(own.url, 'gil')
      const slug = await gil.createRoom('Steady')
      const s = await gil.socket(slug)
      let pings = 0
      s.ws.on('ping', () => pings++)
      await new Promise((r) => setTimeout(r, 1_000))
      expect(pings).toBeGreaterThanOrEqual(5)
      expect(s.ws.readyState).toBe(s.ws.OPEN)
      const { id } = await gil.post(slug, 'still here')
      await s.waitFor(() => s.createdIds().includes(id!), 'the message on the same socket')
      await s.close()
    } finally {
      await own.close()
    }
  })

  it('drops a socket that stops answering pings', async () => {
    const own = await startChatServer({ DATABASE_URL: database.url }, { heartbeatMs: 200 })
    try {
      const fay = await signIn(own.url, 'fay')
      const slug = await fay.createRoom('Heartbeat')
      const { port } = new URL(own.url)
      // A raw client: it completes the handshake, then never answers a ping.
      const socket = connect(Number(port), '127.0.0.1')
      socket.write([
        `GET /ws?room=${slug} HTTP/1.1`, `Host: 127.0.0.1:${port}`, 'Upgrade: websocket', 'Connection: Upgrade',
        'Sec-WebSocket-Version: 13', `Sec-WebSocket-Key: ${Buffer.from('0123456789abcdef').toString('base64')}`,
        `Origin: ${ORIGIN}`, `Cookie: ${fay.cookie}`, '', '',
      ].join('\r\n'))
      let received = ''
      socket.on('data', (d) => { received += d.toString('latin1') })
      const closedAfter = await new Promise<number>((resolve) => {
        const start = Date.now()
        socket.on('close', () => resolve(Date.now() - start))
      })
      expect(received.startsWith('HTTP/1.1 101')).toBe(true)
      expect(closedAfter).toBeLessThan(5_000)
    } finally {
      await own.close()
    }
  })
})

describe('shutdown', () => {
  it('closes open sockets with 1012 so clients come back', async () => {
    const own = await startChatServer({ DATABASE_URL: database.url })
    const dora = await signIn(own.url, 'dora')
    const slug = await dora.createRoom('Restart')
    const s = await dora.socket(slug)
    await own.close()
    expect((await s.closed).code).toBe(1012)
  })
})
