import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { SignInStateStore, UserStore } from '../../src/store/ports.ts'

export interface OidcStoresFixture {
  users: UserStore
  states: SignInStateStore
  /** Makes a sign-in under way look as old as its expiry (the database's clock decides what is expired). */
  expire(stateHash: string): Promise<void>
  cleanup(): Promise<void>
}

const ISSUER = 'https://id.example.org/realms/home'
const HOUR = 3600_000

/** What every adapter of the single sign-on ports does (PostgreSQL and PGlite). */
export function oidcStoresContract(name: string, open: () => Promise<OidcStoresFixture>) {
  describe(`OpenID Connect stores contract: ${name}`, () => {
    let f: OidcStoresFixture
    let n = 0
    const subject = () => `subject-${++n}-${Math.random().toString(36).slice(2)}`
    beforeAll(async () => { f = await open() })
    afterAll(() => f?.cleanup())

    it('hands a sign-in under way out once, and never after it expired', async () => {
      const pending = { codeVerifier: 'v'.repeat(43), nonce: 'n'.repeat(43) }
      await f.states.putSignIn('hash-once', pending, new Date(Date.now() + HOUR))
      expect(await f.states.takeSignIn('hash-once', new Date())).toEqual(pending)
      expect(await f.states.takeSignIn('hash-once', new Date())).toBeUndefined()
      expect(await f.states.takeSignIn('hash-never-put', new Date())).toBeUndefined()

      await f.states.putSignIn('hash-late', pending, new Date(Date.now() + HOUR))
      expect(await f.states.takeSignIn('hash-late', new Date(Date.now() + 2 * HOUR))).toBeUndefined()
      await f.states.putSignIn('hash-old', pending, new Date(Date.now() + HOUR))
      await f.expire('hash-old')
      expect(await f.states.takeSignIn('hash-old', new Date())).toBeUndefined()
    })

    it('keys a person by issuer and subject: the same pair is the same user, refreshed; another issuer is someone else', async () => {
      const sub = subject()
      const first = await f.users.upsertOidcUser({ issuer: ISSUER, subject: sub, login: 'marta', name: 'Marta', avatarUrl: null })
      expect(first).toEqual({ id: first.id, login: 'marta', name: 'Marta', avatarUrl: null })
      expect(first.id).toBeLessThan(0)
      // A new username at the provider does not move the login people know; name and picture follow.
      const again = await f.users.upsertOidcUser({ issuer: ISSUER, subject: sub, login: 'marta-renamed', name: 'Marta K.', avatarUrl: 'https://id.example.org/m.png' })
      expect(again).toEqual({ id: first.id, login: 'marta', name: 'Marta K.', avatarUrl: 'https://id.example.org/m.png' })
      expect(await f.users.findUserById(first.id)).toEqual(again)
      const elsewhere = await f.users.upsertOidcUser({ issuer: 'https://other.example.org', subject: sub, login: 'marta', name: null, avatarUrl: null })
      expect(elsewhere.id).not.toBe(first.id)
      expect(elsewhere.login).toMatch(/^marta~[0-9a-f]{8}$/)
    })

    it('makes a taken login unique with a suffix from the identity, the same on every sign-in', async () => {
      await f.users.upsertGithubUser({ id: 7_000_001, login: 'Sam', name: 'Sam on GitHub', avatarUrl: null })
      const sub = subject()
      const sam = await f.users.upsertOidcUser({ issuer: ISSUER, subject: sub, login: 'sam', name: 'Sam', avatarUrl: null })
      expect(sam.login).toMatch(/^sam~[0-9a-f]{8}$/)
      expect((await f.users.findUserByLogin('sam'))?.id).toBe(7_000_001)
      expect((await f.users.upsertOidcUser({ issuer: ISSUER, subject: sub, login: 'sam', name: 'Sam', avatarUrl: null })).login).toBe(sam.login)
    })

    it('keeps a single sign-on login when a GitHub account of that name arrives, and refuses it to a local sign-in', async () => {
      const kim = await f.users.upsertOidcUser({ issuer: ISSUER, subject: subject(), login: 'kim', name: 'Kim', avatarUrl: null })
      const github = await f.users.upsertGithubUser({ id: 7_000_002, login: 'kim', name: null, avatarUrl: null })
      expect(github.login).toBe('kim~7000002')
      expect((await f.users.findUserById(kim.id))?.login).toBe('kim')
      await expect(f.users.upsertLocalUser('KIM')).rejects.toMatchObject({ code: 'LOGIN_TAKEN' })
    })

    it('makes one user of simultaneous first sign-ins, and distinct logins for different people wanting one', async () => {
      const sub = subject()
      const same = await Promise.all(Array.from({ length: 4 }, () => f.users.upsertOidcUser({ issuer: ISSUER, subject: sub, login: 'rush', name: null, avatarUrl: null })))
      expect(new Set(same.map((u) => u.id)).size).toBe(1)
      const people = await Promise.all(Array.from({ length: 4 }, () => f.users.upsertOidcUser({ issuer: ISSUER, subject: subject(), login: 'crowd', name: null, avatarUrl: null })))
      expect(new Set(people.map((u) => u.login.toLowerCase())).size).toBe(4)
      expect(people.map((u) => u.login)).toContain('crowd')
    })
  })
}
