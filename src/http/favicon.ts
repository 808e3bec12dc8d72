import { Hono } from 'hono'
import type { AppEnv } from '../context.ts'

/** A speech bubble in the page's accent colour; SVG, so one small file serves every size. */
const ICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><path fill="#2f6fdf" d="M6 4h20a4 4 0 0 1 4 4v12a4 4 0 0 1-4 4H14l-7 6v-6H6a4 4 0 0 1-4-4V8a4 4 0 0 1 4-4z"/><path fill="#fff" d="M9 11h14v2H9zm0 5h10v2H9z"/></svg>`

/** `/favicon.ico`, which browsers ask for on their own, signed in or not. */
export function faviconRoutes() {
  return new Hono<AppEnv>().get('/favicon.ico', (c) =>
    c.body(ICON, 200, { 'content-type': 'image/svg+xml', 'cache-control': 'public, max-age=604800' }))
}
