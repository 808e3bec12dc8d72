import { createContext, useContext } from 'hono/jsx'
import type { Child } from 'hono/jsx'
import type { Entry } from './area.ts'
import { CATALOG, type Key } from './catalog.ts'
import { DEFAULT_LANGUAGE, LANGUAGES, type Language } from './languages.ts'

export type Params = Readonly<Record<string, string | number>>

/** A language's words and formats: text by key, numbers and dates through `Intl` in that language. */
export interface Translator {
  readonly lang: Language
  /** The entry as text: `{name}` placeholders filled (numbers formatted), the plural form chosen by `count`. */
  (key: Key, params?: Params): string
  /** The same with markup in the placeholders (a name in a `<bdi>`, a link): pieces to put in JSX. */
  rich(key: Key, params: Readonly<Record<string, Child>>): Child[]
  number(n: number): string
  /** A date and time, medium date and short time, in UTC (the browser shows it in the reader's zone). */
  dateTime(d: Date): string
}

const lookup = (lang: Language, key: Key): Entry => {
  const dot = key.indexOf('.')
  const area = CATALOG[key.slice(0, dot) as keyof typeof CATALOG] as Record<Language, Record<string, Entry>>
  return area[lang][key.slice(dot + 1)] ?? area[DEFAULT_LANGUAGE][key.slice(dot + 1)]!
}

function make(lang: Language): Translator {
  const plurals = new Intl.PluralRules(lang)
  const numbers = new Intl.NumberFormat(lang)
  const dates = new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' })
  const template = (key: Key, count: unknown): string => {
    const entry = lookup(lang, key)
    if (typeof entry === 'string') return entry
    return (typeof count === 'number' ? entry[plurals.select(count)] : undefined) ?? entry.other
  }
  const t = ((key: Key, params?: Params) => {
    const text = template(key, params?.count)
    return params ? text.replace(/\{(\w+)\}/g, (all, name: string) => {
      const value = params[name]
      return value === undefined ? all : typeof value === 'number' ? numbers.format(value) : value
    }) : text
  }) as Translator
  Object.assign(t, {
    lang,
    rich: (key: Key, params: Readonly<Record<string, Child>>) => {
      const count = params.count
      return template(key, count).split(/\{(\w+)\}/).map((piece, i) => (i % 2 === 0 ? piece : typeof params[piece] === 'number' ? numbers.format(params[piece]) : params[piece] ?? `{${piece}}`))
    },
    number: (n: number) => numbers.format(n),
    dateTime: (d: Date) => `${dates.format(d)} UTC`,
  })
  return t
}

const translators = new Map<Language, Translator>(LANGUAGES.map((lang) => [lang, make(lang)]))

/** The translator for a language (made once per language). */
export const translator = (lang: Language): Translator => translators.get(lang)!

/** The language a render is in: set around every `c.html` by the language middleware (src/i18n/middleware.ts). */
export const LanguageContext = createContext<Language>(DEFAULT_LANGUAGE)

/** The current render's translator; English where nothing set a language (a socket push, rendered once for every reader). */
export const useT = (): Translator => translator(useContext(LanguageContext))
