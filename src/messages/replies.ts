import { LRUCache } from 'lru-cache'
import type { MessageStore, StoredMessage } from '../store/ports.ts'

/** What a reply shows of the message it answers, as that message now is. */
export interface ReplyExcerpt {
  readonly id: string
  readonly authorName: string
  readonly authorLogin: string
  /** Its first words as typed, on one line (shown as text: a mention in it is no mention). */
  readonly text: string
  readonly deleted: boolean
}

/** Answers what is known of an answered message (after `load`); undefined when it is unknown or gone. */
export type ReplyOf = (id: string) => ReplyExcerpt | undefined
export const noReplies: ReplyOf = () => undefined

const EXCERPT_CHARS = 120
/** Originals remembered; each at most `TTL_MS`, so an edit this instance never saw shows within a minute. */
const MAX_ENTRIES = 20_000
const TTL_MS = 60_000

export function excerptOf(m: StoredMessage): ReplyExcerpt {
  const line = m.body.replace(/\s+/g, ' ').trim()
  const chars = [...line]
  const text = chars.length > EXCERPT_CHARS ? `${chars.slice(0, EXCERPT_CHARS).join('')}…` : line || (m.attachments?.length ? 'a file' : '')
  return { id: m.id, authorName: m.authorName, authorLogin: m.authorLogin, text, deleted: m.deletedAt !== null }
}

/**
 * The messages replies answer, so a reply is rendered once for every reader
 * with its original's excerpt as that message now is: edited, or deleted.
 * Originals are read from the store once per batch that names new ones, and
 * an original seen changing in a batch (an edit or delete on the feed) is
 * taken from the batch.
 */
export class ReplyDirectory {
  readonly #messages: MessageStore
  readonly #known = new LRUCache<string, ReplyExcerpt | false>({ max: MAX_ENTRIES, ttl: TTL_MS })

  constructor(messages: MessageStore) {
    this.#messages = messages
  }

  /** Learns the originals these messages answer (and takes any of them that is in the batch as it now is). */
  async load(roomId: string, batch: readonly StoredMessage[]): Promise<ReplyOf> {
    for (const m of batch) if (this.#known.has(`${roomId}:${m.id}`)) this.#known.set(`${roomId}:${m.id}`, excerptOf(m))
    const missing = [...new Set(batch.flatMap((m) => (m.replyTo ? [m.replyTo] : [])))].filter((id) => !this.#known.has(`${roomId}:${id}`))
    if (missing.length === 0) return this.replyOf(roomId)
    const inBatch = new Map(batch.map((m) => [m.id, m]))
    await Promise.all(missing.map(async (id) => {
      const original = inBatch.get(id) ?? await this.#messages.findMessage(roomId, id)
      this.#known.set(`${roomId}:${id}`, original ? excerptOf(original) : false)
    }))
    return this.replyOf(roomId)
  }

  /** What is known now (after `load`), without asking the store. */
  replyOf(roomId: string): ReplyOf {
    return (id) => this.#known.get(`${roomId}:${id}`) || undefined
  }
}
