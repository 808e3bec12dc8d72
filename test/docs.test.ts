import { readdirSync, readFileSync, existsSync } from 'node:fs'
import { dirname, join, normalize } from 'node:path'
import { describe, expect, it } from 'vitest'
import webpush from 'web-push'
import { loadConfig } from '../src/config.ts'
import type { Database } from '../src/store/postgres/connect.ts'
import { appOn } from './support/app.ts'

const DOCS = ['README.md', ...readdirSync('docs').filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)]
const read = (path: string) => readFileSync(path, 'utf8')

/**
 * Every variable src/config.ts reads, two ways: the names its readers are called with in the source
 * (`text(env, 'NAME')`, `integer(env, …)`, `pair(env, 'A', 'B')`, `list('NAME', …)`…), and the names
 * `loadConfig` asks of an environment that turns every optional part on (a reading form the pattern
 * misses still shows up there).
 */
function configVariables(): string[] {
  const names = new Set<string>()
  const source = read('src/config.ts')
  for (const m of source.matchAll(/(?:\w+\(env, |list\()'([A-Z][A-Z0-9_]+)'(?:, '([A-Z][A-Z0-9_]+)')?/g)) {
    names.add(m[1]!)
    if (m[2]) names.add(m[2])
  }
  const keys = webpush.generateVAPIDKeys()
  const everything: Record<string, string> = {
    PUBLIC_URL: 'https://chat.example.org', DATABASE_URL: 'postgres://db/rtc', REDIS_URL: 'redis://redis:6379',
    CASSANDRA_CONTACT_POINTS: 'cassandra', CLIENT_ID: 'id', CLIENT_SECRET: 'secret', TLS_CERT: 'c.pem', TLS_PRIVKEY: 'k.pem',
    METRICS_LISTEN: ':9464', METRICS_TOKEN: 'a-token-of-16-chars', VAPID_PUBLIC_KEY: keys.publicKey, VAPID_PRIVATE_KEY: keys.privateKey,
    VAPID_SUBJECT: 'mailto:ops@example.org', RATE_LIMITS: 'on',
  }
  const asked = new Set<string>()
  loadConfig(new Proxy(everything, { get: (env, name) => { if (typeof name === 'string') asked.add(name); return env[name as string] } }))
  expect(asked.size, 'loadConfig reads its variables from the environment it is given').toBeGreaterThan(40)
  for (const name of asked) names.add(name)
  return [...names].sort()
}

/** Variables read anywhere else in src/ straight from the process (`process.env.NAME`, `Deno.env.get('NAME')`). */
function otherVariables(): string[] {
  const names = new Set<string>()
  const walk = (dir: string): string[] => readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => e.isDirectory() ? walk(join(dir, e.name)) : /\.tsx?$/.test(e.name) && !/\.test\.tsx?$/.test(e.name) ? [join(dir, e.name)] : [])
  for (const file of walk('src')) {
    for (const m of read(file).matchAll(/process\.env(?:\.([A-Z][A-Z0-9_]+)|\[['"]([A-Z][A-Z0-9_]+)['"]\])|Deno\.env\.get\(['"]([A-Z][A-Z0-9_]+)['"]\)/g)) {
      names.add((m[1] ?? m[2] ?? m[3])!)
    }
  }
  return [...names].sort()
}

/** The routes the whole app mounts, as `METHOD /path` with every parameter named `:param`. */
function mountedRoutes(): string[] {
  // Building the app opens nothing and runs no query: a database whose every statement fails once awaited is enough.
  const statement = { then: (_: unknown, reject: (e: Error) => void) => reject(new Error('the docs test builds the app without a database')) }
  const sql: unknown = new Proxy(() => statement, { apply: () => statement, get: () => sql })
  const keys = webpush.generateVAPIDKeys()
  const { app } = appOn({ sql, backend: 'pglite', close: async () => {} } as unknown as Database, {
    env: { CLIENT_ID: 'id', CLIENT_SECRET: 'secret', VAPID_PUBLIC_KEY: keys.publicKey, VAPID_PRIVATE_KEY: keys.privateKey, VAPID_SUBJECT: 'mailto:ops@example.org' },
    // What the runtimes add: the socket route and the static files.
    deps: { upgradeWebSocket: (() => async () => new Response(null, { status: 101 })) as never, serveStatic: async (_c, next) => { await next() } },
  })
  const routes = new Set<string>()
  for (const { method, path } of app.routes) {
    if (method === 'ALL' && path.endsWith('*') && path !== '/static/*') continue // middleware in front of routes
    routes.add(`${method === 'ALL' ? 'GET' : method} ${normalise(path)}`)
  }
  return [...routes].sort()
}

const normalise = (path: string) => path.replace(/:[A-Za-z_][A-Za-z0-9_]*/g, ':param')

/** Every `METHOD /path` a document names in code spans (query strings dropped). */
function documentedRoutes(markdown: string): Set<string> {
  const found = new Set<string>()
  for (const m of markdown.matchAll(/`(GET|POST|PUT|PATCH|DELETE) (\/[^`?\s]*)[^`]*`/g)) found.add(`${m[1]} ${normalise(m[2]!)}`)
  return found
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to dashes. */
const anchor = (heading: string) => heading.trim().toLowerCase().replace(/`/g, '').replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-')
const anchorsOf = (markdown: string) => new Set(markdown.replace(/```[\s\S]*?```/g, '').split('\n').filter((l) => /^#{1,6} /.test(l)).map((l) => anchor(l.replace(/^#+ /, ''))))

describe('the documentation', () => {
  it('names every variable the app reads in docs/configuration.md', () => {
    const configuration = read('docs/configuration.md')
    const variables = [...configVariables(), ...otherVariables()]
    expect(variables).toContain('PORT')
    expect(variables).toContain('CASSANDRA_BUCKET_POSITIONS')
    expect(variables).toContain('VAPID_SUBJECT')
    const missing = variables.filter((name) => !configuration.includes(`\`${name}\``))
    expect(missing, 'variables not in docs/configuration.md').toEqual([])
  })

  it('names every route the app mounts in docs/http-api.md', () => {
    const routes = mountedRoutes()
    expect(routes).toContain('GET /ws')
    expect(routes).toContain('POST /api/rooms/:param/messages')
    expect(routes.length).toBeGreaterThan(50)
    const documented = documentedRoutes(read('docs/http-api.md'))
    const missing = routes.filter((route) => !documented.has(route))
    expect(missing, 'routes not in docs/http-api.md').toEqual([])
  })

  it('keeps the README short', () => {
    expect(read('README.md').split('\n').length).toBeLessThan(300)
  })

  it('describes the software, not how it was built', () => {
    const narration = [/\bissues? +#?\d/i, /\bissue #/i, /\bthe issue's\b/i, /\blanded\b/i, /\bthe seed\b/i, /\bother sessions\b/i, /\bhelpers? (?:session|branch)/i]
    const found = DOCS.flatMap((path) => read(path).split('\n').flatMap((line, i) =>
      narration.some((pattern) => pattern.test(line)) ? [`${path}:${i + 1}: ${line.trim()}`] : []))
    expect(found).toEqual([])
  })

  it('links only to files and headings that exist', () => {
    const broken: string[] = []
    for (const path of [...DOCS, 'deploy/README.md', 'tls/README.md']) {
      const text = read(path).replace(/```[\s\S]*?```/g, '')
      for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        const target = m[1]!
        if (/^[a-z]+:/.test(target)) continue
        const [file, hash] = target.split('#') as [string, string | undefined]
        const resolved = file === '' ? path : normalize(join(dirname(path), file))
        if (!existsSync(resolved)) { broken.push(`${path}: ${target} (no file)`); continue }
        if (hash !== undefined && resolved.endsWith('.md') && !anchorsOf(read(resolved)).has(hash)) broken.push(`${path}: ${target} (no heading)`)
      }
    }
    expect(broken).toEqual([])
  })
})
