import type { MiddlewareHandler } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { signedInUser, type AppEnv } from '../context.ts'
import type { RoomStore } from '../store/ports.ts'
import { SLUG_PATTERN } from '../lib/slug.ts'

/** No room has this id: a missing room's membership is looked up under it. */
const NO_ROOM = '0'

/**
 * The room a slug names and whether `userId` is a member, by the same steps
 * whether or not it exists: the membership is looked up for a missing room
 * too, so a private room's outsider and a missing room's visitor wait alike
 * and its name cannot be probed by timing (see `localStores`).
 */
export async function roomAndMembership(rooms: RoomStore, slug: string, userId: number) {
  const room = SLUG_PATTERN.test(slug) ? await rooms.findRoomBySlug(slug) : undefined
  const member = await rooms.isMember(room?.id ?? NO_ROOM, userId)
  return { room, member: room !== undefined && member }
}

/** Finds `:room` and the reader's membership; an unknown room is 404. */
export function loadRoom(rooms: RoomStore): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const { room, member } = await roomAndMembership(rooms, c.req.param('room') ?? '', signedInUser(c.get('user')).id)
    if (!room) throw new HTTPException(404, { message: 'There is no such room.' })
    c.set('room', room)
    c.set('member', member)
    await next()
  }
}

/** To an outsider a private or direct room is a missing room: 404, the same answer, so names cannot be probed. */
const hidden = () => new HTTPException(404, { message: 'There is no such room.' })

/** Members only; nothing of a private room reaches anyone else. */
export const requireMember: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (!c.get('member')) {
    if (c.get('room').visibility !== 'public') throw hidden()
    throw new HTTPException(403, { message: 'Only members of this room can do that.' })
  }
  await next()
}

/** Members, and anyone signed in for a public room. */
export const requireReader: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (!c.get('member') && c.get('room').visibility !== 'public') throw hidden()
  await next()
}
