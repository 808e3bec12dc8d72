import type { Context } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'

/** Long enough to sign in with any provider (a first GitHub authorization included), short enough to be forgotten. */
const PENDING_SECONDS = 30 * 60

/**
 * The invite a signed-out person followed, kept through sign-in, whichever
 * provider they choose, in a short-lived cookie. It holds the token itself
 * and needs no signature: the token is looked up again when it is used, so a
 * changed cookie is an invite that does not exist. HttpOnly, and SameSite=Lax
 * so it comes back with the provider's redirect to the callback.
 */
export function pendingInvites(secureCookies: boolean) {
  const name = secureCookies ? '__Host-rtc_invite' : 'rtc_invite'
  return {
    keep(c: Context, token: string) {
      setCookie(c, name, token, { path: '/', httpOnly: true, secure: secureCookies, sameSite: 'Lax', maxAge: PENDING_SECONDS })
    },
    read: (c: Context): string | undefined => getCookie(c, name) || undefined,
    forget(c: Context) {
      if (getCookie(c, name) !== undefined) deleteCookie(c, name, { path: '/', secure: secureCookies })
    },
  }
}

export type PendingInvites = ReturnType<typeof pendingInvites>
