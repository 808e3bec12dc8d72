import cassandra from 'cassandra-driver'
import type { Logger } from '../../log.ts'

const { Client, policies, types } = cassandra

export interface CassandraOptions {
  contactPoints: readonly string[]
  localDc: string
  keyspace: string
  /** `1` (SimpleStrategy, one replica) or `dc1:3,dc2:3` (NetworkTopologyStrategy). */
  replication: string
  /** Of every read and write: `one`, `local_quorum`, `quorum`…; unset, chosen from the keyspace's replication (`levelsFor`). */
  consistency?: string | undefined
  /** Of every claim's Paxos round: `local_serial` or `serial`; unset, `local_serial`. */
  serialConsistency?: string | undefined
}

/** The levels a client uses, and the replicas the keyspace keeps in the local datacenter they were chosen for. */
export interface Levels {
  consistency: string
  serialConsistency: string
  localReplicas: number
}

export type CassandraClient = InstanceType<typeof Client>

/** The keyspace's replication map, from config. */
export function replicationOf(spec: string): Record<string, string> {
  if (/^\d+$/.test(spec)) return { class: 'SimpleStrategy', replication_factor: spec }
  const map: Record<string, string> = { class: 'NetworkTopologyStrategy' }
  for (const part of spec.split(',')) {
    const [dc, factor] = part.split(':').map((s) => s.trim())
    if (!dc || !factor || !/^\d+$/.test(factor)) throw new Error(`replication "${spec}" must be a number or dc:factor,dc:factor`)
    map[dc] = factor
  }
  return map
}

export function consistencyOf(name: string): number {
  const level = (types.consistencies as unknown as Record<string, number>)[name.replace(/_(\w)/g, (_, c: string) => c.toUpperCase())]
  if (level === undefined) throw new Error(`unknown consistency level "${name}"`)
  return level
}

/**
 * The replicas a keyspace's replication map (as `system_schema.keyspaces` holds it) keeps in
 * datacenter `localDc`: SimpleStrategy's factor (all in one ring), NetworkTopologyStrategy's
 * factor for that datacenter (0 when it names others only).
 */
export function localReplicasOf(replication: Record<string, string>, localDc: string): number {
  const cls = replication.class ?? ''
  const factor = cls.endsWith('SimpleStrategy') ? replication.replication_factor : cls.endsWith('NetworkTopologyStrategy') ? replication[localDc] : undefined
  // A factor may read `3/1` (three replicas, one of them transient): the first figure counts.
  return Number.parseInt(factor ?? '0', 10) || 0
}

/**
 * Configured levels win; unset, a keyspace with more than one replica here gets LOCAL_QUORUM (a read
 * after an acknowledged write meets at least one replica that has it, and one node may be down),
 * one replica keeps ONE (a quorum of one is one); claims run Paxos at LOCAL_SERIAL unless told SERIAL.
 */
export function levelsFor(replication: Record<string, string>, options: Pick<CassandraOptions, 'localDc' | 'consistency' | 'serialConsistency'>): Levels {
  const localReplicas = localReplicasOf(replication, options.localDc)
  return {
    consistency: options.consistency ?? (localReplicas > 1 ? 'local_quorum' : 'one'),
    serialConsistency: options.serialConsistency ?? 'local_serial',
    localReplicas,
  }
}

/** The serial level the client runs claims at (configured at connect), for the reads that must see claims in flight. */
export function serialOf(client: CassandraClient): number {
  const options = (client as unknown as { options?: { queryOptions?: { serialConsistency?: number } } }).options
  return options?.queryOptions?.serialConsistency ?? types.consistencies.localSerial
}

const cql = (strings: TemplateStringsArray) => strings.join('')

/** Tables of the message store; each statement is safe to run again. */
export const SCHEMA = [
  // A room's log (see roomLog.ts): per bucket of positions, the static head, a row per position
  // (a message, or an edit or delete of one) and a row per nonce marker.
  cql`CREATE TABLE IF NOT EXISTS room_log (
    room_id bigint, bucket int, entry tinyint, pos bigint, nonce_key text,
    last_pos bigint static,
    op text, target bigint, author_id bigint, author_login text, author_name text, author_avatar text, nonce text, body text,
    created_at timestamp, rev bigint, edited_at timestamp, deleted_at timestamp, attachments text, reply_to bigint, link_preview text,
    PRIMARY KEY ((room_id, bucket), entry, pos, nonce_key)
  )`,
  // Where a room's newest bucket is, so finding the head reads one or two partitions, never all.
  cql`CREATE TABLE IF NOT EXISTS room_heads (room_id bigint PRIMARY KEY, bucket int)`,
  // The buckets each (author, nonce) was tried in, written before each try: a retry, however late,
  // knows which buckets' markers to look in. Kept as long as the markers.
  cql`CREATE TABLE IF NOT EXISTS room_nonces (room_id bigint, nonce_key text, bucket int,
    PRIMARY KEY (room_id, nonce_key, bucket)) WITH default_time_to_live = 2592000`,
  // Search: the words of a message's current body (lib/words.ts), on message rows only, under a Storage-Attached Index.
  cql`ALTER TABLE room_log ADD IF NOT EXISTS terms set<text>`,
  cql`CREATE CUSTOM INDEX IF NOT EXISTS room_log_terms ON room_log (VALUES(terms)) USING 'StorageAttachedIndex'`,
  // Reactions by room and message. Each write is stamped with the log position of its change
  // (USING TIMESTAMP), so the latest change wins whatever order changes are applied in.
  cql`CREATE TABLE IF NOT EXISTS message_reactions (room_id bigint, message_id bigint, emoji text, user_id bigint, login text,
    PRIMARY KEY ((room_id, message_id), emoji, user_id))`,
]

/**
 * Connects, waiting with backoff until Cassandra answers (in compose it starts
 * last and slowly), then applies the keyspace and schema.
 */
export async function connectCassandra(options: CassandraOptions, log: Logger, { attempts = 30 } = {}): Promise<CassandraClient> {
  // Checked before anything is connected: a misspelt level is a configuration error, not a wait.
  if (options.consistency) consistencyOf(options.consistency)
  if (options.serialConsistency) consistencyOf(options.serialConsistency)
  const make = (keyspace?: string, levels?: Levels) => new Client({
    contactPoints: [...options.contactPoints],
    localDataCenter: options.localDc,
    ...(keyspace ? { keyspace } : {}),
    policies: { retry: new policies.retry.IdempotenceAwareRetryPolicy(new policies.retry.RetryPolicy()) },
    queryOptions: {
      consistency: consistencyOf(levels?.consistency ?? 'local_one'),
      serialConsistency: consistencyOf(levels?.serialConsistency ?? 'local_serial'),
      prepare: true,
    },
    socketOptions: { connectTimeout: 5000, readTimeout: 12000 },
  })
  let levels: Levels
  for (let attempt = 1; ; attempt++) {
    const bootstrap = make()
    try {
      await bootstrap.connect()
      const wanted = replicationOf(options.replication)
      await bootstrap.execute(`CREATE KEYSPACE IF NOT EXISTS ${options.keyspace} WITH replication = ${toCqlMap(wanted)}`)
      // The keyspace as it is, which is not what was asked for when it existed before (made by hand, or altered since).
      const found = await bootstrap.execute('SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = ?', [options.keyspace], { prepare: true })
      const replication = (found.first()?.replication ?? wanted) as Record<string, string>
      levels = levelsFor(replication, options)
      const differs = localReplicasOf(replication, options.localDc) !== localReplicasOf(wanted, options.localDc)
      log[differs ? 'warn' : 'info']({
        keyspace: options.keyspace, replication, localDc: options.localDc, consistency: levels.consistency, serialConsistency: levels.serialConsistency,
        ...(differs ? { configured: options.replication } : {}),
      }, differs
        ? 'Cassandra keyspace keeps another replication than CASSANDRA_REPLICATION says; it is used as it is (ALTER KEYSPACE, then repair, to change it)'
        : 'Cassandra keyspace ready')
      if (levels.localReplicas === 0) log.warn({ keyspace: options.keyspace, localDc: options.localDc, replication }, 'Cassandra keyspace keeps no replica in the local datacenter')
      await bootstrap.shutdown()
      break
    } catch (err) {
      await bootstrap.shutdown().catch(() => {})
      if (attempt >= attempts) throw err
      const wait = Math.min(500 * 2 ** (attempt - 1), 10_000)
      log.warn({ attempt, waitMs: wait, contactPoints: options.contactPoints, err: { message: (err as Error).message } }, 'waiting for Cassandra')
      await new Promise((r) => setTimeout(r, wait))
    }
  }
  const client = make(options.keyspace, levels)
  await client.connect()
  for (const statement of SCHEMA) await client.execute(statement)
  await addMissingColumns(client, options.keyspace)
  return client
}

function toCqlMap(map: Record<string, string>): string {
  return `{${Object.entries(map).map(([k, v]) => `'${k}': ${/^\d+$/.test(v) ? v : `'${v}'`}`).join(', ')}}`
}

/** Columns added to tables after their first release: `CREATE TABLE IF NOT EXISTS` leaves an older table as it was. */
const ADDED_COLUMNS = [['room_log', 'attachments', 'text'], ['room_log', 'reply_to', 'bigint'], ['room_log', 'link_preview', 'text']] as const

async function addMissingColumns(client: CassandraClient, keyspace: string) {
  for (const [table, column, type] of ADDED_COLUMNS) {
    const found = await client.execute('SELECT column_name FROM system_schema.columns WHERE keyspace_name = ? AND table_name = ? AND column_name = ?',
      [keyspace, table, column], { prepare: true })
    if (found.rowLength === 0) await client.execute(`ALTER TABLE ${table} ADD ${column} ${type}`)
  }
}
