import { ConfigError, loadConfig } from '../config.ts'
import { ImportRefused } from '../import/archive.ts'
import { importFiles } from '../import/files.ts'
import type { SlackImportDeps, SlackImportOptions } from '../import/importer.ts'
import { progressLine, type ImportProgress } from '../import/progress.ts'
import { createLogger } from '../log.ts'
import { idMaker } from '../messages/ids.ts'
import { cachedStores } from '../store/cached.ts'
import { connectCassandra } from '../store/cassandra/connect.ts'
import { cassandraMessages } from '../store/cassandra/messages.ts'
import { openDatabase } from '../store/postgres/connect.ts'
import { migrate } from '../store/postgres/migrate.ts'
import { postgresMessages } from '../store/postgres/messages.ts'
import { postgresModeration } from '../store/postgres/moderation.ts'
import { postgresReadState } from '../store/postgres/readState.ts'
import { postgresRooms } from '../store/postgres/rooms.ts'
import { postgresSessions } from '../store/postgres/sessions.ts'
import { postgresSlackImports } from '../store/postgres/slackImports.ts'
import { postgresUploads } from '../store/postgres/uploads.ts'
import { postgresUsers } from '../store/postgres/users.ts'
import { redisBus } from '../store/redis/bus.ts'
import { redisCache } from '../store/redis/cache.ts'
import { connectRedis } from '../store/redis/connect.ts'
import { uploadFiles } from '../uploads/files.ts'

const REPORT_MS = 3000

/**
 * Runs an import from the command line (import:slack, import:rtc) into the stores the server uses, configured by the
 * same environment (DATABASE_URL, CASSANDRA_*, DATA_DIR, REDIS_URL). Progress goes to stdout every few seconds; a
 * refusal or failure to stderr, with exit code 1. Safe to run again (after a crash, or on a newer export): what was
 * imported is found and skipped. With the embedded PGlite (no DATABASE_URL) the server must be stopped first: one
 * process per data directory.
 */
export async function runImport(
  file: string,
  run: (file: string, deps: SlackImportDeps, options: SlackImportOptions) => Promise<ImportProgress>,
): Promise<never> {
  let code = 0
  try {
    const config = loadConfig(process.env)
    const log = createLogger(config.logLevel === 'info' ? 'warn' : config.logLevel)
    const db = await openDatabase({ url: config.databaseUrl, dataDir: config.dataDir })
    const cassandra = config.cassandra ? await connectCassandra(config.cassandra, log, { attempts: 3 }) : undefined
    const redis = config.redisUrl ? connectRedis(config.redisUrl, config.redisPrefix, log, 'rtc-import') : undefined
    try {
      await migrate(db.sql)
      const plain = {
        users: postgresUsers(db.sql), sessions: postgresSessions(db.sql), rooms: postgresRooms(db.sql),
        messages: cassandra ? cassandraMessages(cassandra, { bucketPositions: config.cassandra!.bucketPositions }) : postgresMessages(db.sql),
      }
      // With Redis, through the servers' cache: the rooms' cached pages are dropped as messages arrive, and the
      // rooms made are announced so running instances forget that their slugs named nothing.
      const stores = redis ? cachedStores(redisCache(redis), plain, log) : plain
      const bus = redis && redisBus(redis, log)
      const rooms = bus ? {
        ...stores.rooms,
        createRoom: async (input: Parameters<typeof plain.rooms.createRoom>[0]) => {
          const room = await stores.rooms.createRoom(input)
          await bus.publish({ type: 'room', roomId: room.id, slug: room.slug }).catch(() => {})
          return room
        },
      } : stores.rooms
      const uploads = postgresUploads(db.sql)
      let last = 0
      const progress = await run(file, {
        users: stores.users, rooms, messages: stores.messages, moderation: postgresModeration(db.sql), reads: postgresReadState(db.sql),
        imports: postgresSlackImports(db.sql),
        files: importFiles(uploads, uploadFiles({ dir: `${config.dataDir}/uploads`, previewMaxPixels: config.uploads.previewMaxPixels })),
        nextId: idMaker(config.instanceId), log,
      }, {
        limits: { maxExpandedBytes: config.imports.maxExpandedBytes, maxFileBytes: config.uploads.maxBytes },
        onProgress: (p) => {
          if (Date.now() - last < REPORT_MS) return
          last = Date.now()
          process.stdout.write(`${progressLine(p)}\n`)
        },
      })
      process.stdout.write(`${progressLine(progress)}\n`)
      bus?.close?.()
    } finally {
      await redis?.close()
      await cassandra?.shutdown()
      await db.close()
    }
  } catch (err) {
    code = 1
    if (err instanceof ConfigError || err instanceof ImportRefused) process.stderr.write(`${err.message}\n`)
    else process.stderr.write(`import failed: ${(err as Error).message}\nWhat was imported before stays; running the same command again continues from there.\n`)
  }
  process.exit(code)
}
