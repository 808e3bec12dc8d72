import { execFile } from 'node:child_process'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import cassandra from 'cassandra-driver'
import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { cassandraMessages } from '../src/store/cassandra/messages.ts'
import { CASSANDRA_CONTACT_POINTS } from './support/cassandra.ts'
import { signIn, startChatServer } from './support/chat.ts'
import { createTestDatabase, type TestDatabase } from './support/postgres.ts'

const run = promisify(execFile)

let database: TestDatabase
let backups: string
const keyspace = `rtc_backup_${process.pid}_${Math.random().toString(36).slice(2, 8)}`
const env = () => ({ DATABASE_URL: database.url, CASSANDRA_CONTACT_POINTS: CASSANDRA_CONTACT_POINTS.join(','), CASSANDRA_KEYSPACE: keyspace, RATE_LIMITS: 'off' })
const direct = new cassandra.Client({ contactPoints: CASSANDRA_CONTACT_POINTS, localDataCenter: 'datacenter1' })

beforeAll(async () => {
  database = await createTestDatabase()
  backups = await mkdtemp(join(tmpdir(), 'rtc-backups-'))
  await direct.connect()
})
afterAll(async () => {
  await direct.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`).catch(() => {})
  await direct.shutdown()
  await database?.drop()
  await rm(backups, { recursive: true, force: true })
})

/** Everything a person would miss: users, rooms, members, and every room's messages as stored. */
async function snapshot() {
  const sql = postgres(database.url, { max: 1, onnotice: () => {} })
  try {
    const users = await sql`SELECT id, login, name FROM users ORDER BY id`
    const rooms = await sql`SELECT id::text, slug, name, visibility FROM rooms ORDER BY id`
    const members = await sql`SELECT room_id::text, user_id FROM room_members ORDER BY room_id, user_id`
    const client = new cassandra.Client({ contactPoints: CASSANDRA_CONTACT_POINTS, localDataCenter: 'datacenter1', keyspace })
    await client.connect()
    const store = cassandraMessages(client)
    const messages = Object.fromEntries(await Promise.all(rooms.map(async (r) => [r.slug, await store.pageBefore(r.id, undefined, 1000)] as const)))
    await client.shutdown()
    return { users: [...users], rooms: [...rooms], members: [...members], messages }
  } finally {
    await sql.end()
  }
}

describe('backups', () => {
  it('restores every message, room, member and user after everything was dropped, and the chat goes on from there', async () => {
    let server = await startChatServer(env())
    const ana = await signIn(server.url, 'ana')
    const ben = await signIn(server.url, 'ben')
    const cy = await signIn(server.url, 'cy')
    await cy.form('/logout', {})
    const general = await ana.createRoom('General')
    const secret = await ana.createRoom('Secret', 'private')
    await ana.form(`/rooms/${secret}/members`, { login: 'ben' })
    await ben.form(`/rooms/${general}/join`, {})
    const ids: string[] = []
    for (let i = 0; i < 12; i++) ids.push((await (i % 2 ? ben : ana).post(general, `general ${i}`)).id!)
    await ana.form(`/rooms/${general}/messages/${ids[2]}`, { body: 'general 2, edited' }, true)
    await ana.form(`/rooms/${general}/messages/${ids[4]}/delete`, {}, true)
    for (let i = 0; i < 3; i++) await ben.post(secret, `secret ${i}`)
    await server.close()
    const before = await snapshot()
    expect(before.users.map((u) => u.login)).toEqual(expect.arrayContaining(['ana', 'ben', 'cy']))
    expect(before.messages[general]).toHaveLength(12)
    expect(before.messages[secret]).toHaveLength(3)

    const backup = await run('bash', ['deploy/backup.sh', backups], { env: { ...process.env, ...env(), BACKUP_KEEP: '2' } })
    expect(backup.stdout).toMatch(/wrote .*rtc-\d{8}T\d{6}Z\.tar\.gz/)
    const [archive] = await readdir(backups)

    await database.recreate()
    await direct.execute(`DROP KEYSPACE ${keyspace}`)
    const restored = await run('bash', ['deploy/restore.sh', join(backups, archive!)], { env: { ...process.env, ...env() } })
    expect(restored.stdout).toContain('cassandra-import')
    expect(await snapshot()).toEqual(before)

    server = await startChatServer(env())
    try {
      const again = await signIn(server.url, 'ana')
      const page = await (await again.send(`/rooms/${general}`)).text()
      expect(page).toContain('general 2, edited')
      expect(page).toContain('general 11')
      // The log's head came back too: the next send takes the next position, not an old one.
      const next = await again.post(general, 'after the restore')
      expect(BigInt(next.id!)).toBeGreaterThan(BigInt(ids.at(-1)!))
    } finally {
      await server.close()
    }
  })

  it('keeps only the newest BACKUP_KEEP archives', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rtc-keep-'))
    try {
      for (let i = 0; i < 3; i++) {
        await run('bash', ['deploy/backup.sh', dir], { env: { ...process.env, DATABASE_URL: database.url, BACKUP_KEEP: '2' } })
        await new Promise((r) => setTimeout(r, 1100))
      }
      expect((await readdir(dir)).filter((f) => f.endsWith('.tar.gz'))).toHaveLength(2)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
