import { Hono } from 'hono'
import type { RateLimiterAbstract } from 'rate-limiter-flexible'
import { signedInUser, type AppEnv } from '../context.ts'
import { requireMember } from '../http/roomAccess.ts'
import type { Bus } from '../store/ports.ts'

/** `POST /rooms/:room/typing`: the composer says its author is typing; at most one notice per user per limiter window. */
export function typingRoutes({ bus, limiter }: { bus: Bus; limiter: RateLimiterAbstract }) {
  return new Hono<AppEnv>().post('/rooms/:room/typing', requireMember, async (c) => {
    const user = signedInUser(c.get('user'))
    // Nobody writes in an archived room, so nobody is typing there.
    if (c.get('room').archivedAt) return c.text('This room is archived: it can be read, not written to.', 403)
    const allowed = await limiter.consume(String(user.id)).then(() => true, () => false)
    if (!allowed) return c.body(null, 429)
    // A notice is best effort: with Redis away it still reaches this instance's readers.
    await bus.publish({ type: 'typing', roomId: c.get('room').id, userId: user.id, name: user.name ?? user.login }).catch(() => {})
    return c.body(null, 204)
  })
}
