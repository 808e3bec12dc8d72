import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../src/log.ts'
import { memoryPresence } from '../src/store/memory/presence.ts'
import type { Presence } from '../src/store/ports.ts'
import { connectRedis, type RedisClients } from '../src/store/redis/connect.ts'
import { redisPresence } from '../src/store/redis/presence.ts'
import { REDIS_URL, testRedisPrefix } from './support/redis.ts'

let redis: Awaited<ReturnType<typeof testRedisPrefix>>
const clients: RedisClients[] = []
beforeAll(async () => { redis = await testRedisPrefix() })
afterAll(async () => {
  for (const c of clients) await c.close()
  await redis?.cleanup()
})

const instance = async (): Promise<Presence> => {
  const c = connectRedis(REDIS_URL, redis.prefix, createLogger('silent'), 'rtc-presence-test')
  clients.push(c)
  expect(await c.ready(5000)).toBe(true)
  return redisPresence(c)
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('Redis presence', () => {
  it('is online while any instance renews its mark', async () => {
    const [one, two] = [await instance(), await instance()]
    await one.heartbeat([1, 2], 10_000)
    await two.heartbeat([2, 3], 10_000)
    expect(await one.online([1, 2, 3, 4])).toEqual(new Set([1, 2, 3]))
    await one.leave(2)
    expect(await two.online([2])).toEqual(new Set([2]))
    await two.leave(2)
    expect(await one.online([1, 2, 3])).toEqual(new Set([1, 3]))
  })

  it('lets the users of an instance that stopped renewing (a crash) go offline when their marks expire', async () => {
    const crashed = await instance()
    await crashed.heartbeat([10], 300)
    expect(await (await instance()).online([10])).toEqual(new Set([10]))
    await sleep(450)
    expect(await (await instance()).online([10])).toEqual(new Set())
  })
})

describe('Redis presence of people looking at a tab', () => {
  it('is present while some tab on any instance is marked, until it goes away or its mark expires', async () => {
    const [one, two] = [await instance(), await instance()]
    await one.attend(21, '1', Date.now() + 10_000)
    await two.attend(21, '1', Date.now() + 10_000)
    await two.attend(22, '2', Date.now() + 10_000)
    expect(await one.present([21, 22, 23])).toEqual(new Set([21, 22]))
    // Tab numbers are per instance: one's tab 1 going away leaves two's.
    await one.away(21, '1')
    expect(await one.present([21])).toEqual(new Set([21]))
    await two.away(21, '1')
    expect(await two.present([21, 22])).toEqual(new Set([22]))
    await one.attend(23, '5', Date.now() + 300)
    expect(await two.present([23])).toEqual(new Set([23]))
    await sleep(450)
    expect(await two.present([23])).toEqual(new Set())
    // Online and present are separate: a socket alone makes nobody present.
    await one.heartbeat([24], 10_000)
    expect(await one.present([24])).toEqual(new Set())
  })
})

describe('in-process presence', () => {
  it('is present while a tab is marked, until it goes away or its mark expires', async () => {
    const p = memoryPresence()
    await p.attend(7, 'a', Date.now() + 10_000)
    await p.attend(7, 'b', Date.now() + 10_000)
    await p.away(7, 'a')
    expect(await p.present([7, 8])).toEqual(new Set([7]))
    await p.away(7, 'b')
    expect(await p.present([7])).toEqual(new Set())
    await p.attend(8, 'c', Date.now() + 100)
    await sleep(200)
    expect(await p.present([8])).toEqual(new Set())
  })

  it('is online from the first heartbeat until leave', async () => {
    const p = memoryPresence()
    await p.heartbeat([5], 1000)
    expect(await p.online([5, 6])).toEqual(new Set([5]))
    await p.leave(5)
    expect(await p.online([5])).toEqual(new Set())
  })
})
