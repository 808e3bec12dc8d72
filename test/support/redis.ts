import { Redis } from 'ioredis'

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

/** A key prefix of this run's own on the real Redis, removed after. */
export async function testRedisPrefix(): Promise<{ prefix: string; admin: Redis; cleanup(): Promise<void> }> {
  const admin = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false })
  try {
    await admin.connect()
    await admin.ping()
  } catch (err) {
    admin.disconnect()
    throw new Error(`Redis is needed for this suite and is not reachable at ${REDIS_URL} (${(err as Error).message}). ` +
      'Start it with: redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no')
  }
  const prefix = `rtctest:${process.pid}:${Math.random().toString(36).slice(2, 8)}:`
  return {
    prefix,
    admin,
    async cleanup() {
      await deleteKeysWithPrefix(admin, prefix)
      admin.disconnect()
    },
  }
}

/** Kills the named client connections, as `CLIENT KILL` would after a network fault. */
export async function killClients(admin: Redis, name: string): Promise<number> {
  const list = (await admin.client('LIST')) as string
  const ids = list.split('\n').filter((l) => l.includes(` name=${name} `)).map((l) => /id=(\d+)/.exec(l)![1]!)
  for (const id of ids) await admin.client('KILL', 'ID', id)
  return ids.length
}

/** Removes every key under `prefix`, a page at a time. */
export async function deleteKeysWithPrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0'
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500)
    if (keys.length) await redis.del(...keys)
    cursor = next
  } while (cursor !== '0')
}
