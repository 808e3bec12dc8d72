import { useT } from '../i18n/translate.ts'

/** The search box of the page header: a plain GET form, so it works without JavaScript. */
export function SearchBox({ q = '' }: { q?: string }) {
  const t = useT()
  return (
    <form class="search-box" method="get" action="/search" role="search">
      <label class="sr-only" for="search-q">{t('layout.searchMessages')}</label>
      <input id="search-q" type="search" name="q" value={q} maxlength={200} placeholder={t('layout.searchMessages')} autocomplete="off" />
      <button type="submit">{t('layout.search')}</button>
    </form>
  )
}
