import { spawn, type ChildProcess } from 'node:child_process'
import { Redis } from 'ioredis'
import { freePort } from './ports.ts'

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

/** A Redis server of the test's own, on a free port, that the test may stop (SIGSTOP) and resume; removed after. */
export async function privateRedis(): Promise<{ url: string; child: ChildProcess; stop(): Promise<void> }> {
  const port = await freePort()
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
  const failed = new Promise<never>((_, reject) => child.once('error', (err) => reject(new Error(`redis-server is needed for this test and could not start (${err.message}); install it with: apt-get install redis-server`))))
  const url = `redis://127.0.0.1:${port}`
  const probe = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null })
  probe.on('error', () => {})
  for (let i = 0; ; i++) {
    try {
      await Promise.race([probe.connect().then(() => probe.ping()), failed])
      break
    } catch (err) {
      if (i > 50) throw err
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  probe.disconnect()
  return {
    url,
    child,
    async stop() {
      child.kill('SIGCONT')
      child.kill('SIGKILL')
      if (child.exitCode === null) await new Promise((r) => child.once('exit', r))
    },
  }
}
