import { createReadStream, createWriteStream } from 'node:fs'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import type { CassandraClient } from '../store/cassandra/connect.ts'

/** The message store's tables, in the order a restore writes them. */
export const TABLES = ['room_log', 'room_heads', 'room_nonces'] as const

/**
 * Writes every row of the message store's tables as JSON lines
 * (`{"table": …, "row": …}`), paging through each table so memory stays flat.
 * Answers the number of rows per table.
 */
export async function exportCassandra(client: CassandraClient, file: string): Promise<Record<string, number>> {
  const out = createWriteStream(file)
  const counts: Record<string, number> = {}
  for (const table of TABLES) {
    counts[table] = 0
    let pageState: string | undefined
    do {
      const result = await client.execute(`SELECT JSON * FROM ${table}`, [], { prepare: true, fetchSize: 1000, pageState })
      for (const row of result.rows) {
        if (!out.write(`{"table":"${table}","row":${row['[json]']}}\n`)) await once(out, 'drain')
        counts[table]++
      }
      pageState = result.pageState ?? undefined
    } while (pageState)
  }
  out.end()
  await once(out, 'finish')
  return counts
}

/** Writes back what `exportCassandra` wrote, into tables that exist (the app's start-up makes them). */
export async function importCassandra(client: CassandraClient, file: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = Object.fromEntries(TABLES.map((t) => [t, 0]))
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity })
  for await (const line of lines) {
    if (!line.trim()) continue
    const { table, row } = JSON.parse(line) as { table: string; row: unknown }
    if (!(TABLES as readonly string[]).includes(table)) throw new Error(`unknown table "${table}" in ${file}`)
    // Only the columns a row has: a null written back would be a tombstone (the store never writes nulls).
    const json = JSON.stringify(Object.fromEntries(Object.entries(row as Record<string, unknown>).filter(([, v]) => v !== null)))
    await client.execute(`INSERT INTO ${table} JSON ? DEFAULT UNSET`, [json], { prepare: true })
    counts[table]!++
  }
  return counts
}
