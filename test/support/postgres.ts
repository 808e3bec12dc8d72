import postgres from 'postgres'

/** The server the integration tests use; each run makes its own database there and drops it after. */
export const ADMIN_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

export interface TestDatabase {
  readonly url: string
  readonly name: string
  recreate(): Promise<void>
  drop(): Promise<void>
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const admin = postgres(ADMIN_URL, { max: 1, onnotice: () => {}, connect_timeout: 5 })
  const name = `rtc_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`
  try {
    await admin.unsafe(`CREATE DATABASE ${name}`)
  } catch (err) {
    await admin.end()
    throw new Error(`PostgreSQL is needed for this suite and is not reachable at ${ADMIN_URL} (${(err as Error).message}). ` +
      'Start it with: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start')
  }
  const url = new URL(ADMIN_URL)
  url.pathname = `/${name}`
  return {
    url: url.href,
    name,
    /** Drops the database and makes it again, empty: a lost server, as far as the app can tell. */
    async recreate() {
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await admin.unsafe(`CREATE DATABASE ${name}`)
    },
    async drop() {
      await admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await admin.end()
    },
  }
}
