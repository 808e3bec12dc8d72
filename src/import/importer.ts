import pLimit from 'p-limit'
import type { IdMaker } from '../messages/ids.ts'
import type { Logger } from '../log.ts'
import { slugify } from '../lib/slug.ts'
import type { MessageStore, ModerationStore, ReadStateStore, Room, RoomStore, SlackImportStore, SlackUserLink, UserStore } from '../store/ports.ts'
import { ImportRefused, openArchive, type Archive, type ArchiveLimits } from './archive.ts'
import { importConversation, type ImportFiles } from './conversation.ts'
import { newProgress, type ImportProgress } from './progress.ts'
import { LISTINGS, listOf, loginOf, messagesOf, type ConversationKind, type SlackChannel, type SlackUser } from './slack.ts'

export interface SlackImportDeps {
  users: UserStore
  rooms: RoomStore
  messages: MessageStore
  moderation: Pick<ModerationStore, 'setTopic' | 'setArchived'>
  reads: Pick<ReadStateStore, 'advanceAll'>
  imports: SlackImportStore
  /** Where files found in the archive are stored; without it every file is noted by name only. */
  files?: ImportFiles | undefined
  nextId: IdMaker
  log?: Logger | undefined
}

export interface SlackImportOptions {
  limits: ArchiveLimits
  /** Called as the import moves on (after each batch of messages). */
  onProgress?: ((progress: ImportProgress) => void) | undefined
  /** Messages appended per store call. */
  batch?: number | undefined
  /** Rooms imported at once. */
  roomsAtOnce?: number | undefined
}

/** A Slack author as messages are written: who, and under which login and name. */
export interface Author { readonly userId: number; readonly login: string; readonly name: string; readonly placeholder: boolean }

interface Conversation { kind: ConversationKind; channel: SlackChannel; folder: string; days: string[] }

/** Rooms imported at once: enough to keep the store busy while one room waits for its own appends. */
const ROOMS_AT_ONCE = 4

const DAY = /^(.+)\/(\d{4}-\d{2}-\d{2})\.json$/

/** The archive's conversations and their day files, after every file was checked (so a refusal comes before any write). */
async function checked(archive: Archive, progress: ImportProgress, report: () => void) {
  if (!archive.has('users.json') || !archive.has('channels.json')) {
    throw new ImportRefused('This is not a Slack export: it has no users.json and channels.json at its top. Export the workspace from Slack (Settings → Import/Export Data) and give that zip.')
  }
  const people = listOf<SlackUser>(await archive.json('users.json'), 'users.json', true)
  const daysOf = new Map<string, string[]>()
  for (const name of archive.names) {
    const day = DAY.exec(name)
    if (day) daysOf.set(day[1]!, [...(daysOf.get(day[1]!) ?? []), name])
  }
  const conversations: Conversation[] = []
  for (const { file, kind } of LISTINGS) {
    if (!archive.has(file)) continue
    for (const channel of listOf<SlackChannel>(await archive.json(file), file, kind !== 'direct')) {
      const folder = kind === 'direct' ? channel.id : channel.name!
      conversations.push({ kind, channel, folder, days: (daysOf.get(folder) ?? []).sort() })
    }
  }
  progress.days.total = conversations.reduce((sum, c) => sum + c.days.length, 0)
  for (const c of conversations) {
    for (const day of c.days) {
      messagesOf(await archive.json(day), day)
      progress.days.done++
      if (progress.days.done % 50 === 0) report()
    }
  }
  progress.days.done = 0
  return { people, conversations }
}

/**
 * Imports a Slack export into rtc (see README, "Importing from Slack"). Every file is read and checked first; then
 * people are matched or given placeholders, conversations become rooms, and each room's messages are appended in
 * their Slack order. What was made is remembered (SlackImportStore), and each message carries the nonce
 * `slack:<channel>:<ts>`: running it again, or after a crash, continues where it stopped and makes nothing twice.
 */
export async function importSlack(path: string, deps: SlackImportDeps, options: SlackImportOptions): Promise<ImportProgress> {
  const progress = newProgress()
  const report = () => options.onProgress?.(structuredClone(progress))
  const archive = await openArchive(path, options.limits)
  try {
    const { people, conversations } = await checked(archive, progress, report)

    progress.phase = 'people'
    report()
    const authors = await linkPeople(people, deps, progress)
    const bySlackId = new Map(people.map((p) => [p.id, p]))
    /** An author the listing lacks (a bot's message, a deleted account): a placeholder too, named as the message says. */
    const making = new Map<string, Promise<Author>>()
    const authorOf = (slackId: string, shownName?: string): Promise<Author> => {
      const known = authors.get(slackId)
      if (known) return Promise.resolve(known)
      let made = making.get(slackId)
      if (!made) {
        const name = shownName ?? bySlackId.get(slackId)?.name ?? slackId
        making.set(slackId, made = deps.imports.makePlaceholder(slackId, loginOf(name, `slack-${slackId.toLowerCase()}`), name).then((link) => {
          progress.people.placeholders++
          const author = { userId: link.userId, login: link.login, name: link.name, placeholder: true }
          authors.set(slackId, author)
          return author
        }))
      }
      return made
    }

    progress.phase = 'rooms'
    report()
    const channelNames = new Map(conversations.map((c) => [c.channel.id, c.channel.name ?? c.folder]))
    const rooms: { conversation: Conversation; room: Room }[] = []
    for (const conversation of conversations) rooms.push({ conversation, room: await roomFor(conversation, deps, authorOf, progress) })

    progress.phase = 'messages'
    // A few rooms at once: each room's appends are ordered (one at a time), different rooms' are not.
    const limit = pLimit(options.roomsAtOnce ?? ROOMS_AT_ONCE)
    const busy = new Set<string>()
    // The first room to fail stops the others at their next batch; the import ends once none is writing.
    let failed: { err: unknown } | undefined
    await Promise.all(rooms.map(({ conversation, room }) => limit(async () => {
      if (failed) return
      busy.add(room.name)
      progress.current = [...busy].join(', ')
      report()
      try {
        await importConversation({
          archive, deps, room, channelId: conversation.channel.id, folder: conversation.folder, days: conversation.days,
          authorOf, knownAuthor: (id) => authors.get(id), channelName: (id) => channelNames.get(id), progress, report,
          stopped: () => failed !== undefined, batch: options.batch ?? 200,
        })
        if (!failed && conversation.channel.is_archived && !room.archivedAt) await deps.moderation.setArchived(room.id, new Date())
      } catch (err) {
        failed ??= { err }
      } finally {
        busy.delete(room.name)
        progress.current = [...busy].join(', ')
      }
    })))
    if (failed) throw failed.err
    progress.phase = 'done'
    progress.current = undefined
    report()
    return progress
  } finally {
    archive.close()
  }
}

/** Each Slack user linked: found again, matched to a person by login (their Slack name, then display name), or a placeholder. */
async function linkPeople(people: readonly SlackUser[], deps: SlackImportDeps, progress: ImportProgress) {
  const links = await deps.imports.usersBySlackId(people.map((p) => p.id))
  const authors = new Map<string, Author>()
  const toAuthor = (link: SlackUserLink): Author => ({ userId: link.userId, login: link.login, name: link.name, placeholder: link.placeholderId !== null && link.claimedAt === null })
  for (const person of people) {
    const name = person.profile?.real_name || person.real_name || person.profile?.display_name || person.name
    let link = links.get(person.id)
    if (link) {
      progress.people.known++
    } else {
      const login = loginOf(person.name, `slack-${person.id.toLowerCase()}`)
      const candidates = [login, person.profile?.display_name && loginOf(person.profile.display_name, '')].filter((l): l is string => !!l)
      let match
      for (const candidate of candidates) {
        const found = await deps.users.findUserByLogin(candidate)
        if (found && found.kind !== 'bot' && !person.is_bot) {
          match = found
          break
        }
      }
      if (match) {
        link = await deps.imports.linkUser(person.id, match.id, match.login, name)
        progress.people.matched++
      } else {
        link = await deps.imports.makePlaceholder(person.id, person.is_bot ? `${login.slice(0, 35)}-bot` : login, name)
        progress.people.placeholders++
      }
    }
    // The name the messages show is the one given in Slack, whoever the account is now.
    authors.set(person.id, { ...toAuthor(link), name })
  }
  return authors
}

/** The conversation's room: the one made for it before, or a new one with its Slack members. */
async function roomFor(c: Conversation, deps: SlackImportDeps, authorOf: (id: string) => Promise<Author>, progress: ImportProgress): Promise<Room> {
  const known = await deps.imports.roomOf(c.channel.id)
  const existing = known && await deps.rooms.findRoomById(known)
  if (existing) {
    progress.rooms.known++
    return existing
  }
  const members = await Promise.all([...new Set(c.channel.members ?? [])].map((id) => authorOf(id)))
  const creator = c.channel.creator ? await authorOf(c.channel.creator) : members[0]
  if (!creator) throw new ImportRefused(`${c.kind === 'direct' ? 'dms.json' : c.channel.name}: the conversation ${c.channel.id} has no creator and no members.`)
  let room: Room
  if (c.kind === 'direct' && members.length === 2) {
    const [a, b] = await Promise.all(members.map((m) => deps.users.findUserById(m.userId)))
    room = await deps.rooms.directRoom(a!, b!)
  } else {
    const name = c.kind === 'group' || c.kind === 'direct' ? members.map((m) => m.login).join(', ').slice(0, 80) || c.folder : c.channel.name!
    room = await deps.rooms.createRoom({ name, slug: slugify(c.kind === 'public' || c.kind === 'private' ? name : `group ${c.folder}`), visibility: c.kind === 'public' ? 'public' : 'private', createdBy: creator.userId })
  }
  await deps.imports.linkRoom(c.channel.id, room.id)
  for (const m of members) await deps.rooms.addMember(room.id, m.userId)
  const topic = c.channel.topic?.value || c.channel.purpose?.value
  // As long as a topic may be (rooms/manage.tsx).
  if (topic && room.visibility !== 'direct') await deps.moderation.setTopic(room.id, [...topic].slice(0, 200).join(""))
  progress.rooms.made++
  return room
}
