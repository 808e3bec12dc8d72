import type { Sql } from 'postgres'
import type { UploadStore } from '../ports.ts'

/** Who stored which files, in PostgreSQL (users live there whichever store holds messages). */
export function postgresUploads(sql: Sql): UploadStore {
  return {
    async recordUpload(userId, sha256, size) {
      await sql`INSERT INTO user_uploads (user_id, sha256, size) VALUES (${userId}, ${sha256}, ${size}) ON CONFLICT DO NOTHING`
    },
    async bytesUsed(userId) {
      const [row] = await sql<{ used: string }[]>`SELECT coalesce(sum(size), 0)::text AS used FROM user_uploads WHERE user_id = ${userId}`
      return Number(row!.used)
    },
  }
}
