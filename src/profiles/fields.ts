/** The longest display name, in characters, once trimmed. */
export const MAX_DISPLAY_NAME = 64
/** The longest bio, in characters, once trimmed. */
export const MAX_BIO = 280

/** The time zones offered, as this runtime knows them (IANA names). */
export const TIME_ZONES: readonly string[] = Intl.supportedValuesOf('timeZone')

export interface ProfileFields {
  displayName: string | null
  bio: string | null
  timeZone: string | null
}

/** What was typed, kept as typed, for the form to show again beside its errors. */
export interface TypedProfile {
  display_name: string
  bio: string
  time_zone: string
}

export type FieldErrors = Partial<Record<keyof TypedProfile | 'avatar', string>>

const length = (text: string) => [...text].length
/** Line breaks, tabs and other control characters; format characters (bidi overrides, zero-width) in a name. */
const CONTROL = /\p{Cc}/u
const INVISIBLE = /[\p{Cf}\u2028\u2029]/u

/** A time zone the runtime can show a local time in (its list's names, and aliases such as UTC). */
export function isTimeZone(name: string): boolean {
  if (name.length > 64) return false
  try {
    new Intl.DateTimeFormat('en', { timeZone: name })
    return true
  } catch {
    return false
  }
}

/**
 * The profile form's text fields checked: trimmed, empty meaning "not set"
 * (the account's own name, no bio, no local time). A name is one line of
 * visible text; a bio may have line breaks (stored as \n).
 */
export function checkProfileFields(typed: TypedProfile): { ok: true; fields: ProfileFields } | { ok: false; errors: FieldErrors } {
  const errors: FieldErrors = {}
  const name = typed.display_name.trim()
  const bio = typed.bio.replace(/\r\n?/g, '\n').trim()
  const zone = typed.time_zone.trim()
  if (length(name) > MAX_DISPLAY_NAME) errors.display_name = `A display name is at most ${MAX_DISPLAY_NAME} characters; this one has ${length(name)}.`
  else if (CONTROL.test(name) || INVISIBLE.test(name)) errors.display_name = 'A display name is one line of visible characters.'
  if (length(bio) > MAX_BIO) errors.bio = `A bio is at most ${MAX_BIO} characters; this one has ${length(bio)}.`
  else if (/[^\P{Cc}\n]/u.test(bio)) errors.bio = 'A bio cannot hold control characters.'
  if (zone !== '' && !isTimeZone(zone)) errors.time_zone = 'Choose a time zone from the list, or none.'
  if (Object.keys(errors).length) return { ok: false, errors }
  return { ok: true, fields: { displayName: name || null, bio: bio || null, timeZone: zone || null } }
}

/** The time in `timeZone` now, as a card shows it: "Tue 14:05". */
export function localTime(timeZone: string, now: Date): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(now)
}
