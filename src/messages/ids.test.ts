import { describe, expect, it } from 'vitest'
import { idMaker, idTime, isId } from './ids.ts'

describe('idMaker', () => {
  it('makes strictly increasing ids, even within one millisecond and when the clock steps back', () => {
    let t = Date.parse('2026-11-28T00:00:00Z')
    const next = idMaker(5, () => t)
    const ids: bigint[] = []
    for (let i = 0; i < 10_000; i++) {
      if (i % 3000 === 0) t -= 50
      ids.push(BigInt(next()))
    }
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!).toBe(true)
  })

  it('encodes the time, so ids sort by when they were made', () => {
    const t = Date.parse('2026-11-28T12:34:56.789Z')
    const id = idMaker(1023, () => t)()
    expect(idTime(id).toISOString()).toBe('2026-11-28T12:34:56.789Z')
    expect(isId(id)).toBe(true)
  })

  it('gives different instances different ids at the same instant', () => {
    const t = Date.now()
    expect(idMaker(1, () => t)()).not.toBe(idMaker(2, () => t)())
  })

  it('refuses an instance number outside 10 bits', () => {
    expect(() => idMaker(1024)).toThrow(RangeError)
  })
})

describe('isId', () => {
  it.each(['', 'abc', '-1', '1e5', '99999999999999999999', '9223372036854775808', ' 1'])('refuses %j', (v) => {
    expect(isId(v)).toBe(false)
  })
})
