import type { Logger } from '../log.ts'
import type { SlackImportStore, UserStore } from '../store/ports.ts'

/**
 * The users store as sign-in sees it, with placeholders claimed: a person signing in with GitHub under the login
 * a Slack import chose for a placeholder takes it over (their rooms, and later imports' messages). A failed claim
 * does not stop the sign-in; it is tried again at the next one.
 */
export function claimingPlaceholders(users: UserStore, imports: SlackImportStore, log: Logger): UserStore {
  return {
    ...users,
    async upsertGithubUser(profile) {
      const user = await users.upsertGithubUser(profile)
      try {
        const claimed = await imports.claim(user)
        if (claimed.length) log.info({ userId: user.id, slack: claimed.map((l) => l.slackId) }, 'slack placeholder claimed at sign-in')
      } catch (err) {
        log.warn({ err, userId: user.id }, 'slack placeholder not claimed at sign-in')
      }
      return user
    },
  }
}
