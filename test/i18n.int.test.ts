import { Parser } from 'htmlparser2'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CATALOG } from '../src/i18n/catalog.ts'
import { LANGUAGES, type Language } from '../src/i18n/languages.ts'
import { appOn, browser } from './support/app.ts'
import { databaseBackends } from './support/databases.ts'

/** What a page shows: its text and the attributes people read or hear. */
function shown(html: string): { lang: string | undefined; text: string } {
  let lang: string | undefined
  const parts: string[] = []
  let skip = 0
  new Parser({
    onopentag(name, attrs) {
      if (name === 'html') lang = attrs.lang
      if (name === 'script' || name === 'style') skip++
      for (const a of ['title', 'placeholder', 'aria-label', 'alt', 'data-confirm', 'data-hint', 'data-hint-touch']) if (attrs[a]) parts.push(attrs[a])
    },
    ontext(text) { if (!skip) parts.push(text) },
    onclosetag(name) { if (name === 'script' || name === 'style') skip-- },
  }, { decodeEntities: true }).end(html)
  return { lang, text: parts.join('\n') }
}

/** The English entries' words (a placeholder splits them) that a page in another language must not show. */
function englishLeftIn(text: string, lang: Language): string[] {
  const left: string[] = []
  for (const area of Object.values(CATALOG) as Record<Language, Record<string, unknown>>[]) {
    for (const [key, english] of Object.entries(area.en)) {
      const forms = (e: unknown) => (typeof e === 'string' ? [e] : Object.values(e as object) as string[])
      const translated = new Set(forms(area[lang][key]))
      for (const form of forms(english)) {
        if (translated.has(form)) continue
        for (const piece of form.split(/\{\w+\}/)) if (piece.trim().length >= 14 && text.includes(piece.trim())) left.push(`${key}: ${piece.trim()}`)
      }
    }
  }
  return left
}

for (const [backend, open] of databaseBackends) {
  describe(`the interface in every language (${backend})`, () => {
    let opened: Awaited<ReturnType<typeof open>>
    let app: ReturnType<typeof appOn>['app']
    let room: string
    let messageId: string
    beforeAll(async () => {
      opened = await open()
      app = appOn(opened.db).app
      const b = browser(app)
      await b.post('/auth/local', { login: 'lina' })
      const made = await b.post('/rooms', { name: 'Sprachen', visibility: 'public' })
      room = made.headers.get('location')!.split('/').pop()!
      await b.post(`/rooms/${room}/messages`, { body: 'Hallo @nobody', nonce: 'n1' })
      const page = await (await b.get(`/rooms/${room}`)).text()
      messageId = /id="m-(\d+)"/.exec(page)![1]!
      await b.post(`/rooms/${room}/messages`, { body: 'an answer', nonce: 'n2', reply_to: messageId })
    })
    afterAll(() => opened?.cleanup())

    const pages = () => ['/', `/rooms/${room}`, '/settings', `/rooms/${room}/messages/${messageId}/reply`, `/rooms/${room}/messages/${messageId}/edit`,
      `/rooms/${room}/messages/${messageId}/reactions`, '/nothing-here']

    it.each(LANGUAGES)('renders every translated page in %s with its lang and no English entry left', async (lang) => {
      const b = browser(app)
      await b.post('/auth/local', { login: 'lina' }, { headers: { 'accept-language': lang } })
      for (const path of pages()) {
        const res = await b.get(path, { headers: { 'accept-language': `${lang};q=0.9` } })
        expect(res.headers.get('content-language'), path).toBe(lang)
        const { lang: said, text } = shown(await res.text())
        expect(said, path).toBe(lang)
        expect(text, path).not.toMatch(/\{\w+\}/)
        expect(text, path).not.toMatch(/\b(client|errors|layout|lobby|message|room|settings|sidebar|signIn)\.[a-z]\w+/)
        if (lang !== 'en') expect(englishLeftIn(text, lang), path).toEqual([])
      }
      const signedOut = browser(app)
      const login = shown(await (await signedOut.get('/login', { headers: { 'accept-language': lang } })).text())
      expect(login.lang).toBe(lang)
      if (lang !== 'en') expect(englishLeftIn(login.text, lang)).toEqual([])
    })

    it('chooses by Accept-Language until the person picks a language on /settings, which then wins', async () => {
      const b = browser(app)
      await b.post('/auth/local', { login: 'otto' })
      const langOf = async (accept: string) => shown(await (await b.get('/', { headers: { 'accept-language': accept } })).text()).lang
      expect(await langOf('de-AT,de;q=0.9,en;q=0.5')).toBe('de')
      expect(await langOf('ja, pt-BR;q=0.8, fr;q=0.5')).toBe('pt')
      expect(await langOf('ja, zh')).toBe('en')
      expect((await b.post('/settings/language', { language: 'fr' })).status).toBe(303)
      expect(await langOf('de')).toBe('fr')
      const settings = await (await b.get('/settings', { headers: { 'accept-language': 'de' } })).text()
      expect(settings).toContain('<option value="fr" lang="fr" selected="">Français</option>')
      expect((await b.post('/settings/language', { language: 'xx' })).status).toBe(422)
      expect(await langOf('de')).toBe('fr')
      expect((await b.post('/settings/language', { language: '' })).status).toBe(303)
      expect(await langOf('de')).toBe('de')
    })
  })
}
