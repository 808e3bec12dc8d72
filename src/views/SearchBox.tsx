/** The search box of the page header: a plain GET form, so it works without JavaScript. */
export function SearchBox({ q = '' }: { q?: string }) {
  return (
    <form class="search-box" method="get" action="/search" role="search">
      <label class="sr-only" for="search-q">Search messages</label>
      <input id="search-q" type="search" name="q" value={q} maxlength={200} placeholder="Search messages" autocomplete="off" />
      <button type="submit">Search</button>
    </form>
  )
}
