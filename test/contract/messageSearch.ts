import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { parseQuery } from '../../src/search/query.ts'
import type { MessageSearch, MessageStore, SearchCursor, SearchHit, SearchRequest } from '../../src/store/ports.ts'

export interface MessageSearchFixture {
  store: MessageStore
  search: MessageSearch
  newRoom(): Promise<string>
  newAuthor(): Promise<number>
  cleanup(): Promise<void>
}

/**
 * The search cases every message store passes (PostgreSQL, PGlite, Cassandra):
 * the same messages found on each. Each case uses words of its own, so the
 * cases share one store and do not depend on each other.
 */
export function messageSearchContract(name: string, open: () => Promise<MessageSearchFixture>) {
  describe(`MessageSearch contract: ${name}`, () => {
    let f: MessageSearchFixture
    let n = 0
    const t0 = Date.UTC(2026, 0, 1)
    const word = (w: string) => `${w}${Math.random().toString(36).slice(2, 8)}`
    const send = async (roomId: string, authorId: number, body: string) => (await f.store.appendMessage({
      id: String(Date.now() * 1000 + ++n), roomId, authorId, authorLogin: `user${authorId}`, authorName: `User ${authorId}`,
      nonce: `search-${n}-${Math.random().toString(36).slice(2)}`, body, createdAt: new Date(t0 + n * 1000),
    })).message
    const find = async (q: string, roomIds: string[], extra: Partial<SearchRequest> = {}) => {
      const parsed = parseQuery(q)
      if (!parsed.ok) throw new Error(parsed.error)
      const found = await f.search.searchMessages({ terms: parsed.terms, roomIds, limit: 20, ...extra })
      // A few messages are never past any store's work budget: every search here finishes.
      expect(found.stopped).toBe(false)
      return found.hits
    }
    const bodies = (hits: SearchHit[]) => hits.map((h) => h.message.body)
    const marked = (hit: SearchHit) => hit.snippet.filter((p) => p.mark).map((p) => p.text.toLowerCase())

    beforeAll(async () => { f = await open() })
    afterAll(() => f?.cleanup())

    it('finds a word in any case across the rooms asked for, newest first, and marks it in the snippet', async () => {
      const [a, b, other, author] = [await f.newRoom(), await f.newRoom(), await f.newRoom(), await f.newAuthor()]
      const w = word('kettle')
      await send(a, author, `the ${w} is on`)
      await send(b, author, `nothing here`)
      await send(b, author, `Who left the ${w.toUpperCase()} running?`)
      await send(other, author, `a ${w} in a room not asked for`)
      const hits = await find(w, [a, b])
      expect(bodies(hits)).toEqual([`Who left the ${w.toUpperCase()} running?`, `the ${w} is on`])
      expect(hits.map((h) => h.message.roomId)).toEqual([b, a])
      expect(marked(hits[0]!)).toEqual([w])
      expect(hits[0]!.snippet.map((p) => p.text).join('')).toContain('Who left the')
      expect(await find(w, [other])).toHaveLength(1)
    })

    it('finds a word written like a tag, and shows the text around it as typed', async () => {
      const [room, author] = [await f.newRoom(), await f.newAuthor()]
      const w = word('quokka')
      await send(room, author, `the <${w}> & <b>friends</b>`)
      const [hit] = await find(w, [room])
      expect(hit!.snippet.map((p) => p.text).join('')).toBe(`the <${w}> & <b>friends</b>`)
      expect(marked(hit!)).toEqual([w])
    })

    it('needs every word, and leaves out messages with an excluded one', async () => {
      const [room, author] = [await f.newRoom(), await f.newAuthor()]
      const [x, y] = [word('apple'), word('pear')]
      await send(room, author, `${x} only`)
      await send(room, author, `${x} and ${y}`)
      await send(room, author, `${y} only`)
      expect(bodies(await find(`${x} ${y}`, [room]))).toEqual([`${x} and ${y}`])
      expect(bodies(await find(`${x} -${y}`, [room]))).toEqual([`${x} only`])
    })

    it('matches a quoted phrase only where its words stand together in order', async () => {
      const [room, author] = [await f.newRoom(), await f.newAuthor()]
      const [x, y] = [word('quick'), word('brown')]
      await send(room, author, `the ${x} ${y} fox`)
      await send(room, author, `${y} ${x}, reversed`)
      await send(room, author, `${x} and then ${y}`)
      expect(bodies(await find(`"${x} ${y}"`, [room]))).toEqual([`the ${x} ${y} fox`])
      expect(await find(`${x} ${y}`, [room])).toHaveLength(3)
    })

    it('finds an edited message by its new text only, and a deleted one never', async () => {
      const [room, author] = [await f.newRoom(), await f.newAuthor()]
      const [before, after, gone] = [word('typo'), word('fixed'), word('regret')]
      const edited = await send(room, author, `a ${before} here`)
      await f.store.changeMessage(room, edited.id, { kind: 'edit', body: `a ${after} here`, rev: String(Date.now() * 1000 + ++n), at: new Date() })
      const deleted = await send(room, author, `${gone} said once`)
      await f.store.changeMessage(room, deleted.id, { kind: 'delete', rev: String(Date.now() * 1000 + ++n), at: new Date() })
      const both = await send(room, author, `${after} then ${gone} again`)
      await f.store.changeMessage(room, both.id, { kind: 'edit', body: `${after} ${gone} edited`, rev: String(Date.now() * 1000 + ++n), at: new Date() })
      await f.store.changeMessage(room, both.id, { kind: 'delete', rev: String(Date.now() * 1000 + ++n), at: new Date() })
      expect(await find(before, [room])).toEqual([])
      const found = await find(after, [room])
      expect(found.map((h) => [h.message.id, h.message.body])).toEqual([[edited.id, `a ${after} here`]])
      expect(await find(gone, [room])).toEqual([])
    })

    it('filters by author', async () => {
      const [room, alice, bob] = [await f.newRoom(), await f.newAuthor(), await f.newAuthor()]
      const w = word('lunch')
      await send(room, alice, `${w} at noon?`)
      await send(room, bob, `${w} at one`)
      expect((await find(w, [room], { authorId: bob })).map((h) => h.message.authorId)).toEqual([bob])
    })

    it('matches the last word typed as the start of a longer word, and marks the whole word', async () => {
      const [room, author] = [await f.newRoom(), await f.newAuthor()]
      const stem = word('kube')
      await send(room, author, `${stem} alone`)
      await send(room, author, `deploy ${stem}ctl now`)
      await send(room, author, `the ${stem}rnetes cluster`)
      await send(room, author, `not ${stem.slice(0, -1)} nor x${stem}`)
      const hits = await find(stem, [room])
      expect(bodies(hits)).toEqual([`the ${stem}rnetes cluster`, `deploy ${stem}ctl now`, `${stem} alone`])
      expect(marked(hits[0]!)).toEqual([`${stem}rnetes`])
      expect(bodies(await find(`deploy ${stem}`, [room]))).toEqual([`deploy ${stem}ctl now`])
      expect(bodies(await find(`-cluster ${stem}`, [room]))).toEqual([`deploy ${stem}ctl now`, `${stem} alone`])
      // Only the last word, and only typed bare: a quoted word or an earlier one is matched whole.
      expect(bodies(await find(`"${stem}"`, [room]))).toEqual([`${stem} alone`])
      expect(bodies(await find(`${stem} alone`, [room]))).toEqual([`${stem} alone`])
    })

    it('pages with a cursor across rooms without repeating or skipping a message', async () => {
      const rooms = [await f.newRoom(), await f.newRoom(), await f.newRoom()]
      const author = await f.newAuthor()
      const w = word('page')
      const sent: string[] = []
      for (let i = 0; i < 11; i++) sent.push((await send(rooms[i % 3]!, author, `${w} number ${i}`)).body)
      const seen: string[] = []
      let before: SearchCursor | undefined
      for (let pages = 0; pages < 10; pages++) {
        const hits = await find(w, rooms, { limit: 4, before })
        seen.push(...bodies(hits))
        if (hits.length < 4) break
        before = hits.at(-1)!.message
      }
      expect(seen).toEqual([...sent].reverse())
    })
  })
}
