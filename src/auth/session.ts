import type { Context, MiddlewareHandler } from 'hono'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import type { AppEnv } from '../context.ts'
import type { SessionStore } from '../store/ports.ts'

const DAY = 24 * 60 * 60 * 1000
export const SESSION_TTL_MS = 30 * DAY
/** Sliding renewal: a session used with less than this left is extended to the full TTL. */
const RENEW_BELOW_MS = 15 * DAY
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/

/** `__Host-` binds the cookie to this origin and path /; it needs Secure, so plain-http loopback gets a plain name. */
export const sessionCookieName = (secure: boolean) => (secure ? '__Host-rtc_session' : 'rtc_session')

/** A random 256-bit token, base64url. Only its hash is stored. */
export function newSessionToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32))
  return btoa(String.fromCharCode(...bytes)).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '')
}

export async function hashSessionToken(token: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token))
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('')
}

export interface SessionOptions {
  sessions: SessionStore
  secureCookies: boolean
  now?: () => Date
}

/** Reading, issuing and ending sessions; one place knows the cookie's shape. */
export function sessionCookies({ sessions, secureCookies, now = () => new Date() }: SessionOptions) {
  const name = sessionCookieName(secureCookies)
  const write = (c: Context, token: string) =>
    setCookie(c, name, token, {
      path: '/', httpOnly: true, secure: secureCookies, sameSite: 'Lax', maxAge: SESSION_TTL_MS / 1000,
    })
  const readHash = async (c: Context) => {
    const token = getCookie(c, name)
    return token && TOKEN_SHAPE.test(token) ? hashSessionToken(token) : undefined
  }

  /** Sets `user` and `sessionHash` when the cookie names a live session; anything else is signed out. */
  const loadSession: MiddlewareHandler<AppEnv> = async (c, next) => {
    c.set('user', undefined)
    c.set('sessionHash', undefined)
    const hash = await readHash(c)
    const session = hash && (await sessions.findSession(hash, now()))
    if (hash && session) {
      c.set('user', session.user)
      c.set('sessionHash', hash)
      if (session.expiresAt.getTime() - now().getTime() < RENEW_BELOW_MS) {
        await sessions.renewSession(hash, new Date(now().getTime() + SESSION_TTL_MS))
        write(c, getCookie(c, name)!)
      }
    }
    await next()
  }

  return {
    loadSession,
    /** A new session on every sign-in; whatever session the browser held before is ended. */
    async startSession(c: Context, userId: number) {
      const previous = await readHash(c)
      if (previous) await sessions.deleteSession(previous)
      const token = newSessionToken()
      await sessions.createSession(await hashSessionToken(token), userId, new Date(now().getTime() + SESSION_TTL_MS))
      write(c, token)
    },
    async endSession(c: Context) {
      const hash = await readHash(c)
      if (hash) await sessions.deleteSession(hash)
      deleteCookie(c, name, { path: '/', secure: secureCookies })
    },
  }
}

export type SessionCookies = ReturnType<typeof sessionCookies>
