import cassandra from 'cassandra-driver'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectCassandra, consistencyOf, levelsFor, localReplicasOf, replicationOf } from '../src/store/cassandra/connect.ts'
import { cassandraMessages } from '../src/store/cassandra/messages.ts'
import type { NewMessage } from '../src/store/ports.ts'
import { messageSearchContract } from './contract/messageSearch.ts'
import { messageStoreContract } from './contract/messageStore.ts'
import { cassandraSearch } from '../src/store/cassandra/search.ts'
import { parseQuery } from '../src/search/query.ts'
import { CASSANDRA_CONTACT_POINTS, testKeyspace } from './support/cassandra.ts'
import { capturedLogger } from './support/logs.ts'

/** The options every statement of a client runs with (the driver keeps them, its types do not say so). */
const queryOptionsOf = (client: unknown) => (client as { options: { queryOptions: object } }).options.queryOptions

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

// The same contract with four positions per bucket, so every case crosses bucket edges.
messageStoreContract('cassandra, tiny buckets', async () => {
  const ks = await testKeyspace()
  let n = 0
  return {
    store: cassandraMessages(ks.client, { bucketPositions: 4 }),
    newRoom: async () => String(1000 + ++n),
    newAuthor: async () => 5000 + ++n,
    cleanup: () => ks.drop(),
  }
})

messageSearchContract('cassandra', async () => {
  const ks = await testKeyspace()
  let n = 0
  return {
    store: cassandraMessages(ks.client),
    search: cassandraSearch(ks.client),
    newRoom: async () => String(1000 + ++n),
    newAuthor: async () => 5000 + ++n,
    cleanup: () => ks.drop(),
  }
})

// Tiny buckets and windows: a search walks many windows and buckets newest first.
messageSearchContract('cassandra, tiny buckets', async () => {
  const ks = await testKeyspace()
  let n = 0
  return {
    store: cassandraMessages(ks.client, { bucketPositions: 4 }),
    search: cassandraSearch(ks.client, { bucketPositions: 4, window: 3, concurrency: 2 }),
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
  const draft = (roomId: string, body = `m${++n}`, nonce = `nonce-${roomId}-${n}`): NewMessage => ({
    id: '1', roomId, authorId: 77, authorLogin: 'x', authorName: 'X', nonce, body, createdAt: new Date(),
  })

  /** The adapter over a client that counts statements, and can fail one on purpose before or after it runs. */
  const counted = (fail?: (query: string) => 'before' | 'after' | undefined, options: Parameters<typeof cassandraMessages>[1] = {}) => {
    const queries: string[] = []
    const injected = (query: string) => Object.assign(new Error(`operation timed out (injected, ${query.slice(0, 30)})`), { name: 'OperationTimedOutError' })
    const wrap = (call: (...args: never[]) => Promise<unknown>, text: (args: unknown[]) => string) => async (...args: unknown[]) => {
      const query = text(args)
      queries.push(query)
      const when = fail?.(query)
      if (when === 'before') throw injected(query)
      const result = await call(...(args as never[]))
      if (when === 'after') throw injected(query)
      return result
    }
    const client = new Proxy(ks.client, {
      get(target, prop, receiver) {
        if (prop === 'execute') return wrap(target.execute.bind(target) as never, (a) => a[0] as string)
        if (prop === 'batch') return wrap(target.batch.bind(target) as never, (a) => `BATCH ${(a[0] as { query: string }[]).map((q) => q.query.trim().split(' ').slice(0, 3).join(' ')).join('; ')}`)
        return Reflect.get(target, prop, receiver)
      },
    })
    return { store: cassandraMessages(client, options), queries }
  }

  it('numbers a room\'s messages 1, 2, 3… and pages history across many buckets', async () => {
    const { store } = counted(undefined, { bucketPositions: 5 })
    const roomId = room()
    const ids: string[] = []
    for (let i = 0; i < 23; i++) ids.push((await store.appendMessage(draft(roomId))).message.id)
    expect(ids).toEqual(Array.from({ length: 23 }, (_, i) => String(i + 1)))
    const seen: string[] = []
    let before: string | undefined
    for (;;) {
      const page = await store.pageBefore(roomId, before, 4)
      if (page.length === 0) break
      seen.unshift(...page.map((m) => m.id))
      before = page[0]!.id
    }
    expect(seen).toEqual(ids)
    expect((await store.pageAfter(roomId, ids[3]!, 8)).map((m) => m.id)).toEqual(ids.slice(4, 12))
    expect((await store.changesSince(roomId, ids[10]!, 100)).map((m) => m.id)).toEqual(ids.slice(11))
    expect(await store.lastRev(roomId)).toBe('23')
  })

  it('forgets a deleted room: every bucket\'s partition, its head, its nonces and each message\'s reactions', async () => {
    const { store } = counted(undefined, { bucketPositions: 3 })
    const roomId = room()
    const ids: string[] = []
    for (let i = 0; i < 10; i++) ids.push((await store.appendMessage(draft(roomId))).message.id)
    for (const id of [ids[0]!, ids[9]!]) await store.changeMessage(roomId, id, { kind: 'react', reaction: { emoji: '👍', userId: 77, login: 'x' }, on: true, rev: '1', at: new Date() })
    const rowsOf = async (query: string, params: unknown[]) => (await ks.client.execute(query, params, { prepare: true })).rowLength
    const left = async () => {
      let n = 0
      for (let bucket = 0; bucket <= 5; bucket++) n += await rowsOf('SELECT pos FROM room_log WHERE room_id = ? AND bucket = ?', [roomId, bucket])
      for (const id of ids) n += await rowsOf('SELECT emoji FROM message_reactions WHERE room_id = ? AND message_id = ?', [roomId, id])
      return n + await rowsOf('SELECT bucket FROM room_heads WHERE room_id = ?', [roomId]) + await rowsOf('SELECT bucket FROM room_nonces WHERE room_id = ?', [roomId])
    }
    // Messages and nonce markers over four buckets, two reactions, the head and the nonces.
    expect(await left()).toBeGreaterThan(20)
    await store.forgetRoom(roomId)
    expect(await left()).toBe(0)
  })

  it('pages past edits without counting them as messages', async () => {
    const { store } = counted(undefined, { bucketPositions: 3 })
    const roomId = room()
    const [a, b] = [(await store.appendMessage(draft(roomId))).message.id, (await store.appendMessage(draft(roomId))).message.id]
    for (let i = 0; i < 7; i++) await store.changeMessage(roomId, a, { kind: 'edit', body: `edit ${i}`, rev: '1', at: new Date() })
    const c = (await store.appendMessage(draft(roomId))).message.id
    expect((await store.pageBefore(roomId, undefined, 2)).map((m) => m.id)).toEqual([b, c])
    expect((await store.pageBefore(roomId, b, 5)).map((m) => [m.id, m.body])).toEqual([[a, 'edit 6']])
    expect((await store.pageAfter(roomId, a, 5)).map((m) => m.id)).toEqual([b, c])
  })

  it('stores one message for a nonce retried after its bucket filled up', async () => {
    const { store } = counted(undefined, { bucketPositions: 4 })
    const roomId = room()
    const first = await store.appendMessage(draft(roomId, 'first', 'kept-nonce'))
    for (let i = 0; i < 4; i++) await store.appendMessage(draft(roomId))
    const again = await store.appendMessage(draft(roomId, 'retried', 'kept-nonce'))
    expect(again).toEqual({ message: first.message, created: false })
    expect((await store.pageBefore(roomId, undefined, 50)).filter((m) => m.nonce === 'kept-nonce')).toHaveLength(1)
  })

  it('reads an earlier bucket\'s nonce markers at the serial level, so a claim left half done there is finished and seen first', async () => {
    const levels: number[] = []
    const client = new Proxy(ks.client, {
      get(target, prop, receiver) {
        if (prop !== 'execute') return Reflect.get(target, prop, receiver)
        return (query: string, params: unknown[], options: { consistency?: number }) => {
          if (query.includes('FROM room_log') && query.includes('nonce_key IN')) levels.push(options.consistency ?? -1)
          return target.execute(query, params as never, options as never)
        }
      },
    })
    const store = cassandraMessages(client, { bucketPositions: 4 })
    const roomId = room()
    const first = await store.appendMessage(draft(roomId, 'first', 'serial-nonce'))
    for (let i = 0; i < 4; i++) await store.appendMessage(draft(roomId))
    expect(await store.appendMessage(draft(roomId, 'retried', 'serial-nonce'))).toEqual({ message: first.message, created: false })
    expect(levels).toEqual([cassandra.types.consistencies.localSerial])
  })

  it('stores one message for a nonce retried however many buckets later', async () => {
    const { store } = counted(undefined, { bucketPositions: 4 })
    const roomId = room()
    const first = await store.appendMessage(draft(roomId, 'first', 'long-lived-nonce'))
    for (let i = 0; i < 13; i++) await store.appendMessage(draft(roomId))
    const again = await counted(undefined, { bucketPositions: 4 }).store.appendMessage(draft(roomId, 'retried', 'long-lived-nonce'))
    expect(again).toEqual({ message: first.message, created: false })
  })

  it('leaves a retry that an earlier bucket\'s marker answered out of its claim, though another send joined the queue during that read', async () => {
    // The retry's round reads bucket 0's markers; a new send joins the room's queue meanwhile (one answered off the
    // queue, one on: its length unchanged). The retry is answered from the marker and must not be claimed again in
    // bucket 1, and the send that joined is claimed after it (issue 28: the retry was stored twice and that send lost).
    let join: (() => void) | undefined
    const client = new Proxy(ks.client, {
      get(target, prop, receiver) {
        if (prop !== 'execute') return Reflect.get(target, prop, receiver)
        return (query: string, params: unknown[], options: object) => {
          if (join && query.includes('FROM room_log') && query.includes('nonce_key IN')) [join(), join = undefined]
          return target.execute(query, params as never, options as never)
        }
      },
    })
    const store = cassandraMessages(client, { bucketPositions: 4 })
    const roomId = room()
    const first = await store.appendMessage(draft(roomId, 'first', 'answered-nonce'))
    for (let i = 0; i < 3; i++) await store.appendMessage(draft(roomId))
    let joined: ReturnType<typeof store.appendMessage> | undefined
    join = () => { joined = store.appendMessage(draft(roomId, 'joined', 'joining-nonce')) }
    expect(await store.appendMessage(draft(roomId, 'retried', 'answered-nonce'))).toEqual({ message: first.message, created: false })
    expect(joined).toBeDefined()
    const late = await Promise.race([joined!, new Promise((resolve) => setTimeout(() => resolve('never answered'), 3_000))])
    const stored = await store.pageBefore(roomId, undefined, 50)
    expect(stored.filter((m) => m.nonce === 'answered-nonce').map((m) => m.id)).toEqual(['1'])
    expect(late).toMatchObject({ created: true, message: { id: '5', body: 'joined' } })
    expect(stored.map((m) => [m.id, m.nonce])).toEqual([['1', 'answered-nonce'], ...stored.slice(1, 4).map((m, i) => [String(i + 2), m.nonce]), ['5', 'joining-nonce']])
  })

  it('gives every nonce one message when two instances send and repeat nonces at once across bucket edges', async () => {
    const [a, b] = [counted(undefined, { bucketPositions: 4, maxGroup: 3 }).store, counted(undefined, { bucketPositions: 4, maxGroup: 5 }).store]
    const roomId = room()
    // About a third of the sends repeat the nonce before them, on either instance, all in flight together.
    const results = await Promise.all(Array.from({ length: 120 }, (_, i) =>
      (i % 2 ? a : b).appendMessage(draft(roomId, `n${Math.floor(i * 0.7)}`, `stress-${Math.floor(i * 0.7)}`))))
    const stored = await a.pageBefore(roomId, undefined, 1000)
    const perNonce = new Map<string, string[]>()
    for (const m of stored) perNonce.set(m.nonce, [...(perNonce.get(m.nonce) ?? []), m.id])
    expect([...perNonce.values()].filter((ids) => ids.length > 1)).toEqual([])
    expect(stored.map((m) => m.id)).toEqual(Array.from({ length: stored.length }, (_, i) => String(i + 1)))
    for (const r of results) expect(perNonce.get(r.message.nonce)).toEqual([r.message.id])
  })

  it('orders the sends of two instances by commit and gives every nonce one message', async () => {
    const [one, two] = [counted(undefined, { bucketPositions: 8 }).store, counted(undefined, { bucketPositions: 8 }).store]
    const roomId = room()
    const sends = Array.from({ length: 60 }, (_, i) => draft(roomId, `s${i}`, `both-${i}`))
    // Every send goes to both instances at once, as a client retrying on the other instance would.
    const results = await Promise.all(sends.flatMap((m) => [one.appendMessage(m), two.appendMessage(m)]))
    const stored = await one.pageBefore(roomId, undefined, 200)
    expect(stored.map((m) => m.id)).toEqual(Array.from({ length: 60 }, (_, i) => String(i + 1)))
    expect(new Set(stored.map((m) => m.nonce)).size).toBe(60)
    expect(results.filter((r) => r.created)).toHaveLength(60)
    for (let i = 0; i < sends.length; i++) expect(results[2 * i]!.message).toEqual(results[2 * i + 1]!.message)
  })

  it.each(['before', 'after'] as const)('ends as one message when a claim times out %s reaching the node and is retried with its nonce', async (when) => {
    let failed = false
    const { store } = counted((q) => (!failed && q.startsWith('BATCH UPDATE') ? ((failed = true), when) : undefined))
    const roomId = room()
    const m = draft(roomId, 'maybe stored')
    await expect(store.appendMessage(m)).rejects.toThrow(/timed out/)
    const retried = await store.appendMessage(m)
    expect(retried.created).toBe(when === 'before')
    expect(retried.message).toMatchObject({ id: '1', body: 'maybe stored' })
    expect((await store.pageBefore(roomId, undefined, 10)).map((s) => s.id)).toEqual(['1'])
    expect(await store.changesSince(roomId, '0', 10)).toHaveLength(1)
  })

  it('lets the first reader apply an edit whose writer stopped after claiming it', async () => {
    const { store: writer } = counted((q) => (q.startsWith('UPDATE room_log SET body') ? 'before' : undefined))
    const { store: reader } = counted()
    const roomId = room()
    const { message } = await writer.appendMessage(draft(roomId, 'typo'))
    await expect(writer.changeMessage(roomId, message.id, { kind: 'edit', body: 'fixed', rev: '1', at: new Date() })).rejects.toThrow(/timed out/)
    expect((await reader.findMessage(roomId, message.id))!.body).toBe('typo')
    const replayed = await reader.changesSince(roomId, message.id, 10)
    expect(replayed.map((m) => [m.id, m.rev, m.body])).toEqual([[message.id, '2', 'fixed']])
    expect((await reader.findMessage(roomId, message.id))!.body).toBe('fixed')
  })

  it('pages from a crafted cursor far above the head without walking the empty buckets between', async () => {
    const { store, queries } = counted(undefined, { bucketPositions: 4 })
    const roomId = room()
    await store.appendMessage(draft(roomId, 'only'))
    queries.length = 0
    expect((await store.pageBefore(roomId, String(4 * 100_000), 10)).map((m) => m.body)).toEqual(['only'])
    expect(queries.length).toBeLessThan(6)
    expect(await store.changesSince(roomId, '9223372036854775000', 10)).toEqual([])
    expect((await store.pageBefore(roomId, '9223372036854775000', 10)).map((m) => m.body)).toEqual(['only'])
  })

  it('shows on a page a change claimed among its messages whose writer stopped before applying it', async () => {
    const { store: writer } = counted((q) => (q.startsWith('UPDATE room_log SET body') ? 'before' : undefined))
    const { store: reader } = counted()
    const roomId = room()
    const { message } = await writer.appendMessage(draft(roomId, 'regrettable', 'nonce-regrettable'))
    await expect(writer.changeMessage(roomId, message.id, { kind: 'delete', rev: '1', at: new Date() })).rejects.toThrow(/timed out/)
    await writer.appendMessage(draft(roomId, 'later', 'nonce-later'))
    const page = await reader.pageBefore(roomId, undefined, 10)
    expect(page.map((m) => [m.id, m.deletedAt !== null])).toEqual([[message.id, true], ['3', false]])
    expect(page[0]!.rev).toBe('2')
  })

  it('applies an edit once when its retry on another instance got there first', async () => {
    const [one, two] = [counted().store, counted().store]
    const roomId = room()
    const { message } = await one.appendMessage(draft(roomId, 'typo'))
    const first = await two.changeMessage(roomId, message.id, { kind: 'edit', body: 'fixed', rev: '1', at: new Date() })
    const again = await one.changeMessage(roomId, message.id, { kind: 'edit', body: 'fixed', rev: '1', at: new Date() })
    expect(again).toEqual(first)
    expect((await one.changesSince(roomId, '0', 10)).map((m) => [m.id, m.rev, m.body])).toEqual([[message.id, first!.rev, 'fixed']])
  })

  it('never lets an edit overtaken by a delete bring the message back', async () => {
    const { store } = counted()
    const roomId = room()
    const { message } = await store.appendMessage(draft(roomId))
    const [edited, deleted] = await Promise.all([
      store.changeMessage(roomId, message.id, { kind: 'edit', body: 'late edit', rev: '1', at: new Date() }),
      store.changeMessage(roomId, message.id, { kind: 'delete', rev: '1', at: new Date() }),
    ])
    expect(deleted!.deletedAt).toBeInstanceOf(Date)
    expect(edited).toBeDefined()
    const final = (await store.findMessage(roomId, message.id))!
    expect(final.deletedAt).toBeInstanceOf(Date)
    const replay = await store.changesSince(roomId, '0', 10)
    expect(replay.at(-1)!.deletedAt).toBeInstanceOf(Date)
  })

  it('applies replication and consistency from config', () => {
    expect(replicationOf('1')).toEqual({ class: 'SimpleStrategy', replication_factor: '1' })
    expect(replicationOf('dc1:3, dc2:2')).toEqual({ class: 'NetworkTopologyStrategy', dc1: '3', dc2: '2' })
    expect(() => replicationOf('dc1')).toThrow()
    expect(consistencyOf('local_quorum')).toBe(cassandra.types.consistencies.localQuorum)
    expect(consistencyOf('one')).toBe(cassandra.types.consistencies.one)
  })

  it('chooses LOCAL_QUORUM when the keyspace keeps several replicas in the local datacenter, ONE for one, and configured levels over both', () => {
    expect(localReplicasOf({ class: 'org.apache.cassandra.locator.SimpleStrategy', replication_factor: '3' }, 'dc1')).toBe(3)
    expect(localReplicasOf({ class: 'org.apache.cassandra.locator.NetworkTopologyStrategy', dc1: '3', dc2: '1' }, 'dc2')).toBe(1)
    expect(localReplicasOf({ class: 'org.apache.cassandra.locator.NetworkTopologyStrategy', dc1: '3/1' }, 'dc1')).toBe(3)
    expect(localReplicasOf({ class: 'org.apache.cassandra.locator.NetworkTopologyStrategy', dc1: '3' }, 'elsewhere')).toBe(0)
    const nts3 = { class: 'org.apache.cassandra.locator.NetworkTopologyStrategy', dc1: '3' }
    expect(levelsFor(nts3, { localDc: 'dc1' })).toEqual({ consistency: 'local_quorum', serialConsistency: 'local_serial', localReplicas: 3 })
    expect(levelsFor({ class: 'SimpleStrategy', replication_factor: '1' }, { localDc: 'dc1' })).toMatchObject({ consistency: 'one', serialConsistency: 'local_serial' })
    expect(levelsFor(nts3, { localDc: 'dc1', consistency: 'quorum', serialConsistency: 'serial' })).toMatchObject({ consistency: 'quorum', serialConsistency: 'serial' })
  })

  it('reads the replication of a keyspace that already exists at connect, and sets every statement\'s levels from it', async () => {
    const keyspace = `rtc_levels_${process.pid}_${Math.random().toString(36).slice(2, 8)}`
    const admin = new cassandra.Client({ contactPoints: CASSANDRA_CONTACT_POINTS, localDataCenter: 'datacenter1' })
    await admin.connect()
    // Made by hand with three replicas (on one node every write at a quorum of three would fail; only the choice is checked).
    await admin.execute(`CREATE KEYSPACE ${keyspace} WITH replication = {'class': 'NetworkTopologyStrategy', 'datacenter1': 3}`)
    try {
      const { log, lines } = capturedLogger()
      const options = { contactPoints: CASSANDRA_CONTACT_POINTS, localDc: 'datacenter1', keyspace, replication: '1' }
      const auto = await connectCassandra(options, log, { attempts: 1 })
      expect(queryOptionsOf(auto)).toMatchObject({ consistency: cassandra.types.consistencies.localQuorum, serialConsistency: cassandra.types.consistencies.localSerial })
      await auto.shutdown()
      const warned = lines.map((l) => JSON.parse(l) as { level: number; msg: string; consistency?: string; configured?: string }).find((l) => l.level === 40)
      expect(warned).toMatchObject({ consistency: 'local_quorum', configured: '1' })
      expect(warned!.msg).toContain('another replication than CASSANDRA_REPLICATION')

      const told = await connectCassandra({ ...options, consistency: 'local_one', serialConsistency: 'serial' }, capturedLogger().log, { attempts: 1 })
      expect(queryOptionsOf(told)).toMatchObject({ consistency: cassandra.types.consistencies.localOne, serialConsistency: cassandra.types.consistencies.serial })
      await told.shutdown()
    } finally {
      await admin.execute(`DROP KEYSPACE IF EXISTS ${keyspace}`)
      await admin.shutdown()
    }
  })

  it('keeps ONE and LOCAL_SERIAL on a keyspace of one replica', async () => {
    const ks = await testKeyspace()
    try {
      expect(queryOptionsOf(ks.client)).toMatchObject({ consistency: cassandra.types.consistencies.one, serialConsistency: cassandra.types.consistencies.localSerial })
    } finally {
      await ks.drop()
    }
  })
})

describe('Cassandra search within a work budget', () => {
  let ks: Awaited<ReturnType<typeof testKeyspace>>
  beforeAll(async () => { ks = await testKeyspace() })
  afterAll(() => ks?.drop())

  /** The search over a client that adds up the rows and reads its search statements get back. */
  const measured = (budget: { rows?: number; reads?: number; readsPerRoom?: number }) => {
    const spent = { rows: 0, reads: 0 }
    const client = new Proxy(ks.client, {
      get(target, key) {
        if (key !== 'execute') return Reflect.get(target, key)
        return async (query: string, ...rest: unknown[]) => {
          const result = await (target.execute as (...a: unknown[]) => Promise<cassandra.types.ResultSet>)(query, ...rest)
          if (query.includes('pos > ?')) { spent.reads++; spent.rows += result.rows.length }
          return result
        }
      },
    })
    return { search: cassandraSearch(client, { budget }), spent }
  }
  const terms = (q: string) => {
    const parsed = parseQuery(q)
    if (!parsed.ok) throw new Error(parsed.error)
    return parsed.terms
  }
  let n = 0
  const fill = async (roomId: string, count: number, body: (i: number) => string) => {
    const store = cassandraMessages(ks.client)
    for (let i = 0; i < count; i += 25) {
      await Promise.all(Array.from({ length: Math.min(25, count - i) }, async (_, j) => {
        // One room's claims queue on its Paxos row: sent in order within each group of 25, any order across them is fine here.
        await store.appendMessage({ id: String(Date.now() * 1000 + ++n), roomId, authorId: 7, authorLogin: 'x', authorName: 'X', nonce: `budget-${roomId}-${i + j}`, body: body(i + j), createdAt: new Date(Date.UTC(2026, 0, 1) + n * 1000) })
      }))
    }
  }

  it('stops an exclusion that every match fails, with what it found and saying so, instead of reading the whole room', async () => {
    await fill('4001', 600, (i) => `lorem ipsum dolor ${i}`)
    const { search, spent } = measured({ rows: 100 })
    const found = await search.searchMessages({ terms: terms('ipsum -lorem'), roomIds: ['4001'], limit: 21 })
    expect(found).toEqual({ hits: [], stopped: true })
    // Past the budget by at most one read's rows (256); the room holds 600.
    expect(spent.rows).toBeLessThanOrEqual(100 + 257)
    expect(spent.rows).toBeGreaterThanOrEqual(100)
  }, 120_000)

  it('still finishes a search its budget covers, and a rare word stops after its reads in a long room', async () => {
    const { search } = measured({ rows: 100 })
    const common = await search.searchMessages({ terms: terms('ipsum'), roomIds: ['4001'], limit: 21 })
    expect(common.stopped).toBe(false)
    expect(common.hits).toHaveLength(21)
    // Tiny buckets make a long room of many partitions: a word in none of them is looked for in a bounded number of reads.
    const tiny = cassandraMessages(ks.client, { bucketPositions: 8 })
    for (let i = 0; i < 200; i++) await tiny.appendMessage({ id: String(Date.now() * 1000 + ++n), roomId: '4002', authorId: 7, authorLogin: 'x', authorName: 'X', nonce: `tiny-${i}`, body: i === 3 ? 'a zebra early on' : `plain ${i}`, createdAt: new Date(Date.UTC(2026, 0, 1) + n * 1000) })
    const spent = { rows: 0, reads: 0 }
    const rare = cassandraSearch(new Proxy(ks.client, {
      get: (target, key) => key !== 'execute' ? Reflect.get(target, key)
        : async (query: string, ...rest: unknown[]) => {
          if (query.includes('pos > ?')) spent.reads++
          return (target.execute as (...a: unknown[]) => Promise<unknown>)(query, ...rest)
        },
    }), { bucketPositions: 8, budget: { reads: 10, readsPerRoom: 0 } })
    expect(await rare.searchMessages({ terms: terms('zebra'), roomIds: ['4002'], limit: 21 })).toEqual({ hits: [], stopped: true })
    expect(spent.reads).toBe(10)
    const enough = await cassandraSearch(ks.client, { bucketPositions: 8, budget: { reads: 200 } }).searchMessages({ terms: terms('zebra'), roomIds: ['4002'], limit: 21 })
    expect(enough.stopped).toBe(false)
    expect(enough.hits.map((h) => h.message.body)).toEqual(['a zebra early on'])
  }, 120_000)
})
