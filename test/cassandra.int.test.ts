import cassandra from 'cassandra-driver'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { idMaker } from '../src/chat/ids.ts'
import { bucketOf } from '../src/store/cassandra/buckets.ts'
import { consistencyOf, replicationOf } from '../src/store/cassandra/connect.ts'
import { cassandraMessages } from '../src/store/cassandra/messages.ts'
import type { NewMessage } from '../src/store/ports.ts'
import { messageStoreContract } from './contract/messageStore.ts'
import { testKeyspace } from './support/cassandra.ts'

messageStoreContract('cassandra', async () => {
  const ks = await testKeyspace()
  let n = 0
  return {
    store: cassandraMessages(ks.client),
    newRoom: async () => String(1000 + ++n),
    newAuthor: async () => 5000 + ++n,
    cleanup: () => ks.drop(),
  }
})

describe('the Cassandra message store', () => {
  let ks: Awaited<ReturnType<typeof testKeyspace>>
  beforeAll(async () => { ks = await testKeyspace() })
  afterAll(() => ks?.drop())

  let n = 0
  const room = () => String(900_000 + ++n)
  const at = (iso: string) => idMaker(3, () => Date.parse(iso))
  const draft = (roomId: string, id: string, body = `m${id}`): NewMessage => ({
    id, roomId, authorId: 77, authorLogin: 'x', authorName: 'X', nonce: `nonce-${roomId}-${id}`, body, createdAt: new Date(),
  })

  /** The adapter over a client that counts the queries it runs, and can fail one on purpose. */
  const counted = (fail?: (query: string) => 'before' | 'after' | undefined) => {
    const queries: string[] = []
    const client = new Proxy(ks.client, {
      get(target, prop, receiver) {
        if (prop !== 'execute') return Reflect.get(target, prop, receiver)
        return async (query: string, params: unknown[], options: object) => {
          queries.push(query)
          const when = fail?.(query)
          if (when === 'before') throw Object.assign(new Error('operation timed out (injected)'), { name: 'OperationTimedOutError' })
          const result = await target.execute(query, params as never, options)
          if (when === 'after') throw Object.assign(new Error('operation timed out after the write (injected)'), { name: 'OperationTimedOutError' })
          return result
        }
      },
    })
    return { store: cassandraMessages(client), queries }
  }

  it('pages history that spans several buckets across the bucket edges', async () => {
    const { store } = counted()
    const roomId = room()
    const ids: string[] = []
    for (const day of ['2026-01-01', '2026-01-09', '2026-01-12', '2026-01-25', '2026-02-20']) {
      for (let i = 0; i < 7; i++) ids.push((await store.appendMessage(draft(roomId, at(`${day}T10:00:0${i}Z`)()))).message.id)
    }
    expect(new Set(ids.map(bucketOf)).size).toBeGreaterThanOrEqual(4)
    const seen: string[] = []
    let before: string | undefined
    for (;;) {
      const page = await store.pageBefore(roomId, before, 4)
      if (page.length === 0) break
      seen.unshift(...page.map((m) => m.id))
      before = page[0]!.id
    }
    expect(seen).toEqual(ids)
    expect((await store.pageAfter(roomId, ids[5]!, 10)).map((m) => m.id)).toEqual(ids.slice(6, 16))
    expect((await store.changesSince(roomId, ids[10]!, 100)).map((m) => m.id)).toEqual(ids.slice(11))
  })

  it('crosses a gap of empty buckets and stops at the room\'s first bucket, never scanning to the epoch', async () => {
    const { store, queries } = counted()
    const roomId = room()
    const first = (await store.appendMessage(draft(roomId, at('2025-06-01T00:00:00Z')()))).message.id
    const last = (await store.appendMessage(draft(roomId, at('2026-06-01T00:00:00Z')()))).message.id
    queries.length = 0
    expect((await store.pageBefore(roomId, undefined, 50)).map((m) => m.id)).toEqual([first, last])
    const gap = bucketOf(last) - bucketOf(first) + 1
    const bucketReads = () => queries.filter((q) => q.startsWith('SELECT') && q.includes('FROM messages')).length
    expect(bucketReads()).toBe(gap)
    queries.length = 0
    expect(await store.pageBefore(roomId, first, 50)).toEqual([])
    expect(bucketReads()).toBe(1)
    expect(await store.pageBefore(room(), undefined, 50)).toEqual([])
  })

  it('does not duplicate an insert that is retried', async () => {
    const { store } = counted()
    const roomId = room()
    const m = draft(roomId, at('2026-03-01T00:00:00Z')())
    await store.appendMessage(m)
    const insert = 'INSERT INTO messages (room_id, bucket, id, author_id, author_login, author_name, nonce, body, created_at, rev) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)'
    const key = [cassandra.types.Long.fromString(roomId), bucketOf(m.id), cassandra.types.Long.fromString(m.id)]
    for (let i = 0; i < 2; i++) {
      await ks.client.execute(insert, [...key, cassandra.types.Long.fromNumber(77), 'x', 'X', m.nonce, m.body, m.createdAt, cassandra.types.Long.fromString(m.id)], { prepare: true })
    }
    expect(await store.pageBefore(roomId, undefined, 10)).toHaveLength(1)
  })

  it.each(['before', 'after'] as const)('ends as one message when a write times out %s reaching the node and is retried with its nonce', async (when) => {
    let failed = false
    const { store } = counted((q) => (!failed && q.startsWith('INSERT INTO messages') ? ((failed = true), when) : undefined))
    const roomId = room()
    const m = draft(roomId, at('2026-04-01T00:00:00Z')(), 'maybe stored')
    await expect(store.appendMessage(m)).rejects.toThrow(/timed out/)
    const retried = await store.appendMessage({ ...m, id: at('2026-04-01T00:00:01Z')() })
    expect(retried.message.body).toBe('maybe stored')
    const stored = await store.pageBefore(roomId, undefined, 10)
    expect(stored.map((s) => s.id)).toEqual([retried.message.id])
    expect(await store.changesSince(roomId, '0', 10)).toHaveLength(1)
  })

  it('applies replication and consistency from config', () => {
    expect(replicationOf('1')).toEqual({ class: 'SimpleStrategy', replication_factor: '1' })
    expect(replicationOf('dc1:3, dc2:2')).toEqual({ class: 'NetworkTopologyStrategy', dc1: '3', dc2: '2' })
    expect(() => replicationOf('dc1')).toThrow()
    expect(consistencyOf('local_quorum')).toBe(cassandra.types.consistencies.localQuorum)
    expect(consistencyOf('one')).toBe(cassandra.types.consistencies.one)
  })
})
