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
  { rooms, chat, presence }: RoomPageDeps,
  extra: { status?: 200 | 400 | 403 | 404 | 409 | 413 | 422 | 429; error?: string; draft?: string; errorAt?: 'composer' | 'members' } = {},
) {
  const room = c.get('room')
  const before = c.req.query('before')
  const cursor = isId(before) ? before : undefined
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
