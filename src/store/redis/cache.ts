import type { Cache } from '../ports.ts'
import type { RedisClients } from './connect.ts'

/** The cache shared by every instance. */
export function redisCache({ commands, prefix }: RedisClients): Cache {
  const k = (key: string) => `${prefix}cache:${key}`
  return {
    backend: 'redis',
    get: async (key) => (await commands.get(k(key))) ?? undefined,
    async fill(key, value, ttlSeconds) {
      await commands.set(k(key), value, 'EX', ttlSeconds, 'NX')
    },
    async put(key, value, ttlSeconds) {
      await commands.set(k(key), value, 'EX', ttlSeconds)
    },
    bump: (key) => commands.incr(k(key)),
  }
}
