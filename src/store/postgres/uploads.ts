import type { Sql } from 'postgres'
import type { UploadStore } from '../ports.ts'

/** Who stored which files, in PostgreSQL (users live there whichever store holds messages). */
export function postgresUploads(sql: Sql): UploadStore {
  return {
    recordUploads(userId, files, quotaBytes) {
      return sql.begin(async (tx) => {
        // The user's row, locked: their uploads are recorded one send at a time, on every instance.
        await tx`SELECT id FROM users WHERE id = ${userId} FOR UPDATE`
        const [row] = await tx<{ used: string }[]>`SELECT coalesce(sum(size), 0)::text AS used FROM user_uploads WHERE user_id = ${userId}`
        const used = Number(row!.used)
        const known = new Set((await tx<{ sha256: string }[]>`SELECT sha256 FROM user_uploads WHERE user_id = ${userId} AND sha256 = ANY(${files.map((f) => f.sha256)})`).map((r) => r.sha256))
        const fresh = [...new Map(files.filter((f) => !known.has(f.sha256)).map((f) => [f.sha256, f.size])).entries()]
        if (used + fresh.reduce((sum, [, size]) => sum + size, 0) > quotaBytes) return { ok: false as const, used }
        for (const [sha256, size] of fresh) await tx`INSERT INTO user_uploads (user_id, sha256, size) VALUES (${userId}, ${sha256}, ${size}) ON CONFLICT DO NOTHING`
        return { ok: true as const }
      })
    },
    async bytesUsed(userId) {
      const [row] = await sql<{ used: string }[]>`SELECT coalesce(sum(size), 0)::text AS used FROM user_uploads WHERE user_id = ${userId}`
      return Number(row!.used)
    },
    async releaseUploads(userId, sha256s) {
      if (sha256s.length) await sql`DELETE FROM user_uploads WHERE user_id = ${userId} AND sha256 = ANY(${[...sha256s]})`
    },
  }
}
