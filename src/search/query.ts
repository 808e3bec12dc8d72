import { wordsAt } from '../lib/words.ts'
import type { SearchTerms } from '../store/ports.ts'

/** Longer queries are cut here (a pasted page becomes its first words, never a slow query). */
export const MAX_QUERY_CHARS = 200
/** Each word is a condition for the store; more than this are dropped. */
export const MAX_QUERY_WORDS = 8

/** A last word shorter than this is matched whole: a one- or two-letter prefix would match most of a room. */
export const MIN_PREFIX_CHARS = 3

/** `from:login` and `in:room` typed in the query: the author and room filters. */
export interface QueryFilters {
  from?: string | undefined
  in?: string | undefined
}

export type QueryCheck = { ok: true; terms: SearchTerms; filters: QueryFilters } | { ok: false; error: string }

const CONTROL = /[\u0000-\u001f\u007f-\u009f\ue000-\uf8ff]/g
const TOKEN = /(-?)"([^"]*)"?|(-?)(\S+)/g
const FILTER = /^(from|in):(\S+)$/i

/** Reads what the person typed: words, "quoted phrases", -words to leave out, `from:login` and `in:room`. */
export function parseQuery(raw: unknown): QueryCheck {
  const text = typeof raw === 'string' ? raw.replace(CONTROL, ' ').trim() : ''
  if (text === '') return { ok: false, error: 'Type a word or a "quoted phrase" to search for.' }
  const points = [...text]
  let shortened = points.length > MAX_QUERY_CHARS
  const capped = shortened ? points.slice(0, MAX_QUERY_CHARS).join('') : text
  const words: string[] = []
  const phrases: string[][] = []
  const excluded: string[] = []
  const filters: QueryFilters = {}
  let prefix: string | undefined
  for (const m of capped.matchAll(TOKEN)) {
    const filter = m[4] === undefined || m[3] === '-' ? null : FILTER.exec(m[4])
    if (filter) {
      filters[filter[1]!.toLowerCase() as 'from' | 'in'] = filter[2]!
      continue
    }
    prefix = undefined
    const negative = (m[1] ?? m[3]) === '-'
    const found = wordsAt(m[2] ?? m[4] ?? '').map((w) => w.word)
    if (found.length === 0) continue
    if (negative) {
      excluded.push(...found)
      continue
    }
    const room = MAX_QUERY_WORDS - words.length
    if (room <= 0) { shortened = true; continue }
    const kept = found.slice(0, room)
    if (kept.length < found.length) shortened = true
    words.push(...kept)
    // A quoted phrase, or a token the word rules split (e-mail, 3.14.1): its words must stand together.
    if (kept.length > 1) phrases.push(kept)
    // Only a bare last word is a prefix: a quoted one was typed to be matched whole.
    else if (m[4] !== undefined && kept[0]!.length >= MIN_PREFIX_CHARS && kept.length === found.length) prefix = kept[0]
  }
  if (words.length === 0) {
    if (filters.from || filters.in) return { ok: false, error: 'Say what to look for as well as where or from whom: a word or a "quoted phrase".' }
    return { ok: false, error: excluded.length > 0 ? 'Say what to look for, not only what to leave out.' : 'There is no word to search for in that; type a word or a "quoted phrase".' }
  }
  return { ok: true, terms: { words: [...new Set(words)], phrases, excluded: [...new Set(excluded)], shortened, ...(prefix ? { prefix } : {}) }, filters }
}
