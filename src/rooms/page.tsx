import type { Context } from 'hono'
import type { MessageService } from '../chat/service.ts'
import { nonceFrom } from '../chat/validate.ts'
import { signedInUser, type AppEnv } from '../context.ts'
import type { Presence, RoomStore } from '../store/ports.ts'
import { RoomPage } from '../views/RoomPage.tsx'
import { PAGE_SIZE } from '../chat/service.ts'
import { isId } from '../chat/ids.ts'

export interface RoomPageDeps {
  rooms: RoomStore
  chat: MessageService
  presence: Presence
}

/** Renders the room page for `c.get('room')`; also how a refused plain-form post is shown to its author. */
export async function renderRoomPage(
  c: Context<AppEnv>,
  deps: RoomPageDeps,
  extra: { status?: 200 | 400 | 403 | 404 | 409 | 422 | 429; error?: string; draft?: string; errorAt?: 'composer' | 'members' } = {},
) {
  const room = c.get('room')
  const around = c.req.query('around')
  if (isId(around) && c.req.query('before') === undefined) return renderAround(c, deps, around)
  const before = c.req.query('before')
  const cursor = isId(before) ? before : undefined
  const { rooms, chat, presence } = deps
  const [members, page, after] = await Promise.all([
    rooms.listMembers(room.id),
    chat.page(room, { before: cursor }, PAGE_SIZE + 1),
    // An older page links to the next newer one: the page that ends just before the (PAGE_SIZE+1)th newer message.
    cursor === undefined ? [] : chat.page(room, { after: String(BigInt(cursor) - 1n) }, PAGE_SIZE + 1),
  ])
  const user = signedInUser(c.get('user'))
  const online = new Set(await presence.online(members.map((m) => m.id)))
  const live = c.get('member') && cursor === undefined
  // This page opens a socket for its reader at once: they are here, whatever the last mark says.
  if (live) online.add(user.id)
  const hasOlder = page.length > PAGE_SIZE
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
async function renderAround(c: Context<AppEnv>, { rooms, chat, presence }: RoomPageDeps, around: string) {
  const room = c.get('room')
  const user = signedInUser(c.get('user'))
  const head = await chat.lastRev(room)
  const [members, older, newer] = await Promise.all([
    rooms.listMembers(room.id),
    chat.page(room, { before: String(BigInt(around) + 1n) }, AROUND + 1),
    chat.page(room, { after: around }, AROUND + 1),
  ])
  const online = new Set(await presence.online(members.map((m) => m.id)))
  if (c.get('member')) online.add(user.id)
  const hasOlder = older.length > AROUND
  const hasNewer = newer.length > AROUND
  const shown = [...(hasOlder ? older.slice(1) : older), ...newer.slice(0, AROUND)]
  return c.html(
    <RoomPage
      user={user}
      room={room}
      members={members}
      online={online}
      messages={shown}
      isMember={c.get('member')}
      hasOlder={hasOlder}
      around={around}
      gapAfter={hasNewer ? shown.at(-1)!.id : undefined}
      since={head}
      nonce={nonceFrom(undefined)}
    />,
  )
}
