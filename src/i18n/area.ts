import type { Language } from './languages.ts'

/**
 * One entry: text with `{name}` placeholders, or plural forms chosen by `Intl.PluralRules` for `{count}`
 * (`other` always, the rest as the language has them: `one`, and for others `zero`, `two`, `few`, `many`).
 */
export type Entry = string | { readonly other: string; readonly zero?: string; readonly one?: string; readonly two?: string; readonly few?: string; readonly many?: string }

/** An area's entries in English, the reference each other language must match key for key (tsc checks it). */
export type AreaEntries = Readonly<Record<string, Entry>>

export type Area<E extends AreaEntries> = { readonly [L in Language]: { readonly [K in keyof E]: Entry } }

/**
 * One area of the catalog (a page or a feature), every language beside the English: a key missing or
 * extra in any language fails the type check.
 */
export function defineArea<const E extends AreaEntries>(en: E, others: { readonly [L in Exclude<Language, 'en'>]: { readonly [K in keyof E]: Entry } }): Area<E> {
  return { en, ...others }
}
