/** The page's colours (static/app.css, `--card`): an installed rtc's title bar matches the header, light and dark. */
export const THEME = { light: '#ffffff', dark: '#171b22' } as const

/** The app's icons, made at build time from static/icon.svg by tools/make-icons.mjs (not committed). */
export const ICONS = [
  { src: '/static/icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
  { src: '/static/icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
  { src: '/static/icons/maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
] as const

/** iOS's home screen icon (180 px, opaque: iOS rounds it itself). */
export const APPLE_TOUCH_ICON = '/static/icons/apple-touch-icon.png'
