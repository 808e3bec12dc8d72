import { wordsAt } from '../lib/words.ts'
import type { SearchTerms } from '../store/ports.ts'

/** Longer queries are cut here (a pasted page becomes its first words, never a slow query). */
export const MAX_QUERY_CHARS = 200
/** Each word is a condition for the store; more than this are dropped. */
export const MAX_QUERY_WORDS = 8

export type QueryCheck = { ok: true; terms: SearchTerms } | { ok: false; error: string }

const CONTROL = /[\u0000-\u001f\u007f-\u009f\ue000-\uf8ff]/g
const TOKEN = /(-?)"([^"]*)"?|(-?)(\S+)/g

/** Reads what the person typed: words, "quoted phrases", and -words to leave out. */
export function parseQuery(raw: unknown): QueryCheck {
  const text = typeof raw === 'string' ? raw.replace(CONTROL, ' ').trim() : ''
  if (text === '') return { ok: false, error: 'Type a word or a "quoted phrase" to search for.' }
  const points = [...text]
  let shortened = points.length > MAX_QUERY_CHARS
  const capped = shortened ? points.slice(0, MAX_QUERY_CHARS).join('') : text
  const words: string[] = []
  const phrases: string[][] = []
  const excluded: string[] = []
  for (const m of capped.matchAll(TOKEN)) {
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
  }
  if (words.length === 0) {
    return { ok: false, error: excluded.length > 0 ? 'Say what to look for, not only what to leave out.' : 'There is no word to search for in that; type a word or a "quoted phrase".' }
  }
  return { ok: true, terms: { words: [...new Set(words)], phrases, excluded: [...new Set(excluded)], shortened } }
}
