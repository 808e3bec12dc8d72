import { describe, expect, it } from 'vitest'
import { loginFrom, oidcProfile } from './oidcProfile.ts'

const MENTIONABLE = /^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}$/

describe('oidcProfile', () => {
  it('keys the person by issuer and subject and takes the login from preferred_username', () => {
    expect(oidcProfile({ iss: 'https://id.example', sub: '248289761001', preferred_username: 'j.doe', name: 'Jane Doe', email: 'jane@example.org', picture: 'https://id.example/jane.png' }))
      .toEqual({ issuer: 'https://id.example', subject: '248289761001', login: 'j-doe', name: 'Jane Doe', avatarUrl: 'https://id.example/jane.png' })
  })

  it('falls back to the name, then the e-mail\'s local part, then "user"', () => {
    expect(oidcProfile({ iss: 'https://id.example', sub: 's', name: 'José Pérez' }).login).toBe('Jose-Perez')
    expect(oidcProfile({ iss: 'https://id.example', sub: 's', name: '山田', email: 'yamada.taro@example.jp' }).login).toBe('yamada-taro')
    expect(oidcProfile({ iss: 'https://id.example', sub: 's', preferred_username: '   ', name: '山田' }).login).toBe('user')
  })

  it('takes no picture but an https one', () => {
    for (const picture of ['http://id.example/a.png', 'javascript:alert(1)', 'data:image/png;base64,AAAA', 'not a url', `https://id.example/${'a'.repeat(2100)}`]) {
      expect(oidcProfile({ iss: 'https://id.example', sub: 's', picture }).avatarUrl).toBeNull()
    }
  })

  it('refuses claims without an issuer or a subject', () => {
    expect(() => oidcProfile({ iss: 'https://id.example' })).toThrow()
    expect(() => oidcProfile({ sub: 's' })).toThrow()
  })
})

describe('loginFrom', () => {
  it.each([
    ['alice', 'alice'],
    ['Alice_Smith', 'Alice-Smith'],
    ['--dash--', 'dash'],
    ['a..b', 'a-b'],
    ['jdoe@corp.example', 'jdoe'],
    ['Zoë', 'Zoe'],
    ['x'.repeat(50), 'x'.repeat(39)],
    [`${'a'.repeat(38)}-b`, 'a'.repeat(38)],
    ['🙂', ''],
  ])('turns %j into %j, a login people can mention', (text, login) => {
    expect(loginFrom(text)).toBe(login)
    if (login) expect(login).toMatch(MENTIONABLE)
  })
})
