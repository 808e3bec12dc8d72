import { describe, expect, it } from 'vitest'
import type { UploadStore } from '../src/store/ports.ts'
import { migrate } from '../src/store/postgres/migrate.ts'
import { migrations } from '../src/store/postgres/migrations.ts'
import { postgresRooms } from '../src/store/postgres/rooms.ts'
import { postgresUploads } from '../src/store/postgres/uploads.ts'
import { postgresUsers } from '../src/store/postgres/users.ts'
import { uploadStoreContract } from './contract/uploadStore.ts'
import { databaseBackends } from './support/databases.ts'

for (const [name, open] of databaseBackends) {
  uploadStoreContract(name, async () => {
    const opened = await open()
    const { sql } = opened.db
    const users = postgresUsers(sql)
    const rooms = postgresRooms(sql)
    const owner = await users.upsertLocalUser('uploads-owner')
    let n = 0
    return {
      store: postgresUploads(sql),
      newUser: async () => (await users.upsertLocalUser(`uploader${++n}`)).id,
      newRoom: async () => (await rooms.createRoom({ name: `Room ${++n}`, slug: `room-${n}`, visibility: 'public', createdBy: owner.id })).id,
      deleteRoom: async (roomId) => { await sql`DELETE FROM rooms WHERE id = ${roomId}` },
      // PGlite is one connection: whatever runs next waits its turn anyway.
      whileBlocked: opened.url === undefined ? undefined : async (during) => {
        for (let i = 0; i < 500; i++) {
          const [row] = await sql<{ n: number }[]>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`
          if (row!.n > 0) break
          await new Promise((resolve) => setTimeout(resolve, 10))
        }
        await during()
      },
      cleanup: () => opened.cleanup(),
    }
  })
}

for (const [name, open] of databaseBackends) {
  describe(`migration 26 on ${name}`, () => {
    const attachment = (seed: number, size: number) => ({ sha256: String(seed).repeat(64).slice(0, 64), name: `${seed}.bin`, type: 'application/octet-stream', size, preview: false })
    const swept = async (store: UploadStore) => {
      const removed: string[] = []
      await store.removeUnreferenced({ unreferencedBefore: new Date(Date.now() + 60_000), limit: 100 }, async (sha256) => { removed.push(sha256) })
      return removed.sort()
    }
    const before26 = async () => {
      const opened = await open({ migrated: false })
      await migrate(opened.db.sql, migrations.filter((m) => m.version < 26))
      // The user as the table stood then (today's user store writes columns of later versions).
      const [ann] = await opened.db.sql<{ id: number }[]>`INSERT INTO users (id, login, name) VALUES (-1, 'ann', 'ann') RETURNING id`
      const room = await postgresRooms(opened.db.sql).createRoom({ name: 'Old', slug: 'old', visibility: 'public', createdBy: Number(ann!.id) })
      return { opened, sql: opened.db.sql, ann: Number(ann!.id), room: room.id }
    }

    it('reads the references of messages held here, and lets go of files no live message carries', async () => {
      const { opened, sql, ann, room } = await before26()
      try {
        const [live, deleted, refused] = [attachment(1, 100), attachment(2, 200), attachment(3, 400)]
        // Written as the table stood before version 26 (the message store of today writes later columns too).
        const insert = (id: string, nonce: string, files: ReturnType<typeof attachment>[], deletedAt: Date | null = null) => sql`
          INSERT INTO messages (room_id, id, author_id, author_login, author_name, nonce, body, created_at, rev, attachments, deleted_at)
          VALUES (${room}, ${id}, ${ann}, 'ann', 'ann', ${nonce}, '', now(), ${id}, ${sql.json(files as never)}, ${deletedAt})`
        await insert('1000', 'kept', [live])
        await insert('2000', 'gone', [deleted, live], new Date())
        // The old code forgot a deleted message's files, and kept a refused send's.
        for (const a of [live, refused]) await sql`INSERT INTO user_uploads (user_id, sha256, size) VALUES (${ann}, ${a.sha256}, ${a.size})`
        await migrate(sql)
        const store = postgresUploads(sql)
        expect(await store.bytesUsed(ann)).toBe(100)
        expect(await swept(store)).toEqual([refused.sha256])
        await store.releaseUploads(ann, 'kept', [live.sha256])
        expect(await store.bytesUsed(ann)).toBe(0)
        expect(await swept(store)).toEqual([live.sha256])
      } finally {
        await opened.cleanup()
      }
    })

    it('with messages elsewhere (Cassandra), counts every recorded file until a message carrying it is deleted, and keeps it on disk', async () => {
      const { opened, sql, ann } = await before26()
      try {
        const old = attachment(4, 300)
        await sql`INSERT INTO user_uploads (user_id, sha256, size) VALUES (${ann}, ${old.sha256}, ${old.size})`
        await migrate(sql)
        const store = postgresUploads(sql)
        expect(await store.bytesUsed(ann)).toBe(300)
        await store.releaseUploads(ann, 'any-old-nonce', [old.sha256])
        expect(await store.bytesUsed(ann)).toBe(0)
        expect(await swept(store)).toEqual([])
      } finally {
        await opened.cleanup()
      }
    })
  })
}
