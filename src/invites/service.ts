import { hashSessionToken, newSessionToken } from '../auth/session.ts'
import type { Logger } from '../log.ts'
import { announceMembership } from '../rooms/membership.ts'
import type { Bus, Invite, InviteStore, ModerationStore, Room, RoomStore, User } from '../store/ports.ts'

/** A token as `newSessionToken` makes it: 256 random bits, base64url. Anything else is no invite, without a lookup. */
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/
/** Enough of the token to tell invites apart in a list; the remaining 220 bits stay secret. */
const PREFIX_LENGTH = 6
export const MAX_USES = 10_000
/** A year. */
export const MAX_EXPIRY_HOURS = 24 * 365
const LISTED = 200

/** Why an invite cannot be used, as its page says it; `missing` also covers a room deleted since (its invites go with it). */
export type InviteState = 'usable' | 'missing' | 'revoked' | 'expired' | 'used up'

/** The HTTP status and the plain words for each invite that cannot be used. */
export const INVITE_REFUSALS: Record<Exclude<InviteState, 'usable'>, { status: 404 | 410; title: string; message: string }> = {
  missing: { status: 404, title: 'This invite link does not work', message: 'No invite has this address. Check that the whole link was copied, or ask the person who sent it for a new one.' },
  revoked: { status: 410, title: 'This invite was withdrawn', message: 'The person who made this invite link revoked it. Ask them for a new one.' },
  expired: { status: 410, title: 'This invite has expired', message: 'This invite link was valid for a limited time, which has passed. Ask the person who sent it for a new one.' },
  'used up': { status: 410, title: 'This invite has been used up', message: 'This invite link has been used as many times as it allows. Ask the person who sent it for a new one.' },
}

export interface Found { invite: Invite; state: InviteState }

export interface InviteServiceOptions {
  store: InviteStore
  rooms: RoomStore
  moderation: ModerationStore
  bus: Bus
  log: Logger
  /** The origin invite links start with (`PUBLIC_URL`). */
  publicUrl: string
  now?: () => Date
}

const describeLimits = (maxUses: number | null, expiresAt: Date | null) =>
  [maxUses === null ? 'any number of uses' : `${maxUses} use${maxUses === 1 ? '' : 's'}`, expiresAt ? `until ${expiresAt.toISOString().slice(0, 16).replace('T', ' ')} UTC` : 'no expiry'].join(', ')

/**
 * Invite links: made by an administrator (the server or any room) or a
 * private room's owner (that room); followed by anyone holding the link.
 * Only the token's hash is stored. Creating, revoking and every use are in
 * the audit list. A use is counted when the invite brings someone in: a new
 * person signing up, or someone joining its room; a member following a link
 * to their own room spends nothing.
 */
export function inviteService({ store, rooms, moderation, bus, log, publicUrl, now = () => new Date() }: InviteServiceOptions) {
  const stateOf = (invite: Invite): InviteState =>
    invite.revokedAt ? 'revoked'
      : invite.expiresAt && invite.expiresAt.getTime() <= now().getTime() ? 'expired'
      : invite.maxUses !== null && invite.uses >= invite.maxUses ? 'used up'
      : 'usable'
  const target = (invite: Invite) => (invite.room ? `room ${invite.room.slug}` : 'server')

  return {
    urlOf: (token: string) => `${publicUrl}/invite/${token}`,

    /** Makes an invite; the token is in the answer only, never stored. */
    async create(creator: User, { room, maxUses, expiresInHours }: { room: Room | null; maxUses: number | null; expiresInHours: number | null }) {
      const token = newSessionToken()
      const expiresAt = expiresInHours === null ? null : new Date(now().getTime() + expiresInHours * 3_600_000)
      const invite = await store.createInvite({
        tokenHash: await hashSessionToken(token), tokenPrefix: token.slice(0, PREFIX_LENGTH), roomId: room?.id ?? null, createdBy: creator.id, expiresAt, maxUses,
      })
      await moderation.record({ actor: creator, action: 'create invite', target: target(invite), detail: `#${invite.id}: ${describeLimits(maxUses, expiresAt)}` })
      return { invite, token, url: `${publicUrl}/invite/${token}` }
    },

    /** The invite a token opens and whether it can be used now; undefined for a token no invite has. */
    async find(token: string): Promise<Found | undefined> {
      if (!TOKEN_SHAPE.test(token)) return undefined
      const invite = await store.findInviteByTokenHash(await hashSessionToken(token))
      return invite && { invite, state: stateOf(invite) }
    },

    findById: (id: string) => store.findInvite(id),

    /** Takes one use for someone new; false when another took the last one (or it expired or was revoked) meanwhile. */
    claim: (invite: Invite) => store.claimInviteUse(invite.id, now()),
    release: (invite: Invite) => store.releaseInviteUse(invite.id),

    /**
     * Brings `user` in through the invite and answers where they land: its room,
     * or the lobby for a server invite. `claimed` says a use was already taken for
     * them (a new person, at sign-up); otherwise joining a room takes one, and a
     * member of the room takes none, nor does someone known following a server
     * invite. Undefined when no use was left to take.
     */
    async accept(user: User, invite: Invite, { claimed }: { claimed: boolean }): Promise<string | undefined> {
      const audit = () => moderation.record({ actor: user, action: 'join by invite', target: target(invite), detail: `#${invite.id} by @${invite.createdByLogin ?? 'unknown'}` })
      if (!invite.room) {
        if (claimed) await audit()
        return '/'
      }
      const room = invite.room
      if (await rooms.isMember(room.id, user.id)) {
        if (claimed) await store.releaseInviteUse(invite.id)
        return `/rooms/${room.slug}`
      }
      if (!claimed && !(await store.claimInviteUse(invite.id, now()))) return undefined
      // Joined meanwhile in another tab: the use goes back.
      if (!(await rooms.addMember(room.id, user.id))) await store.releaseInviteUse(invite.id)
      else {
        await announceMembership(bus, log, room.id, user.id, true)
        await audit()
      }
      return `/rooms/${room.slug}`
    },

    async revoke(actor: User, invite: Invite) {
      if (!(await store.revokeInvite(invite.id, now()))) return false
      await moderation.record({ actor, action: 'revoke invite', target: target(invite), detail: `#${invite.id} by @${invite.createdByLogin ?? 'unknown'}` })
      return true
    },

    /** Invites usable now, newest first: every one, or one room's. */
    active: (roomId?: string) => store.activeInvites(now(), { roomId, limit: LISTED }),
  }
}

export type InviteService = ReturnType<typeof inviteService>
