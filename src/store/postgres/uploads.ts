import type { Sql, TransactionSql } from 'postgres'
import type { UploadedFile, UploadStore } from '../ports.ts'

/** How long a send holds its files when it never says what became of it (its instance died mid-send). */
const HOLD = "interval '15 minutes'"

/**
 * A user_uploads row `u` that counts: a message of its user carries the file (in a room that still exists), or a
 * send still holds it. Refs name their room without a foreign key, so recording one never waits on a room's row,
 * which every send to the room locks; the sweep forgets the refs of deleted rooms.
 */
const LIVE = `(EXISTS (SELECT 1 FROM upload_refs r WHERE r.user_id = u.user_id AND r.sha256 = u.sha256
    AND (r.room_id IS NULL OR EXISTS (SELECT 1 FROM rooms WHERE rooms.id = r.room_id)))
  OR (u.pending > 0 AND u.pending_since > now() - ${HOLD}))`

const distinct = (files: readonly UploadedFile[]) => [...new Map(files.map((f) => [f.sha256, f.size])).entries()].sort(([a], [b]) => (a < b ? -1 : 1))

/**
 * Who stored which files, in PostgreSQL (users live there whichever store holds messages). Every change to a
 * user's files locks their user row first, then the files' rows in hash order, so writers never deadlock; the
 * file row's lock is what a removal and a send reusing the hash meet on.
 */
export function postgresUploads(sql: Sql): UploadStore {
  // NO KEY UPDATE: one user's upload changes wait for each other, while messages (whose author key refers to the
  // row) are written alongside.
  const lockUser = (tx: TransactionSql, userId: number) => tx`SELECT id FROM users WHERE id = ${userId} FOR NO KEY UPDATE`
  /** The file, recorded and no longer on its way out (waits for a removal that has it locked). */
  const protect = (tx: TransactionSql, sha256: string) =>
    tx`INSERT INTO upload_files (sha256) VALUES (${sha256}) ON CONFLICT (sha256) DO UPDATE SET unreferenced_since = NULL`
  /** The user's rows of these files that no longer count go, and files nobody's rows count for start their grace period. */
  const settle = async (tx: TransactionSql, userId: number, sha256s: readonly string[]) => {
    const gone = await tx<{ sha256: string }[]>`
      DELETE FROM user_uploads u WHERE user_id = ${userId} AND sha256 = ANY(${[...sha256s]}) AND NOT ${tx.unsafe(LIVE)} RETURNING sha256`
    if (gone.length) await markUnreferenced(tx, gone.map((r) => r.sha256).sort())
  }
  const markUnreferenced = async (tx: TransactionSql, sha256s: readonly string[]) => {
    await tx`SELECT 1 FROM upload_files WHERE sha256 = ANY(${[...sha256s]}) ORDER BY sha256 FOR UPDATE`
    await tx`
      UPDATE upload_files f SET unreferenced_since = now()
      WHERE sha256 = ANY(${[...sha256s]}) AND unreferenced_since IS NULL
        AND NOT EXISTS (SELECT 1 FROM user_uploads u WHERE u.sha256 = f.sha256 AND ${tx.unsafe(LIVE)})`
  }
  /** Removes one file unless someone holds or references it, in a transaction holding its row; true when removed. */
  const removeOne = (sha256: string, unreferencedBefore: Date | undefined, remove: (sha256: string) => Promise<void>) =>
    sql.begin(async (tx) => {
      if (!unreferencedBefore) await tx`INSERT INTO upload_files (sha256, unreferenced_since) VALUES (${sha256}, now()) ON CONFLICT DO NOTHING`
      const [file] = await tx<{ kept: boolean }[]>`
        SELECT kept FROM upload_files WHERE sha256 = ${sha256}
          ${unreferencedBefore ? tx`AND unreferenced_since < ${unreferencedBefore}` : tx``}
        FOR UPDATE SKIP LOCKED`
      if (!file || file.kept) return false
      const [used] = await tx`SELECT 1 FROM user_uploads u WHERE sha256 = ${sha256} AND ${tx.unsafe(LIVE)} LIMIT 1`
      if (used) {
        await tx`UPDATE upload_files SET unreferenced_since = NULL WHERE sha256 = ${sha256}`
        return false
      }
      // Within the lock: a send reusing the hash waits here, then finds no file and writes it again.
      await remove(sha256)
      await tx`DELETE FROM upload_files WHERE sha256 = ${sha256}`
      return true
    })

  return {
    recordUploads(userId, files, quotaBytes) {
      return sql.begin(async (tx) => {
        // The user's row, locked: their uploads are recorded one send at a time, on every instance.
        await lockUser(tx, userId)
        const [row] = await tx<{ used: string }[]>`SELECT coalesce(sum(size), 0)::text AS used FROM user_uploads u WHERE user_id = ${userId} AND ${tx.unsafe(LIVE)}`
        const used = Number(row!.used)
        const all = distinct(files)
        const known = new Set((await tx<{ sha256: string }[]>`
          SELECT sha256 FROM user_uploads u WHERE user_id = ${userId} AND sha256 = ANY(${all.map(([sha256]) => sha256)}) AND ${tx.unsafe(LIVE)}`).map((r) => r.sha256))
        const fresh = all.filter(([sha256]) => !known.has(sha256)).reduce((sum, [, size]) => sum + size, 0)
        if (used + fresh > quotaBytes) return { ok: false as const, used }
        for (const [sha256, size] of all) {
          await protect(tx, sha256)
          // A hold left by a send that never finished (past HOLD) is forgotten, not added to.
          await tx`
            INSERT INTO user_uploads AS u (user_id, sha256, size, pending, pending_since) VALUES (${userId}, ${sha256}, ${size}, 1, now())
            ON CONFLICT (user_id, sha256) DO UPDATE
              SET pending = CASE WHEN u.pending_since > now() - ${tx.unsafe(HOLD)} THEN u.pending ELSE 0 END + 1, pending_since = now()`
        }
        return { ok: true as const }
      })
    },

    async keepUploads(userId, { roomId, nonce }, files) {
      if (!files.length) return
      await sql.begin(async (tx) => {
        await lockUser(tx, userId)
        for (const [sha256, size] of distinct(files)) {
          await protect(tx, sha256)
          await tx`
            INSERT INTO user_uploads AS u (user_id, sha256, size) VALUES (${userId}, ${sha256}, ${size})
            ON CONFLICT (user_id, sha256) DO UPDATE SET pending = greatest(u.pending - 1, 0)`
          await tx`INSERT INTO upload_refs (user_id, sha256, nonce, room_id) VALUES (${userId}, ${sha256}, ${nonce}, ${roomId}) ON CONFLICT DO NOTHING`
        }
      })
    },

    async dropUploads(userId, files) {
      if (!files.length) return
      await sql.begin(async (tx) => {
        await lockUser(tx, userId)
        const sha256s = distinct(files).map(([sha256]) => sha256)
        await tx`UPDATE user_uploads SET pending = greatest(pending - 1, 0) WHERE user_id = ${userId} AND sha256 = ANY(${sha256s})`
        await settle(tx, userId, sha256s)
      })
    },

    async bytesUsed(userId) {
      const [row] = await sql<{ used: string }[]>`SELECT coalesce(sum(size), 0)::text AS used FROM user_uploads u WHERE user_id = ${userId} AND ${sql.unsafe(LIVE)}`
      return Number(row!.used)
    },

    async releaseUploads(userId, nonce, sha256s) {
      if (!sha256s.length) return
      await sql.begin(async (tx) => {
        await lockUser(tx, userId)
        const sorted = [...new Set(sha256s)].sort()
        // '' is a message sent before references were kept (see migration 26): any of its author's deletions releases it.
        await tx`DELETE FROM upload_refs WHERE user_id = ${userId} AND sha256 = ANY(${sorted}) AND nonce IN (${nonce}, '')`
        await settle(tx, userId, sorted)
      })
    },

    async removeUnreferenced(which, remove) {
      if ('sha256s' in which) {
        let removed = 0
        for (const sha256 of new Set(which.sha256s)) if (await removeOne(sha256, undefined, remove)) removed++
        return removed
      }
      // Rows that stopped counting without a release (a room deleted with its messages, a send that never
      // finished) go first, and files nobody's rows count for start their grace period. Rows someone has locked
      // are skipped (they are being written, or the next sweep takes them), so a sweep never waits on a send.
      await sql`DELETE FROM upload_refs r WHERE room_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM rooms WHERE rooms.id = r.room_id)`
      await sql`
        DELETE FROM user_uploads WHERE (user_id, sha256) IN (
          SELECT user_id, sha256 FROM user_uploads u WHERE NOT ${sql.unsafe(LIVE)} FOR UPDATE SKIP LOCKED)`
      await sql`
        UPDATE upload_files SET unreferenced_since = now() WHERE sha256 IN (
          SELECT sha256 FROM upload_files f WHERE unreferenced_since IS NULL
            AND NOT EXISTS (SELECT 1 FROM user_uploads u WHERE u.sha256 = f.sha256 AND ${sql.unsafe(LIVE)})
          FOR UPDATE SKIP LOCKED)`
      const due = await sql<{ sha256: string }[]>`
        SELECT sha256 FROM upload_files WHERE unreferenced_since < ${which.unreferencedBefore} AND NOT kept
        ORDER BY unreferenced_since LIMIT ${which.limit}`
      let removed = 0
      for (const { sha256 } of due) if (await removeOne(sha256, which.unreferencedBefore, remove)) removed++
      return removed
    },
  }
}
