import { describe, expect, it } from 'vitest'
import { checkBody, MAX_BODY_CHARS, nonceFrom, NUL_REFUSAL } from './validate.ts'

describe('checkBody', () => {
  it('trims and keeps inner newlines', () => {
    expect(checkBody('  hello\r\nworld \n')).toEqual({ ok: true, body: 'hello\nworld' })
  })

  it.each([undefined, '', '   \n\t ', 42])('refuses an empty body %j', (raw) => {
    expect(checkBody(raw)).toEqual({ ok: false, error: 'Write something before sending.' })
  })

  it('refuses a body holding U+0000, which no store keeps, wherever it comes from (forms, the bot API, webhook replies)', () => {
    expect(checkBody('a\u0000b')).toEqual({ ok: false, error: NUL_REFUSAL })
  })

  it('counts characters, not UTF-16 units, up to the limit', () => {
    expect(checkBody('😀'.repeat(MAX_BODY_CHARS)).ok).toBe(true)
    expect(checkBody('a'.repeat(MAX_BODY_CHARS + 1))).toEqual({ ok: false, error: 'A message can be at most 4000 characters; this one has 4001.' })
  })
})

describe('nonceFrom', () => {
  it('keeps a well-formed client nonce and replaces anything else', () => {
    expect(nonceFrom('abcdEFGH-1234_xyz')).toBe('abcdEFGH-1234_xyz')
    for (const bad of [undefined, '', 'short', '<script>alert(1)</script>', 'x'.repeat(65)]) {
      expect(nonceFrom(bad)).toMatch(/^[0-9a-f-]{36}$/)
    }
  })
})
