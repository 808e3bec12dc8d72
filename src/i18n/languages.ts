/** The interface's languages; English is the default and the fallback. */
export const LANGUAGES = ['en', 'de', 'fr', 'es', 'pt'] as const
export type Language = (typeof LANGUAGES)[number]
export const DEFAULT_LANGUAGE: Language = 'en'

/** Each language by its own name, as the setting lists them. */
export const LANGUAGE_NAMES: Readonly<Record<Language, string>> = {
  en: 'English', de: 'Deutsch', fr: 'Français', es: 'Español', pt: 'Português',
}

export const isLanguage = (value: unknown): value is Language => typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value)

/**
 * The best of our languages for an `Accept-Language` header (RFC 9110 §12.5.4): ranges by weight, a region
 * matching its base language (`de-AT` → `de`), `*` the default; nothing acceptable, the default.
 */
export function negotiateLanguage(header: string | undefined | null): Language {
  if (!header) return DEFAULT_LANGUAGE
  const ranges = header.slice(0, 1000).split(',').map((part, index) => {
    const [range = '', ...params] = part.trim().split(';')
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='))
    const weight = q ? Number(q.slice(2)) : 1
    return { base: range.trim().toLowerCase().split('-')[0] ?? '', weight: Number.isFinite(weight) ? weight : 0, index }
  }).filter((r) => r.weight > 0).sort((a, b) => b.weight - a.weight || a.index - b.index)
  for (const { base } of ranges) {
    if (base === '*') return DEFAULT_LANGUAGE
    if (isLanguage(base)) return base
  }
  return DEFAULT_LANGUAGE
}
