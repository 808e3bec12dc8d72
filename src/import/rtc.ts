import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { open } from 'node:fs/promises'
import { posix } from 'node:path'
import pLimit from 'p-limit'
import { slugify } from '../lib/slug.ts'
import { checkEmoji } from '../messages/reactions.ts'
import type { Appended, Attachment, BatchedMessage, Room } from '../store/ports.ts'
import { ImportRefused, openArchive, type Archive, type ArchiveLimits } from './archive.ts'
import { oneByOne, storedBatch } from './conversation.ts'
import type { Author, SlackImportDeps, SlackImportOptions } from './importer.ts'
import { jsonParts } from './jsonParts.ts'
import { newProgress, type ImportProgress } from './progress.ts'
import { loginOf } from './slack.ts'

/**
 * Imports a room exported from rtc (`GET /rooms/:room/export?format=json`, or the zip of `&files=1` with its files)
 * through the Slack import's pipeline and records (SlackImportStore, keys prefixed `rtc:<origin>`): the room, its
 * people (matched by login to accounts here, or placeholders), its messages in their order with their original
 * times, replies, reactions, edits (the current text, marked edited at its time) and files. The transcript is read
 * twice, a message at a time: first checked whole (so a refusal comes before any write), then imported.
 */

/** The largest message (one item of `messages`) read, in characters: far above a message's longest body. */
export const MAX_MESSAGE_CHARS = 1024 * 1024
/** Transcripts larger than this in a zip are refused; read a message at a time, they need not fit in memory. */
const MAX_TRANSCRIPT_BYTES = 4 * 1024 ** 3

export interface RtcImportOptions extends SlackImportOptions {
  /** Import into this existing room (its slug) instead of one made for the export. */
  room?: string | undefined
}

interface ExportedMessage {
  id: string
  author: { id: number; login: string; name: string }
  created_at: string
  edited_at: string | null
  body: string
  reply_to: string | null
  reactions: { emoji: string; logins: string[] }[]
  attachments: { name: string; type: string; size: number; sha256: string; url: string }[]
}

interface ExportedRoom { id: string; slug: string; name: string; visibility: string; url?: string }

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const isDate = (v: unknown) => typeof v === 'string' && !Number.isNaN(Date.parse(v))
const ID = /^[1-9]\d{0,19}$/

/** The message as the export wrote it, or why not (for the refusal). */
function shapeProblem(m: unknown): string | undefined {
  if (!isObject(m)) return 'is not an object'
  if (typeof m.id !== 'string' || !ID.test(m.id)) return 'has no id'
  const a = m.author
  if (!isObject(a) || typeof a.id !== 'number' || typeof a.login !== 'string' || !a.login || typeof a.name !== 'string') return 'has no author (id, login and name)'
  if (!isDate(m.created_at)) return 'has no created_at time'
  if (m.edited_at !== null && m.edited_at !== undefined && !isDate(m.edited_at)) return 'has an edited_at that is not a time'
  if (typeof m.body !== 'string') return 'has no body'
  if (m.reply_to !== null && m.reply_to !== undefined && (typeof m.reply_to !== 'string' || !ID.test(m.reply_to))) return 'has a reply_to that is not a message id'
  if (!Array.isArray(m.reactions) || !m.reactions.every((r) => isObject(r) && typeof r.emoji === 'string' && Array.isArray(r.logins) && r.logins.every((l) => typeof l === 'string'))) {
    return 'has reactions that are not a list of { emoji, logins }'
  }
  if (!Array.isArray(m.attachments) || !m.attachments.every((f) => isObject(f) && typeof f.name === 'string' && typeof f.url === 'string' && typeof f.sha256 === 'string')) {
    return 'has attachments that are not a list of { name, sha256, url }'
  }
  return undefined
}

/** Where the transcript comes from: a JSON file, or the JSON inside an export's zip beside its files. */
interface Source {
  /** What the refusals call it. */
  name: string
  text(): AsyncIterable<string>
  /** A file's bytes by its address in the transcript, when the zip has it. */
  file(url: string): Promise<Uint8Array | undefined>
  /** The archive's path of a file's address, or undefined when it names no file of the archive (refused if it leaves it). */
  inArchive(url: string): string | undefined
  close(): void
}

async function isZip(path: string) {
  const handle = await open(path, 'r').catch((err: Error) => {
    throw new ImportRefused(`${path} cannot be read (${err.message}).`)
  })
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(4), 0, 4, 0)
    return bytesRead === 4 && buffer.readUInt32LE(0) === 0x04034b50
  } finally {
    await handle.close()
  }
}

async function openSource(path: string, limits: ArchiveLimits): Promise<Source> {
  if (!await isZip(path)) {
    return {
      name: posix.basename(path),
      async *text() {
        const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 256 * 1024 })
        for await (const chunk of stream) yield chunk as string
      },
      file: async () => undefined,
      inArchive: () => undefined,
      close() {},
    }
  }
  const archive: Archive = await openArchive(path, { ...limits, maxJsonBytes: Math.min(MAX_TRANSCRIPT_BYTES, limits.maxExpandedBytes) })
  // The transcript: the one JSON file at the top of the export's folder (files/ holds the rest).
  const transcripts = archive.names.filter((n) => n.endsWith('.json') && n.split('/').length <= 2)
  if (transcripts.length !== 1) {
    archive.close()
    throw new ImportRefused(transcripts.length === 0
      ? 'This zip holds no rtc transcript (a .json file at its top): export the room with format=json&files=1 and give that zip.'
      : `This zip holds ${transcripts.length} JSON files at its top (${transcripts.slice(0, 3).join(', ')}): an rtc room export has one.`)
  }
  const transcript = transcripts[0]!
  const folder = posix.dirname(transcript)
  const inArchive = (url: string) => {
    if (/^[a-z][a-z0-9+.-]*:/i.test(url)) return undefined
    const joined = posix.normalize(posix.join(folder, url))
    if (url.startsWith('/') || url.includes('\\') || joined.startsWith('..') || !joined.startsWith(folder === '.' ? '' : `${folder}/`)) {
      throw new ImportRefused(`${transcript}: the file "${url.slice(0, 120)}" points outside the export's folder; nothing was imported.`)
    }
    return joined
  }
  return {
    name: transcript,
    text: () => archive.text(transcript),
    async file(url) {
      const at = inArchive(url)
      return at && archive.has(at) ? archive.bytes(at) : undefined
    },
    inArchive,
    close: () => archive.close(),
  }
}

/** What the first reading found: the room, every person (source key → login and name), how many messages. */
interface Checked {
  room: ExportedRoom
  origin: string
  exportedBy: string
  count: number
  /** By source key (`id:<n>` for an author, `login:<l>` for someone only seen reacting or exporting): their login and name. */
  people: Map<string, { login: string; name: string }>
  /** Authors' logins (lowercase) to their source key, for reactions, which name people by login. */
  byLogin: Map<string, string>
}

async function check(source: Source, progress: ImportProgress, report: () => void): Promise<Checked> {
  let room: ExportedRoom | undefined
  let exportedBy: string | undefined
  let last = 0n
  const people = new Map<string, { login: string; name: string }>()
  const byLogin = new Map<string, string>()
  const reactors = new Set<string>()
  for await (const part of jsonParts(source.text(), 'messages', MAX_MESSAGE_CHARS, source.name)) {
    if (part.kind === 'member') {
      if (part.key === 'room') {
        const r = part.value
        if (!isObject(r) || typeof r.id !== 'string' || typeof r.name !== 'string' || typeof r.slug !== 'string' || typeof r.visibility !== 'string') {
          throw new ImportRefused(`${source.name}: "room" has no id, slug, name and visibility; this is not an rtc room export.`)
        }
        room = r as unknown as ExportedRoom
      } else if (part.key === 'exported_by' && typeof part.value === 'string') exportedBy = part.value
      continue
    }
    const m = part.value
    const problem = shapeProblem(m)
    if (problem) throw new ImportRefused(`${source.name}: message ${part.index + 1} ${problem}; nothing was imported.`)
    const message = m as unknown as ExportedMessage
    if (BigInt(message.id) <= last) throw new ImportRefused(`${source.name}: message ${part.index + 1} (id ${message.id}) is out of order; an export lists messages by rising id.`)
    last = BigInt(message.id)
    for (const f of message.attachments) source.inArchive(f.url)
    const key = `id:${message.author.id}`
    if (!people.has(key)) people.set(key, { login: message.author.login, name: message.author.name })
    byLogin.set(message.author.login.toLowerCase(), key)
    for (const r of message.reactions) for (const login of r.logins) reactors.add(login)
    progress.days.total++
    if (progress.days.total % 5000 === 0) report()
  }
  if (!room) throw new ImportRefused(`${source.name} has no "room": this is not an rtc room export (GET /rooms/:room/export?format=json).`)
  for (const login of [...reactors, ...(exportedBy ? [exportedBy] : [])]) {
    if (!byLogin.has(login.toLowerCase())) {
      byLogin.set(login.toLowerCase(), `login:${login.toLowerCase()}`)
      people.set(`login:${login.toLowerCase()}`, { login, name: login })
    }
  }
  // The server's address: the room's URL without its `/rooms/<slug>`; it keeps two servers' rooms and people apart.
  const origin = room.url?.replace(/\/rooms\/[^/]*$/, '') || 'unknown'
  return { room, origin, exportedBy: exportedBy ?? '', count: progress.days.total, people, byLogin }
}

/** What the store calls this import's things: `rtc:<origin>:…`. */
const keyOf = (origin: string, what: string) => `rtc:${origin}:${what}`

/** Each person linked: found again, matched to an account here by login, or a placeholder with that login. */
async function linkPeople(c: Checked, deps: SlackImportDeps, progress: ImportProgress): Promise<Map<string, Author>> {
  const keys = [...c.people.keys()]
  const links = await deps.imports.usersBySlackId(keys.map((k) => keyOf(c.origin, k)))
  const authors = new Map<string, Author>()
  for (const key of keys) {
    const person = c.people.get(key)!
    const stored = keyOf(c.origin, key)
    let link = links.get(stored)
    if (link) progress.people.known++
    else {
      const login = loginOf(person.login, `rtc-${key.replace(/\W/g, '')}`)
      const found = await deps.users.findUserByLogin(login)
      if (found && found.kind !== 'bot') {
        link = await deps.imports.linkUser(stored, found.id, found.login, person.name)
        progress.people.matched++
      } else {
        link = await deps.imports.makePlaceholder(stored, login, person.name)
        progress.people.placeholders++
      }
    }
    authors.set(key, { userId: link.userId, login: link.login, name: person.name, placeholder: link.placeholderId !== null && link.claimedAt === null })
  }
  return authors
}

async function roomFor(c: Checked, deps: SlackImportDeps, authors: Map<string, Author>, target: Room | undefined, progress: ImportProgress): Promise<Room> {
  const channel = keyOf(c.origin, `room:${c.room.id}`)
  const known = await deps.imports.roomOf(channel)
  const existing = target ?? (known ? await deps.rooms.findRoomById(known) : undefined)
  let room: Room
  if (existing && known === existing.id) {
    progress.rooms.known++
    room = existing
  } else {
    const creator = authors.get(c.byLogin.get(c.exportedBy.toLowerCase()) ?? '') ?? authors.values().next().value
    if (!existing && !creator) throw new ImportRefused('The export has no messages and names nobody: there is nothing to import.')
    room = existing ?? await deps.rooms.createRoom({
      name: c.room.name.slice(0, 80), slug: slugify(c.room.slug || c.room.name), visibility: c.room.visibility === 'public' ? 'public' : 'private', createdBy: creator!.userId,
    })
    await deps.imports.linkRoom(channel, room.id)
    if (!existing) progress.rooms.made++
    else progress.rooms.known++
  }
  for (const a of new Set([...authors.values()].map((x) => x.userId))) await deps.rooms.addMember(room.id, a)
  return room
}

interface Pending { source: ExportedMessage; author: Author; draft: BatchedMessage }

/** Runs the import (see the top of this file); answers how it went. */
export async function importRtc(path: string, deps: SlackImportDeps, options: RtcImportOptions): Promise<ImportProgress> {
  const progress: ImportProgress = { ...newProgress(), of: 'messages' }
  const report = () => options.onProgress?.(structuredClone(progress))
  const source = await openSource(path, options.limits)
  try {
    const checked = await check(source, progress, report)
    const target = options.room === undefined ? undefined : await deps.rooms.findRoomBySlug(options.room)
    if (options.room !== undefined && !target) throw new ImportRefused(`There is no room "${options.room.slice(0, 60)}" here to import into; nothing was imported.`)
    if (target?.visibility === 'direct') throw new ImportRefused(`"${options.room}" is a direct conversation: import into a room; nothing was imported.`)
    progress.phase = 'people'
    report()
    const authors = await linkPeople(checked, deps, progress)
    progress.phase = 'rooms'
    report()
    const room = await roomFor(checked, deps, authors, target, progress)
    progress.phase = 'messages'
    progress.current = room.name
    report()
    await importMessages(source, checked, deps, room, authors, progress, report, options.batch ?? 200)
    progress.phase = 'done'
    progress.current = undefined
    report()
    return progress
  } finally {
    source.close()
  }
}

const REACTION_CONCURRENCY = 32

async function importMessages(source: Source, c: Checked, deps: SlackImportDeps, room: Room, authors: Map<string, Author>, progress: ImportProgress, report: () => void, size: number) {
  const channel = keyOf(c.origin, `room:${c.room.id}`)
  // A nonce short enough for any store, and the same on every run of this export.
  const nonceBase = `rtc:${createHash('sha256').update(channel).digest('hex').slice(0, 16)}`
  const idOf = new Map<string, string>()
  const whoIs = (login: string) => authors.get(c.byLogin.get(login.toLowerCase()) ?? '')
  const members = new Set<number>()
  let last: Date | undefined
  let newest: string | undefined

  /** The message's reactions and edit, as a message stored before (a crash) may lack them. Each step is idempotent. */
  const finish = async (p: Pending, appended: Appended) => {
    const { message } = appended
    const present = appended.created ? [] : message.reactions ?? []
    for (const r of p.source.reactions) {
      const emoji = checkEmoji(r.emoji)
      if (!emoji.ok) {
        progress.reactions.unknown += r.logins.length
        continue
      }
      for (const login of r.logins) {
        const who = whoIs(login)!
        if (present.some((x) => x.emoji === emoji.emoji && x.userId === who.userId)) continue
        await deps.messages.changeMessage(message.roomId, message.id, {
          kind: 'react', reaction: { emoji: emoji.emoji, userId: who.userId, login: who.login }, on: true, rev: deps.nextId(), at: message.createdAt,
        })
        progress.reactions.added++
      }
    }
    // An edited message was appended empty and is edited to its text now, at its edit's time: so it shows as edited
    // then (an edit that changes nothing is not one, on Cassandra).
    if (p.source.edited_at && !message.editedAt) {
      await deps.messages.changeMessage(message.roomId, message.id, { kind: 'edit', body: bodyOf(p), rev: deps.nextId(), at: new Date(p.source.edited_at) })
    }
  }
  const store = async (batch: Pending[]) => {
    const drafts = batch.map((p) => p.draft)
    const appended = deps.messages.appendMessages ? await deps.messages.appendMessages(drafts) : await oneByOne(deps.messages, drafts)
    const limit = pLimit(REACTION_CONCURRENCY)
    await Promise.all(batch.map((p, i) => limit(() => finish(p, appended[i]!))))
    await deps.imports.recordMessages(channel, room.id, batch.map((p, i) => ({ ts: p.source.id, id: appended[i]!.message.id })))
    return appended
  }
  const flush = async (batch: Pending[]) => {
    if (batch.length === 0) return
    const appended = await storedBatch(deps, room.id, progress, () => store(batch), 'rtc')
    batch.forEach((p, i) => idOf.set(p.source.id, appended[i]!.message.id))
    progress.days.done += batch.length
    last = batch.at(-1)!.draft.createdAt
    newest = appended.at(-1)!.message.id
    report()
  }

  let batch: Pending[] = []
  let read: ExportedMessage[] = []
  const take = async () => {
    // What an earlier run imported, and the messages these answer that are not known here yet.
    const wanted = [...new Set(read.flatMap((m) => [m.id, ...(m.reply_to && !idOf.has(m.reply_to) ? [m.reply_to] : [])]))]
    for (const [id, newId] of await deps.imports.importedMessages(channel, wanted)) idOf.set(id, newId)
    for (const m of read) {
      if (idOf.has(m.id)) {
        progress.messages.known++
        progress.days.done++
        continue
      }
      const author = authors.get(`id:${m.author.id}`)!
      const earlier = m.reply_to ? batch.findIndex((p) => p.source.id === m.reply_to) : -1
      const replyTo = m.reply_to ? idOf.get(m.reply_to) : undefined
      if (m.reply_to && (replyTo || earlier >= 0)) progress.messages.replies++
      const nonce = `${nonceBase}:${m.id}`
      const lines = [m.body]
      const attachments: Attachment[] = []
      for (const f of m.attachments) {
        const bytes = deps.files && await source.file(f.url)
        if (bytes) {
          attachments.push(await deps.files!.attach(author, { roomId: room.id, nonce }, bytes, f.name))
          progress.files.attached++
        } else {
          lines.push(`📎 ${f.name} (only its link was in the export)`)
          progress.files.noted++
        }
      }
      const body = lines.filter((l) => l.trim() !== '').join('\n\n')
      const draft: BatchedMessage = {
        id: deps.nextId(), roomId: room.id, authorId: author.userId, authorLogin: author.login, authorName: m.author.name,
        nonce, body: m.edited_at ? '' : body, createdAt: new Date(m.created_at),
        ...(attachments.length ? { attachments } : {}), ...(replyTo ? { replyTo } : earlier >= 0 ? { replyToEarlier: earlier } : {}),
      }
      bodies.set(draft, body)
      if (!author.placeholder) members.add(author.userId)
      batch.push({ source: m, author, draft })
    }
    read = []
    await flush(batch)
    batch = []
  }
  const bodies = new WeakMap<BatchedMessage, string>()
  const bodyOf = (p: Pending) => bodies.get(p.draft) ?? p.draft.body
  for await (const part of jsonParts(source.text(), 'messages', MAX_MESSAGE_CHARS, source.name)) {
    if (part.kind !== 'item') continue
    read.push(part.value as ExportedMessage)
    if (read.length >= size) await take()
  }
  await take()
  if (last) {
    await deps.rooms.touchRooms([{ roomId: room.id, at: last }])
    // Like a Slack import: the history is not news to the members who wrote it.
    if (newest) await deps.reads.advanceAll([...members].map((userId) => ({ userId, roomId: room.id, id: newest! })))
  }
}
