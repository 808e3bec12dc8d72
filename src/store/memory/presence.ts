import type { Presence } from '../ports.ts'

/** One process: online while this process holds a socket of the user. */
export function memoryPresence(): Presence {
  const online = new Set<number>()
  return {
    backend: 'memory',
    async heartbeat(userIds) {
      for (const id of userIds) online.add(id)
    },
    async leave(userId) {
      online.delete(userId)
    },
    online: async (userIds) => new Set(userIds.filter((id) => online.has(id))),
  }
}
