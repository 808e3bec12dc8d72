import type { Logger } from '../log.ts'
import type { Bus, ModerationStore, SessionStore } from '../store/ports.ts'

/** Said on the sign-in page, and on the page of every tab whose socket the ban closed. */
export const BANNED_NOTICE = 'This account has been suspended by an administrator of this rtc server.'

/**
 * A ban ends every session of the user (the store first, so their cookies are
 * refused at once) and tells every instance to close their sockets. Their push
 * subscriptions go with their sessions (each belongs to the session that made
 * it), and no push is decided for a banned user anyway. What they wrote stays.
 * Sign-in checks the ban, so no new session starts.
 */
export function bans({ moderation, sessions, bus, log }: { moderation: ModerationStore; sessions: SessionStore; bus: Bus; log: Logger }) {
  return {
    async ban(userId: number, at: Date) {
      await moderation.setBanned(userId, at)
      const ended = await sessions.deleteUserSessions(userId)
      if (ended.length === 0) return 0
      // The bus reaches this instance's sockets even when the others cannot be told; they recheck on reconnect.
      await bus.publish({ type: 'sessions-ended', sessions: ended, reason: BANNED_NOTICE })
        .catch((err: unknown) => log.error({ err: { message: (err as Error).message }, userId }, 'ban not announced to other instances'))
      return ended.length
    },
    unban: (userId: number) => moderation.setBanned(userId, null),
    isBanned: (userId: number) => moderation.isBanned(userId),
  }
}

export type Bans = ReturnType<typeof bans>
