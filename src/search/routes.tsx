import { Hono } from 'hono'
import { signedInUser, type AppEnv } from '../context.ts'
import type { RateLimits } from '../http/rateLimits.ts'
import { SearchPage, SearchResults, type SearchForm } from '../views/SearchPage.tsx'
import type { SearchService } from './service.ts'

const text = (value: string | undefined, max: number) => (value ?? '').trim().slice(0, max)

/**
 * `GET /search?q=…&room=&author=&before=`: the results page; for htmx (the
 * "More results" link) only the next page's items. Bad input is a 400 with
 * the reason on the page, never an error from the store.
 */
export function searchRoutes({ search, limits }: { search: SearchService; limits: RateLimits }) {
  const app = new Hono<AppEnv>()
  app.get('/search', async (c) => {
    const user = signedInUser(c.get('user'))
    // A query far longer than any search is cut before anything reads it; the service cuts it to its words.
    const form: SearchForm = { q: text(c.req.query('q'), 1000), room: text(c.req.query('room'), 100) || undefined, author: text(c.req.query('author'), 100) || undefined }
    if (form.q === '' && !c.req.query('before')) {
      return c.html(<SearchPage user={user} form={form} hits={[]} rooms={new Map()} next={undefined} searched={false} />)
    }
    await limits.take('search', String(user.id))
    const outcome = await search.run(user, { ...form, before: c.req.query('before') })
    if (c.req.header('hx-request') === 'true' && c.req.query('before')) {
      if (!outcome.ok) return c.html(<li class="error" role="alert">{outcome.error}</li>, 400)
      return c.html(<SearchResults hits={outcome.hits} rooms={outcome.rooms} form={form} next={outcome.next} stopped={outcome.stopped} />)
    }
    if (!outcome.ok) return c.html(<SearchPage user={user} form={form} error={outcome.error} hits={[]} rooms={new Map()} next={undefined} searched />, 400)
    return c.html(<SearchPage user={user} form={form} shortened={outcome.shortened} stopped={outcome.stopped} hits={outcome.hits} rooms={outcome.rooms} next={outcome.next} searched />)
  })
  return app
}
