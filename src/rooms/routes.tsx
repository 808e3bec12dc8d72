import { Hono, type Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import type { MessageService } from '../messages/service.ts'
import { signedInUser, type AppEnv } from '../context.ts'
import { rateLimitedResponse } from '../http/errors.tsx'
import { readForm, textField as field } from '../http/forms.ts'
import { RateLimited, type LimitName, type RateLimits } from '../http/rateLimits.ts'
import type { Bus, NotificationStore, Presence, ReadStateStore, RoomStore, UserStore } from '../store/ports.ts'
import type { Awareness } from '../awareness/awareness.ts'
import type { MentionDirectory } from '../messages/mentionDirectory.ts'
import type { ReplyDirectory } from '../messages/replies.ts'
import { LobbyPage } from '../views/LobbyPage.tsx'
import { loadRoom, requireMember, requireReader } from '../http/roomAccess.ts'
import { renderRoomPage, type RoomPageDeps } from './page.tsx'
import { slugify } from '../lib/slug.ts'
import { MemberList } from '../views/Members.tsx'
import { announceMembership } from './membership.ts'

export interface RoomRoutesOptions {
  rooms: RoomStore
  users: UserStore
  chat: MessageService
  bus: Bus
  presence: Presence
  limits: RateLimits
  awareness: Awareness
  mentions: MentionDirectory
  replies: ReplyDirectory
  reads: ReadStateStore
  /** The room's pins, in the member panel. */
  kept?: RoomPageDeps['kept']
  /** For the room page's mute control. */
  notifications?: NotificationStore | undefined
  uploadMaxBytes?: number | undefined
  /** PRESENCE_IDLE_SECONDS, drawn on the room page. */
  idleSeconds?: number | undefined
}

const MAX_ROOM_NAME = 80
const LOGIN = /^[A-Za-z0-9-]{1,39}$/
const PUBLIC_ROOMS_SHOWN = 50

/** The lobby and the room resources: create, join, leave, add members, direct rooms. */
export function roomRoutes({ rooms, users, chat, bus, presence, limits, awareness, mentions, replies, reads, notifications, kept, uploadMaxBytes, idleSeconds }: RoomRoutesOptions) {
  const app = new Hono<AppEnv>()
  const pageDeps = { rooms, chat, presence, awareness, mentions, replies, reads, notifications, kept, uploadMaxBytes, idleSeconds }
  const lobby = async (c: Context<AppEnv>, error?: string, status: 200 | 400 | 404 | 429 = 200, errorAt?: 'room' | 'direct', directLogin?: string) => {
    const user = signedInUser(c.get('user'))
    const [mine, publicRooms] = await Promise.all([rooms.roomsOf(user.id), rooms.publicRoomsToJoin(user.id, PUBLIC_ROOMS_SHOWN)])
    return c.html(<LobbyPage user={user} rooms={mine} publicRooms={publicRooms} error={error} errorAt={errorAt} admin={c.get('admin')} directLogin={directLogin} />, status)
  }
  /** Why a direct room with this login cannot be opened, or nothing when it can. */
  const directRefusal = async (me: { id: number }, login: string) => {
    const peer = LOGIN.test(login) ? await users.findUserByLogin(login) : undefined
    if (!peer) return { peer, status: 404 as const, error: login ? `No one here is called @${login}. They need to sign in to rtc once before you can message them.` : 'Type the GitHub login of someone who has signed in.' }
    if (peer.id === me.id) return { peer, status: 400 as const, error: 'A direct room needs someone else.' }
    return { peer }
  }
  const page = (c: Context<AppEnv>, status: 400 | 404 | 409 | 429, error: string, errorAt?: 'members') =>
    renderRoomPage(c, pageDeps, { status, error, errorAt })
  const isHtmx = (c: Context) => c.req.header('hx-request') === 'true'
  /** A refusal of the add-member form: a line beside it for htmx, the room page with the line there otherwise. */
  const memberRefusal = (c: Context<AppEnv>, status: 400 | 404 | 429, error: string) => isHtmx(c) ? c.text(error, status) : page(c, status, error, 'members')
  const toRoom = (c: Context<AppEnv>, slug: string) => c.redirect(`/rooms/${slug}`, 303)
  const announce = (c: Context<AppEnv>, roomId: string, userId: number, member: boolean) => announceMembership(bus, c.get('log'), roomId, userId, member)
  /** Spends one action of the signed-in user, or answers the refusal with `refused` (a page with the reason beside the form). */
  const limited = async (c: Context<AppEnv>, limit: LimitName, refused: (message: string) => Response | Promise<Response>) => {
    try {
      await limits.take(limit, String(signedInUser(c.get('user')).id))
      return undefined
    } catch (err) {
      if (!(err instanceof RateLimited)) throw err
      return rateLimitedResponse(c, err, () => refused(err.message))
    }
  }

  app.get('/', async (c) => {
    // A refused direct message comes back here (`?direct=login`), so a reload does not post again: the reason, the login kept.
    const login = (c.req.query('direct') ?? '').trim().replace(/^@/, '').slice(0, 39)
    if (!login) return lobby(c)
    const { error, status } = await directRefusal(signedInUser(c.get('user')), login)
    return lobby(c, error, status ?? 200, error ? 'direct' : undefined, login)
  })

  app.post('/rooms', async (c) => {
    const form = await readForm(c)
    const name = field(form, 'name')
    // Public unless asked otherwise; a value that is neither is refused, never read as public.
    const visibility = (field(form, 'visibility') || 'public').toLowerCase()
    if (name === '' || [...name].length > MAX_ROOM_NAME) return lobby(c, `A room name is 1 to ${MAX_ROOM_NAME} characters.`, 400, 'room')
    if (visibility !== 'public' && visibility !== 'private') return lobby(c, 'A room is public or private.', 400, 'room')
    const refused = await limited(c, 'rooms', (message) => lobby(c, message, 429, 'room'))
    if (refused) return refused
    const room = await rooms.createRoom({ name, slug: slugify(name), visibility, createdBy: signedInUser(c.get('user')).id })
    return toRoom(c, room.slug)
  })

  app.post('/direct-rooms', async (c) => {
    const me = signedInUser(c.get('user'))
    const login = field(await readForm(c), 'login').trim().replace(/^@/, '')
    const { peer } = await directRefusal(me, login)
    if (!peer || peer.id === me.id) return c.redirect(`/?${new URLSearchParams({ direct: login.slice(0, 39) })}`, 303)
    const refused = await limited(c, 'directRooms', (message) => lobby(c, message, 429, 'direct', login))
    if (refused) return refused
    const room = await rooms.directRoom(me, peer)
    // The other person's sidebar shows the room at once (a repeat only redraws it).
    await Promise.all([announce(c, room.id, peer.id, true), announce(c, room.id, me.id, true)])
    return toRoom(c, room.slug)
  })

  // Matches /rooms/:room itself too.
  app.use('/rooms/:room/*', loadRoom(rooms))

  app.get('/rooms/:room', requireReader, (c) => renderRoomPage(c, pageDeps))

  app.post('/rooms/:room/join', async (c) => {
    const room = c.get('room')
    if (!c.get('member')) {
      // A private room answers outsiders as a missing one would, so its name cannot be probed.
      if (room.visibility !== 'public') throw new HTTPException(404, { message: 'There is no such room.' })
      const userId = signedInUser(c.get('user')).id
      await rooms.addMember(room.id, userId)
      await announce(c, room.id, userId, true)
    }
    return toRoom(c, room.slug)
  })

  app.post('/rooms/:room/leave', requireMember, async (c) => {
    const room = c.get('room')
    if (room.visibility === 'direct') return page(c, 400, 'A direct room cannot be left.')
    const userId = signedInUser(c.get('user')).id
    await rooms.removeMember(room.id, userId)
    await announceMembership(bus, c.get('log'), room.id, userId, false, 'self')
    return c.redirect('/', 303)
  })

  app.post('/rooms/:room/members', requireMember, async (c) => {
    const room = c.get('room')
    if (room.visibility === 'direct') return memberRefusal(c, 400, 'A direct room is for two people only.')
    const login = field(await readForm(c), 'login').replace(/^@/, '')
    const user = login ? await users.findUserByLogin(login) : undefined
    // A bot cannot join by itself: in a public room too, a member adds it before it may post.
    if (room.visibility === 'public' && user?.kind !== 'bot') return memberRefusal(c, 400, 'Anyone can join a public room; only bots are added to it.')
    if (!user) return memberRefusal(c, 404, login ? `No one called @${login} has signed in to rtc yet.` : 'Type the GitHub login of someone who has signed in.')
    const refused = await limited(c, 'members', (message) => memberRefusal(c, 429, message))
    if (refused) return refused
    await rooms.addMember(room.id, user.id)
    await announce(c, room.id, user.id, true)
    if (!isHtmx(c)) return toRoom(c, room.slug)
    const members = await rooms.listMembers(room.id)
    return c.html(<MemberList members={members} online={await presence.online(members.map((m) => m.id))} />)
  })

  return app
}
