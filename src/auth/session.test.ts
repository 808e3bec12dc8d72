import { describe, expect, it } from 'vitest'
import { hashSessionToken, newSessionToken, sessionCookieName } from './session.ts'

describe('session tokens', () => {
  it('are 256 random bits in base64url, never repeated', () => {
    const tokens = new Set(Array.from({ length: 1000 }, newSessionToken))
    expect(tokens.size).toBe(1000)
    for (const t of tokens) expect(t).toMatch(/^[A-Za-z0-9_-]{43}$/)
  })

  it('are stored as a SHA-256 hash that does not contain the token', async () => {
    const token = newSessionToken()
    const hash = await hashSessionToken(token)
    expect(hash).toMatch(/^[0-9a-f]{64}$/)
    expect(hash).toBe(await hashSessionToken(token))
    expect(hash).not.toContain(token)
  })

  it('use a __Host- cookie whenever cookies are Secure', () => {
    expect(sessionCookieName(true)).toBe('__Host-rtc_session')
    expect(sessionCookieName(false)).toBe('rtc_session')
  })
})
