import { Hono } from 'hono'
import type { AppEnv } from '../context.ts'
import { ICONS, THEME } from '../views/appLook.ts'

/** `--bg` of the light scheme: the splash screen while an installed rtc opens (a manifest holds one colour). */
const BACKGROUND = '#f6f7f9'

const MANIFEST = JSON.stringify({
  id: '/',
  name: 'rtc',
  short_name: 'rtc',
  description: 'Group chat on your own server.',
  start_url: '/',
  scope: '/',
  display: 'standalone',
  background_color: BACKGROUND,
  theme_color: THEME.light,
  icons: ICONS,
})

/**
 * `GET /manifest.webmanifest`: what makes rtc installable as an app (with the
 * service worker, static/sw.js). Public: browsers fetch it without cookies.
 */
export function manifestRoutes() {
  return new Hono<AppEnv>().get('/manifest.webmanifest', (c) =>
    c.body(MANIFEST, 200, { 'content-type': 'application/manifest+json', 'cache-control': 'public, max-age=3600' }))
}
