import type { Sql } from 'postgres'
import type { AuditEntry, ModerationStore, RoomListing, UserListing } from '../ports.ts'
import { ROOM_COLUMNS, toRoom, type RoomRow } from './rooms.ts'
import { toUser } from './users.ts'

interface AuditRow { id: bigint; at: Date; actor_id: bigint; actor_login: string; action: string; target: string; detail: string | null }

export function postgresModeration(sql: Sql): ModerationStore {
  return {
    async setBanned(userId, at) {
      await sql`UPDATE users SET banned_at = ${at} WHERE id = ${userId}`
    },

    async isBanned(userId) {
      const [row] = await sql`SELECT 1 FROM users WHERE id = ${userId} AND banned_at IS NOT NULL`
      return row !== undefined
    },

    async listUsers(limit) {
      const rows = await sql<{ id: bigint; login: string; name: string | null; avatar_url: string | null; kind: string; banned_at: Date | null; created_at: Date; last_seen_at: Date | null }[]>`
        SELECT id, login, name, avatar_url, kind, banned_at, created_at, last_seen_at FROM users
        ORDER BY created_at DESC, id LIMIT ${limit}`
      return rows.map((r): UserListing => ({ ...toUser(r), bannedAt: r.banned_at, createdAt: r.created_at, lastSeenAt: r.last_seen_at }))
    },

    async listRooms(limit) {
      const rows = await sql<(RoomRow & { members: bigint; creator: string | null })[]>`
        SELECT ${sql.unsafe(ROOM_COLUMNS)}, (SELECT count(*) FROM room_members m WHERE m.room_id = r.id) AS members, u.login AS creator
        FROM rooms r LEFT JOIN users u ON u.id = r.created_by WHERE r.visibility <> 'direct'
        ORDER BY coalesce(r.last_message_at, r.created_at) DESC, r.id DESC LIMIT ${limit}`
      return rows.map((r): RoomListing => ({ ...toRoom(r), members: Number(r.members), createdByLogin: r.creator }))
    },

    async renameRoom(roomId, name) {
      await sql`UPDATE rooms SET name = ${name} WHERE id = ${roomId}`
    },

    async setTopic(roomId, topic) {
      await sql`UPDATE rooms SET topic = ${topic} WHERE id = ${roomId}`
    },

    async setArchived(roomId, at) {
      await sql`UPDATE rooms SET archived_at = ${at} WHERE id = ${roomId}`
    },

    async deleteRoom(roomId) {
      await sql`DELETE FROM rooms WHERE id = ${roomId}`
    },

    async record({ actor, action, target, detail = null }) {
      await sql`INSERT INTO audit_log (actor_id, actor_login, action, target, detail) VALUES (${actor.id}, ${actor.login}, ${action}, ${target}, ${detail})`
    },

    async auditPage(before, limit) {
      const rows = await sql<AuditRow[]>`
        SELECT id, at, actor_id, actor_login, action, target, detail FROM audit_log
        WHERE ${before === undefined ? sql`true` : sql`id < ${before}`} ORDER BY id DESC LIMIT ${limit}`
      return rows.map((r): AuditEntry => ({
        id: String(r.id), at: r.at, actorId: Number(r.actor_id), actorLogin: r.actor_login, action: r.action, target: r.target, detail: r.detail,
      }))
    },

    async pinAdminLogins(logins) {
      if (logins.length === 0) return
      await sql`
        INSERT INTO admin_login_pins (login, user_id)
        SELECT lower(login), id FROM users WHERE lower(login) = ANY(${logins as string[]}::text[]) AND id > 0 AND kind = 'person'
        ON CONFLICT (login) DO NOTHING`
    },

    async adminLoginPin(login) {
      const [row] = await sql<{ user_id: bigint }[]>`SELECT user_id FROM admin_login_pins WHERE login = ${login}`
      return row && Number(row.user_id)
    },

    async adminLoginHolder(login, userId) {
      await sql`INSERT INTO admin_login_pins (login, user_id) VALUES (${login}, ${userId}) ON CONFLICT (login) DO NOTHING`
      const [row] = await sql<{ user_id: bigint }[]>`SELECT user_id FROM admin_login_pins WHERE login = ${login}`
      return Number(row!.user_id)
    },
  }
}
