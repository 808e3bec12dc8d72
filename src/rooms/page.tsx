import type { Context } from 'hono'
import { getCookie } from 'hono/cookie'
import type { Awareness } from '../awareness/awareness.ts'
import type { MentionDirectory } from '../messages/mentionDirectory.ts'
import type { ReplyDirectory } from '../messages/replies.ts'
import type { MessageService } from '../messages/service.ts'
import { nonceFrom } from '../messages/validate.ts'
import { signedInUser, type AppEnv } from '../context.ts'
import type { NotificationStore, PinnedMessage, Presence, ReadStateStore, Room, RoomStore, StoredMessage } from '../store/ports.ts'
import { RoomPage } from '../views/RoomPage.tsx'
import { PAGE_SIZE } from '../messages/service.ts'
import { isId } from '../messages/ids.ts'
import { ownsRoom } from './manage.tsx'

export interface RoomPageDeps {
  rooms: RoomStore
  chat: MessageService
  presence: Presence
  awareness: Awareness
  mentions: MentionDirectory
  /** The messages replies answer, as they now are. */
  replies: ReplyDirectory
  /** The room's pins, shown in the member panel (kept/service.ts); without it, none. */
  kept?: { pinsOf(room: Room): Promise<PinnedMessage[]> } | undefined
  reads: ReadStateStore
  notifications?: NotificationStore | undefined
  /** UPLOAD_MAX_BYTES, for the composer to refuse a larger file before sending it; undefined without uploads. */
  uploadMaxBytes?: number | undefined
  /** PRESENCE_IDLE_SECONDS, for the page to say how often it is used (static/js/presence.js). */
  idleSeconds?: number | undefined
}

/** Set by the page's script: this browser runs JavaScript, so the page reports what was seen instead of the visit counting as reading. */
export const SCRIPT_COOKIE = 'rtc-js'
/** Logins that look like what the mention parser accepts; anything else in `?unknown=` is dropped. */
const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/

/** What every room page shows beside its messages: members and who is online, the sidebar, the reader's marker, notification level and management. */
async function roomFrame(c: Context<AppEnv>, { rooms, presence, awareness, reads, notifications, kept, uploadMaxBytes, idleSeconds }: RoomPageDeps, live: boolean) {
  const room = c.get('room')
  const user = signedInUser(c.get('user'))
  const [members, sidebar, marker, pins] = await Promise.all([
    rooms.listMembers(room.id),
    awareness.sidebar(user),
    c.get('member') ? reads.marker(user.id, room.id) : '0',
    kept && room.visibility !== 'direct' ? kept.pinsOf(room) : undefined,
  ])
  const online = new Set(await presence.online(members.map((m) => m.id)))
  // This page opens a socket for its reader at once: they are here, whatever the last mark says.
  if (live) online.add(user.id)
  const notifyLevel = notifications && c.get('member') ? { level: await notifications.levelOf(room.id, user.id) } : undefined
  const memberLogins = new Set(members.map((m) => m.login.toLowerCase()))
  return {
    user, room, members, online, sidebar, marker, notifyLevel, pins, uploadMaxBytes, idleSeconds,
    isMember: c.get('member'),
    mentionable: (login: string) => memberLogins.has(login.toLowerCase()),
    manage: { owner: ownsRoom(c), admin: c.get('admin') },
  }
}

/** Renders the room page for `c.get('room')`; also how a refused plain-form post is shown to its author. */
export async function renderRoomPage(
  c: Context<AppEnv>,
  deps: RoomPageDeps,
  extra: { status?: 200 | 400 | 403 | 404 | 409 | 413 | 422 | 429; error?: string; draft?: string; errorAt?: 'composer' | 'members' } = {},
) {
  const around = c.req.query('around')
  if (isId(around) && c.req.query('before') === undefined) return renderAround(c, deps, around)
  const { chat } = deps
  const room = c.get('room')
  const before = c.req.query('before')
  const cursor = isId(before) ? before : undefined
  const live = c.get('member') && cursor === undefined
  const [frame, page, after] = await Promise.all([
    roomFrame(c, deps, live),
    chat.page(room, { before: cursor }, PAGE_SIZE + 1),
    // An older page links to the next newer one: the page that ends just before the (PAGE_SIZE+1)th newer message.
    cursor === undefined ? [] : chat.page(room, { after: String(BigInt(cursor) - 1n) }, PAGE_SIZE + 1),
  ])
  const { user, sidebar, marker } = frame
  const hasOlder = page.length > PAGE_SIZE
  const shown = hasOlder ? page.slice(1) : page
  const newest = shown.at(-1)?.id
  // Opening the room (not a history page, not asked for the newest): at the first message the reader has not read.
  const unread = live && extra.error === undefined && c.req.query('latest') === undefined && newest !== undefined && BigInt(newest) > BigInt(marker)
  if (unread && hasOlder && BigInt(page[0]!.id) > BigInt(marker)) {
    // The message just before the newest page is unread too: the first unread is further up.
    const after = await chat.page(room, { after: marker }, UNREAD_AFTER + 1)
    const first = after.find((m) => m.authorId !== user.id)
    if (first) return renderAround(c, deps, first.id, { frame, unreadFrom: first })
  }
  const firstUnread = unread ? shown.find((m) => BigInt(m.id) > BigInt(marker) && m.authorId !== user.id)?.id : undefined
  let entries = sidebar
  // Without JavaScript nothing can report what was seen: opening the room at its newest is reading it.
  if (live && newest !== undefined && BigInt(newest) > BigInt(marker) && getCookie(c, SCRIPT_COOKIE) !== '1') {
    await chat.markRead(user, room, newest)
    entries = sidebar.map((e) => (e.room.id === room.id ? { ...e, unread: 0, mentions: 0 } : e))
  }
  const logins = (name: string) => (c.req.query(name) ?? '').split(',').filter((l) => LOGIN.test(l)).slice(0, 10)
  const unknown = logins('unknown')
  const replyOf = await deps.replies.load(room.id, shown)
  return c.html(
    <RoomPage
      {...frame}
      messages={shown}
      replyOf={replyOf}
      hasOlder={hasOlder}
      firstUnread={firstUnread}
      browsingHistory={cursor !== undefined}
      error={extra.errorAt === 'members' ? undefined : extra.error}
      memberError={extra.errorAt === 'members' ? extra.error : undefined}
      newer={cursor === undefined ? undefined : after.length > PAGE_SIZE ? `/rooms/${room.slug}?before=${after[PAGE_SIZE]!.id}` : `/rooms/${room.slug}`}
      draft={extra.draft}
      nonce={nonceFrom(undefined)}
      sidebar={entries}
      readUpTo={marker}
      notMembers={unknown}
      nobody={logins('nobody')}
    />,
    extra.status ?? 200,
  )
}

/** Messages shown on each side of the one a search result opens. */
export const AROUND = 25
/** A room opened at a first unread message further up than the newest page: this many read ones above it, this many after it, then the gap edge. */
export const UNREAD_BEFORE = 3
export const UNREAD_AFTER = 15

/**
 * The room opened at message `around`: the messages before and after it. For
 * a search result (`?around=`), 25 each side, it highlighted. For a first
 * unread message further up than the newest page, a few read ones above it,
 * the divider, the unread ones after it, and the "N new since" bar. The live
 * socket starts from the room's newest id, read before the pages: what is
 * newer arrives live, and the messages in between load as the reader scrolls
 * down (the gap edge), each once by id.
 */
async function renderAround(c: Context<AppEnv>, deps: RoomPageDeps, around: string,
  opened: { frame?: Awaited<ReturnType<typeof roomFrame>>; unreadFrom?: StoredMessage } = {}) {
  const { chat } = deps
  const room = c.get('room')
  const first = opened.unreadFrom
  const [before, after] = first ? [UNREAD_BEFORE + 1, UNREAD_AFTER] : [AROUND + 1, AROUND]
  const head = await chat.lastRev(room)
  const [frame, older, newer] = await Promise.all([
    opened.frame ?? roomFrame(c, deps, c.get('member')),
    // Up to and with `around`: the cursor one past it, or the newest when it is the last id there can be.
    chat.page(room, { before: BigInt(around) + 1n < 1n << 63n ? String(BigInt(around) + 1n) : undefined }, before + 1),
    chat.page(room, { after: around }, after + 1),
  ])
  const hasOlder = older.length > before
  const hasNewer = newer.length > after
  const shown = [...(hasOlder ? older.slice(1) : older), ...newer.slice(0, after)]
  const here = frame.sidebar.find((e) => e.room.id === room.id)
  // Without JavaScript nothing reports what was seen: what this page shows counts as read (the count
  // shown is the one from before, as the bar says).
  if (first && getCookie(c, SCRIPT_COOKIE) !== '1') await chat.markRead(frame.user, room, shown.at(-1)!.id)
  const replyOf = await deps.replies.load(room.id, shown)
  return c.html(
    <RoomPage
      {...frame}
      messages={shown}
      replyOf={replyOf}
      hasOlder={hasOlder}
      around={first ? undefined : around}
      firstUnread={first?.id}
      unreadSince={first && here ? { count: here.unread, at: first.createdAt } : undefined}
      gapAfter={hasNewer ? shown.at(-1)!.id : undefined}
      since={head}
      nonce={nonceFrom(undefined)}
      readUpTo={frame.marker}
    />,
  )
}
