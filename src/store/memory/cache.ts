import { LRUCache } from 'lru-cache'
import type { Cache } from '../ports.ts'

/** One process without Redis: an LRU bounded by entry count. */
export function memoryCache(maxEntries = 50_000): Cache {
  const lru = new LRUCache<string, string>({ max: maxEntries })
  return {
    backend: 'memory',
    get: async (key) => lru.get(key),
    async fill(key, value, ttlSeconds) {
      if (!lru.has(key)) lru.set(key, value, { ttl: ttlSeconds * 1000 })
    },
    async put(key, value, ttlSeconds) {
      lru.set(key, value, { ttl: ttlSeconds * 1000 })
    },
    async bump(key) {
      const next = Number(lru.get(key) ?? 0) + 1
      lru.set(key, String(next))
      return next
    },
  }
}
