import { describe, expect, it } from 'vitest'
import { matchesExactly, partsFromMarkers, snippetOf, windowAround, MARK_START as S, MARK_STOP as E } from './snippets.ts'
import { termsOf, wordsAt } from './words.ts'

const text = (parts: { text: string }[]) => parts.map((p) => p.text).join('')

describe('words and snippets', () => {
  it('cuts words by Unicode rules, normalised and lower-cased', () => {
    expect(termsOf('Hello, HELLO wörld! ﬁne 日本語')).toEqual(['hello', 'wörld', 'fine', '日本語'])
    expect(termsOf('x'.repeat(65) + ' ok')).toEqual(['ok'])
  })

  it('checks phrases word after word and excluded words', () => {
    const words = wordsAt('the quick brown fox')
    expect(matchesExactly(words, [['quick', 'brown']], [])).toBe(true)
    expect(matchesExactly(words, [['brown', 'quick']], [])).toBe(false)
    expect(matchesExactly(words, [], ['fox'])).toBe(false)
  })

  it('marks the matching words in a window of the body, as typed', () => {
    const body = `${'lead '.repeat(30)}the <Quokka> & friends ${'tail '.repeat(40)}`
    const parts = snippetOf(body, wordsAt(body), new Set(['quokka']))
    expect(parts.filter((p) => p.mark).map((p) => p.text)).toEqual(['Quokka'])
    expect(text(parts)).toMatch(/^… (lead )+the <Quokka> & friends (tail )+tail …$/)
    expect(text(parts).length).toBeLessThan(body.length)
  })

  it('splits a marked headline on its markers only, and cuts it around the first match', () => {
    expect(partsFromMarkers(`a ${S}b${E} <c>`)).toEqual([{ text: 'a ', mark: false }, { text: 'b', mark: true }, { text: ' <c>', mark: false }])
    const long = partsFromMarkers(`${'x '.repeat(100)}${S}hit${E}${' y'.repeat(300)}`)
    const cut = windowAround(long)
    expect(cut[0]).toEqual({ text: '… ', mark: false })
    expect(cut.filter((p) => p.mark)).toEqual([{ text: 'hit', mark: true }])
    expect(text(cut).length).toBeLessThan(260)
  })
})
