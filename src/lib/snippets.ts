import type { WordAt } from './words.ts'

/** A piece of a search result's snippet; `mark` pieces are the words that matched. Plain text, escaped where shown. */
export interface SnippetPart {
  readonly text: string
  readonly mark: boolean
}

/** Words shown around the first match, about what PostgreSQL's ts_headline shows by default. */
const BEFORE = 8
const WORDS = 28

/** True when every phrase stands in the body, word after word, and no excluded word does. */
export function matchesExactly(words: readonly WordAt[], phrases: readonly (readonly string[])[], excluded: readonly string[]): boolean {
  const seq = words.map((w) => w.word)
  if (excluded.some((x) => seq.includes(x))) return false
  return phrases.every((p) => seq.some((_, i) => p.every((w, j) => seq[i + j] === w)))
}

/** A window of the body around its first matching word, the matching words marked. */
export function snippetOf(body: string, words: readonly WordAt[], wanted: ReadonlySet<string>): SnippetPart[] {
  const first = Math.max(0, words.findIndex((w) => wanted.has(w.word)))
  const from = Math.max(0, first - BEFORE)
  const to = Math.min(words.length, from + WORDS)
  const start = from === 0 ? 0 : words[from]!.start
  const end = to === words.length ? body.length : words[to - 1]!.end
  const parts: SnippetPart[] = []
  let at = start
  for (const w of words.slice(from, to)) {
    if (!wanted.has(w.word)) continue
    if (w.start > at) parts.push({ text: body.slice(at, w.start), mark: false })
    parts.push({ text: body.slice(w.start, w.end), mark: true })
    at = w.end
  }
  if (end > at) parts.push({ text: body.slice(at, end), mark: false })
  if (start > 0) parts.unshift({ text: '… ', mark: false })
  if (end < body.length) parts.push({ text: ' …', mark: false })
  return parts
}

/** Unusual characters the database puts around matches; the text between is split on them, never trusted as HTML. */
export const MARK_START = '\ue000'
export const MARK_STOP = '\ue001'

export function partsFromMarkers(text: string): SnippetPart[] {
  const parts: SnippetPart[] = []
  for (const [i, piece] of text.split(new RegExp(`[${MARK_START}${MARK_STOP}]`)).entries()) {
    if (piece !== '') parts.push({ text: piece, mark: i % 2 === 1 })
  }
  return parts
}

/** Characters kept before the first match, and in all, when a marked body is cut to a snippet. */
const LEAD_CHARS = 60
const SNIPPET_CHARS = 240

/**
 * Cuts a marked body to a window around its first match, at spaces where it
 * can. For highlights made over the whole body (PostgreSQL's ts_headline with
 * HighlightAll, which keeps the text as typed; its own windows drop anything
 * that looks like a tag).
 */
export function windowAround(parts: readonly SnippetPart[]): SnippetPart[] {
  const text = parts.map((p) => p.text).join('')
  let offset = 0
  let first = 0
  for (const p of parts) {
    if (p.mark) { first = offset; break }
    offset += p.text.length
  }
  let start = Math.max(0, first - LEAD_CHARS)
  if (start > 0) start = text.indexOf(' ', start) + 1 || start
  let end = Math.min(text.length, start + SNIPPET_CHARS)
  if (end < text.length) end = text.lastIndexOf(' ', end) > first ? text.lastIndexOf(' ', end) : end
  const out: SnippetPart[] = start > 0 ? [{ text: '… ', mark: false }] : []
  offset = 0
  for (const p of parts) {
    const [from, to] = [Math.max(start, offset), Math.min(end, offset + p.text.length)]
    if (from < to) out.push({ text: p.text.slice(from - offset, to - offset), mark: p.mark })
    offset += p.text.length
  }
  if (end < text.length) out.push({ text: ' …', mark: false })
  return out
}