import type { Sql } from 'postgres'
import type { Invite, InviteStore } from '../ports.ts'

interface InviteRow {
  id: bigint; token_prefix: string; room_id: bigint | null; slug: string | null; name: string | null; visibility: 'public' | 'private' | 'direct' | null
  room_created_by: bigint | null; created_by: bigint; creator: string | null; created_at: Date; expires_at: Date | null
  max_uses: number | null; uses: number; revoked_at: Date | null
}

const COLUMNS = `i.id, i.token_prefix, i.room_id, r.slug, r.name, r.visibility, r.created_by AS room_created_by, i.created_by,
  u.login AS creator, i.created_at, i.expires_at, i.max_uses, i.uses, i.revoked_at`
const FROM = 'invites i LEFT JOIN rooms r ON r.id = i.room_id LEFT JOIN users u ON u.id = i.created_by'

const toInvite = (r: InviteRow): Invite => ({
  id: String(r.id),
  tokenPrefix: r.token_prefix,
  room: r.room_id === null ? null : { id: String(r.room_id), slug: r.slug!, name: r.name!, visibility: r.visibility!, createdBy: Number(r.room_created_by) },
  createdBy: Number(r.created_by),
  createdByLogin: r.creator,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  maxUses: r.max_uses,
  uses: r.uses,
  revokedAt: r.revoked_at,
})

const isId = (id: string) => /^\d{1,18}$/.test(id)

/** Invite links in PostgreSQL or PGlite. */
export function postgresInvites(sql: Sql): InviteStore {
  const byId = async (id: string) => {
    const [row] = await sql<InviteRow[]>`SELECT ${sql.unsafe(COLUMNS)} FROM ${sql.unsafe(FROM)} WHERE i.id = ${id}`
    return row && toInvite(row)
  }
  return {
    async createInvite({ tokenHash, tokenPrefix, roomId, createdBy, expiresAt, maxUses }) {
      const [row] = await sql<{ id: bigint }[]>`
        INSERT INTO invites (token_hash, token_prefix, room_id, created_by, expires_at, max_uses)
        VALUES (${tokenHash}, ${tokenPrefix}, ${roomId}, ${createdBy}, ${expiresAt}, ${maxUses}) RETURNING id`
      return (await byId(String(row!.id)))!
    },

    async findInviteByTokenHash(tokenHash) {
      const [row] = await sql<InviteRow[]>`SELECT ${sql.unsafe(COLUMNS)} FROM ${sql.unsafe(FROM)} WHERE i.token_hash = ${tokenHash}`
      return row && toInvite(row)
    },

    findInvite: async (id) => (isId(id) ? byId(id) : undefined),

    async claimInviteUse(id, now) {
      // One statement: a racer for the last use waits on the row, then finds the condition false.
      const rows = await sql`
        UPDATE invites SET uses = uses + 1
        WHERE id = ${id} AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ${now})
          AND (max_uses IS NULL OR uses < max_uses)
        RETURNING 1`
      return rows.length === 1
    },

    async releaseInviteUse(id) {
      await sql`UPDATE invites SET uses = uses - 1 WHERE id = ${id} AND uses > 0`
    },

    async revokeInvite(id, at) {
      if (!isId(id)) return false
      const rows = await sql`UPDATE invites SET revoked_at = ${at} WHERE id = ${id} AND revoked_at IS NULL RETURNING 1`
      return rows.length === 1
    },

    async activeInvites(now, { roomId, limit }) {
      const rows = await sql<InviteRow[]>`
        SELECT ${sql.unsafe(COLUMNS)} FROM ${sql.unsafe(FROM)}
        WHERE i.revoked_at IS NULL AND (i.expires_at IS NULL OR i.expires_at > ${now}) AND (i.max_uses IS NULL OR i.uses < i.max_uses)
          AND ${roomId === undefined ? sql`true` : sql`i.room_id = ${roomId}`}
        ORDER BY i.created_at DESC, i.id DESC LIMIT ${limit}`
      return rows.map(toInvite)
    },
  }
}
