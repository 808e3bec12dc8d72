import { Hono } from 'hono'
import type { AppEnv } from '../context.ts'

/** The page's colours (static/app.css, `--card`): the window's title bar matches the header, light and dark. */
export const THEME = { light: '#ffffff', dark: '#171b22' } as const
/** `--bg` of the light scheme: the splash screen while an installed rtc opens (a manifest holds one colour). */
const BACKGROUND = '#f6f7f9'

/** Made at build time from static/icon.svg by tools/make-icons.mjs. */
export const ICONS = [
  { src: '/static/icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
  { src: '/static/icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
  { src: '/static/icons/maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
] as const
export const APPLE_TOUCH_ICON = '/static/icons/apple-touch-icon.png'

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
