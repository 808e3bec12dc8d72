import { postgresMessages } from '../src/store/postgres/messages.ts'
import { postgresRooms } from '../src/store/postgres/rooms.ts'
import { postgresUsers } from '../src/store/postgres/users.ts'
import { messageSearchContract } from './contract/messageSearch.ts'
import { messageStoreContract } from './contract/messageStore.ts'
import { postgresSearch } from '../src/store/postgres/search.ts'
import { databaseBackends } from './support/databases.ts'

for (const [name, open] of databaseBackends) {
  messageStoreContract(name, async () => {
    const opened = await open()
    const users = postgresUsers(opened.db.sql)
    const rooms = postgresRooms(opened.db.sql)
    const owner = await users.upsertLocalUser('contract-owner')
    let n = 0
    return {
      store: postgresMessages(opened.db.sql),
      newRoom: async () => (await rooms.createRoom({ name: `Room ${++n}`, slug: `room-${n}`, visibility: 'public', createdBy: owner.id })).id,
      newAuthor: async () => (await users.upsertLocalUser(`author${++n}`)).id,
      cleanup: () => opened.cleanup(),
    }
  })
}

for (const [name, open] of databaseBackends) {
  messageSearchContract(name, async () => {
    const opened = await open()
    const users = postgresUsers(opened.db.sql)
    const rooms = postgresRooms(opened.db.sql)
    const owner = await users.upsertLocalUser('search-owner')
    let n = 0
    return {
      store: postgresMessages(opened.db.sql),
      search: postgresSearch(opened.db.sql),
      newRoom: async () => (await rooms.createRoom({ name: `Room ${++n}`, slug: `room-${n}`, visibility: 'public', createdBy: owner.id })).id,
      newAuthor: async () => (await users.upsertLocalUser(`author${++n}`)).id,
      cleanup: () => opened.cleanup(),
    }
  })
}
