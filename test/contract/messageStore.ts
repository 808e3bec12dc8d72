import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { idMaker } from '../../src/messages/ids.ts'
import type { MessageStore, NewMessage } from '../../src/store/ports.ts'

export interface MessageStoreFixture {
  store: MessageStore
  /** A room id the store may hold messages for (created wherever rooms live). */
  newRoom(): Promise<string>
  /** A user id that may author messages. */
  newAuthor(): Promise<number>
  cleanup(): Promise<void>
}

/**
 * The cases every MessageStore adapter must pass: Postgres and PGlite today,
 * Cassandra with its own issue. Each test makes its own rooms, so order does not matter.
 */
export function messageStoreContract(name: string, open: () => Promise<MessageStoreFixture>) {
  describe(`MessageStore contract: ${name}`, () => {
    let f: MessageStoreFixture
    const nextId = idMaker(7)
    let n = 0
    const draft = (roomId: string, authorId: number, extra: Partial<NewMessage> = {}): NewMessage => ({
      id: nextId(), roomId, authorId, authorLogin: `user${authorId}`, authorName: `User ${authorId}`,
      nonce: `nonce-${++n}-${Math.random().toString(36).slice(2)}`, body: `message ${n}`, createdAt: new Date(), ...extra,
    })
    const fill = async (roomId: string, authorId: number, count: number) => {
      const ids: string[] = []
      for (let i = 0; i < count; i++) ids.push((await f.store.appendMessage(draft(roomId, authorId))).message.id)
      return ids
    }

    beforeAll(async () => { f = await open() })
    afterAll(() => f?.cleanup())

    it('stores a message and finds it by room and id', async () => {
      const [room, author] = [await f.newRoom(), await f.newAuthor()]
      const input = draft(room, author, { body: 'hello\nworld' })
      const { message, created } = await f.store.appendMessage(input)
      expect(created).toBe(true)
      expect(message).toEqual({ ...input, id: message.id, rev: message.id, editedAt: null, deletedAt: null })
      expect(await f.store.findMessage(room, message.id)).toEqual(message)
      expect(await f.store.findMessage(await f.newRoom(), message.id)).toBeUndefined()
      expect(await f.store.findMessage(room, 'not-an-id')).toBeUndefined()
    })

    it('keeps the author\'s avatar with the message, and leaves it out for an author without one', async () => {
      const [room, author] = [await f.newRoom(), await f.newAuthor()]
      const withAvatar = await f.store.appendMessage(draft(room, author, { authorAvatarUrl: 'https://avatars.githubusercontent.com/u/1?v=4' }))
      const without = await f.store.appendMessage(draft(room, author))
      expect((await f.store.findMessage(room, withAvatar.message.id))!.authorAvatarUrl).toBe('https://avatars.githubusercontent.com/u/1?v=4')
      expect(await f.store.findMessage(room, without.message.id)).not.toHaveProperty('authorAvatarUrl')
      expect((await f.store.pageBefore(room, undefined, 10)).map((m) => m.authorAvatarUrl)).toEqual(['https://avatars.githubusercontent.com/u/1?v=4', undefined])
    })

    it('keeps the id of the message a reply answers, through pages, changes and deletes, and nothing else of it', async () => {
      const [room, author] = [await f.newRoom(), await f.newAuthor()]
      const original = (await f.store.appendMessage(draft(room, author, { body: 'the question' }))).message
      const reply = (await f.store.appendMessage(draft(room, author, { body: 'the answer', replyTo: original.id }))).message
      const plain = (await f.store.appendMessage(draft(room, author))).message
      expect(reply.replyTo).toBe(original.id)
      expect(await f.store.findMessage(room, reply.id)).toMatchObject({ replyTo: original.id, body: 'the answer' })
      expect(await f.store.findMessage(room, plain.id)).not.toHaveProperty('replyTo')
      expect((await f.store.pageBefore(room, undefined, 10)).map((m) => m.replyTo)).toEqual([undefined, original.id, undefined])
      expect((await f.store.changesSince(room, original.id, 10)).map((m) => m.replyTo)).toEqual([original.id, undefined])
      // The original deleted: the reply still names it (and shows it as deleted); the reply edited: still a reply.
      await f.store.changeMessage(room, original.id, { kind: 'delete', rev: nextId(), at: new Date() })
      const edited = await f.store.changeMessage(room, reply.id, { kind: 'edit', body: 'the answer, edited', rev: nextId(), at: new Date() })
      expect(edited).toMatchObject({ replyTo: original.id, body: 'the answer, edited' })
      expect((await f.store.pageAfter(room, original.id, 10))[0]).toMatchObject({ id: reply.id, replyTo: original.id })
    })

    it('appends a batch in the order given, with its original times, files and replies, and answers a repeated one as stored', async () => {
      const [room, author, other] = [await f.newRoom(), await f.newAuthor(), await f.newAuthor()]
      const before = (await f.store.appendMessage(draft(room, other, { body: 'already there' }))).message
      const file = { sha256: 'a'.repeat(64), name: 'notes.txt', type: 'application/octet-stream', size: 3, preview: false }
      const batch = [
        draft(room, author, { body: 'first, in 2019', createdAt: new Date('2019-05-01T10:00:00Z') }),
        draft(room, other, { body: 'second', createdAt: new Date('2019-05-01T10:01:00Z'), attachments: [file] }),
        draft(room, author, { body: 'third, a reply', createdAt: new Date('2019-05-02T08:00:00Z'), replyTo: before.id }),
      ]
      // Ids offered out of order: the store still hands them out in the batch's order.
      const offered = [batch[0]!, { ...batch[1]!, id: '1' }, batch[2]!]
      const answers = await f.store.appendMessages!(offered)
      expect(answers.map((a) => a.created)).toEqual([true, true, true])
      const ids = answers.map((a) => BigInt(a.message.id))
      expect(ids[0]! > BigInt(before.id) && ids[1]! > ids[0]! && ids[2]! > ids[1]!).toBe(true)
      expect(answers[0]!.after).toBe(before.id)
      expect(answers[1]!.after).toBe(answers[0]!.message.id)
      const page = await f.store.pageAfter(room, before.id, 10)
      expect(page.map((m) => [m.body, m.createdAt.toISOString()])).toEqual([
        ['first, in 2019', '2019-05-01T10:00:00.000Z'], ['second', '2019-05-01T10:01:00.000Z'], ['third, a reply', '2019-05-02T08:00:00.000Z'],
      ])
      expect(page[1]!.attachments).toEqual([file])
      expect(page[2]!.replyTo).toBe(before.id)

      // Again, with one new message among them: only that one is made, after the others.
      const again = await f.store.appendMessages!([...batch, draft(room, author, { body: 'fourth' })])
      expect(again.map((a) => a.created)).toEqual([false, false, false, true])
      expect(again.slice(0, 3).map((a) => a.message.id)).toEqual(answers.map((a) => a.message.id))
      expect(BigInt(again[3]!.message.id) > ids[2]!).toBe(true)
      expect((await f.store.pageAfter(room, before.id, 10)).map((m) => m.body)).toEqual(['first, in 2019', 'second', 'third, a reply', 'fourth'])
    })

    it('appends a reply to an earlier message of the same batch, naming where that one went', async () => {
      const [room, author] = [await f.newRoom(), await f.newAuthor()]
      const answers = await f.store.appendMessages!([
        draft(room, author, { body: 'question' }), draft(room, author, { body: 'aside' }),
        { ...draft(room, author, { body: 'answer' }), replyToEarlier: 0 }, { ...draft(room, author, { body: 'answer to the answer' }), replyToEarlier: 2 },
      ])
      const [question, , answer, second] = answers.map((a) => a.message)
      expect(answer!.replyTo).toBe(question!.id)
      expect(second!.replyTo).toBe(answer!.id)
      expect((await f.store.pageAfter(room, '0', 10)).map((m) => [m.body, m.replyTo])).toEqual([
        ['question', undefined], ['aside', undefined], ['answer', question!.id], ['answer to the answer', answer!.id],
      ])
    })

    it('stores one message for one (author, nonce), however often it is sent', async () => {
      const [room, author] = [await f.newRoom(), await f.newAuthor()]
      const first = draft(room, author)
      const again = { ...first, id: nextId(), body: 'retried' }
      const a = await f.store.appendMessage(first)
      const b = await f.store.appendMessage(again)
      expect(b).toEqual({ message: a.message, created: false })
      expect(await f.store.pageBefore(room, undefined, 10)).toHaveLength(1)
    })

    it('stores one message when the same nonce is sent twice at once', async () => {
      const [room, author] = [await f.newRoom(), await f.newAuthor()]
      const first = draft(room, author)
      const results = await Promise.all([f.store.appendMessage(first), f.store.appendMessage({ ...first, id: nextId() })])
      expect(results.filter((r) => r.created)).toHaveLength(1)
      expect(results[0]!.message.id).toBe(results[1]!.message.id)
      expect(await f.store.pageBefore(room, undefined, 10)).toHaveLength(1)
    })

    it('keeps a room\'s ids rising in commit order, even when an offered id is older', async () => {
      const [room, author] = [await f.newRoom(), await f.newAuthor()]
      const late = nextId()
      const early = await f.store.appendMessage(draft(room, author))
      const stale = await f.store.appendMessage({ ...draft(room, author), id: late })
      expect(BigInt(stale.message.id) > BigInt(early.message.id)).toBe(true)
      expect(stale.message.rev).toBe(stale.message.id)
      const edited = await f.store.changeMessage(room, early.message.id, { kind: 'edit', body: 'x', rev: late, at: new Date() })
      expect(BigInt(edited!.rev) > BigInt(stale.message.id)).toBe(true)
      expect((await f.store.changesSince(room, '0', 10)).map((m) => m.id)).toEqual([stale.message.id, early.message.id])
    })

    it('hands out distinct rising ids to concurrent sends in one room', async () => {
      const [room, author] = [await f.newRoom(), await f.newAuthor()]
      const sameId = nextId()
      const results = await Promise.all(Array.from({ length: 10 }, () => f.store.appendMessage({ ...draft(room, author), id: sameId })))
      const ids = results.map((r) => r.message.id)
      expect(new Set(ids).size).toBe(10)
      expect((await f.store.pageBefore(room, undefined, 20)).map((m) => m.id)).toEqual([...ids].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1)))
    })

    it('answers a new message with the rev right before it, changes included, also for sends at once', async () => {
      const [room, author] = [await f.newRoom(), await f.newAuthor()]
      const first = await f.store.appendMessage(draft(room, author))
      expect(first.after).toBe(await f.store.lastRev(await f.newRoom()))
      const edited = await f.store.changeMessage(room, first.message.id, { kind: 'edit', body: 'x', rev: nextId(), at: new Date() })
      const next = await f.store.appendMessage(draft(room, author))
      expect(next.after).toBe(edited!.rev)
      const together = await Promise.all(Array.from({ length: 6 }, () => f.store.appendMessage(draft(room, author))))
      // Each one's `after` is the rev of the one before it in the log: together they chain without a gap.
      const revs = [next.message.rev, ...together.map((r) => r.message.rev)].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1))
      const byRev = new Map(together.map((r) => [r.message.rev, r.after]))
      for (let i = 1; i < revs.length; i++) expect(byRev.get(revs[i]!)).toBe(revs[i - 1])
      const repeat = await f.store.appendMessage({ ...draft(room, author), nonce: next.message.nonce })
      expect(repeat.after).toBeUndefined()
    })

    it('lets two authors use the same nonce', async () => {
      const room = await f.newRoom()
      const [a, b] = [await f.newAuthor(), await f.newAuthor()]
      const m = draft(room, a)
      await f.store.appendMessage(m)
      expect((await f.store.appendMessage({ ...draft(room, b), nonce: m.nonce })).created).toBe(true)
    })

    it('pages backwards by id cursor, oldest first within a page, with no gap or repeat', async () => {
      const [room, author] = [await f.newRoom(), await f.newAuthor()]
      const ids = await fill(room, author, 120)
      const newest = await f.store.pageBefore(room, undefined, 50)
      expect(newest.map((m) => m.id)).toEqual(ids.slice(70))
      const seen: string[] = []
      let before: string | undefined
      for (;;) {
        const page = await f.store.pageBefore(room, before, 50)
        if (page.length === 0) break
        seen.unshift(...page.map((m) => m.id))
        before = page[0]!.id
      }
      expect(seen).toEqual(ids)
    })

    it('pages forwards after an id', async () => {
      const [room, author] = [await f.newRoom(), await f.newAuthor()]
      const ids = await fill(room, author, 30)
      expect((await f.store.pageAfter(room, ids[9]!, 5)).map((m) => m.id)).toEqual(ids.slice(10, 15))
      expect(await f.store.pageAfter(room, ids[29]!, 5)).toEqual([])
    })

    it('counts the messages after a read marker: others\' only, deleted ones left out, up to a cap and an upper bound', async () => {
      const [room, me, other] = [await f.newRoom(), await f.newAuthor(), await f.newAuthor()]
      const read = await fill(room, other, 3)
      const mine = await fill(room, me, 2)
      const unread = await fill(room, other, 6)
      // Edits take positions (and revs) of their own on some stores: they are not messages to count.
      await f.store.changeMessage(room, unread[0]!, { kind: 'edit', body: 'fixed', rev: nextId(), at: new Date() })
      await f.store.changeMessage(room, unread[1]!, { kind: 'delete', rev: nextId(), at: new Date() })
      const marker = read.at(-1)!
      expect(await f.store.countAfter(room, marker, { cap: 100, reader: me })).toBe(5)
      expect(await f.store.countAfter(room, marker, { cap: 100 })).toBe(7)
      expect(await f.store.countAfter(room, '0', { cap: 100, reader: me })).toBe(8)
      expect(await f.store.countAfter(room, marker, { cap: 3, reader: me })).toBe(3)
      expect(await f.store.countAfter(room, marker, { cap: 100, reader: me, until: unread[3]! })).toBe(3)
      expect(await f.store.countAfter(room, unread.at(-1)!, { cap: 100, reader: me })).toBe(0)
      expect(await f.store.countAfter(room, await f.store.lastRev(room), { cap: 100 })).toBe(0)
      expect(await f.store.countAfter(await f.newRoom(), '0', { cap: 100 })).toBe(0)
      expect(mine).toHaveLength(2)
    })

    it('keeps rooms apart', async () => {
      const [a, b, author] = [await f.newRoom(), await f.newRoom(), await f.newAuthor()]
      await fill(a, author, 5)
      expect(await f.store.pageBefore(b, undefined, 50)).toEqual([])
      expect(await f.store.changesSince(b, '0', 50)).toEqual([])
    })

    it('replays new messages and later changes after a cursor, in order of change', async () => {
      const [room, author] = [await f.newRoom(), await f.newAuthor()]
      const ids = await fill(room, author, 5)
      const edited = await f.store.changeMessage(room, ids[1]!, { kind: 'edit', body: 'fixed', rev: nextId(), at: new Date() })
      expect(edited).toMatchObject({ id: ids[1], body: 'fixed' })
      expect(edited!.editedAt).toBeInstanceOf(Date)
      const changes = await f.store.changesSince(room, ids[2]!, 100)
      expect(changes.map((m) => m.id)).toEqual([ids[3], ids[4], ids[1]])
      expect(changes[2]!.body).toBe('fixed')
      expect((await f.store.changesSince(room, '0', 2)).map((m) => m.id)).toEqual([ids[0], ids[2]])
    })

    it('never brings a deleted message back, whatever edit comes after', async () => {
      const [room, author] = [await f.newRoom(), await f.newAuthor()]
      const [id] = await fill(room, author, 1)
      const deleted = await f.store.changeMessage(room, id!, { kind: 'delete', rev: nextId(), at: new Date() })
      expect(deleted!.deletedAt).toBeInstanceOf(Date)
      expect(deleted!.body).toBe('')
      const late = await f.store.changeMessage(room, id!, { kind: 'edit', body: 'resurrected?', rev: nextId(), at: new Date() })
      expect(late!.deletedAt).toBeInstanceOf(Date)
      expect(late!.body).toBe('')
      expect((await f.store.findMessage(room, id!))!.body).toBe('')
    })

    it('answers nothing for a change to a message that does not exist', async () => {
      const room = await f.newRoom()
      expect(await f.store.changeMessage(room, nextId(), { kind: 'delete', rev: nextId(), at: new Date() })).toBeUndefined()
    })

    const react = (room: string, id: string, userId: number, emoji: string, on = true) =>
      f.store.changeMessage(room, id, { kind: 'react', reaction: { emoji, userId, login: `user${userId}` }, on, rev: nextId(), at: new Date() })

    it('adds and removes reactions as changes with a rev of their own, replayed after a cursor like edits', async () => {
      const [room, a, b] = [await f.newRoom(), await f.newAuthor(), await f.newAuthor()]
      const [first, second] = await fill(room, a, 2)
      const cursor = await f.store.lastRev(room)
      const thumbs = await react(room, first!, b, '👍')
      expect(BigInt(thumbs!.rev) > BigInt(cursor)).toBe(true)
      expect(thumbs!.reactions).toEqual([{ emoji: '👍', userId: b, login: `user${b}` }])
      await react(room, first!, a, '🎉')
      await react(room, first!, a, '👍')
      // By emoji (🎉 U+1F389 before 👍 U+1F44D), then by user id.
      const expected = [{ emoji: '🎉', userId: a, login: `user${a}` }, { emoji: '👍', userId: Math.min(a, b), login: `user${Math.min(a, b)}` }, { emoji: '👍', userId: Math.max(a, b), login: `user${Math.max(a, b)}` }]
      expect((await f.store.findMessage(room, first!))!.reactions).toEqual(expected)
      const replayed = await f.store.changesSince(room, cursor, 10)
      expect(replayed.map((m) => m.id)).toEqual([first])
      expect(replayed[0]!.reactions).toEqual(expected)
      expect((await f.store.pageBefore(room, undefined, 10)).map((m) => m.reactions)).toEqual([expected, undefined])
      expect((await f.store.pageAfter(room, '0', 10)).map((m) => m.reactions)).toEqual([expected, undefined])
      const edited = await f.store.changeMessage(room, first!, { kind: 'edit', body: 'kept', rev: nextId(), at: new Date() })
      expect(edited!.reactions).toEqual(expected)

      await react(room, first!, a, '🎉', false)
      await react(room, first!, b, '👍', false)
      const after = await react(room, first!, a, '👍', false)
      expect(after).not.toHaveProperty('reactions')
      expect(await f.store.findMessage(room, first!)).not.toHaveProperty('reactions')
      expect((await f.store.changesSince(room, edited!.rev, 10)).map((m) => [m.id, m.rev])).toEqual([[first, after!.rev]])
      expect(await f.store.findMessage(room, second!)).not.toHaveProperty('reactions')
    })

    it('keeps a reaction once however often it is added, and keeps other rooms\' messages apart', async () => {
      const [room, other, a] = [await f.newRoom(), await f.newRoom(), await f.newAuthor()]
      const [id] = await fill(room, a, 1)
      const [otherId] = await fill(other, a, 1)
      await Promise.all([react(room, id!, a, '❤️'), react(room, id!, a, '❤️')])
      expect((await f.store.findMessage(room, id!))!.reactions).toEqual([{ emoji: '❤️', userId: a, login: `user${a}` }])
      expect(await f.store.findMessage(other, otherId!)).not.toHaveProperty('reactions')
    })

    it('shows no reactions on a deleted message and takes none after', async () => {
      const [room, a] = [await f.newRoom(), await f.newAuthor()]
      const [id] = await fill(room, a, 1)
      await react(room, id!, a, '👀')
      const deleted = await f.store.changeMessage(room, id!, { kind: 'delete', rev: nextId(), at: new Date() })
      expect(deleted).not.toHaveProperty('reactions')
      const late = await react(room, id!, a, '👍')
      expect(late!.deletedAt).toBeInstanceOf(Date)
      expect(late!.rev).toBe(deleted!.rev)
      expect(await f.store.findMessage(room, id!)).not.toHaveProperty('reactions')
    })

    it('forgets a room\'s messages with their changes and reactions, leaves other rooms alone, and can run again', async () => {
      const [room, other, a] = [await f.newRoom(), await f.newRoom(), await f.newAuthor()]
      const ids = await fill(room, a, 5)
      await react(room, ids[0]!, a, '👍')
      await f.store.changeMessage(room, ids[1]!, { kind: 'edit', body: 'edited', rev: nextId(), at: new Date() })
      const [kept] = await fill(other, a, 1)
      await react(other, kept!, a, '🎉')
      await f.store.forgetRoom(room)
      for (const id of ids) expect(await f.store.findMessage(room, id)).toBeUndefined()
      expect(await f.store.pageBefore(room, undefined, 10)).toEqual([])
      expect(await f.store.pageAfter(room, '0', 10)).toEqual([])
      expect(await f.store.changesSince(room, '0', 10)).toEqual([])
      expect(await f.store.countAfter(room, '0', { cap: 10 })).toBe(0)
      expect((await f.store.findMessage(other, kept!))!.reactions).toEqual([{ emoji: '🎉', userId: a, login: `user${a}` }])
      await f.store.forgetRoom(room)
      await f.store.forgetRoom(await f.newRoom())
    })

    it('keeps a message\'s attachment references with it, through changes, and drops them with a delete', async () => {
      const [room, a] = [await f.newRoom(), await f.newAuthor()]
      const attachments = [
        { sha256: 'a'.repeat(64), name: 'photo.png', type: 'image/png', size: 1234, preview: true },
        { sha256: 'b'.repeat(64), name: 'notes.bin', type: 'application/octet-stream', size: 9, preview: false },
      ]
      const { message } = await f.store.appendMessage(draft(room, a, { attachments }))
      const plain = (await f.store.appendMessage(draft(room, a))).message
      expect(message.attachments).toEqual(attachments)
      expect((await f.store.findMessage(room, message.id))!.attachments).toEqual(attachments)
      expect((await f.store.pageBefore(room, undefined, 10)).map((m) => m.attachments)).toEqual([attachments, undefined])
      expect(await f.store.findMessage(room, plain.id)).not.toHaveProperty('attachments')
      await react(room, message.id, a, '👍')
      const edited = await f.store.changeMessage(room, message.id, { kind: 'edit', body: 'with files', rev: nextId(), at: new Date() })
      expect(edited!.attachments).toEqual(attachments)
      expect((await f.store.changesSince(room, plain.id, 10)).map((m) => m.attachments)).toEqual([attachments])
      const deleted = await f.store.changeMessage(room, message.id, { kind: 'delete', rev: nextId(), at: new Date() })
      expect(deleted).not.toHaveProperty('attachments')
      expect(await f.store.findMessage(room, message.id)).not.toHaveProperty('attachments')
    })

    it('attaches a link preview as a change with a rev of its own (not an edit), replayed after a cursor, removable, gone with a delete', async () => {
      const [room, a] = [await f.newRoom(), await f.newAuthor()]
      const [first, second] = await fill(room, a, 2)
      const cursor = await f.store.lastRev(room)
      const card = { url: 'https://example.com/a', site: 'Example', title: 'A page', description: 'What it says', image: 'c'.repeat(64) }
      const previewed = await f.store.changeMessage(room, first!, { kind: 'preview', preview: card, rev: nextId(), at: new Date() })
      expect(previewed).toMatchObject({ id: first, preview: card, editedAt: null })
      expect(BigInt(previewed!.rev) > BigInt(cursor)).toBe(true)
      expect((await f.store.findMessage(room, first!))!.preview).toEqual(card)
      expect((await f.store.changesSince(room, cursor, 10)).map((m) => [m.id, m.preview])).toEqual([[first, card]])
      expect((await f.store.pageBefore(room, undefined, 10)).map((m) => m.preview)).toEqual([card, undefined])
      expect((await f.store.pageAfter(room, '0', 10)).map((m) => m.preview)).toEqual([card, undefined])
      await react(room, first!, a, '👍')
      const edited = await f.store.changeMessage(room, first!, { kind: 'edit', body: 'still https://example.com/a', rev: nextId(), at: new Date() })
      expect(edited!.preview).toEqual(card)

      const removed = await f.store.changeMessage(room, first!, { kind: 'preview', preview: null, rev: nextId(), at: new Date() })
      expect(removed).not.toHaveProperty('preview')
      expect(await f.store.findMessage(room, first!)).not.toHaveProperty('preview')
      expect((await f.store.changesSince(room, edited!.rev, 10)).map((m) => [m.id, m.rev])).toEqual([[first, removed!.rev]])

      const bare = { url: 'http://example.org/', site: 'example.org', title: 'Only a title' }
      await f.store.changeMessage(room, second!, { kind: 'preview', preview: bare, rev: nextId(), at: new Date() })
      expect((await f.store.findMessage(room, second!))!.preview).toEqual(bare)
      const deleted = await f.store.changeMessage(room, second!, { kind: 'delete', rev: nextId(), at: new Date() })
      expect(deleted).not.toHaveProperty('preview')
      const late = await f.store.changeMessage(room, second!, { kind: 'preview', preview: card, rev: nextId(), at: new Date() })
      expect(late).not.toHaveProperty('preview')
      expect(await f.store.findMessage(room, second!)).not.toHaveProperty('preview')
    })
  })
}
