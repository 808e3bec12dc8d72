// Copies the browser files we serve from node_modules into static/vendor/,
// so htmx is never hand-committed and always matches package-lock.json.
import { copyFileSync, mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(import.meta.url)
const htmxDist = dirname(require.resolve('htmx.org/dist/htmx.min.js'))
const vendor = join(root, 'static', 'vendor')
mkdirSync(vendor, { recursive: true })
for (const file of ['htmx.min.js', 'ext/hx-ws.min.js', 'ext/hx-upsert.min.js']) {
  copyFileSync(join(htmxDist, file), join(vendor, file.replace('ext/', '')))
}
