import type { Attachment, MessageStore, Room, StoredMessage } from '../store/ports.ts'
import { formatBytes } from '../lib/bytes.ts'

/** Messages read per store query: the export holds one page at a time, whatever the room's size. */
export const EXPORT_PAGE = 200

/** Every message of the room still standing, oldest first, a page at a time by position (never one query for the room). */
export async function* roomMessages(messages: MessageStore, roomId: string, page = EXPORT_PAGE): AsyncGenerator<StoredMessage> {
  let after = '0'
  for (;;) {
    const batch = await messages.pageAfter(roomId, after, page)
    if (!batch.length) return
    for (const m of batch) if (!m.deletedAt) yield m
    after = batch.at(-1)!.id
    if (batch.length < page) return
  }
}

/** Where a transcript points for a message and for its files. */
export interface Links {
  /** A message's address on the server. */
  message(id: string): string
  /** A file's address: on the server, or its path inside the zip when the files come along. */
  file(m: StoredMessage, a: Attachment): string
}

/** A file's path inside the zip: its hash (unique, and never a path the sender chose) then its cleaned name. */
export const zipPathOf = (a: Attachment) => `files/${a.sha256.slice(0, 12)}-${a.name.replace(/[/\\]/g, '_')}`

/** A reaction list as "👍 2 (ann, ben)"-style pieces. */
function reactionSummary(m: StoredMessage): { emoji: string; logins: string[] }[] {
  const byEmoji = new Map<string, string[]>()
  for (const r of m.reactions ?? []) byEmoji.set(r.emoji, [...(byEmoji.get(r.emoji) ?? []), r.login])
  return [...byEmoji].map(([emoji, logins]) => ({ emoji, logins }))
}

/** Times in one zone: the day heading and the time beside a name. */
function clock(timeZone: string) {
  const day = new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' })
  const time = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
  const stamp = new Intl.DateTimeFormat('en-GB', { timeZone, dateStyle: 'medium', timeStyle: 'short', hourCycle: 'h23' })
  return { day: (d: Date) => day.format(d), time: (d: Date) => time.format(d), stamp: (d: Date) => stamp.format(d) }
}

/** Whether `zone` is a time zone this runtime knows (an IANA name such as Europe/Berlin, or UTC). */
export function knownZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone })
    return zone.length <= 64
  } catch {
    return false
  }
}

export interface TranscriptHead {
  room: Room
  /** The server's address, as links in the transcript start. */
  origin: string
  exportedBy: string
  exportedAt: Date
  timeZone: string
}

/**
 * A readable Markdown document, streamed: the room's name, then each day under its heading (in the reader's
 * zone), each message as its author, time and Markdown source as written, with what answered it, edits, files
 * and reactions noted.
 */
export async function* markdownTranscript(head: TranscriptHead, all: AsyncIterable<StoredMessage>, links: Links): AsyncGenerator<string> {
  const { day, time, stamp } = clock(head.timeZone)
  yield `# ${head.room.name}\n\n` +
    `Exported from ${head.origin}/rooms/${head.room.slug} by @${head.exportedBy} on ${stamp(head.exportedAt)} (${head.timeZone}). ` +
    `Times are in ${head.timeZone}.\n`
  let shownDay = ''
  let count = 0
  for await (const m of all) {
    const today = day(m.createdAt)
    if (today !== shownDay) {
      shownDay = today
      yield `\n## ${today}\n`
    }
    const name = m.authorName && m.authorName !== m.authorLogin ? `${m.authorName} (@${m.authorLogin})` : `@${m.authorLogin}`
    const edited = m.editedAt ? `, edited ${stamp(m.editedAt)}` : ''
    const lines = [`\n**${name}**, [${time(m.createdAt)}](${links.message(m.id)})${edited}`]
    if (m.replyTo) lines.push(`↪ in reply to [an earlier message](${links.message(m.replyTo)})`)
    if (m.body) lines.push('', m.body)
    for (const a of m.attachments ?? []) lines.push(`- [${a.name.replace(/[[\]]/g, '\\$&')}](${encodeURI(links.file(m, a))}) (${formatBytes(a.size)})`)
    const reactions = reactionSummary(m)
    if (reactions.length) lines.push('', reactions.map((r) => `${r.emoji} ${r.logins.length} (${r.logins.join(', ')})`).join(' · '))
    yield `${lines.join('\n')}\n`
    count++
  }
  yield count ? '' : '\nNo messages.\n'
}

/** One message as the JSON exports write it. */
export function messageEntry(m: StoredMessage, links: Links) {
  return {
    id: m.id,
    url: links.message(m.id),
    author: { id: m.authorId, login: m.authorLogin, name: m.authorName },
    created_at: m.createdAt.toISOString(),
    edited_at: m.editedAt?.toISOString() ?? null,
    body: m.body,
    reply_to: m.replyTo ?? null,
    reactions: reactionSummary(m),
    attachments: (m.attachments ?? []).map((a) => ({ name: a.name, type: a.type, size: a.size, sha256: a.sha256, url: links.file(m, a) })),
    link_preview: m.preview ? { url: m.preview.url, site: m.preview.site, title: m.preview.title, description: m.preview.description ?? null } : null,
  }
}

/**
 * One JSON document, streamed: the room and, in `messages`, one object per message (id, author, times, the body's
 * Markdown source, reactions, the message it answers, files, link card).
 */
export async function* jsonTranscript(head: TranscriptHead, all: AsyncIterable<StoredMessage>, links: Links): AsyncGenerator<string> {
  const { room } = head
  yield `{"room":${JSON.stringify({ id: room.id, slug: room.slug, name: room.name, visibility: room.visibility, url: `${head.origin}/rooms/${room.slug}` })},` +
    `"exported_by":${JSON.stringify(head.exportedBy)},"exported_at":${JSON.stringify(head.exportedAt.toISOString())},"messages":[`
  let first = true
  for await (const m of all) {
    const entry = messageEntry(m, links)
    yield `${first ? '' : ','}\n${JSON.stringify(entry)}`
    first = false
  }
  yield '\n]}\n'
}
