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
