import type { ImportFiles } from '../../src/import/conversation.ts'
import { oneByOne } from '../../src/import/conversation.ts'
import type { IdMaker } from '../../src/messages/ids.ts'
import { roomMessages } from '../../src/export/transcript.ts'
import type { Attachment, BatchedMessage, MessageStore, StoredMessage } from '../../src/store/ports.ts'

/** Someone who writes in the room made for a round trip. */
export interface Writer { userId: number; login: string; name: string }

const WORDS = 'dinner at eight **bold** the list _milk_ eggs `code` see you then ok thanks 🎉 später naïve ש ok'.split(' ')
const EMOJI = ['👍', '🎉', '❤️', '😂']
const BATCH = 200

/**
 * Fills a room with `count` messages as a room gets them: written by `people` in turn, a minute apart, one in 7 a
 * reply to an earlier one, one in 5 with a reaction or two, one in 11 edited, one in `fileEvery` with a file (stored
 * through `files`, as an import stores one). Deterministic, so two runs make the same room.
 */
export async function fillRoom({ messages, files, roomId, people, count, nextId, fileEvery = 100, extras = true, start = Date.parse('2025-01-01T08:00:00Z') }: {
  messages: MessageStore
  files: ImportFiles
  roomId: string
  people: readonly Writer[]
  count: number
  nextId: IdMaker
  fileEvery?: number
  /** Without them (false), no reactions and no edits: a big room written fast. */
  extras?: boolean
  start?: number
}): Promise<void> {
  let seed = 7
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
  const ids: string[] = []
  for (let from = 0; from < count; from += BATCH) {
    const drafts: BatchedMessage[] = []
    for (let i = from; i < Math.min(count, from + BATCH); i++) {
      const author = people[i % people.length]!
      const nonce = `fill-${i}`
      const body = `${i}: ${Array.from({ length: 3 + Math.floor(random() * 12) }, () => WORDS[Math.floor(random() * WORDS.length)]).join(' ')}`
      const attachments: Attachment[] = i % fileEvery === fileEvery - 1
        ? [await files.attach({ ...author, placeholder: false }, { roomId, nonce }, new TextEncoder().encode(`file of message ${i}\n`.repeat(1 + (i % 5))), `notes ${i}.txt`)]
        : []
      const parent = i % 7 === 6 ? i - 1 - Math.floor(random() * Math.min(i, 40)) : -1
      drafts.push({
        id: nextId(), roomId, authorId: author.userId, authorLogin: author.login, authorName: author.name, nonce, body,
        createdAt: new Date(start + i * 60_000), ...(attachments.length ? { attachments } : {}),
        ...(parent < 0 ? {} : parent >= from ? { replyToEarlier: parent - from } : { replyTo: ids[parent]! }),
      })
    }
    const appended = messages.appendMessages ? await messages.appendMessages(drafts) : await oneByOne(messages, drafts)
    ids.push(...appended.map((a) => a.message.id))
  }
  for (let i = 0; i < count && extras; i++) {
    const id = ids[i]!
    const at = new Date(start + i * 60_000 + 30_000)
    if (i % 5 === 2) {
      for (const who of [people[(i + 1) % people.length]!, ...(i % 10 === 2 ? [people[(i + 2) % people.length]!] : [])]) {
        await messages.changeMessage(roomId, id, { kind: 'react', reaction: { emoji: EMOJI[i % EMOJI.length]!, userId: who.userId, login: who.login }, on: true, rev: nextId(), at })
      }
    }
    if (i % 11 === 4) {
      const m = await messages.findMessage(roomId, id)
      await messages.changeMessage(roomId, id, { kind: 'edit', body: `${m!.body} (edited)`, rev: nextId(), at })
    }
  }
}

/** Every message of the room still standing, oldest first (paged as the export pages). */
export async function allMessages(messages: MessageStore, roomId: string): Promise<StoredMessage[]> {
  const out: StoredMessage[] = []
  for await (const m of roomMessages(messages, roomId)) out.push(m)
  return out
}

/** A message as a round trip must keep it: what it says, who wrote it when, its edit, reactions, the one it answers (by place), its files. */
const summary = (m: StoredMessage, place: Map<string, number>) => ({
  author: m.authorLogin,
  name: m.authorName,
  body: m.body,
  createdAt: m.createdAt.toISOString(),
  editedAt: m.editedAt?.toISOString() ?? null,
  reactions: (m.reactions ?? []).map((r) => `${r.emoji} ${r.login}`).sort(),
  replyTo: m.replyTo === undefined ? null : place.get(m.replyTo) ?? `unknown ${m.replyTo}`,
  files: (m.attachments ?? []).map((a) => `${a.sha256} ${a.name} ${a.size}`),
})

/**
 * How the imported room differs from the exported one, message by message (empty when every message was found in
 * order with its author, body, times, reactions, reply and files); at most `limit` differences are told.
 */
export function differences(exported: readonly StoredMessage[], imported: readonly StoredMessage[], limit = 10): string[] {
  const out: string[] = []
  if (exported.length !== imported.length) out.push(`${exported.length} messages exported, ${imported.length} imported`)
  const places = (list: readonly StoredMessage[]) => new Map(list.map((m, i) => [m.id, i]))
  const [a, b] = [places(exported), places(imported)]
  for (let i = 0; i < Math.min(exported.length, imported.length) && out.length < limit; i++) {
    const [x, y] = [JSON.stringify(summary(exported[i]!, a)), JSON.stringify(summary(imported[i]!, b))]
    if (x !== y) out.push(`message ${i + 1}: exported ${x}, imported ${y}`)
  }
  for (let i = 1; i < imported.length && out.length < limit; i++) {
    if (BigInt(imported[i]!.id) <= BigInt(imported[i - 1]!.id)) out.push(`message ${i + 1}: its id does not rise`)
  }
  return out
}
