import { createHash } from 'node:crypto'
import type { Context, MiddlewareHandler } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import type { AppEnv } from '../context.ts'
import type { Logger } from '../log.ts'
import type { Bus, SessionStore } from '../store/ports.ts'
import { deviceOf } from './device.ts'

const HOUR = 60 * 60 * 1000
const DAY = 24 * HOUR
export const SESSION_TTL_MS = 30 * DAY
/**
 * Sliding renewal: a session used an hour or more after it was last renewed is
 * extended to the full TTL, which also marks when it was last active (to the
 * hour, for the sessions page) at one write an hour of use.
 */
const RENEW_BELOW_MS = SESSION_TTL_MS - HOUR
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/

/** `__Host-` binds the cookie to this origin and path /; it needs Secure, so plain-http loopback gets a plain name. */
export const sessionCookieName = (secure: boolean) => (secure ? '__Host-rtc_session' : 'rtc_session')

/** A random 256-bit token, base64url. Only its hash is stored. */
export function newSessionToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32))
  return btoa(String.fromCharCode(...bytes)).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '')
}

/**
 * SHA-256 of the token, in hex. Every signed-in request hashes its cookie, so
 * this is `node:crypto` (Deno has it too): WebCrypto's digest is a job on the
 * thread pool and cost about 0.6 ms a request in a CPU profile under a flood.
 */
export async function hashSessionToken(token: string): Promise<string> {
  return createHash('sha256').update(token).digest('hex')
}

/** How the sessions page names a session in its "End" form: derived from the hash, which stays on the server. */
export const sessionHandle = (tokenHash: string) => createHash('sha256').update(`handle:${tokenHash}`).digest('hex').slice(0, 32)

/** Why a tab's socket closed when its session ended; the page shows it. */
export const SESSION_ENDED = {
  signedOut: 'You signed out. Sign in again to continue.',
  endedElsewhere: 'This session was signed out from another tab or device.',
  expired: 'Your session expired. Sign in again to continue.',
  tooMany: 'Signed out: you signed in on too many devices, and this was the oldest session.',
} as const

export interface SessionOptions {
  sessions: SessionStore
  secureCookies: boolean
  /** Ended sessions are announced here, so their sockets close on every instance. */
  bus: Bus
  log: Logger
  /** Live sessions kept per user; the oldest are ended beyond it. None: unbounded. */
  maxSessionsPerUser?: number | undefined
  now?: () => Date
}

/** Reading, issuing and ending sessions; one place knows the cookie's shape. */
export function sessionCookies({ sessions, secureCookies, bus, log, maxSessionsPerUser, now = () => new Date() }: SessionOptions) {
  const name = sessionCookieName(secureCookies)
  const write = (c: Context, token: string) =>
    setCookie(c, name, token, {
      path: '/', httpOnly: true, secure: secureCookies, sameSite: 'Lax', maxAge: SESSION_TTL_MS / 1000,
    })
  const readHash = async (c: Context) => {
    const token = getCookie(c, name)
    return token && TOKEN_SHAPE.test(token) ? hashSessionToken(token) : undefined
  }

  /** The store forgets first; then every instance closes the sessions' sockets. A lost announcement leaves the local ones closed. */
  const announce = async (ended: readonly string[], reason: string) => {
    if (ended.length === 0) return
    await bus.publish({ type: 'sessions-ended', sessions: ended, reason })
      .catch((err: unknown) => log.error({ err: { message: (err as Error).message }, count: ended.length }, 'session end not announced to other instances'))
  }

  /** Sets `user`, `sessionHash` and `sessionExpiresAt` when the cookie names a live session; anything else is signed out. */
  const loadSession: MiddlewareHandler<AppEnv> = async (c, next) => {
    c.set('user', undefined)
    c.set('sessionHash', undefined)
    c.set('sessionExpiresAt', undefined)
    const hash = await readHash(c)
    const session = hash && (await sessions.findSession(hash, now()))
    if (hash && session) {
      c.set('user', session.user)
      c.set('sessionHash', hash)
      c.set('sessionExpiresAt', session.expiresAt)
      if (session.expiresAt.getTime() - now().getTime() < RENEW_BELOW_MS) {
        const renewed = new Date(now().getTime() + SESSION_TTL_MS)
        await sessions.renewSession(hash, renewed, now())
        c.set('sessionExpiresAt', renewed)
        write(c, getCookie(c, name)!)
      }
    }
    await next()
  }

  return {
    loadSession,
    /** The hash of the session token the request carries, if it is shaped like one; no lookup. */
    sessionHashOf: readHash,
    /** A new session on every sign-in; whatever session the browser held before is ended. */
    async startSession(c: Context, userId: number) {
      const previous = await readHash(c)
      if (previous) {
        await sessions.deleteSession(previous)
        await announce([previous], SESSION_ENDED.signedOut)
      }
      const token = newSessionToken()
      await sessions.createSession(await hashSessionToken(token), userId, new Date(now().getTime() + SESSION_TTL_MS), deviceOf(c.req.header('user-agent')))
      if (maxSessionsPerUser) await announce(await sessions.trimSessions(userId, maxSessionsPerUser), SESSION_ENDED.tooMany)
      write(c, token)
    },
    async endSession(c: Context) {
      const hash = await readHash(c)
      if (hash) {
        await sessions.deleteSession(hash)
        await announce([hash], SESSION_ENDED.signedOut)
      }
      deleteCookie(c, name, { path: '/', secure: secureCookies })
    },
    /** "Sign out everywhere else": every session of the user but this one. Answers how many ended. */
    async endOtherSessions(userId: number, current: string): Promise<number> {
      const ended = await sessions.deleteUserSessions(userId, current)
      await announce(ended, SESSION_ENDED.endedElsewhere)
      return ended.length
    },
    /** "End" beside one session on the sessions page: only a session of this user; false when there is none by that handle. */
    async endSessionByHandle(userId: number, handle: string): Promise<boolean> {
      const target = (await sessions.listSessions(userId, now())).find((s) => sessionHandle(s.tokenHash) === handle)
      if (!target) return false
      await sessions.deleteSession(target.tokenHash)
      await announce([target.tokenHash], SESSION_ENDED.endedElsewhere)
      return true
    },
    /** Ends every session of the user, this one included (sign out everywhere; a ban would too). */
    async endAllSessions(c: Context, userId: number) {
      const ended = await sessions.deleteUserSessions(userId)
      await announce(ended, SESSION_ENDED.endedElsewhere)
      deleteCookie(c, name, { path: '/', secure: secureCookies })
    },
  }
}

export type SessionCookies = ReturnType<typeof sessionCookies>
