import { Hono, type Context, type MiddlewareHandler } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { requireAdmin } from '../admin/admins.ts'
import { isId } from '../messages/ids.ts'
import { ChatError, type MessageService } from '../messages/service.ts'
import { signedInUser, type AppEnv } from '../context.ts'
import { readForm, textField as field } from '../http/forms.ts'
import type { RateLimits } from '../http/rateLimits.ts'
import type { Bus, MessageStore, ModerationStore, RoomStore, UserStore } from '../store/ports.ts'
import { announceMembership } from './membership.ts'

export interface RoomManageOptions {
  rooms: RoomStore
  users: UserStore
  moderation: ModerationStore
  chat: MessageService
  /** Where the messages are: a deleted room's are forgotten there. */
  messages: MessageStore
  bus: Bus
  /** Renames, topics and removals count against the `manage` limit (each is a change others see, most an audit entry). */
  limits: RateLimits
  now?: () => Date
}

export const MAX_ROOM_NAME = 80
export const MAX_TOPIC = 200

/** The creator of a private room owns it. */
export const ownsRoom = (c: Context<AppEnv>) => {
  const room = c.get('room')
  return room.visibility === 'private' && c.get('member') && room.createdBy === signedInUser(c.get('user')).id
}

/** The owner or an administrator; to anyone else a private room stays a missing one. */
const requireManager: MiddlewareHandler<AppEnv> = async (c, next) => {
  if (c.get('admin') || ownsRoom(c)) return next()
  if (!c.get('member') && c.get('room').visibility !== 'public') throw new HTTPException(404, { message: 'There is no such room.' })
  throw new HTTPException(403, { message: 'Only the creator of a private room or an administrator can do that.' })
}

/**
 * What owners and administrators do to a room (room access is loaded by the
 * room routes): rename it, remove a member, set its topic (any member),
 * archive, unarchive or delete it and delete anyone's message (administrators).
 * Each is a plain form post answered with a redirect; every action but a
 * member's topic is recorded in the audit list.
 */
export function roomManageRoutes({ rooms, users, moderation, chat, messages, bus, limits, now = () => new Date() }: RoomManageOptions) {
  const app = new Hono<AppEnv>()
  const spend = (c: Context<AppEnv>) => limits.take('manage', String(signedInUser(c.get('user')).id))
  const audit = (c: Context<AppEnv>, action: string, detail?: string) =>
    moderation.record({ actor: signedInUser(c.get('user')), action, target: `room ${c.get('room').slug}`, detail })
  /** Back to the admin page when the form came from there, else to the room. */
  const back = async (c: Context<AppEnv>, fallback = `/rooms/${c.get('room').slug}`) =>
    c.redirect(field(await readForm(c), 'from') === 'admin' ? '/admin' : fallback, 303)

  app.post('/rooms/:room/topic', async (c) => {
    if (!c.get('member') && !c.get('admin')) {
      if (c.get('room').visibility !== 'public') throw new HTTPException(404, { message: 'There is no such room.' })
      throw new HTTPException(403, { message: 'Only members of this room can set its topic.' })
    }
    if (c.get('room').archivedAt) throw new HTTPException(403, { message: 'This room is archived: it can be read, not changed.' })
    const topic = field(await readForm(c), 'topic')
    if ([...topic].length > MAX_TOPIC) throw new HTTPException(400, { message: `A topic is at most ${MAX_TOPIC} characters.` })
    await spend(c)
    await moderation.setTopic(c.get('room').id, topic || null)
    if (c.get('admin') && !c.get('member')) await audit(c, 'set topic', topic)
    return back(c)
  })

  app.post('/rooms/:room/name', requireManager, async (c) => {
    const name = field(await readForm(c), 'name')
    if (name === '' || [...name].length > MAX_ROOM_NAME) throw new HTTPException(400, { message: `A room name is 1 to ${MAX_ROOM_NAME} characters.` })
    if (c.get('room').visibility === 'direct') throw new HTTPException(400, { message: 'A direct room is named after its two people.' })
    await spend(c)
    await moderation.renameRoom(c.get('room').id, name)
    await audit(c, 'rename room', `${c.get('room').name} → ${name}`)
    return back(c)
  })

  app.post('/rooms/:room/members/:login/delete', requireManager, async (c) => {
    const room = c.get('room')
    if (room.visibility === 'direct') throw new HTTPException(400, { message: 'No one can be removed from a direct room.' })
    const user = await users.findUserByLogin(c.req.param('login'))
    if (!user || !(await rooms.isMember(room.id, user.id))) throw new HTTPException(404, { message: 'That person is not a member of this room.' })
    if (user.id === signedInUser(c.get('user')).id) throw new HTTPException(400, { message: 'To leave the room yourself, use "Leave this room".' })
    await spend(c)
    await rooms.removeMember(room.id, user.id)
    await announceMembership(bus, c.get('log'), room.id, user.id, false, 'manager')
    await audit(c, 'remove member', `@${user.login}`)
    return back(c)
  })

  for (const [path, archived] of [['archive', true], ['unarchive', false]] as const) {
    app.post(`/rooms/:room/${path}`, requireAdmin, async (c) => {
      await moderation.setArchived(c.get('room').id, archived ? now() : null)
      await audit(c, archived ? 'archive room' : 'unarchive room')
      return back(c)
    })
  }

  app.post('/rooms/:room/delete', requireAdmin, async (c) => {
    const room = c.get('room')
    const members = await rooms.listMembers(room.id)
    await moderation.deleteRoom(room.id)
    // Every member's socket on the room closes, on every instance.
    await Promise.all(members.map((m) => announceMembership(bus, c.get('log'), room.id, m.id, false)))
    await audit(c, 'delete room', `${room.name} (${members.length} members)`)
    // Then its messages, wherever they are, after the answer (a big room on Cassandra is many partitions; nobody
    // can reach them now: the room is gone). A failure leaves them unreachable, and the log names the room.
    const log = c.get('log')
    messages.forgetRoom(room.id).then(
      () => log.info({ roomId: room.id }, 'a deleted room\'s messages removed'),
      (err: unknown) => log.error({ err: { message: (err as Error).message }, roomId: room.id }, 'a deleted room\'s messages were not all removed'),
    )
    return back(c, '/admin')
  })

  /** An administrator deletes anyone's message through the message service, so readers see it go live and on replay. */
  const moderate = async (c: Context<AppEnv>, id: string) => {
    const room = c.get('room')
    const message = isId(id) ? await chat.find(room, id) : undefined
    if (!message) throw new HTTPException(404, { message: 'There is no such message in this room.' })
    try {
      await chat.remove(signedInUser(c.get('user')), room, id, { moderator: true })
    } catch (err) {
      if (err instanceof ChatError) throw new HTTPException(err.status, { message: err.message })
      throw err
    }
    await moderation.record({ actor: signedInUser(c.get('user')), action: 'delete message', target: `room ${room.slug}`, detail: `#${id} by @${message.authorLogin}` })
    return c.req.header('hx-request') === 'true' ? c.body(null, 204) : c.redirect(`/rooms/${room.slug}#m-${id}`, 303)
  }

  // The message's own delete route, for an administrator who is not its author (authors go on to the message routes).
  app.post('/rooms/:room/messages/:id/delete', async (c, next) => {
    if (!c.get('admin')) return next()
    const id = c.req.param('id')
    const own = c.get('member') && isId(id) && (await chat.find(c.get('room'), id))?.authorId === signedInUser(c.get('user')).id
    return own ? next() : moderate(c, id)
  })

  // The same from a plain form that names the message: `POST /rooms/:room/message-deletions` (form `id`).
  app.post('/rooms/:room/message-deletions', requireAdmin, async (c) => moderate(c, field(await readForm(c), 'id').replace(/^#/, '')))

  return app
}
