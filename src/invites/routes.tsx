import { Hono, type Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { signedInUser, type AppEnv } from '../context.ts'
import { rateLimitedResponse } from '../http/errors.tsx'
import { readForm, textField as field, type Form } from '../http/forms.ts'
import { RateLimited, type RateLimits } from '../http/rateLimits.ts'
import { roomAndMembership } from '../http/roomAccess.ts'
import { ownsRoom } from '../rooms/manage.tsx'
import type { Room, RoomStore, User } from '../store/ports.ts'
import { InviteCreatedPage, InviteRefusedPage, RoomInvitesPage } from '../views/Invites.tsx'
import type { PendingInvites } from './pending.ts'
import { qrSvg } from './qr.ts'
import { INVITE_REFUSALS, MAX_EXPIRY_HOURS, MAX_USES, type InviteService } from './service.ts'

export interface InviteRoutesOptions {
  invites: InviteService
  rooms: RoomStore
  limits: RateLimits
  pending: PendingInvites
  /** The client's address: following invite links is limited per address (the follower may be signed out). */
  clientAddress: (c: Context<AppEnv>) => string
}

const noSuchRoom = () => new HTTPException(404, { message: 'There is no such room.' })

/** A whole number from 1 to `max`, or null when left empty; anything else is the person's mistake, said plainly. */
function optionalCount(form: Form, name: string, max: number, what: string): number | null {
  const raw = field(form, name)
  if (raw === '') return null
  if (!/^\d{1,6}$/.test(raw) || Number(raw) < 1 || Number(raw) > max) {
    throw new HTTPException(400, { message: `${what} is a whole number from 1 to ${max}, or empty for ${name === 'max_uses' ? 'no limit' : 'no expiry'}.` })
  }
  return Number(raw)
}

/**
 * Invite links:
 * - `POST /admin/invites` (form `room`: a slug or empty for the server,
 *   `max_uses`, `expires_in_hours`, each empty for none) makes one and answers
 *   the page with its link and QR code, the only time the link is shown. An
 *   administrator invites to the server or any room; a private room's owner
 *   to that room only (403 otherwise).
 * - `POST /admin/invites/:id/revoke`: an administrator, or the owner of the
 *   invite's room; 404 to anyone else.
 * - `GET /rooms/:room/invites`: a private room's invite links, for its owner.
 * - `GET /invite/:token`: public. Signed out, the invite waits in a cookie
 *   through sign-in (src/auth/admit.tsx); signed in, it joins the room.
 * Making and following links is rate-limited (`RATE_LIMIT_INVITES`); making,
 * revoking and using them is in the audit list (service.ts).
 */
export function inviteRoutes({ invites, rooms, limits, pending, clientAddress }: InviteRoutesOptions) {
  const app = new Hono<AppEnv>()
  const refused = (c: Context<AppEnv>, state: keyof typeof INVITE_REFUSALS) => {
    const { status, title, message } = INVITE_REFUSALS[state]
    return c.html(<InviteRefusedPage user={c.get('user')} title={title} message={message} />, status)
  }
  const mayManage = async (me: User, room: Pick<Room, 'id' | 'visibility' | 'createdBy'>, admin: boolean) =>
    admin || (room.visibility === 'private' && room.createdBy === me.id && (await rooms.isMember(room.id, me.id)))

  app.post('/admin/invites', async (c) => {
    const me = signedInUser(c.get('user'))
    const admin = c.get('admin')
    const form = await readForm(c)
    const slug = field(form, 'room').replace(/^#/, '')
    let room: Room | null = null
    if (slug) {
      const found = await roomAndMembership(rooms, slug, me.id)
      // A private room answers outsiders as a missing one would.
      if (!found.room || (!found.member && !admin && found.room.visibility !== 'public')) throw noSuchRoom()
      if (found.room.visibility === 'direct') throw new HTTPException(400, { message: 'A direct room is for its two people: it takes no invites.' })
      if (!(await mayManage(me, found.room, admin))) throw new HTTPException(403, { message: 'Only the creator of a private room, or an administrator, can make invite links to it.' })
      room = found.room
    } else if (!admin) {
      throw new HTTPException(403, { message: 'Only an administrator can make invite links to the whole server.' })
    }
    const maxUses = optionalCount(form, 'max_uses', MAX_USES, 'The number of uses')
    const expiresInHours = optionalCount(form, 'expires_in_hours', MAX_EXPIRY_HOURS, 'The expiry in hours')
    await limits.take('invites', `user:${me.id}`)
    const { invite, url } = await invites.create(me, { room, maxUses, expiresInHours })
    c.get('log').info({ inviteId: invite.id, roomId: room?.id }, 'invite created')
    // The one chance to copy it: only its hash is kept.
    c.header('Cache-Control', 'no-store')
    const back = slug && !admin ? { kind: 'room' as const, slug } : { kind: 'admin' as const }
    return c.html(<InviteCreatedPage user={me} invite={invite} url={url} qr={await qrSvg(url)} back={back} />)
  })

  app.post('/admin/invites/:id/revoke', async (c) => {
    const me = signedInUser(c.get('user'))
    const invite = await invites.findById(c.req.param('id'))
    if (!invite || !(c.get('admin') || (invite.room && (await mayManage(me, invite.room, false))))) {
      throw new HTTPException(404, { message: 'There is no such invite.' })
    }
    // Revoking twice changes nothing and records nothing; the number of revocations is bounded by the (limited) invites made.
    await invites.revoke(me, invite)
    const toRoom = field(await readForm(c), 'from') === 'room' && invite.room
    return c.redirect(toRoom ? `/rooms/${invite.room!.slug}/invites` : '/admin#invites', 303)
  })

  app.get('/rooms/:room/invites', async (c) => {
    const room = c.get('room')
    if (room.visibility === 'direct' || (!c.get('member') && !c.get('admin') && room.visibility !== 'public')) throw noSuchRoom()
    if (!c.get('admin') && !ownsRoom(c)) throw new HTTPException(403, { message: 'Only the creator of a private room, or an administrator, can make invite links to it.' })
    return c.html(<RoomInvitesPage user={signedInUser(c.get('user'))} room={room} invites={await invites.active(room.id)} />)
  })

  app.get('/invite/:token', async (c) => {
    try {
      await limits.take('invites', `address:${clientAddress(c)}`)
    } catch (err) {
      if (!(err instanceof RateLimited)) throw err
      return rateLimitedResponse(c, err, () => c.html(<InviteRefusedPage user={c.get('user')} title="Please wait a moment" message={err.message} />, 429))
    }
    c.header('Cache-Control', 'no-store')
    const token = c.req.param('token')
    const found = await invites.find(token)
    const user = c.get('user')
    // A member lands in their room whatever became of the link.
    if (user && found?.invite.room && (await rooms.isMember(found.invite.room.id, user.id))) return c.redirect(`/rooms/${found.invite.room.slug}`, 303)
    if (!found) return refused(c, 'missing')
    if (found.state !== 'usable') return refused(c, found.state)
    if (!user) {
      pending.keep(c, token)
      return c.redirect('/login', 303)
    }
    const to = await invites.accept(user, found.invite, { claimed: false })
    return to ? c.redirect(to, 303) : refused(c, 'used up')
  })

  return app
}
