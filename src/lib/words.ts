/**
 * Words of a text as search sees them: Unicode word boundaries (UAX #29, the
 * rule Lucene's standard tokenizer follows), NFKC-normalised and lower-cased.
 * The Cassandra store indexes these; search highlights and phrase checks use
 * the same split, so what is indexed and what is matched agree.
 */
const segmenter = new Intl.Segmenter('und', { granularity: 'word' })

/** Longer "words" (hashes, base64) are not indexed: a term stays small in the index. */
export const MAX_WORD_CHARS = 64

export interface WordAt {
  readonly word: string
  /** Where it stands in the original text (UTF-16 offsets). */
  readonly start: number
  readonly end: number
}

export const normalizeWord = (text: string) => text.normalize('NFKC').toLowerCase()

export function wordsAt(text: string): WordAt[] {
  const out: WordAt[] = []
  for (const s of segmenter.segment(text)) {
    if (!s.isWordLike) continue
    out.push({ word: normalizeWord(s.segment), start: s.index, end: s.index + s.segment.length })
  }
  return out
}

/** The distinct words of a text, as stored for the index. */
export function termsOf(text: string): string[] {
  return [...new Set(wordsAt(text).map((w) => w.word).filter((w) => w.length <= MAX_WORD_CHARS))]
}
