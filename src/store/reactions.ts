import type { Reaction, StoredMessage } from './ports.ts'

/** The one order every adapter answers reactions in: by emoji (code units), then by user id. */
export function orderReactions(reactions: Reaction[]): Reaction[] {
  return reactions.sort((a, b) => (a.emoji < b.emoji ? -1 : a.emoji > b.emoji ? 1 : a.userId - b.userId))
}

/**
 * The messages that may carry reactions: only a changed one can (a reaction
 * moves the rev), and a deleted one shows none. So a page of unchanged
 * messages costs no second read.
 */
export const mayHaveReactions = (m: StoredMessage) => m.rev !== m.id && m.deletedAt === null

/** Puts each message's reactions on it, leaving `reactions` off a message that has none. */
export function withReactions(messages: StoredMessage[], found: readonly { messageId: string; reaction: Reaction }[]): StoredMessage[] {
  const byMessage = new Map<string, Reaction[]>()
  for (const { messageId, reaction } of found) {
    byMessage.set(messageId, [...(byMessage.get(messageId) ?? []), reaction])
  }
  return messages.map((m) => {
    const reactions = byMessage.get(m.id)
    return reactions && m.deletedAt === null ? { ...m, reactions: orderReactions(reactions) } : m
  })
}
