import { describe, expect, it } from 'vitest'
import { mentionedLogins, splitMentions } from './mentions.ts'

describe('mentions', () => {
  it('finds logins after a space, at the start and after punctuation', () => {
    expect(mentionedLogins('@alice and @Bob-x, (@carol) @alice!')).toEqual(['alice', 'bob-x', 'carol'])
  })

  it('ignores addresses, paths, lone @ and malformed logins', () => {
    expect(mentionedLogins('me@example.com /@scope/pkg @ @-x @x- @a--b a+@b')).toEqual([])
  })

  it('cuts text into runs and mentions that join back to the text', () => {
    const text = 'hi @alice, see @bob.'
    const parts = splitMentions(text)
    expect(parts).toEqual(['hi ', { login: 'alice' }, ', see ', { login: 'bob' }, '.'])
    expect(parts.map((p) => (typeof p === 'string' ? p : `@${p.login}`)).join('')).toBe(text)
  })

  it('stops a login at 39 characters', () => {
    expect(mentionedLogins(`@${'a'.repeat(39)}`)).toEqual(['a'.repeat(39)])
    expect(mentionedLogins(`@${'a'.repeat(40)}`)).toEqual([])
  })
})
