import type { Sql } from 'postgres'
import { migrations as allMigrations, type Migration } from './migrations.ts'

/** Any fixed number: every instance takes the same advisory lock. */
const MIGRATION_LOCK = 7_271_806_001

/**
 * Applies pending migrations in one transaction under an advisory lock, so
 * instances starting together apply each version exactly once. Returns the
 * versions this call applied.
 */
export async function migrate(sql: Sql, migrations: readonly Migration[] = allMigrations): Promise<number[]> {
  return sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`
    await tx`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`
    const done = new Set((await tx<{ version: number }[]>`SELECT version FROM schema_migrations`).map((r) => r.version))
    const applied: number[] = []
    for (const m of migrations) {
      if (done.has(m.version)) continue
      await tx.unsafe(m.sql)
      await tx`INSERT INTO schema_migrations (version, name) VALUES (${m.version}, ${m.name})`
      applied.push(m.version)
    }
    return applied
  })
}
