import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openDatabase, type Database } from '../../src/store/postgres/connect.ts'
import { migrate } from '../../src/store/postgres/migrate.ts'
import { createTestDatabase } from './postgres.ts'

export interface OpenedDatabase {
  db: Database
  /** A URL another client can connect to (real PostgreSQL only). */
  url: string | undefined
  cleanup(): Promise<void>
}

/** Each backend the Postgres adapters run on: the real server on this machine, and embedded PGlite. */
export const databaseBackends: [string, (opts?: { migrated?: boolean }) => Promise<OpenedDatabase>][] = [
  ['postgres', async ({ migrated = true } = {}) => {
    const test = await createTestDatabase()
    const db = await openDatabase({ url: test.url, dataDir: '' })
    if (migrated) await migrate(db.sql)
    return { db, url: test.url, cleanup: async () => { await db.close(); await test.drop() } }
  }],
  ['pglite', async ({ migrated = true } = {}) => {
    const dir = await mkdtemp(join(tmpdir(), 'rtc-pglite-'))
    const db = await openDatabase({ dataDir: dir })
    if (migrated) await migrate(db.sql)
    return { db, url: undefined, cleanup: async () => { await db.close(); await rm(dir, { recursive: true, force: true }) } }
  }],
]
