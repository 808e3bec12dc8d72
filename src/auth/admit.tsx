import type { Context } from 'hono'
import type { Administrators } from '../admin/admins.ts'
import type { Config } from '../config.ts'
import type { AppEnv } from '../context.ts'
import { INVITE_REFUSALS, type Found, type InviteService } from '../invites/service.ts'
import type { PendingInvites } from '../invites/pending.ts'
import type { User } from '../store/ports.ts'
import { InviteNeededPage } from '../views/LoginPage.tsx'

/** What `admit` decided: go on and sign the person in, then ask `welcome` where they land; or answer the refusal. */
export type Admission =
  | { readonly admitted: true; welcome(user: User): Promise<string> }
  | { readonly admitted: false; refusal(): Response | Promise<Response> }

export interface AdmissionOptions {
  signup: Config['signup']
  /** Without it no invite exists, and under `SIGNUP=invite` only known people sign in. */
  invites: InviteService | undefined
  pending: PendingInvites
  /** Administrators by configuration are always let in: a new server with `SIGNUP=invite` must admit its first one. */
  admins?: Pick<Administrators, 'wouldBeAdmin'> | undefined
}

/** Who is signing in, as the provider knows them before any account is made or updated. */
export interface Arrival {
  /** This server has an account for them already (by the provider's own key: GitHub's id, an issuer and subject). */
  known: boolean
  /**
   * Their account id and login when the provider knows them beforehand (GitHub's id and login; a local login,
   * with any negative id), so an administrator named in `ADMIN_GITHUB_IDS` or `ADMIN_LOGINS` is recognised.
   */
  candidate?: Pick<User, 'id' | 'login'> | undefined
}

/**
 * The one gate of every sign-in. Each provider's callback (GitHub's, local
 * sign-in, and any provider added later) calls `admit(c, { known, candidate })`
 * once it knows who the person is and whether this server knows them already
 * (by the provider's own key: GitHub's id, an issuer and subject), and BEFORE
 * it creates or updates the user:
 *
 *     const admission = await admit(c, { known, candidate })
 *     if (!admission.admitted) return admission.refusal()
 *     const user = await users.upsert...(...)
 *     await session.startSession(c, user.id)
 *     return c.redirect(await admission.welcome(user), 303)
 *
 * The invite the person followed (`GET /invite/:token`) waits in a cookie
 * through the provider's round trip. A new person with a usable invite takes
 * one of its uses here, before any account exists, so of two newcomers racing
 * for the last use one is admitted and the other is told, and no account is
 * made for the second. With `SIGNUP=invite` a new person without a usable
 * invite is refused with a plain page; known people and administrators by
 * configuration always get in. `welcome`
 * joins the invite's room (a known person who is not a member yet takes a use
 * then) and answers where to go: the room, the lobby, or the invite's page
 * when it could not be used after all (it says why).
 */
export function admissions({ signup, invites, pending, admins }: AdmissionOptions) {
  const administrator = async (candidate: Arrival['candidate']) =>
    candidate !== undefined && admins !== undefined && (await admins.wouldBeAdmin(candidate))
  return async function admit(c: Context<AppEnv>, { known, candidate }: Arrival): Promise<Admission> {
    const token = pending.read(c)
    const found: Found | undefined = token && invites ? await invites.find(token) : undefined
    const usable = found?.state === 'usable' ? found.invite : undefined
    const claimed = !known && usable !== undefined && invites !== undefined && (await invites.claim(usable))
    if (!known && !claimed && signup === 'invite' && !(await administrator(candidate))) {
      pending.forget(c)
      // A usable invite that could not be claimed lost the race for its last use.
      const state = !token ? undefined : !found ? 'missing' : found.state === 'usable' ? 'used up' : found.state
      c.get('log').info({ invite: found?.invite.id, state: state ?? 'none' }, 'sign-up refused: no usable invite')
      return { admitted: false, refusal: () => c.html(<InviteNeededPage reason={state && INVITE_REFUSALS[state].message} />, 403) }
    }
    return {
      admitted: true,
      async welcome(user) {
        pending.forget(c)
        // A cookie that names no invite (not even the shape of a token) leads nowhere but the lobby.
        if (!found || !invites) return '/'
        // Shown why on the invite's own page: expired, revoked, used up meanwhile.
        if (!usable) return `/invite/${token}`
        return (await invites.accept(user, usable, { claimed })) ?? `/invite/${token}`
      },
    }
  }
}

export type Admit = ReturnType<typeof admissions>

/** The usable invite a signed-out person followed, for the sign-in page to say where it leads. */
export function pendingInvitation({ invites, pending }: Pick<AdmissionOptions, 'invites' | 'pending'>) {
  return async (c: Context<AppEnv>) => {
    const token = pending.read(c)
    const found = token && invites ? await invites.find(token) : undefined
    return found?.state === 'usable' ? { roomName: found.invite.room?.name ?? null } : undefined
  }
}
