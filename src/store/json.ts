import type { StoredMessage } from './ports.ts'

/** A message that went through JSON (the cache, the bus) with its dates made dates again. */
export function revivedMessage(m: StoredMessage): StoredMessage {
  return {
    ...m, createdAt: new Date(m.createdAt), editedAt: m.editedAt && new Date(m.editedAt), deletedAt: m.deletedAt && new Date(m.deletedAt),
  }
}
