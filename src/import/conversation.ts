import pLimit from 'p-limit'
import pRetry from 'p-retry'
import type { Appended, Attachment, BatchedMessage, NewMessage, Room } from '../store/ports.ts'
import type { Archive } from './archive.ts'
import { emojiOf } from './emoji.ts'
import type { Author, SlackImportDeps } from './importer.ts'
import { slackToMarkdown } from './markup.ts'
import type { ImportProgress } from './progress.ts'
import { compareTs, dateOf, isSaid, messagesOf, type SlackFile, type SlackMessage } from './slack.ts'

/** Stores a file found in the archive for a message about to be appended (see files.ts). */
export interface ImportFiles {
  attach(author: Author, message: { roomId: string; nonce: string }, bytes: Uint8Array, name: string): Promise<Attachment>
}

/** Times a failed batch is tried again before the import stops. */
const BATCH_RETRIES = 3

/** Reactions applied at once (each takes the room's next rev, so they mostly queue on the room anyway). */
const REACTION_CONCURRENCY = 32

/** Where an export may hold a file's bytes: Slack's own exports with files, and slackdump's. */
const filePaths = (folder: string, f: SlackFile) => f.id && f.name ? [`__uploads/${f.id}/${f.name}`, `${folder}/attachments/${f.id}-${f.name}`] : []

interface ConversationImport {
  archive: Archive
  deps: SlackImportDeps
  room: Room
  channelId: string
  folder: string
  days: readonly string[]
  authorOf(slackId: string, shownName?: string): Promise<Author>
  /** An author already linked (a mention of anyone else keeps its Slack id). */
  knownAuthor(slackId: string): Author | undefined
  channelName(slackId: string): string | undefined
  progress: ImportProgress
  report(): void
  /** True once another room's import failed: this one stops at its next batch. */
  stopped(): boolean
  batch: number
}

interface Pending { slack: SlackMessage; author: Author; draft: BatchedMessage }

/**
 * One conversation's days, in order: each day's messages sorted by `ts`, those imported before skipped (their ids
 * kept for the replies that name them), the rest appended a batch at a time. A batch ends before a reply to a
 * message of the same batch, so every reply is written knowing its thread's id.
 */
export async function importConversation(c: ConversationImport): Promise<void> {
  const { deps, room, progress } = c
  const idOf = new Map<string, string>()
  const names = { login: (id: string) => c.knownAuthor(id)?.login, channel: c.channelName }
  let last: Date | undefined
  let newest: string | undefined
  const members: number[] = []

  /** A batch stored: its messages, their reactions, and their link to Slack. Each step is idempotent, so a failed batch is tried again whole. */
  const store = async (batch: Pending[]) => {
    const appended: Appended[] = deps.messages.appendMessages
      ? await deps.messages.appendMessages(batch.map((p) => p.draft))
      : await oneByOne(deps.messages, batch.map((p) => p.draft))
    const limit = pLimit(REACTION_CONCURRENCY)
    await Promise.all(batch.map((p, i) => limit(() => react(c, p, appended[i]!))))
    await deps.imports.recordMessages(c.channelId, room.id, batch.map((p, i) => ({ ts: p.slack.ts, id: appended[i]!.message.id })))
    return appended
  }

  const flush = async (batch: Pending[]) => {
    if (batch.length === 0 || c.stopped()) return
    const appended = await storedBatch(deps, room.id, progress, () => store(batch), 'slack')
    batch.forEach((p, i) => idOf.set(p.slack.ts, appended[i]!.message.id))
    last = batch.at(-1)!.draft.createdAt
    newest = appended.at(-1)!.message.id
    c.report()
  }

  // Batches run across days: only their size ends them.
  let batch: Pending[] = []
  for (const day of c.days) {
    if (c.stopped()) return
    const said = messagesOf(await c.archive.json(day), day)
    progress.messages.notices += said.filter((m) => !isSaid(m)).length
    const list = said.filter(isSaid).sort((a, b) => compareTs(a.ts, b.ts)).filter((m, i, all) => i === 0 || all[i - 1]!.ts !== m.ts)
    // What an earlier run imported, and the threads this day answers that are not known here yet.
    const wanted = [...new Set(list.flatMap((m) => [m.ts, ...(m.thread_ts && m.thread_ts !== m.ts && !idOf.has(m.thread_ts) ? [m.thread_ts] : [])]))]
    for (const [ts, id] of await deps.imports.importedMessages(c.channelId, wanted)) idOf.set(ts, id)
    for (const m of list) {
      if (idOf.has(m.ts)) {
        progress.messages.known++
        continue
      }
      const parent = m.thread_ts && m.thread_ts !== m.ts ? m.thread_ts : undefined
      if (batch.length >= c.batch) {
        await flush(batch)
        batch = []
      }
      // A reply to a message of this batch names it by its place in the batch (its id comes with the append).
      const earlier = parent === undefined ? -1 : batch.findIndex((p) => p.slack.ts === parent)
      const author = await c.authorOf(m.user ?? `bot:${m.bot_id ?? m.username ?? 'unknown'}`, m.user ? undefined : m.username)
      const draft: BatchedMessage = earlier >= 0
        ? { ...await draftOf(c, m, author, names, undefined), replyToEarlier: earlier }
        : await draftOf(c, m, author, names, parent && idOf.get(parent))
      if (parent && (draft.replyTo || earlier >= 0)) progress.messages.replies++
      if (!author.placeholder && !members.includes(author.userId)) members.push(author.userId)
      batch.push({ slack: m, author, draft })
    }
    progress.days.done++
  }
  await flush(batch)
  if (last) {
    await deps.rooms.touchRooms([{ roomId: room.id, at: last }])
    // The history of a room a person was moved into is not news to them: it is marked read for its members who wrote.
    if (newest) await deps.reads.advanceAll(members.map((userId) => ({ userId, roomId: room.id, id: newest! })))
  }
}

/**
 * A batch stored by `store`, which is asked again when it failed (a Cassandra write timed out, its outcome unknown:
 * the nonces make that safe), and counted: how many were made, how many were there already.
 */
export async function storedBatch(deps: SlackImportDeps, roomId: string, progress: ImportProgress, store: () => Promise<Appended[]>, what: string): Promise<Appended[]> {
  const appended = await pRetry(store, {
    retries: BATCH_RETRIES, minTimeout: 500,
    onFailedAttempt: ({ error, attemptNumber }) => deps.log?.warn({ err: error, attemptNumber, room: roomId }, `${what} import batch failed; trying again`),
  })
  progress.messages.imported += appended.filter((a) => a.created).length
  progress.messages.known += appended.filter((a) => !a.created).length
  return appended
}

/** A store without `appendMessages`: one append at a time, a reply to one of the batch told its id. */
export async function oneByOne(messages: Pick<SlackImportDeps['messages'], 'appendMessage'>, drafts: readonly BatchedMessage[]): Promise<Appended[]> {
  const out: Appended[] = []
  for (const { replyToEarlier, ...draft } of drafts) {
    out.push(await messages.appendMessage(replyToEarlier === undefined ? draft : { ...draft, replyTo: out[replyToEarlier]!.message.id }))
  }
  return out
}

/** The message as rtc stores it: its Markdown, its original time, its thread, its files (those the archive has). */
async function draftOf(c: ConversationImport, m: SlackMessage, author: Author, names: Parameters<typeof slackToMarkdown>[1], replyTo: string | undefined): Promise<NewMessage> {
  const nonce = `slack:${c.channelId}:${m.ts}`
  const lines = [slackToMarkdown(m.text ?? '', names)]
  const attachments: Attachment[] = []
  for (const f of m.files ?? []) {
    const name = f.name ?? f.title ?? 'a file'
    const path = c.deps.files && filePaths(c.folder, f).find((p) => c.archive.has(p))
    const bytes = path && await c.archive.bytes(path)
    if (bytes) {
      attachments.push(await c.deps.files!.attach(author, { roomId: c.room.id, nonce }, bytes, name))
      c.progress.files.attached++
    } else {
      lines.push(`📎 ${name} (only its link was in the Slack export)`)
      c.progress.files.noted++
    }
  }
  return {
    id: c.deps.nextId(), roomId: c.room.id, authorId: author.userId, authorLogin: author.login, authorName: author.name,
    nonce, body: lines.filter((l) => l.trim() !== '').join('\n\n'), createdAt: dateOf(m.ts),
    ...(attachments.length ? { attachments } : {}), ...(replyTo ? { replyTo } : {}),
  }
}

/** The message's Slack reactions, each person's one by one; on a message stored before (a crash), only those missing. */
async function react(c: ConversationImport, p: Pending, appended: Appended) {
  if (!p.slack.reactions?.length) return
  const { message } = appended
  const present = appended.created ? [] : (await c.deps.messages.findMessage(message.roomId, message.id))?.reactions ?? []
  for (const r of p.slack.reactions) {
    const emoji = emojiOf(r.name)
    if (!emoji) {
      c.progress.reactions.unknown++
      continue
    }
    for (const slackId of r.users ?? []) {
      const who = await c.authorOf(slackId)
      if (present.some((x) => x.emoji === emoji && x.userId === who.userId)) continue
      await c.deps.messages.changeMessage(message.roomId, message.id, {
        kind: 'react', reaction: { emoji, userId: who.userId, login: who.login }, on: true, rev: c.deps.nextId(), at: message.createdAt,
      })
      c.progress.reactions.added++
    }
  }
}
