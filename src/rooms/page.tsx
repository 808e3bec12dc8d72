import type { Context } from 'hono'
import { getCookie } from 'hono/cookie'
import type { Awareness } from '../awareness/awareness.ts'
import type { MentionDirectory } from '../awareness/directory.ts'
import type { MessageService } from '../chat/service.ts'
import { nonceFrom } from '../chat/validate.ts'
import { signedInUser, type AppEnv } from '../context.ts'
import type { NotificationStore, Presence, ReadStateStore, RoomStore } from '../store/ports.ts'
import { RoomPage } from '../views/RoomPage.tsx'
import { PAGE_SIZE } from '../chat/service.ts'
import { isId } from '../chat/ids.ts'
import { ownsRoom } from './manage.tsx'

export interface RoomPageDeps {
  rooms: RoomStore
  chat: MessageService
  presence: Presence
  awareness: Awareness
  mentions: MentionDirectory
  reads: ReadStateStore
  notifications?: NotificationStore | undefined
}

/** Set by the page's script: this browser runs JavaScript, so the page reports what was seen instead of the visit counting as reading. */
export const SCRIPT_COOKIE = 'rtc-js'
/** Logins that look like what the mention parser accepts; anything else in `?unknown=` is dropped. */
const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/

/** Renders the room page for `c.get('room')`; also how a refused plain-form post is shown to its author. */
export async function renderRoomPage(
  c: Context<AppEnv>,
  { rooms, chat, presence, awareness, reads, notifications }: RoomPageDeps,
  extra: { status?: 200 | 400 | 403 | 404 | 409 | 422 | 429; error?: string; draft?: string; errorAt?: 'composer' | 'members' } = {},
) {
  const room = c.get('room')
  const before = c.req.query('before')
  const cursor = isId(before) ? before : undefined
  const user = signedInUser(c.get('user'))
  const [members, page, after, sidebar, marker] = await Promise.all([
    rooms.listMembers(room.id),
    chat.page(room, { before: cursor }, PAGE_SIZE + 1),
    // An older page links to the next newer one: the page that ends just before the (PAGE_SIZE+1)th newer message.
    cursor === undefined ? [] : chat.page(room, { after: String(BigInt(cursor) - 1n) }, PAGE_SIZE + 1),
    awareness.sidebar(user),
    c.get('member') ? reads.marker(user.id, room.id) : '0',
  ])
  const online = new Set(await presence.online(members.map((m) => m.id)))
  const live = c.get('member') && cursor === undefined
  // This page opens a socket for its reader at once: they are here, whatever the last mark says.
  if (live) online.add(user.id)
  const muted = notifications && c.get('member') ? await notifications.isMuted(room.id, user.id) : undefined
  const hasOlder = page.length > PAGE_SIZE
  const newest = page.at(-1)?.id
  let entries = sidebar
  // Without JavaScript nothing can report what was seen: opening the room at its newest is reading it.
  if (live && newest !== undefined && BigInt(newest) > BigInt(marker) && getCookie(c, SCRIPT_COOKIE) !== '1') {
    await chat.markRead(user, room, newest)
    entries = sidebar.map((e) => (e.room.id === room.id ? { ...e, unread: 0, mentions: 0 } : e))
  }
  const memberLogins = new Set(members.map((m) => m.login.toLowerCase()))
  const unknown = (c.req.query('unknown') ?? '').split(',').filter((l) => LOGIN.test(l)).slice(0, 10)
  return c.html(
    <RoomPage
      user={user}
      room={room}
      members={members}
      online={online}
      messages={hasOlder ? page.slice(1) : page}
      isMember={c.get('member')}
      hasOlder={hasOlder}
      browsingHistory={cursor !== undefined}
      error={extra.errorAt === 'members' ? undefined : extra.error}
      memberError={extra.errorAt === 'members' ? extra.error : undefined}
      newer={cursor === undefined ? undefined : after.length > PAGE_SIZE ? `/rooms/${room.slug}?before=${after[PAGE_SIZE]!.id}` : `/rooms/${room.slug}`}
      draft={extra.draft}
      nonce={nonceFrom(undefined)}
      sidebar={entries}
      readUpTo={marker}
      mentionable={(login) => memberLogins.has(login.toLowerCase())}
      notMembers={unknown}
      muted={muted}
      manage={{ owner: ownsRoom(c), admin: c.get('admin') }}
    />,
    extra.status ?? 200,
  )
}
