import { createServer, connect, type AddressInfo, type Socket } from 'node:net'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ChatEvent } from '../src/store/ports.ts'
import { redisBus } from '../src/store/redis/bus.ts'
import { connectRedis } from '../src/store/redis/connect.ts'
import { capturedLogger } from './support/logs.ts'
import { killClients, REDIS_URL, testRedisPrefix } from './support/redis.ts'

let redis: Awaited<ReturnType<typeof testRedisPrefix>>
beforeAll(async () => { redis = await testRedisPrefix() })
afterAll(() => redis?.cleanup())

const until = async (check: () => boolean, what: string, ms = 10_000) => {
  const start = Date.now()
  while (!check()) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** A TCP proxy to Redis that can make the subscribing connections open now go silent both ways (a NAT that forgot them). */
async function silencer() {
  const { hostname, port } = new URL(REDIS_URL)
  const silenced = new WeakSet<Socket>()
  const open = new Set<Socket>()
  const server = createServer((client) => {
    const upstream = connect(Number(port), hostname)
    client.on('data', (d) => {
      if (/SUBSCRIBE/i.test(d.toString('latin1'))) open.add(client)
      if (!silenced.has(client)) upstream.write(d)
    })
    upstream.on('data', (d) => { if (!silenced.has(client)) client.write(d) })
    for (const s of [client, upstream]) s.on('error', () => { client.destroy(); upstream.destroy() })
    client.on('close', () => { open.delete(client); upstream.destroy() })
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  return {
    url: `redis://127.0.0.1:${(server.address() as AddressInfo).port}`,
    silenceAll: () => { for (const s of open) silenced.add(s) },
    close: () => { for (const s of open) s.destroy(); server.close() },
  }
}

describe('the Redis bus', () => {
  it('resubscribes when its subscription goes silent without closing, and says so', async () => {
    const proxy = await silencer()
    const logs = capturedLogger()
    const clients = connectRedis(proxy.url, redis.prefix, logs.log, `bus-silent@${redis.prefix}`)
    const bus = redisBus(clients, logs.log, { beatMs: 150 })
    const got: ChatEvent[] = []
    bus.subscribe((e) => got.push(e))
    const other = new Redis(REDIS_URL)
    try {
      expect(await clients.ready(5000)).toBe(true)
      await new Promise((r) => setTimeout(r, 300))
      proxy.silenceAll()
      await until(() => got.some((e) => e.type === 'resync'), 'a resync after the subscription went silent')
      expect(logs.text()).toContain('the bus hears nothing back from Redis')
      await new Promise((r) => setTimeout(r, 300))
      await other.publish(`${redis.prefix}events`, JSON.stringify({ o: 'another instance', e: { type: 'wake', roomId: '7' } }))
      await until(() => got.some((e) => e.type === 'wake' && e.roomId === '7'), 'a wake-up from another instance after resubscribing')
    } finally {
      bus.close?.()
      other.disconnect()
      await clients.close()
      proxy.close()
    }
  })

  it('publishes again, once Redis answers, what it could not publish while its connection was down', async () => {
    const logs = capturedLogger()
    const name = `bus-lost@${redis.prefix}`
    const clients = connectRedis(REDIS_URL, redis.prefix, logs.log, name)
    const bus = redisBus(clients, logs.log, { beatMs: 200 })
    // No ready check: on a busy box its INFO could go after the SUBSCRIBE below and be refused in subscriber mode.
    const listener = new Redis(REDIS_URL, { enableReadyCheck: false })
    const heard: string[] = []
    try {
      expect(await clients.ready(5000)).toBe(true)
      await listener.subscribe(`${redis.prefix}events`)
      listener.on('message', (_c: string, payload: string) => heard.push(payload))
      expect(await killClients(redis.admin, `${name}-commands`)).toBe(1)
      await until(() => clients.commands.status !== 'ready', 'the commands connection to notice')
      await expect(bus.publish({ type: 'wake', roomId: '42' })).rejects.toThrow()
      await until(() => heard.some((p) => p.includes('"roomId":"42"')), 'the wake-up published again after the reconnect')
    } finally {
      bus.close?.()
      listener.disconnect()
      await clients.close()
    }
  })
})
