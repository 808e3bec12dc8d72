import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { UploadedFile, UploadStore } from '../../src/store/ports.ts'

export interface UploadStoreFixture {
  store: UploadStore
  newUser(): Promise<number>
  newRoom(): Promise<string>
  deleteRoom(roomId: string): Promise<void>
  /** Runs `during` while another connection waits on a lock (real PostgreSQL); on a one-connection store, right away. */
  whileBlocked?(during: () => Promise<void>): Promise<void>
  cleanup(): Promise<void>
}

const QUOTA = 1000
let seed = 0
const file = (size: number): UploadedFile => ({ sha256: (++seed).toString(16).padStart(64, '0'), size })

/**
 * The upload quota and the removal of unreferenced files, exact on every store that holds uploads: a file counts
 * once per user while a send holds it or any live message of theirs carries it, for each user who stored it.
 */
export function uploadStoreContract(name: string, open: () => Promise<UploadStoreFixture>) {
  describe(`UploadStore contract: ${name}`, () => {
    let f: UploadStoreFixture
    beforeAll(async () => { f = await open() })
    afterAll(() => f?.cleanup())

    /** Records and keeps the files for the message of `nonce`, as a send does. */
    const send = async (userId: number, roomId: string, nonce: string, files: UploadedFile[]) => {
      const recorded = await f.store.recordUploads(userId, files, QUOTA)
      if (recorded.ok) await f.store.keepUploads(userId, { roomId, nonce }, files)
      return recorded
    }
    const removedNow = async (sha256s: string[]) => {
      const removed: string[] = []
      await f.store.removeUnreferenced({ sha256s }, async (sha256) => { removed.push(sha256) })
      return removed
    }
    const sweep = async (unreferencedBefore: Date) => {
      const removed: string[] = []
      await f.store.removeUnreferenced({ unreferencedBefore, limit: 1000 }, async (sha256) => { removed.push(sha256) })
      return removed
    }
    const later = () => new Date(Date.now() + 60_000)

    it('counts a file once while any live message of its author carries it, and releases it when the last one goes', async () => {
      const [ann, room] = [await f.newUser(), await f.newRoom()]
      const x = file(400)
      expect(await send(ann, room, 'a', [x])).toEqual({ ok: true })
      expect(await send(ann, room, 'b', [x, x])).toEqual({ ok: true })
      expect(await f.store.bytesUsed(ann)).toBe(400)
      await f.store.releaseUploads(ann, 'a', [x.sha256])
      expect(await f.store.bytesUsed(ann)).toBe(400)
      expect(await sweep(later())).not.toContain(x.sha256)
      // Again and again: deleting one of two messages never frees what the other still carries.
      const y = file(400)
      expect(await send(ann, room, 'c', [y])).toEqual({ ok: true })
      expect(await send(ann, room, 'd', [y])).toEqual({ ok: true })
      await f.store.releaseUploads(ann, 'c', [y.sha256])
      expect(await send(ann, room, 'e', [file(400)])).toEqual({ ok: false, used: 800 })
      await f.store.releaseUploads(ann, 'b', [x.sha256])
      expect(await f.store.bytesUsed(ann)).toBe(400)
      expect(await sweep(later())).toContain(x.sha256)
    })

    it('counts a file two people stored for each of them, and removes it only when neither references it', async () => {
      const [ann, ben, room] = [await f.newUser(), await f.newUser(), await f.newRoom()]
      const x = file(300)
      await send(ann, room, 'a', [x])
      await send(ben, room, 'b', [x])
      expect([await f.store.bytesUsed(ann), await f.store.bytesUsed(ben)]).toEqual([300, 300])
      await f.store.releaseUploads(ann, 'a', [x.sha256])
      expect([await f.store.bytesUsed(ann), await f.store.bytesUsed(ben)]).toEqual([0, 300])
      expect(await sweep(later())).not.toContain(x.sha256)
      expect(await removedNow([x.sha256])).toEqual([])
      await f.store.releaseUploads(ben, 'b', [x.sha256])
      expect(await sweep(later())).toContain(x.sha256)
    })

    it('refuses files past the quota and holds none of them; files already counted do not count again', async () => {
      const [ann, room] = [await f.newUser(), await f.newRoom()]
      const [x, y] = [file(600), file(500)]
      await send(ann, room, 'a', [x])
      expect(await f.store.recordUploads(ann, [x, y], QUOTA)).toEqual({ ok: false, used: 600 })
      expect(await f.store.bytesUsed(ann)).toBe(600)
      expect(await removedNow([x.sha256, y.sha256])).toEqual([y.sha256])
      expect(await f.store.recordUploads(ann, [x, file(400)], QUOTA)).toEqual({ ok: true })
    })

    it('keeps uploads recorded at once within the quota together', async () => {
      const ann = await f.newUser()
      const results = await Promise.all(Array.from({ length: 6 }, () => f.store.recordUploads(ann, [file(300)], QUOTA)))
      expect(results.filter((r) => r.ok)).toHaveLength(3)
      expect(await f.store.bytesUsed(ann)).toBe(900)
    })

    it('counts a send\'s files while it holds them, and not once the send is refused', async () => {
      const ann = await f.newUser()
      const x = file(700)
      expect(await f.store.recordUploads(ann, [x], QUOTA)).toEqual({ ok: true })
      expect(await f.store.bytesUsed(ann)).toBe(700)
      // A held file is not removed, at once or by a sweep.
      expect(await removedNow([x.sha256])).toEqual([])
      expect(await sweep(later())).not.toContain(x.sha256)
      await f.store.dropUploads(ann, [x])
      expect(await f.store.bytesUsed(ann)).toBe(0)
      expect(await sweep(later())).toContain(x.sha256)
    })

    it('stops counting the files of a deleted room\'s messages, and removes them after the grace period', async () => {
      const [ann, room, other] = [await f.newUser(), await f.newRoom(), await f.newRoom()]
      const [x, y] = [file(200), file(300)]
      await send(ann, room, 'a', [x, y])
      await send(ann, other, 'b', [y])
      await f.deleteRoom(room)
      expect(await f.store.bytesUsed(ann)).toBe(300)
      expect(await sweep(new Date(Date.now() - 60_000))).not.toContain(x.sha256)
      const removed = await sweep(later())
      expect(removed).toContain(x.sha256)
      expect(removed).not.toContain(y.sha256)
    })

    it('keeps a file whose hash is recorded again during its grace period', async () => {
      const [ann, ben, room] = [await f.newUser(), await f.newUser(), await f.newRoom()]
      const x = file(100)
      await send(ann, room, 'a', [x])
      await f.store.releaseUploads(ann, 'a', [x.sha256])
      await send(ben, room, 'b', [x])
      expect(await sweep(later())).not.toContain(x.sha256)
      expect(await removedNow([x.sha256])).toEqual([])
    })

    it('makes a send reusing a hash wait for a removal under way, and then keeps the file', async () => {
      const [ann, ben, room] = [await f.newUser(), await f.newUser(), await f.newRoom()]
      const x = file(100)
      await send(ann, room, 'a', [x])
      await f.store.releaseUploads(ann, 'a', [x.sha256])
      const events: string[] = []
      let recording: Promise<unknown> = Promise.resolve()
      await f.store.removeUnreferenced({ unreferencedBefore: later(), limit: 1000 }, async (sha256) => {
        if (sha256 !== x.sha256) return
        events.push('removing')
        // Ben's send of the same file starts while the file is being removed: it waits for the removal to end.
        recording = send(ben, room, 'b', [x]).then(() => events.push('recorded'))
        await f.whileBlocked?.(async () => {})
        events.push('removed')
      })
      await recording
      expect(events).toEqual(['removing', 'removed', 'recorded'])
      expect(await f.store.bytesUsed(ben)).toBe(100)
      expect(await removedNow([x.sha256])).toEqual([])
    })
  })
}
