import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { KeptStore } from '../../src/store/ports.ts'

export interface KeptStoreFixture {
  store: KeptStore
  newUser(): Promise<number>
  newRoom(): Promise<string>
  cleanup(): Promise<void>
}

/** What every adapter of `KeptStore` does (PostgreSQL and PGlite): pins per room, saves per person, both by id. */
export function keptStoreContract(name: string, open: () => Promise<KeptStoreFixture>) {
  describe(`KeptStore contract: ${name}`, () => {
    let f: KeptStoreFixture
    beforeAll(async () => { f = await open() })
    afterAll(() => f?.cleanup())

    it('pins a message once per room, lists the latest pinned first, and unpins', async () => {
      const [room, other, ann] = [await f.newRoom(), await f.newRoom(), await f.newUser()]
      expect(await f.store.pin(room, '10', ann)).toBe(true)
      expect(await f.store.pin(room, '10', ann)).toBe(false)
      expect(await f.store.pin(room, '20', ann)).toBe(true)
      expect(await f.store.pin(other, '10', ann)).toBe(true)
      const pins = await f.store.pins(room, 10)
      expect(pins.map((p) => p.messageId)).toEqual(['20', '10'])
      expect(pins[0]).toMatchObject({ roomId: room, pinnedBy: ann })
      expect(pins[0]!.at).toBeInstanceOf(Date)
      expect((await f.store.pins(room, 1)).map((p) => p.messageId)).toEqual(['20'])
      expect(await f.store.unpin(room, '20')).toBe(true)
      expect(await f.store.unpin(room, '20')).toBe(false)
      expect((await f.store.pins(room, 10)).map((p) => p.messageId)).toEqual(['10'])
      expect((await f.store.pins(other, 10)).map((p) => p.messageId)).toEqual(['10'])
    })

    it('saves per person across rooms, the latest saved first, and tells which of a room\'s messages are saved', async () => {
      const [a, b, ann, bob] = [await f.newRoom(), await f.newRoom(), await f.newUser(), await f.newUser()]
      expect(await f.store.save(ann, a, '1')).toBe(true)
      expect(await f.store.save(ann, a, '1')).toBe(false)
      await f.store.save(ann, b, '7')
      await f.store.save(bob, a, '2')
      expect((await f.store.saved(ann, 10)).map((s) => [s.roomId, s.messageId])).toEqual([[b, '7'], [a, '1']])
      expect((await f.store.saved(bob, 10)).map((s) => s.messageId)).toEqual(['2'])
      expect(await f.store.savedAmong(ann, a, ['1', '2', '3'])).toEqual(new Set(['1']))
      expect(await f.store.savedAmong(ann, a, [])).toEqual(new Set())
      expect(await f.store.unsave(ann, a, '1')).toBe(true)
      expect(await f.store.unsave(ann, a, '1')).toBe(false)
      expect((await f.store.saved(ann, 10)).map((s) => s.messageId)).toEqual(['7'])
    })

    it('forgets a deleted message everywhere: its pin and everyone\'s save, and says whether it was pinned', async () => {
      const [room, ann, bob] = [await f.newRoom(), await f.newUser(), await f.newUser()]
      await f.store.pin(room, '5', ann)
      await f.store.save(ann, room, '5')
      await f.store.save(bob, room, '5')
      await f.store.save(bob, room, '6')
      expect(await f.store.forgetMessage(room, '5')).toEqual({ unpinned: true })
      expect(await f.store.forgetMessage(room, '6')).toEqual({ unpinned: false })
      expect(await f.store.pins(room, 10)).toEqual([])
      expect(await f.store.saved(ann, 10)).toEqual([])
      expect(await f.store.saved(bob, 10)).toEqual([])
    })
  })
}
