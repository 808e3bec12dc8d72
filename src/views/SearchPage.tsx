import type { Room, RoomSummary, SearchHit, User } from '../store/ports.ts'
import { Layout } from './Layout.tsx'
import { telltaleSlug } from '../lib/slug.ts'

export interface SearchForm {
  q: string
  room?: string | undefined
  author?: string | undefined
}

const utc = (d: Date) => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`
const roomLabel = (room: Room | RoomSummary | undefined) =>
  !room ? 'a room' : 'peer' in room && room.peer ? (room.peer.name ?? room.peer.login) : room.name

/** The next page's URL, with the filters kept. */
export const searchUrl = (form: SearchForm, before?: string) => {
  const params = new URLSearchParams({ q: form.q })
  if (form.room) params.set('room', form.room)
  if (form.author) params.set('author', form.author)
  if (before) params.set('before', before)
  return `/search?${params}`
}

/** Said where a search stopped at its store's work budget (see `SearchFound.stopped`). */
function Stopped({ form }: { form: SearchForm }) {
  return (
    <li class="stopped muted" role="status">
      This search read as much as one search may and stopped: older matches may be missing.
      Search narrower to find them: {form.room ? 'a rarer word, an author, or fewer left-out words.' : 'one room, a rarer word, an author, or fewer left-out words.'}
    </li>
  )
}

/** One page of results and the link to the next: the fragment htmx appends in place of the link. */
export function SearchResults({ hits, rooms, form, next, stopped = false }: { hits: readonly SearchHit[]; rooms: ReadonlyMap<string, Room>; form: SearchForm; next: string | undefined; stopped?: boolean }) {
  return (
    <>
      {hits.map(({ message: m, snippet }) => {
        const room = rooms.get(m.roomId)
        return (
          <li class="hit">
            <a class="hit-link" href={room ? `/rooms/${room.slug}?around=${m.id}#m-${m.id}` : '#'}>
              <span class="hit-head">
                <bdi class="hit-room">{roomLabel(room)}</bdi>{room && telltaleSlug(room) && <span class="slug"> #{telltaleSlug(room)}</span>}{' · '}
                <bdi class="who">{m.authorName}</bdi> <span class="login">@{m.authorLogin}</span>{' · '}
                <time datetime={m.createdAt.toISOString()}>{utc(m.createdAt)}</time>
              </span>
              {/* The snippet is plain text pieces; only the matched words are wrapped, each escaped by JSX. */}
              <span class="snippet" dir="auto">{snippet.map((p) => (p.mark ? <mark>{p.text}</mark> : p.text))}</span>
            </a>
          </li>
        )
      })}
      {stopped && <Stopped form={form} />}
      {next && (
        <li class="more">
          <a href={searchUrl(form, next)} hx-get={searchUrl(form, next)} hx-target="closest li" hx-swap="outerHTML">More results</a>
        </li>
      )}
    </>
  )
}

export interface SearchPageProps {
  user: User
  form: SearchForm
  error?: string | undefined
  shortened?: boolean
  hits: readonly SearchHit[]
  rooms: ReadonlyMap<string, Room>
  next: string | undefined
  searched: boolean
  stopped?: boolean
}

export function SearchPage({ user, form, error, shortened, hits, rooms, next, searched, stopped = false }: SearchPageProps) {
  return (
    <Layout title={form.q ? `Search: ${form.q.slice(0, 40)}` : 'Search'} user={user} query={form.q}>
      <section class="search card">
        <h1>Search</h1>
        <form class="search-form" method="get" action="/search">
          <label for="search-page-q">Words or a "quoted phrase"</label>
          <input id="search-page-q" type="search" name="q" value={form.q} maxlength={200} autocomplete="off" aria-describedby="search-page-hint" />
          <p id="search-page-hint" class="muted hint">The last word also finds longer words it starts; <code>from:login</code> and <code>in:room</code> narrow the search, <code>-word</code> leaves out.</p>
          <div class="row">
            <label>In room <input name="room" value={form.room ?? ''} maxlength={100} placeholder="any of yours: a name or address" autocomplete="off" /></label>
            <label>By <input name="author" value={form.author ?? ''} maxlength={40} placeholder="anyone" autocomplete="off" /></label>
            <button type="submit" class="primary">Search</button>
          </div>
        </form>
        {error && <p class="error" role="alert">{error}</p>}
        {shortened && <p class="muted">Your search was long: only its first words were used.</p>}
        {!error && searched && hits.length === 0 && <p class="empty">Nothing found{stopped ? ' in what was read' : ''}.</p>}
        <ol id="search-results" class="hits">
          <SearchResults hits={hits} rooms={rooms} form={form} next={next} stopped={stopped} />
        </ol>
      </section>
    </Layout>
  )
}
