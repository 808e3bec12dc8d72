import { describe, expect, it } from 'vitest'
import { isOutcomeUnknown } from './errors.tsx'

describe('isOutcomeUnknown', () => {
  it('knows the answers of the message store that leave the outcome of a write unknown', () => {
    expect(isOutcomeUnknown(Object.assign(new Error('x'), { name: 'OperationTimedOutError' }))).toBe(true)
    expect(isOutcomeUnknown(Object.assign(new Error('x'), { name: 'NoHostAvailableError' }))).toBe(true)
    expect(isOutcomeUnknown(Object.assign(new Error('x'), { name: 'ResponseError', code: 0x1100 }))).toBe(true)
    expect(isOutcomeUnknown(Object.assign(new Error('x'), { code: 'ECONTENDED' }))).toBe(true)
    // Seen in npm run faults:cluster as 500s: a read failing on a replica that was being killed, and a socket closed under a request.
    expect(isOutcomeUnknown(Object.assign(new Error('x'), { name: 'ResponseError', code: 0x1300 }))).toBe(true)
    expect(isOutcomeUnknown(Object.assign(new Error('Socket was closed'), { name: 'DriverError', isSocketError: true }))).toBe(true)
  })

  it('leaves other errors alone', () => {
    expect(isOutcomeUnknown(Object.assign(new Error('x'), { name: 'ResponseError', code: 0x2200 }))).toBe(false)
    expect(isOutcomeUnknown(new TypeError('bug'))).toBe(false)
    expect(isOutcomeUnknown(Object.assign(new Error('x'), { name: 'DriverError' }))).toBe(false)
    expect(isOutcomeUnknown(undefined)).toBe(false)
  })
})
