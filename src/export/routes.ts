import { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { makeZip } from 'client-zip'
import { signedInUser, type AppEnv } from '../context.ts'
import { requireMember } from '../http/roomAccess.ts'
import { levelIn } from '../messages/notifyLevels.ts'
import type { RateLimits } from '../http/rateLimits.ts'
import type { Attachment, MessageStore, NotificationStore, ReadStateStore, RoomStore } from '../store/ports.ts'
import { jsonTranscript, knownZone, markdownTranscript, messageEntry, roomMessages, zipPathOf, type Links, type TranscriptHead } from './transcript.ts'

const TYPES = { md: 'text/markdown; charset=utf-8', json: 'application/json; charset=utf-8' } as const

/** What the export reads files from: their bytes by hash, undefined once gone from disk. */
export interface ExportFiles {
  read(sha256: string): Promise<Uint8Array | undefined>
}

const encoder = new TextEncoder()
/** An async sequence of text as a byte stream, pulled as the client reads (so a slow reader holds back the store's reads). */
function streamOf(chunks: AsyncGenerator<string>): ReadableStream<Uint8Array> {
  return new ReadableStream({
    async pull(controller) {
      const { value, done } = await chunks.next()
      if (done) controller.close()
      else controller.enqueue(encoder.encode(value))
    },
    async cancel() {
      await chunks.return(undefined)
    },
  })
}

/**
 * `GET /rooms/:room/export?format=md|json[&files=1][&tz=Europe/Berlin]`: a member's copy of the room. The
 * transcript (Markdown to read, JSON to process) is streamed as the store is paged; with `files=1` it comes in a
 * zip beside the room's files, also streamed (nothing is compressed: the files mostly are already). Times in the
 * Markdown are in `tz` (the page's link adds the browser's zone; UTC without it).
 */
export function exportRoutes({ messages, rooms, reads, notifications, files, origin, limits, now = () => new Date() }: {
  messages: MessageStore
  rooms: RoomStore
  reads: ReadStateStore
  notifications?: NotificationStore | undefined
  files?: ExportFiles | undefined
  origin: string
  limits: RateLimits
  now?: () => Date
}) {
  const app = new Hono<AppEnv>()
  app.get('/rooms/:room/export', requireMember, async (c) => {
    const format = c.req.query('format') ?? 'md'
    if (format !== 'md' && format !== 'json') throw new HTTPException(400, { message: 'An export is Markdown (format=md) or JSON (format=json).' })
    const timeZone = c.req.query('tz') || 'UTC'
    if (!knownZone(timeZone)) throw new HTTPException(400, { message: `"${timeZone.slice(0, 64)}" is not a time zone this server knows (try Europe/Berlin, or leave it out for UTC).` })
    const withFiles = c.req.query('files') === '1'
    if (withFiles && !files) throw new HTTPException(400, { message: 'This server keeps no files: export without them.' })
    const user = signedInUser(c.get('user'))
    await limits.take('exports', String(user.id))

    const room = c.get('room')
    const exportedAt = now()
    const head: TranscriptHead = { room, origin, exportedBy: user.login, exportedAt, timeZone }
    const base = `${origin}/rooms/${room.slug}/messages`
    const onServer: Links = { message: (id) => `${base}/${id}`, file: (m, a) => `${base}/${m.id}/files/${a.sha256}` }
    const transcript = (links: Links) => (format === 'md' ? markdownTranscript : jsonTranscript)(head, roomMessages(messages, room.id), links)
    const name = `${room.slug}-${exportedAt.toISOString().slice(0, 10)}`
    c.header('Cache-Control', 'no-store')
    if (!withFiles) {
      c.header('Content-Disposition', `attachment; filename="${name}.${format}"`)
      return c.body(streamOf(transcript(onServer)), 200, { 'Content-Type': TYPES[format] })
    }
    const inZip: Links = { message: onServer.message, file: (_m, a) => zipPathOf(a) }
    async function* entries() {
      yield { name: `${name}/${name}.${format}`, lastModified: exportedAt, input: streamOf(transcript(inZip)) }
      // The files in a second walk: a room's history is never held whole, only the hashes already written.
      const written = new Set<string>()
      for await (const m of roomMessages(messages, room.id)) {
        for (const a of m.attachments ?? []) {
          if (written.has(a.sha256)) continue
          written.add(a.sha256)
          const bytes = await files!.read(a.sha256)
          if (bytes) yield { name: `${name}/${zipPathOf(a)}`, lastModified: m.createdAt, input: bytes }
        }
      }
    }
    c.header('Content-Disposition', `attachment; filename="${name}.zip"`)
    return c.body(makeZip(entries()), 200, { 'Content-Type': 'application/zip' })
  })

  /**
   * `GET /settings/export`: one's own data as a zip: `you.json` (who you are, your notification choice, the rooms
   * you are in with your read marker in each), `messages.json` (everything you wrote in those rooms, one object
   * per message as in a room's JSON export, with its room), `reactions.json` (your reactions, by message) and
   * your files. Each room is walked a page at a time; only your own messages and reactions are kept.
   */
  app.get('/settings/export', async (c) => {
    const user = signedInUser(c.get('user'))
    await limits.take('exports', String(user.id))
    const exportedAt = now()
    const name = `rtc-${user.login}-${exportedAt.toISOString().slice(0, 10)}`
    const [memberOf, markers, choice] = await Promise.all([rooms.roomsOf(user.id), reads.markers(user.id), notifications?.choiceOf(user.id)])
    const you = {
      user: { id: user.id, login: user.login, name: user.name, avatar_url: user.avatarUrl },
      exported_at: exportedAt.toISOString(),
      notifications: choice ?? null,
      rooms: memberOf.map((r) => ({
        slug: r.slug, name: r.name, visibility: r.visibility, url: `${origin}/rooms/${r.slug}`,
        ...(r.peer ? { with: r.peer.login } : {}), notification_level: levelIn(r, r.level), read_up_to: markers.get(r.id) ?? null,
      })),
    }
    const reactions: { room: string; message_id: string; emoji: string }[] = []
    const ownFiles = new Map<string, { createdAt: Date; attachment: Attachment }>()
    async function* written(): AsyncGenerator<string> {
      yield '['
      let first = true
      for (const room of memberOf) {
        const base = `${origin}/rooms/${room.slug}/messages`
        const links: Links = { message: (id) => `${base}/${id}`, file: (_m, a) => zipPathOf(a) }
        for await (const m of roomMessages(messages, room.id)) {
          for (const r of m.reactions ?? []) if (r.userId === user.id) reactions.push({ room: room.slug, message_id: m.id, emoji: r.emoji })
          if (m.authorId !== user.id) continue
          for (const a of m.attachments ?? []) if (!ownFiles.has(a.sha256)) ownFiles.set(a.sha256, { createdAt: m.createdAt, attachment: a })
          yield `${first ? '' : ','}\n${JSON.stringify({ room: room.slug, ...messageEntry(m, links) })}`
          first = false
        }
      }
      yield '\n]\n'
    }
    async function* entries() {
      yield { name: `${name}/you.json`, lastModified: exportedAt, input: `${JSON.stringify(you, null, 2)}\n` }
      yield { name: `${name}/messages.json`, lastModified: exportedAt, input: streamOf(written()) }
      // Known once the messages were walked (the zip writes entries in order).
      yield { name: `${name}/reactions.json`, lastModified: exportedAt, input: `${JSON.stringify(reactions, null, 2)}\n` }
      for (const [sha256, { createdAt, attachment }] of ownFiles) {
        const bytes = await files?.read(sha256)
        if (bytes) yield { name: `${name}/${zipPathOf(attachment)}`, lastModified: createdAt, input: bytes }
      }
    }
    c.header('Cache-Control', 'no-store')
    c.header('Content-Disposition', `attachment; filename="${name}.zip"`)
    return c.body(makeZip(entries()), 200, { 'Content-Type': 'application/zip' })
  })
  return app
}
