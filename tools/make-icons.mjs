// Makes the app's icons (static/icons/, not committed) from the one source, static/icon.svg, with sharp:
// "any" icons with rounded corners at 192 and 512 px, a full-bleed maskable one (the system cuts its shape),
// and the 180 px apple-touch-icon (iOS rounds its own corners; transparent ones would show black).
import { mkdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import sharp from 'sharp'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const source = readFileSync(join(root, 'static', 'icon.svg'))
const out = join(root, 'static', 'icons')
mkdirSync(out, { recursive: true })

/** The source drawn at `size` px: rendered at the density that gives that size, so small icons stay sharp. */
const drawn = (size) => sharp(source, { density: (72 * size) / 512 }).resize(size, size)
const corners = (size) => Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}"><rect width="${size}" height="${size}" rx="${Math.round(size * 0.22)}"/></svg>`)

await Promise.all([
  ...[192, 512].map((size) => drawn(size).composite([{ input: corners(size), blend: 'dest-in' }]).png().toFile(join(out, `icon-${size}.png`))),
  drawn(512).png().toFile(join(out, 'maskable-512.png')),
  drawn(180).flatten({ background: '#2457d6' }).png().toFile(join(out, 'apple-touch-icon.png')),
])
