import type { Sql } from 'postgres'
import type { Profile, ProfileStore } from '../ports.ts'
import { toUser } from './users.ts'

interface ProfileRow {
  id: bigint; login: string; name: string | null; avatar_url: string | null; kind: string
  display_name: string | null; bio: string | null; time_zone: string | null; avatar_sha256: string | null; last_seen_at: Date | null
}

const PROFILE_COLUMNS = 'id, login, name, avatar_url, kind, display_name, bio, time_zone, avatar_sha256, last_seen_at'
const USER_COLUMNS = 'id, login, name, avatar_url, kind'

const toProfile = (r: ProfileRow): Profile => ({
  user: toUser(r), displayName: r.display_name, bio: r.bio, timeZone: r.time_zone, avatar: r.avatar_sha256, lastSeenAt: r.last_seen_at,
})

/**
 * Profiles in the users table. `name` and `avatar_url` are kept as shown
 * (the chosen one, else the account's own), so every other read of a user
 * stays one plain column; the avatar's bytes live in `avatars`, one row per
 * person, overwritten by a new one and deleted with it.
 */
export function postgresProfiles(sql: Sql): ProfileStore {
  return {
    async profileByLogin(login) {
      const [row] = await sql<ProfileRow[]>`
        SELECT ${sql.unsafe(PROFILE_COLUMNS)} FROM users WHERE lower(login) = lower(${login})`
      return row && toProfile(row)
    },

    async profileOf(userId) {
      const [row] = await sql<ProfileRow[]>`SELECT ${sql.unsafe(PROFILE_COLUMNS)} FROM users WHERE id = ${userId} AND kind = 'person'`
      return row && toProfile(row)
    },

    async saveProfile(userId, { displayName, bio, timeZone }, avatar) {
      return sql.begin(async (tx) => {
        if (avatar) {
          await tx`
            INSERT INTO avatars (user_id, sha256, bytes) VALUES (${userId}, ${avatar.sha256}, ${avatar.bytes})
            ON CONFLICT (user_id) DO UPDATE SET sha256 = excluded.sha256, bytes = excluded.bytes, created_at = now()`
        }
        const [row] = await tx`
          UPDATE users SET display_name = ${displayName}, bio = ${bio}, time_zone = ${timeZone},
            name = coalesce(${displayName}::text, account_name),
            avatar_sha256 = coalesce(${avatar?.sha256 ?? null}::text, avatar_sha256),
            avatar_url = coalesce(${avatar?.url ?? null}::text, avatar_url),
            updated_at = now()
          WHERE id = ${userId} RETURNING ${sql.unsafe(USER_COLUMNS)}`
        if (!row) throw new Error(`no user ${userId}`)
        return toUser(row as Parameters<typeof toUser>[0])
      })
    },

    async removeAvatar(userId) {
      return sql.begin(async (tx) => {
        await tx`DELETE FROM avatars WHERE user_id = ${userId}`
        const [row] = await tx`
          UPDATE users SET avatar_sha256 = NULL, avatar_url = account_avatar_url, updated_at = now()
          WHERE id = ${userId} RETURNING ${sql.unsafe(USER_COLUMNS)}`
        if (!row) throw new Error(`no user ${userId}`)
        return toUser(row as Parameters<typeof toUser>[0])
      })
    },

    async avatarOf(userId) {
      const [row] = await sql<{ sha256: string; bytes: Uint8Array }[]>`SELECT sha256, bytes FROM avatars WHERE user_id = ${userId}`
      return row && { sha256: row.sha256, bytes: new Uint8Array(row.bytes) }
    },
  }
}
