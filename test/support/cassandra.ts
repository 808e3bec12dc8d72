import cassandra from 'cassandra-driver'
import { createLogger } from '../../src/log.ts'
import { connectCassandra, type CassandraClient } from '../../src/store/cassandra/connect.ts'

export const CASSANDRA_CONTACT_POINTS = (process.env.TEST_CASSANDRA_CONTACT_POINTS ?? '127.0.0.1').split(',')

/** A keyspace of this run's own on the real Cassandra node, dropped after. */
export async function testKeyspace(): Promise<{ keyspace: string; client: CassandraClient; drop(): Promise<void> }> {
  const keyspace = `rtc_test_${process.pid}_${Math.random().toString(36).slice(2, 8)}`
  const probe = new cassandra.Client({ contactPoints: CASSANDRA_CONTACT_POINTS, localDataCenter: 'datacenter1' })
  try {
    await probe.connect()
  } catch (err) {
    await probe.shutdown().catch(() => {})
    throw new Error(`Cassandra is needed for this suite and does not answer at ${CASSANDRA_CONTACT_POINTS.join(',')}:9042 ` +
      `(${(err as Error).message}). Start it with: tools/cassandra/cassandra.sh start`)
  }
  await probe.shutdown()
  const client = await connectCassandra({
    contactPoints: CASSANDRA_CONTACT_POINTS, localDc: 'datacenter1', keyspace, replication: '1',
  }, createLogger('silent'), { attempts: 1 })
  return {
    keyspace,
    client,
    async drop() {
      // Dropping takes a while on a busy node: longer than a query's usual 12 s.
      await client.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`, [], { readTimeout: 120_000 })
      await client.shutdown()
    },
  }
}
