import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { InviteStore, NewInvite } from '../../src/store/ports.ts'

export interface InviteStoreFixture {
  store: InviteStore
  /** A user id, with this login. */
  newUser(login: string): Promise<number>
  newRoom(createdBy: number): Promise<{ id: string; slug: string }>
  deleteRoom(id: string): Promise<void>
  cleanup(): Promise<void>
}

const HOUR = 3_600_000

/** What every adapter of `InviteStore` does (PostgreSQL and PGlite): invites by hash, uses taken atomically, expiry, revocation. */
export function inviteStoreContract(name: string, open: () => Promise<InviteStoreFixture>) {
  describe(`InviteStore contract: ${name}`, () => {
    let f: InviteStoreFixture
    let n = 0
    beforeAll(async () => { f = await open() })
    afterAll(() => f?.cleanup())
    const make = async (fields: Partial<NewInvite> & { createdBy: number }) => {
      const hash = `hash-${++n}-${Math.random().toString(36).slice(2)}`
      return { hash, invite: await f.store.createInvite({ tokenHash: hash, tokenPrefix: `p${n}`, roomId: null, expiresAt: null, maxUses: null, ...fields }) }
    }

    it('keeps an invite under its hash, with its room and its creator, and finds it by id', async () => {
      const ann = await f.newUser('inv-ann')
      const room = await f.newRoom(ann)
      const expiresAt = new Date(Date.now() + HOUR)
      const { hash, invite } = await make({ createdBy: ann, roomId: room.id, maxUses: 3, expiresAt })
      expect(invite).toMatchObject({ tokenPrefix: `p${n}`, room: { id: room.id, slug: room.slug, visibility: 'private', createdBy: ann }, createdBy: ann, createdByLogin: 'inv-ann', maxUses: 3, uses: 0, revokedAt: null })
      expect(invite.expiresAt?.getTime()).toBe(expiresAt.getTime())
      expect(invite.createdAt).toBeInstanceOf(Date)
      expect(await f.store.findInviteByTokenHash(hash)).toEqual(invite)
      expect(await f.store.findInvite(invite.id)).toEqual(invite)
      expect(await f.store.findInviteByTokenHash('no-such-hash')).toBeUndefined()
      expect(await f.store.findInvite('999999999')).toBeUndefined()
      expect(await f.store.findInvite('1; DROP TABLE invites')).toBeUndefined()
      const { invite: server } = await make({ createdBy: ann })
      expect(server.room).toBeNull()
      expect(server.maxUses).toBeNull()
    })

    it('takes uses up to the limit and no more, gives one back, and never runs out without a limit', async () => {
      const bob = await f.newUser('inv-bob')
      const { invite } = await make({ createdBy: bob, maxUses: 2 })
      const now = new Date()
      expect(await f.store.claimInviteUse(invite.id, now)).toBe(true)
      expect(await f.store.claimInviteUse(invite.id, now)).toBe(true)
      expect(await f.store.claimInviteUse(invite.id, now)).toBe(false)
      expect((await f.store.findInvite(invite.id))!.uses).toBe(2)
      await f.store.releaseInviteUse(invite.id)
      expect((await f.store.findInvite(invite.id))!.uses).toBe(1)
      expect(await f.store.claimInviteUse(invite.id, now)).toBe(true)
      const { invite: open } = await make({ createdBy: bob })
      for (let i = 0; i < 5; i++) expect(await f.store.claimInviteUse(open.id, now)).toBe(true)
      expect((await f.store.findInvite(open.id))!.uses).toBe(5)
      const { invite: fresh } = await make({ createdBy: bob })
      await f.store.releaseInviteUse(fresh.id)
      expect((await f.store.findInvite(fresh.id))!.uses).toBe(0)
    })

    it('refuses a use once the invite expired, and lists only invites still usable', async () => {
      const cy = await f.newUser('inv-cy')
      const room = await f.newRoom(cy)
      const now = new Date()
      const { invite: soon } = await make({ createdBy: cy, roomId: room.id, expiresAt: new Date(now.getTime() + HOUR) })
      const { invite: full } = await make({ createdBy: cy, roomId: room.id, maxUses: 1 })
      const { invite: open } = await make({ createdBy: cy, roomId: room.id })
      await f.store.claimInviteUse(full.id, now)
      expect(await f.store.claimInviteUse(soon.id, new Date(now.getTime() + 2 * HOUR))).toBe(false)
      expect(await f.store.claimInviteUse(soon.id, now)).toBe(true)
      const ids = (list: { id: string }[]) => list.map((i) => i.id)
      expect(ids(await f.store.activeInvites(now, { roomId: room.id, limit: 10 }))).toEqual([open.id, soon.id])
      expect(ids(await f.store.activeInvites(new Date(now.getTime() + 2 * HOUR), { roomId: room.id, limit: 10 }))).toEqual([open.id])
      expect(ids(await f.store.activeInvites(now, { roomId: room.id, limit: 1 }))).toEqual([open.id])
      const everywhere = ids(await f.store.activeInvites(now, { limit: 100 }))
      expect(everywhere).toContain(open.id)
      expect(everywhere).not.toContain(full.id)
    })

    it('revokes once: a revoked invite takes no use and is not listed', async () => {
      const di = await f.newUser('inv-di')
      const { invite } = await make({ createdBy: di })
      const at = new Date()
      expect(await f.store.revokeInvite(invite.id, at)).toBe(true)
      expect(await f.store.revokeInvite(invite.id, at)).toBe(false)
      expect(await f.store.revokeInvite('424242424', at)).toBe(false)
      expect((await f.store.findInvite(invite.id))!.revokedAt?.getTime()).toBe(at.getTime())
      expect(await f.store.claimInviteUse(invite.id, at)).toBe(false)
      expect((await f.store.activeInvites(at, { limit: 100 })).map((i) => i.id)).not.toContain(invite.id)
    })

    it('gives the last uses to exactly as many racers as there are uses', async () => {
      const ed = await f.newUser('inv-ed')
      for (const uses of [1, 3]) {
        const { invite } = await make({ createdBy: ed, maxUses: uses })
        const now = new Date()
        const won = await Promise.all(Array.from({ length: 12 }, () => f.store.claimInviteUse(invite.id, now)))
        expect(won.filter(Boolean)).toHaveLength(uses)
        expect((await f.store.findInvite(invite.id))!.uses).toBe(uses)
      }
    })

    it('forgets a room\'s invites with the room', async () => {
      const fay = await f.newUser('inv-fay')
      const room = await f.newRoom(fay)
      const { hash } = await make({ createdBy: fay, roomId: room.id })
      await f.deleteRoom(room.id)
      expect(await f.store.findInviteByTokenHash(hash)).toBeUndefined()
    })
  })
}
