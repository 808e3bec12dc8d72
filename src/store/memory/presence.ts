import type { Presence } from '../ports.ts'

/** One process: online while this process holds a socket of the user; present while a tab's mark has not expired. */
export function memoryPresence(): Presence {
  const online = new Set<number>()
  /** Per user, each attending tab's expiry (epoch ms). */
  const attending = new Map<number, Map<string, number>>()
  return {
    backend: 'memory',
    async heartbeat(userIds) {
      for (const id of userIds) online.add(id)
    },
    async leave(userId) {
      online.delete(userId)
    },
    online: async (userIds) => new Set(userIds.filter((id) => online.has(id))),
    async attend(userId, tab, untilMs) {
      let tabs = attending.get(userId)
      if (!tabs) attending.set(userId, (tabs = new Map()))
      tabs.set(tab, untilMs)
    },
    async away(userId, tab) {
      const tabs = attending.get(userId)
      if (!tabs?.delete(tab) || tabs.size > 0) return
      attending.delete(userId)
    },
    async present(userIds) {
      const now = Date.now()
      return new Set(userIds.filter((id) => [...attending.get(id)?.values() ?? []].some((until) => until > now)))
    },
  }
}
