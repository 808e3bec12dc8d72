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
 * Two sorted sets per user, scored by when each mark expires. `online`: one
 * member per instance; online means some instance's mark has not expired yet.
 * `present`: one member per tab (instance and tab); present means some visible
 * tab was used recently enough that its mark has not expired.
 */
export function redisPresence({ commands, prefix }: RedisClients): Presence {
  const instance = crypto.randomUUID()
  const key = (userId: number) => `${prefix}online:${userId}`
  const presentKey = (userId: number) => `${prefix}present:${userId}`
  const count = async (keyOf: (userId: number) => string, userIds: readonly number[]) => {
    if (userIds.length === 0) return new Set<number>()
    const now = Date.now()
    const batch = commands.pipeline()
    for (const id of userIds) batch.zcount(keyOf(id), now, '+inf')
    const counts = failed(await batch.exec())
    return new Set(userIds.filter((_, i) => Number(counts[i]?.[1] ?? 0) > 0))
  }
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
    online: (userIds) => count(key, userIds),
    async attend(userId, tab, untilMs) {
      const k = presentKey(userId)
      // Expired tabs of crashed instances are trimmed as the user's tabs report; the key itself outlives the last mark briefly.
      failed(await commands.pipeline().zadd(k, untilMs, `${instance}:${tab}`).zremrangebyscore(k, '-inf', Date.now())
        .pexpireat(k, untilMs + 60_000).exec())
    },
    async away(userId, tab) {
      await commands.zrem(presentKey(userId), `${instance}:${tab}`)
    },
    present: (userIds) => count(presentKey, userIds),
  }
}
