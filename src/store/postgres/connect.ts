import { mkdir } from 'node:fs/promises'
import { resolve } from 'node:path'
import postgres, { type Sql } from 'postgres'

export interface Database {
  readonly sql: Sql
  /** What serves this role, for the start-up log and `/readyz`. */
  readonly backend: 'postgres' | 'pglite'
  close(): Promise<void>
}

export interface OpenDatabaseOptions {
  /** A postgres:// URL; without one, an embedded PGlite under `dataDir`. */
  url?: string | undefined
  dataDir: string
  /** Pool size for a real server. */
  max?: number
}

function connect(url: string, max: number): Sql {
  return postgres(url, {
    max,
    onnotice: () => {},
    connect_timeout: 10,
    idle_timeout: 60,
    types: { bigint: postgres.BigInt },
    connection: { application_name: 'rtc' },
  })
}

/**
 * Opens the users/sessions/rooms database. The embedded PGlite is served on a
 * loopback port through pglite-socket, so the same postgres.js code runs on
 * both; it is one connection at heart, so the pool holds one.
 */
export async function openDatabase({ url, dataDir, max = 10 }: OpenDatabaseOptions): Promise<Database> {
  if (url) {
    const sql = connect(url, max)
    return { sql, backend: 'postgres', close: () => sql.end({ timeout: 5 }) }
  }
  const [{ PGlite }, { PGLiteSocketServer }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('@electric-sql/pglite-socket'),
  ])
  const dir = resolve(dataDir, 'pglite')
  await mkdir(dir, { recursive: true })
  const db = await PGlite.create({ dataDir: dir })
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0 })
  await server.start()
  const sql = connect(`postgres://postgres@${server.getServerConn()}/postgres`, 1)
  return {
    sql,
    backend: 'pglite',
    async close() {
      await sql.end({ timeout: 5 })
      await server.stop()
      await db.close()
    },
  }
}
