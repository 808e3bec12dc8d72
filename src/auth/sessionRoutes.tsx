import { Hono, type Context } from 'hono'
import { signedInUser, type AppEnv } from '../context.ts'
import { wantsHtml } from '../http/errors.tsx'
import type { SessionStore } from '../store/ports.ts'
import { SessionsPage } from '../views/SessionsPage.tsx'
import { sessionHandle, type SessionCookies } from './session.ts'

export interface SessionRoutesOptions {
  sessions: SessionStore
  session: SessionCookies
  now?: () => Date
}

/**
 * `GET /sessions` lists the signed-in user's sessions (a page, or JSON for
 * other clients); `POST /sessions/end-others` ends every one but the current;
 * `POST /sessions/end-all` ends them all; `POST /sessions/:id/end` ends the
 * one the page names by its id (never the hash, which stays on the server). Ended sessions' sockets close on
 * every instance.
 */
export function sessionRoutes({ sessions, session, now = () => new Date() }: SessionRoutesOptions) {
  const list = async (c: Context<AppEnv>, notice?: string, status: 200 | 404 = 200) => {
    const user = signedInUser(c.get('user'))
    const current = c.get('sessionHash')
    const mine = (await sessions.listSessions(user.id, now())).map((s) => ({ ...s, current: s.tokenHash === current }))
    if (!wantsHtml(c)) {
      // The hash is the session's key in the store: it stays on the server.
      return c.json({ sessions: mine.map((s) => ({ id: sessionHandle(s.tokenHash), current: s.current, device: s.device, createdAt: s.createdAt, lastActiveAt: s.lastActiveAt, expiresAt: s.expiresAt })) })
    }
    return c.html(<SessionsPage user={user} sessions={mine.map((s) => ({ ...s, handle: sessionHandle(s.tokenHash) }))} notice={notice} />, status)
  }

  return new Hono<AppEnv>()
    .get('/sessions', (c) => list(c))
    .post('/sessions/end-others', async (c) => {
      const ended = await session.endOtherSessions(signedInUser(c.get('user')).id, c.get('sessionHash')!)
      c.get('log').info({ userId: signedInUser(c.get('user')).id, ended }, 'other sessions ended')
      if (!wantsHtml(c)) return c.json({ ended })
      return list(c, ended === 1 ? 'Signed out 1 other session.' : `Signed out ${ended} other sessions.`)
    })
    .post('/sessions/:handle/end', async (c) => {
      const user = signedInUser(c.get('user'))
      const handle = c.req.param('handle')
      // This browser's own session: that is signing out here.
      if (handle === sessionHandle(c.get('sessionHash') ?? '')) {
        await session.endSession(c)
        return c.redirect('/login', 303)
      }
      const ended = await session.endSessionByHandle(user.id, handle)
      c.get('log').info({ userId: user.id, ended }, 'one session ended')
      if (!wantsHtml(c)) return c.json({ ended }, ended ? 200 : 404)
      return list(c, ended ? 'Signed out that session.' : 'That session had already ended.', ended ? 200 : 404)
    })
    .post('/sessions/end-all', async (c) => {
      const user = signedInUser(c.get('user'))
      await session.endAllSessions(c, user.id)
      c.get('log').info({ userId: user.id }, 'all sessions ended')
      return c.redirect('/login', 303)
    })
}
