import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { ProfileStore, UserStore } from '../../src/store/ports.ts'

export interface ProfileStoreFixture {
  store: ProfileStore
  users: UserStore
  /** Avatar rows held for the user: one at most, whatever was replaced. */
  avatarRows(userId: number): Promise<number>
  cleanup(): Promise<void>
}

const avatar = (userId: number, fill: number) => {
  const bytes = new Uint8Array(64).fill(fill)
  const sha256 = fill.toString(16).padStart(2, '0').repeat(32)
  return { sha256, bytes, url: `/avatars/${userId}/${sha256}.webp` }
}

/** What every adapter of `ProfileStore` does (PostgreSQL and PGlite, one code): chosen fields over the account's own. */
export function profileStoreContract(name: string, open: () => Promise<ProfileStoreFixture>) {
  describe(`ProfileStore contract: ${name}`, () => {
    let f: ProfileStoreFixture
    beforeAll(async () => { f = await open() })
    afterAll(() => f?.cleanup())

    it('shows the chosen display name instead of the account\'s, and the account\'s again once cleared', async () => {
      const ann = await f.users.upsertLocalUser('prof-ann')
      expect(await f.store.profileOf(ann.id)).toMatchObject({ user: { login: 'prof-ann', name: 'prof-ann' }, displayName: null, bio: null, timeZone: null, avatar: null })
      const saved = await f.store.saveProfile(ann.id, { displayName: 'Ann Lee', bio: 'Tea.\nBikes.', timeZone: 'Europe/Paris' })
      expect(saved).toEqual({ id: ann.id, login: 'prof-ann', name: 'Ann Lee', avatarUrl: null })
      expect(await f.users.findUserById(ann.id)).toEqual(saved)
      expect(await f.store.profileByLogin('PROF-ANN')).toMatchObject({ displayName: 'Ann Lee', bio: 'Tea.\nBikes.', timeZone: 'Europe/Paris', lastSeenAt: null })
      expect((await f.store.saveProfile(ann.id, { displayName: null, bio: null, timeZone: null })).name).toBe('prof-ann')
      expect(await f.store.profileByLogin('nobody-has-this')).toBeUndefined()
    })

    it('keeps one avatar per person: a new one replaces the old, removing it shows the account\'s own again', async () => {
      const bob = await f.users.upsertGithubUser({ id: 9_100_001, login: 'prof-bob', name: 'Bob B', avatarUrl: 'https://avatars.githubusercontent.com/u/9100001?v=4' })
      const first = avatar(bob.id, 1)
      expect((await f.store.saveProfile(bob.id, { displayName: null, bio: null, timeZone: null }, first)).avatarUrl).toBe(first.url)
      expect(await f.store.avatarOf(bob.id)).toEqual({ sha256: first.sha256, bytes: first.bytes })
      const second = avatar(bob.id, 2)
      await f.store.saveProfile(bob.id, { displayName: 'Bobby', bio: null, timeZone: null }, second)
      expect(await f.avatarRows(bob.id)).toBe(1)
      expect((await f.store.avatarOf(bob.id))?.sha256).toBe(second.sha256)
      // Saving without a picture leaves the one there.
      expect((await f.store.saveProfile(bob.id, { displayName: 'Bobby', bio: 'x', timeZone: null })).avatarUrl).toBe(second.url)
      expect((await f.store.profileOf(bob.id))?.avatar).toBe(second.sha256)
      const removed = await f.store.removeAvatar(bob.id)
      expect(removed).toMatchObject({ name: 'Bobby', avatarUrl: 'https://avatars.githubusercontent.com/u/9100001?v=4' })
      expect(await f.avatarRows(bob.id)).toBe(0)
      expect(await f.store.avatarOf(bob.id)).toBeUndefined()
    })

    it('lets GitHub sign-in refresh only what the person did not choose', async () => {
      const github = (name: string | null, v: number) => ({ id: 9_100_002, login: 'prof-cy', name, avatarUrl: `https://avatars.githubusercontent.com/u/9100002?v=${v}` })
      const cy = await f.users.upsertGithubUser(github('Cy GitHub', 1))
      const mine = avatar(cy.id, 3)
      await f.store.saveProfile(cy.id, { displayName: 'Cy Chosen', bio: null, timeZone: null }, mine)
      const again = await f.users.upsertGithubUser(github('Cy Renamed', 2))
      expect(again).toMatchObject({ name: 'Cy Chosen', avatarUrl: mine.url })
      // Cleared, the name and face are GitHub's as of the last sign-in.
      expect((await f.store.saveProfile(cy.id, { displayName: null, bio: null, timeZone: null })).name).toBe('Cy Renamed')
      expect((await f.store.removeAvatar(cy.id)).avatarUrl).toBe('https://avatars.githubusercontent.com/u/9100002?v=2')
      expect(await f.users.upsertGithubUser(github(null, 3))).toMatchObject({ name: null, avatarUrl: 'https://avatars.githubusercontent.com/u/9100002?v=3' })
    })
  })
}
