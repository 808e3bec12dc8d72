/**
 * Operator commands, run beside a stopped or running instance with the same
 * environment as the app (`node dist/ops/cli.js <command>`):
 *   cassandra-export <file>   the message store's rows as JSON lines
 *   cassandra-import <file>   write them back (creates the keyspace and tables first)
 *   vapid-keys                a fresh VAPID key pair for Web Push, as lines for the environment file
 * deploy/backup.sh and deploy/restore.sh call these for Cassandra.
 */
import { ConfigError, loadConfig } from '../config.ts'
import { createLogger } from '../log.ts'
import { connectCassandra } from '../store/cassandra/connect.ts'
import { generateVapidKeys } from '../notify/push.ts'
import { exportCassandra, importCassandra } from './cassandraDump.ts'

const [command, file] = process.argv.slice(2)
if (command === 'vapid-keys') {
  const { publicKey, privateKey } = generateVapidKeys()
  process.stdout.write(`VAPID_PUBLIC_KEY=${publicKey}\nVAPID_PRIVATE_KEY=${privateKey}\n`)
  process.exit(0)
}
try {
  const config = loadConfig(process.env)
  if (!config.cassandra) throw new ConfigError('CASSANDRA_CONTACT_POINTS', 'is not set: messages live in PostgreSQL, and pg_dump has them')
  if (!file || (command !== 'cassandra-export' && command !== 'cassandra-import')) {
    process.stderr.write('usage: cli.js cassandra-export|cassandra-import <file>, or cli.js vapid-keys\n')
    process.exit(2)
  }
  const client = await connectCassandra(config.cassandra, createLogger('warn'), { attempts: 3 })
  try {
    const counts = command === 'cassandra-export' ? await exportCassandra(client, file) : await importCassandra(client, file)
    process.stdout.write(`${command}: ${Object.entries(counts).map(([t, n]) => `${n} ${t} rows`).join(', ')}\n`)
  } finally {
    await client.shutdown()
  }
} catch (err) {
  process.stderr.write(`${err instanceof ConfigError ? err.message : `failed: ${(err as Error).message}`}\n`)
  process.exit(1)
}
