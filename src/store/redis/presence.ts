import type { Presence } from '../ports.ts'
import type { RedisClients } from './connect.ts'

type PipelineResult = [Error | null, unknown][] | null

/** A pipeline reports errors per command; any one of them fails the call. */
function failed(results: PipelineResult): [Error | null, unknown][] {
  const error = results?.find(([err]) => err)?.[0]
  if (error) throw error
  return results ?? []
}

/**
 * One sorted set per user: member = instance, score = when its mark expires.
 * Online means some instance's mark has not expired yet.
 */
export function redisPresence({ commands, prefix }: RedisClients): Presence {
  const instance = crypto.randomUUID()
  const key = (userId: number) => `${prefix}online:${userId}`
  return {
    backend: 'redis',
    async heartbeat(userIds, ttlMs) {
      if (userIds.length === 0) return
      const until = Date.now() + ttlMs
      const batch = commands.pipeline()
      for (const id of userIds) batch.zadd(key(id), until, instance).pexpire(key(id), ttlMs * 2)
      failed(await batch.exec())
    },
    async leave(userId) {
      await commands.zrem(key(userId), instance)
    },
    async online(userIds) {
      if (userIds.length === 0) return new Set()
      const now = Date.now()
      const batch = commands.pipeline()
      for (const id of userIds) batch.zcount(key(id), now, '+inf')
      const counts = failed(await batch.exec())
      return new Set(userIds.filter((_, i) => Number(counts[i]?.[1] ?? 0) > 0))
    },
  }
}
