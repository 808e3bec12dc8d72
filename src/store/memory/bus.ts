import type { Bus, ChatEvent } from '../ports.ts'

/** One process: publish hands each event to every local subscriber at once, in order. */
export function memoryBus(): Bus {
  const handlers = new Set<(event: ChatEvent) => void>()
  return {
    async publish(event) {
      for (const handler of handlers) handler(event)
    },
    subscribe(handler) {
      handlers.add(handler)
      return () => handlers.delete(handler)
    },
  }
}
