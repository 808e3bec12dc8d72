import type { Context } from 'hono'
import { getCookie } from 'hono/cookie'
import type { Awareness } from '../awareness/awareness.ts'
import type { MentionDirectory } from '../messages/mentionDirectory.ts'
import type { MessageService } from '../messages/service.ts'
import { nonceFrom } from '../messages/validate.ts'
import { signedInUser, type AppEnv } from '../context.ts'
import type { NotificationStore, Presence, ReadStateStore, RoomStore } from '../store/ports.ts'
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
  reads: ReadStateStore
  notifications?: NotificationStore | undefined
  /** UPLOAD_MAX_BYTES, for the composer to refuse a larger file before sending it; undefined without uploads. */
  uploadMaxBytes?: number | undefined
}

/** Set by the page's script: this browser runs JavaScript, so the page reports what was seen instead of the visit counting as reading. */
export const SCRIPT_COOKIE = 'rtc-js'
/** Logins that look like what the mention parser accepts; anything else in `?unknown=` is dropped. */
const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/

/** What every room page shows beside its messages: members and who is online, the sidebar, the reader's marker, mute and management. */
async function roomFrame(c: Context<AppEnv>, { rooms, presence, awareness, reads, notifications, uploadMaxBytes }: RoomPageDeps, live: boolean) {
  const room = c.get('room')
  const user = signedInUser(c.get('user'))
  const [members, sidebar, marker] = await Promise.all([
    rooms.listMembers(room.id),
    awareness.sidebar(user),
    c.get('member') ? reads.marker(user.id, room.id) : '0',
  ])
  const online = new Set(await presence.online(members.map((m) => m.id)))
  // This page opens a socket for its reader at once: they are here, whatever the last mark says.
  if (live) online.add(user.id)
  const muted = notifications && c.get('member') ? await notifications.isMuted(room.id, user.id) : undefined
  const memberLogins = new Set(members.map((m) => m.login.toLowerCase()))
  return {
    user, room, members, online, sidebar, marker, muted, uploadMaxBytes,
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
  const newest = page.at(-1)?.id
  let entries = sidebar
  // Without JavaScript nothing can report what was seen: opening the room at its newest is reading it.
  if (live && newest !== undefined && BigInt(newest) > BigInt(marker) && getCookie(c, SCRIPT_COOKIE) !== '1') {
    await chat.markRead(user, room, newest)
    entries = sidebar.map((e) => (e.room.id === room.id ? { ...e, unread: 0, mentions: 0 } : e))
  }
  const logins = (name: string) => (c.req.query(name) ?? '').split(',').filter((l) => LOGIN.test(l)).slice(0, 10)
  const unknown = logins('unknown')
  return c.html(
    <RoomPage
      {...frame}
      messages={hasOlder ? page.slice(1) : page}
      hasOlder={hasOlder}
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

/**
 * The room opened at message `around` (a search result): the messages before
 * and after it, it highlighted. The live socket starts from the room's newest
 * id, read before the pages: what is newer arrives live, and the messages in
 * between load as the reader scrolls down (the gap edge), each once by id.
 */
async function renderAround(c: Context<AppEnv>, deps: RoomPageDeps, around: string) {
  const { chat } = deps
  const room = c.get('room')
  const head = await chat.lastRev(room)
  const [frame, older, newer] = await Promise.all([
    roomFrame(c, deps, c.get('member')),
    // Up to and with `around`: the cursor one past it, or the newest when it is the last id there can be.
    chat.page(room, { before: BigInt(around) + 1n < 1n << 63n ? String(BigInt(around) + 1n) : undefined }, AROUND + 1),
    chat.page(room, { after: around }, AROUND + 1),
  ])
  const hasOlder = older.length > AROUND
  const hasNewer = newer.length > AROUND
  const shown = [...(hasOlder ? older.slice(1) : older), ...newer.slice(0, AROUND)]
  return c.html(
    <RoomPage
      {...frame}
      messages={shown}
      hasOlder={hasOlder}
      around={around}
      gapAfter={hasNewer ? shown.at(-1)!.id : undefined}
      since={head}
      nonce={nonceFrom(undefined)}
      readUpTo={frame.marker}
    />,
  )
}
