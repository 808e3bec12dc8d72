import { describe, expect, it } from 'vitest'
import { MAX_QUERY_WORDS, parseQuery } from './query.ts'

const terms = (q: string) => {
  const parsed = parseQuery(q)
  if (!parsed.ok) throw new Error(parsed.error)
  return parsed.terms
}

describe('parseQuery', () => {
  it('reads words, quoted phrases and words to leave out, lower-cased', () => {
    expect(terms('Hello "Big World" -Spam')).toEqual({ words: ['hello', 'big', 'world'], phrases: [['big', 'world']], excluded: ['spam'], shortened: false })
  })

  it('keeps a word the word rules split (e-mail) together as a phrase', () => {
    expect(terms('e-mail')).toMatchObject({ words: ['e', 'mail'], phrases: [['e', 'mail']] })
  })

  it('refuses a query with no word in it, with a reason', () => {
    expect(parseQuery('')).toEqual({ ok: false, error: expect.stringContaining('Type a word') })
    expect(parseQuery('  !!! ... ??? & | <-> ')).toEqual({ ok: false, error: expect.stringContaining('no word to search for') })
    expect(parseQuery('-spam')).toEqual({ ok: false, error: expect.stringContaining('not only what to leave out') })
    expect(parseQuery(undefined)).toMatchObject({ ok: false })
  })

  it('cuts a huge query to its first words and says so', () => {
    const long = terms('word '.repeat(2000) + 'last')
    expect(long.words).toEqual(['word'])
    expect(long.shortened).toBe(true)
    const many = terms(Array.from({ length: 20 }, (_, i) => `w${i}`).join(' '))
    expect(many.words).toHaveLength(MAX_QUERY_WORDS)
    expect(many.shortened).toBe(true)
  })

  it('takes operators and control characters as text, never as syntax', () => {
    expect(terms('a:* & (b | !c) <-> \u0000d\ue000')).toMatchObject({ words: ['a', 'b', 'c', 'd'], excluded: [] })
    expect(terms('"unclosed phrase here')).toMatchObject({ phrases: [['unclosed', 'phrase', 'here']] })
  })
})

describe('parseQuery: prefixes and filters', () => {
  it('matches a bare last word of three letters or more as a prefix, never a quoted, short or excluded one', () => {
    expect(terms('deploy kube')).toMatchObject({ words: ['deploy', 'kube'], prefix: 'kube' })
    expect(terms('kube deploy')).toMatchObject({ prefix: 'deploy' })
    expect(terms('"kube"').prefix).toBeUndefined()
    expect(terms('kube go').prefix).toBeUndefined()
    expect(terms('kube -old').prefix).toBeUndefined()
    expect(terms('e-mail').prefix).toBeUndefined()
  })

  it('reads from:login and in:room as filters, not words, wherever they stand', () => {
    const parsed = parseQuery('from:Dave kube in:general')
    expect(parsed).toMatchObject({ ok: true, terms: { words: ['kube'], prefix: 'kube' }, filters: { from: 'Dave', in: 'general' } })
    expect(parseQuery('from:dave')).toEqual({ ok: false, error: expect.stringContaining('Say what to look for') })
    expect(parseQuery('-from:dave x')).toMatchObject({ ok: true, terms: { excluded: ['from:dave'] } })
  })
})
