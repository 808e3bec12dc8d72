import { describe, expect, it } from 'vitest'
import { checkProfileFields, isTimeZone, localTime, MAX_BIO, MAX_DISPLAY_NAME, TIME_ZONES } from './fields.ts'

const typed = (over: Partial<{ display_name: string; bio: string; time_zone: string }> = {}) => ({ display_name: '', bio: '', time_zone: '', ...over })

describe('profile fields', () => {
  it('trims, and reads empty fields as not set', () => {
    expect(checkProfileFields(typed({ display_name: '  Ann Lee ', bio: '\n hi \r\n there ', time_zone: 'Europe/Paris' })))
      .toEqual({ ok: true, fields: { displayName: 'Ann Lee', bio: 'hi \n there', timeZone: 'Europe/Paris' } })
    expect(checkProfileFields(typed({ display_name: '   ' }))).toEqual({ ok: true, fields: { displayName: null, bio: null, timeZone: null } })
  })

  it('counts characters, not bytes or UTF-16 units, against the limits', () => {
    expect(checkProfileFields(typed({ display_name: '😀'.repeat(MAX_DISPLAY_NAME) })).ok).toBe(true)
    const long = checkProfileFields(typed({ display_name: 'a'.repeat(MAX_DISPLAY_NAME + 1), bio: 'b'.repeat(MAX_BIO + 1) }))
    expect(long).toEqual({ ok: false, errors: {
      display_name: `A display name is at most 64 characters; this one has 65.`,
      bio: `A bio is at most 280 characters; this one has 281.`,
    } })
  })

  it('refuses a name over more than one line or with invisible characters, and an unknown time zone', () => {
    expect(checkProfileFields(typed({ display_name: 'a\nb' }))).toMatchObject({ ok: false, errors: { display_name: expect.stringMatching(/one line/) } })
    expect(checkProfileFields(typed({ display_name: 'admin\u202e' }))).toMatchObject({ ok: false, errors: { display_name: expect.any(String) } })
    expect(checkProfileFields(typed({ bio: 'a\u0007b' }))).toMatchObject({ ok: false, errors: { bio: expect.any(String) } })
    expect(checkProfileFields(typed({ time_zone: 'Mars/Olympus' }))).toMatchObject({ ok: false, errors: { time_zone: expect.any(String) } })
  })

  it('knows the runtime\'s time zones and shows a local time in one', () => {
    expect(TIME_ZONES).toContain('Europe/Paris')
    expect(isTimeZone('UTC')).toBe(true)
    expect(isTimeZone('Not/AZone')).toBe(false)
    expect(localTime('Asia/Tokyo', new Date('2026-01-06T03:04:00Z'))).toBe('Tue 12:04')
  })
})
