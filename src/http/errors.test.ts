import { describe, expect, it } from 'vitest'
import { isOutcomeUnknown } from './errors.tsx'

describe('isOutcomeUnknown', () => {
  it('knows the answers of the message store that leave the outcome of a write unknown', () => {
    expect(isOutcomeUnknown(Object.assign(new Error('x'), { name: 'OperationTimedOutError' }))).toBe(true)
    expect(isOutcomeUnknown(Object.assign(new Error('x'), { name: 'NoHostAvailableError' }))).toBe(true)
    expect(isOutcomeUnknown(Object.assign(new Error('x'), { name: 'ResponseError', code: 0x1100 }))).toBe(true)
    expect(isOutcomeUnknown(Object.assign(new Error('x'), { code: 'ECONTENDED' }))).toBe(true)
  })

  it('leaves other errors alone', () => {
    expect(isOutcomeUnknown(Object.assign(new Error('x'), { name: 'ResponseError', code: 0x2200 }))).toBe(false)
    expect(isOutcomeUnknown(new TypeError('bug'))).toBe(false)
    expect(isOutcomeUnknown(undefined)).toBe(false)
  })
})
