import type { Sql } from 'postgres'
import type { NotifyLevel, Room, RoomStore, RoomSummary, User } from '../ports.ts'

export interface RoomRow {
  id: bigint; slug: string; name: string; visibility: Room['visibility']; last_message_at: Date | null
  topic: string | null; archived_at: Date | null; created_by: bigint
}
interface UserRow { id: bigint; login: string; name: string | null; avatar_url: string | null; kind?: string }

export const ROOM_COLUMNS = 'r.id, r.slug, r.name, r.visibility, r.last_message_at, r.topic, r.archived_at, r.created_by'
export const toRoom = (r: RoomRow): Room => ({
  id: String(r.id), slug: r.slug, name: r.name, visibility: r.visibility, lastMessageAt: r.last_message_at,
  topic: r.topic, archivedAt: r.archived_at, createdBy: Number(r.created_by),
})
const toUser = (r: UserRow): User => ({
  id: Number(r.id), login: r.login, name: r.name, avatarUrl: r.avatar_url, ...(r.kind === 'bot' ? { kind: 'bot' as const } : {}),
})
const MAX_SLUG_TRIES = 50

export function postgresRooms(sql: Sql): RoomStore {
  return {
    async createRoom({ name, slug, visibility, createdBy }) {
      return sql.begin(async (tx) => {
        for (let n = 1; n <= MAX_SLUG_TRIES; n++) {
          const candidate = n === 1 ? slug : `${slug}-${n}`
          const [row] = await tx<RoomRow[]>`
            INSERT INTO rooms AS r (slug, name, visibility, created_by) VALUES (${candidate}, ${name}, ${visibility}, ${createdBy})
            ON CONFLICT (slug) DO NOTHING RETURNING ${tx.unsafe(ROOM_COLUMNS)}`
          if (row) {
            await tx`INSERT INTO room_members (room_id, user_id) VALUES (${String(row.id)}, ${createdBy})`
            return toRoom(row)
          }
        }
        // Fall back to a random suffix rather than fail a user's request.
        const [row] = await tx<RoomRow[]>`
          INSERT INTO rooms AS r (slug, name, visibility, created_by)
          VALUES (${`${slug}-${crypto.randomUUID().slice(0, 8)}`}, ${name}, ${visibility}, ${createdBy})
          RETURNING ${tx.unsafe(ROOM_COLUMNS)}`
        await tx`INSERT INTO room_members (room_id, user_id) VALUES (${String(row!.id)}, ${createdBy})`
        return toRoom(row!)
      })
    },

    async directRoom(a, b) {
      const [low, high] = a.id < b.id ? [a, b] : [b, a]
      const key = `${low.id}:${high.id}`
      return sql.begin(async (tx) => {
        const [created] = await tx<RoomRow[]>`
          INSERT INTO rooms AS r (slug, name, visibility, direct_key, created_by)
          VALUES (${`dm-${crypto.randomUUID().replaceAll('-', '').slice(0, 12)}`}, ${`${low.login}, ${high.login}`}, 'direct', ${key}, ${a.id})
          ON CONFLICT (direct_key) DO NOTHING RETURNING ${tx.unsafe(ROOM_COLUMNS)}`
        if (created) {
          await tx`INSERT INTO room_members (room_id, user_id) VALUES (${String(created.id)}, ${low.id}), (${String(created.id)}, ${high.id})`
          return toRoom(created)
        }
        const [row] = await tx<RoomRow[]>`SELECT ${tx.unsafe(ROOM_COLUMNS)} FROM rooms r WHERE direct_key = ${key}`
        return toRoom(row!)
      })
    },

    async findRoomBySlug(slug) {
      const [row] = await sql<RoomRow[]>`SELECT ${sql.unsafe(ROOM_COLUMNS)} FROM rooms r WHERE slug = ${slug}`
      return row && toRoom(row)
    },

    async findRoomById(id) {
      const [row] = await sql<RoomRow[]>`SELECT ${sql.unsafe(ROOM_COLUMNS)} FROM rooms r WHERE id = ${id}`
      return row && toRoom(row)
    },

    async isMember(roomId, userId) {
      const [row] = await sql`SELECT 1 FROM room_members WHERE room_id = ${roomId} AND user_id = ${userId}`
      return row !== undefined
    },

    async addMember(roomId, userId) {
      const result = await sql`INSERT INTO room_members (room_id, user_id) VALUES (${roomId}, ${userId}) ON CONFLICT DO NOTHING`
      return result.count === 1
    },

    async removeMember(roomId, userId) {
      await sql`DELETE FROM room_members WHERE room_id = ${roomId} AND user_id = ${userId}`
    },

    async listMembers(roomId) {
      const rows = await sql<(UserRow & { last_seen_at: Date | null })[]>`
        SELECT u.id, u.login, u.name, u.avatar_url, u.kind, u.last_seen_at FROM room_members m JOIN users u ON u.id = m.user_id
        WHERE m.room_id = ${roomId} ORDER BY lower(u.login)`
      return rows.map((r) => ({ ...toUser(r), lastSeenAt: r.last_seen_at }))
    },

    async roomsOf(userId) {
      const rows = await sql<(RoomRow & { peer_id: bigint | null; peer_login: string | null; peer_name: string | null; peer_avatar: string | null; level: NotifyLevel | null })[]>`
        SELECT ${sql.unsafe(ROOM_COLUMNS)}, p.id AS peer_id, p.login AS peer_login, p.name AS peer_name, p.avatar_url AS peer_avatar,
          (SELECT x.level FROM room_notification_levels x WHERE x.room_id = r.id AND x.user_id = ${userId}) AS level
        FROM room_members m JOIN rooms r ON r.id = m.room_id
        LEFT JOIN LATERAL (
          SELECT u.* FROM room_members o JOIN users u ON u.id = o.user_id
          WHERE r.visibility = 'direct' AND o.room_id = r.id AND o.user_id <> ${userId} LIMIT 1
        ) p ON true
        WHERE m.user_id = ${userId}
        ORDER BY coalesce(r.last_message_at, r.created_at) DESC, r.id DESC`
      return rows.map((r): RoomSummary => ({
        ...toRoom(r),
        ...(r.level !== null ? { level: r.level } : {}),
        ...(r.peer_id !== null ? { peer: toUser({ id: r.peer_id, login: r.peer_login!, name: r.peer_name, avatar_url: r.peer_avatar }) } : {}),
      }))
    },

    async publicRoomsToJoin(userId, limit) {
      const rows = await sql<RoomRow[]>`
        SELECT ${sql.unsafe(ROOM_COLUMNS)} FROM rooms r
        WHERE r.visibility = 'public'
          AND NOT EXISTS (SELECT 1 FROM room_members m WHERE m.room_id = r.id AND m.user_id = ${userId})
        ORDER BY coalesce(r.last_message_at, r.created_at) DESC, r.id DESC LIMIT ${limit}`
      return rows.map(toRoom)
    },

    async touchRooms(activity) {
      if (activity.length === 0) return []
      // A room whose row someone holds right now (a send appending to it) is not waited for, so a batch
      // never holds one room's row while it waits for another's: it is answered, to be touched next time.
      const busy = await sql<{ room_id: bigint }[]>`
        WITH t AS (SELECT * FROM unnest(${activity.map((a) => a.roomId)}::bigint[], ${activity.map((a) => a.at.toISOString())}::timestamptz[]) AS t(room_id, at)),
        free AS (SELECT id FROM rooms WHERE id IN (SELECT room_id FROM t) ORDER BY id FOR UPDATE SKIP LOCKED),
        touched AS (
          UPDATE rooms r SET last_message_at = greatest(r.last_message_at, t.at)
          FROM t JOIN free ON free.id = t.room_id
          WHERE r.id = t.room_id RETURNING r.id)
        SELECT t.room_id FROM t WHERE t.room_id NOT IN (SELECT id FROM free) AND EXISTS (SELECT 1 FROM rooms WHERE rooms.id = t.room_id)`
      return busy.map((r) => String(r.room_id))
    },

    async roomsWithAnyOf(roomIds, userIds) {
      if (roomIds.length === 0 || userIds.length === 0) return new Set()
      const rows = await sql<{ room_id: bigint }[]>`
        SELECT DISTINCT room_id FROM room_members WHERE room_id = ANY(${roomIds}::bigint[]) AND user_id = ANY(${userIds}::bigint[])`
      return new Set(rows.map((r) => String(r.room_id)))
    },

    async membersByLogin(roomId, logins) {
      if (logins.length === 0) return []
      const rows = await sql<UserRow[]>`
        SELECT u.id, u.login, u.name, u.avatar_url FROM room_members m JOIN users u ON u.id = m.user_id
        WHERE m.room_id = ${roomId} AND lower(u.login) IN ${sql(logins.map((l) => l.toLowerCase()))}`
      return rows.map(toUser)
    },
  }
}
