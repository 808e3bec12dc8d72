import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { createConnection } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createdIdsIn } from '../support/chat.ts'
import { httpsForm, httpsRequest, httpsSignIn, wss } from '../support/https.ts'

// `npm run test:appliance` (tools/appliance/appliance.sh, which sees to Docker and the base images
// first): the compose cluster as the README runs it, in Docker, over HTTPS through Caddy.

const repo = resolve(import.meta.dirname, '../..')
/** `docker compose` (the plugin) or `docker-compose` (v1), whichever appliance.sh found. */
const COMPOSE = (process.env.RTC_COMPOSE ?? 'docker-compose').split(' ')
const PROJECT = process.env.COMPOSE_PROJECT_NAME ?? 'rtcappliance'
const ENV_FILE = join(repo, '.env.dev')
const BASE = 'https://localhost:8080' // PUBLIC_URL in .env.dev: what Caddy answers to
const LOGIN = join(repo, 'test/appliance/local-login.yaml')
const FULL = [join(repo, 'compose.yaml'), LOGIN]
const SMALL = [join(repo, 'compose.yaml'), join(repo, 'deploy/compose.small.yaml'), LOGIN]

const say = (line: string) => console.log(`[appliance] ${line}`)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** The environment every compose command runs with: the project's name and its files. */
const composeEnv = (files: string[]) => ({ ...process.env, COMPOSE_PROJECT_NAME: PROJECT, COMPOSE_FILE: files.join(':') })

/** `docker compose --env-file .env.dev <args>`; throws with its output when it fails. */
function compose(files: string[], args: string[], options: { quiet?: boolean } = {}): string {
  if (!options.quiet) say(`$ ${[...COMPOSE, '--env-file', '.env.dev', ...args].join(' ')}`)
  const run = spawnSync(COMPOSE[0]!, [...COMPOSE.slice(1), '--env-file', ENV_FILE, ...args], {
    cwd: repo, env: composeEnv(files), encoding: 'utf8', maxBuffer: 64 << 20,
  })
  if (run.status !== 0) {
    // What the services said, before an afterAll's `down -v` takes them away.
    const logs = args[0] === 'up' ? spawnSync(COMPOSE[0]!, [...COMPOSE.slice(1), '--env-file', ENV_FILE, 'logs', '--no-color', '--tail', '30'], { cwd: repo, env: composeEnv(files), encoding: 'utf8', maxBuffer: 64 << 20 }).stdout : ''
    throw new Error(`${COMPOSE.join(' ')} ${args.join(' ')} failed (${run.status}):\n${run.stdout}\n${run.stderr}\n${logs.slice(-8000)}`)
  }
  return run.stdout
}
const docker = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8', maxBuffer: 64 << 20 })

/** Each running container of the project: its name, service, state and health ("none" without a check). */
function containers(files: string[]) {
  const ids = compose(files, ['ps', '-q'], { quiet: true }).split('\n').filter(Boolean)
  if (ids.length === 0) return []
  type Inspected = { Id: string; Name: string; Config: { Labels: Record<string, string> }; State: { Status: string; Health?: { Status: string } } }
  return (JSON.parse(docker('inspect', ...ids)) as Inspected[]).map((c) => ({
    id: c.Id, name: c.Name.replace(/^\//, ''), service: c.Config.Labels['com.docker.compose.service']!, state: c.State.Status, health: c.State.Health?.Status ?? 'none',
  }))
}

/** Waits until every service named runs healthy (as many containers of `app` as asked); Caddy has no health check. */
async function healthy(files: string[], services: string[], apps = 1, ms = 480_000) {
  const start = Date.now()
  let seen = ''
  for (;;) {
    const now = containers(files)
    seen = now.map((c) => `${c.name} ${c.state}/${c.health}`).join(', ')
    const ok = services.every((s) => {
      const of = now.filter((c) => c.service === s)
      return of.length === (s === 'app' ? apps : 1) && of.every((c) => c.state === 'running' && (c.health === 'healthy' || (s === 'caddy' && c.health === 'none')))
    })
    if (ok) {
      say(`healthy after ${Math.round((Date.now() - start) / 1000)} s: ${seen}`)
      return now
    }
    if (Date.now() - start > ms) {
      throw new Error(`not healthy after ${ms / 1000} s: ${seen}\n${compose(files, ['logs', '--no-color', '--tail', '40'], { quiet: true }).slice(-8000)}`)
    }
    await sleep(3000)
  }
}

/** Caddy's local root certificate, read as the README says; trusted by this test's requests only. */
async function caddyRoot(files: string[]): Promise<string> {
  for (let i = 0; ; i++) {
    try {
      const pem = compose(files, ['exec', '-T', 'caddy', 'cat', '/data/caddy/pki/authorities/local/root.crt'], { quiet: i > 0 })
      if (pem.includes('BEGIN CERTIFICATE')) return pem
    } catch (err) {
      if (i > 60) throw err
    }
    await sleep(1000)
  }
}

async function answersOverHttps(ca: string, ms = 120_000) {
  const start = Date.now()
  let last = ''
  while (Date.now() - start < ms) {
    const res = await httpsRequest(`${BASE}/healthz`, ca).catch((err: Error) => ({ status: 0, text: err.message, headers: {} }))
    last = `${res.status} ${res.text.slice(0, 200)}`
    if (res.status === 200) return
    await sleep(1000)
  }
  throw new Error(`${BASE}/healthz did not answer 200 through Caddy: ${last}`)
}

const until = async (check: () => boolean, what: string, ms = 30_000) => {
  const start = Date.now()
  while (!check()) {
    if (Date.now() - start > ms) throw new Error(`timed out waiting for ${what}`)
    await sleep(50)
  }
}

/** A person signed in over HTTPS through Caddy. */
async function person(ca: string, login: string) {
  return session(ca, await httpsSignIn(BASE, ca, login))
}

/** What a session (its cookie) does over HTTPS through Caddy, trusting `ca`. */
function session(ca: string, cookie: string) {
  return {
    cookie,
    form: (path: string, fields: Record<string, string>, htmx = false, headers: Record<string, string> = {}) => httpsForm(BASE, ca, cookie, path, fields, htmx, headers),
    async createRoom(name: string) {
      const res = await httpsForm(BASE, ca, cookie, '/rooms', { name })
      expect(res.status, res.text.slice(0, 300)).toBe(303)
      return String(res.headers.location).replace('/rooms/', '')
    },
    /** Sends as the page does; answers the message's id and the request id it was sent with. */
    async post(slug: string, body: string) {
      const requestId = `appliance-${crypto.randomUUID()}`
      const res = await httpsForm(BASE, ca, cookie, `/rooms/${slug}/messages`, { body, nonce: crypto.randomUUID() }, true, { 'x-request-id': requestId })
      const id = /data-key="(\d+)"/.exec(res.text)?.[1]
      if (res.status !== 200 || !id) throw new Error(`send refused: ${res.status} ${res.text.slice(0, 300)}`)
      return { id, requestId }
    },
    /** A socket over WSS; its request id finds the instance that took it (in that instance's log). */
    async socket(slug: string) {
      const requestId = `appliance-${crypto.randomUUID()}`
      const s = await wss(`${BASE.replace('https', 'wss')}/ws?room=${slug}`, ca, { cookie, origin: BASE, 'x-request-id': requestId })
      return { ...s, requestId, created: () => s.frames.flatMap(createdIdsIn) }
    },
    page: (slug: string) => httpsRequest(`${BASE}/rooms/${slug}`, ca, { headers: { cookie, accept: 'text/html' } }),
  }
}

/** The app container whose log holds a request id (the app logs one line per request, with its id). */
function instanceOf(apps: { id: string; name: string }[], requestId: string, ms = 10_000): Promise<string> {
  const start = Date.now()
  return (async () => {
    for (;;) {
      for (const app of apps) {
        const log = spawnSync('docker', ['logs', app.id], { encoding: 'utf8', maxBuffer: 64 << 20 })
        if (`${log.stdout}${log.stderr}`.includes(requestId)) return app.name
      }
      if (Date.now() - start > ms) throw new Error(`no app instance logged request ${requestId}`)
      await sleep(200)
    }
  })()
}

/** The `rtc started` line of an app container: which backend serves each role. */
function backendsOf(appId: string): Record<string, string> {
  const log = docker('logs', appId)
  const line = log.split('\n').find((l) => l.includes('"msg":"rtc started"'))
  if (!line) throw new Error(`no "rtc started" line in ${appId}'s log`)
  return (JSON.parse(line) as { backends: Record<string, string> }).backends
}

/**
 * The compose backup or restore commands as the README (or the docs it points to) gives them: the
 * ```sh block holding `needle`. Run by bash exactly as written, in `dir`, with this test's compose
 * files; `docker compose` is passed on to docker-compose where only v1 is installed.
 */
function readmeBlock(needle: string): string {
  const docs = [join(repo, 'README.md'), ...(() => { try { return readdirSync(join(repo, 'docs')).filter((f) => f.endsWith('.md')).map((f) => join(repo, 'docs', f)) } catch { return [] } })()]
  for (const file of docs) {
    for (const m of readFileSync(file, 'utf8').matchAll(/```sh\n([\s\S]*?)```/g)) {
      if (m[1]!.includes(needle) && m[1]!.includes('docker compose')) return m[1]!
    }
  }
  throw new Error(`no sh block with "${needle}" in the README or docs/`)
}
function runReadme(files: string[], block: string, dir: string) {
  for (const line of block.trim().split('\n')) say(`(README) ${line}`)
  const shim = `docker() { if [ "$1" = compose ]; then shift; ${COMPOSE.join(' ')} --env-file ${JSON.stringify(ENV_FILE)} "$@"; else command docker "$@"; fi; }\n`
  const run = spawnSync('bash', ['-euo', 'pipefail', '-c', shim + block], { cwd: dir, env: composeEnv(files), encoding: 'utf8', maxBuffer: 64 << 20 })
  if (run.status !== 0) throw new Error(`README commands failed (${run.status}):\n${block}\n${run.stdout}\n${run.stderr}`.slice(-6000))
  return `${run.stdout}${run.stderr}`
}

/** Nothing else may hold the ports Caddy publishes, or `up` fails halfway. */
async function portsFree() {
  for (const port of [80, 443, 8080]) {
    const taken = await new Promise<boolean>((done) => {
      const socket = createConnection({ host: '127.0.0.1', port }, () => { socket.destroy(); done(true) })
      socket.on('error', () => done(false))
    })
    if (taken) throw new Error(`port ${port} is taken on this machine, and compose.yaml publishes Caddy on 80, 443 and 8080: stop what holds it`)
  }
}

describe('the full profile: app, PostgreSQL, Redis, Cassandra and Caddy', () => {
  const work = mkdtempSync(join(tmpdir(), 'rtc-appliance-'))
  let ca: string
  const sent: { slug: string; bodies: string[] } = { slug: '', bodies: [] }
  let alice: ReturnType<typeof session>
  let bob: ReturnType<typeof session>

  beforeAll(async () => {
    await portsFree()
    const started = Date.now()
    compose(FULL, ['up', '--build', '-d'])
    const image = JSON.parse(docker('image', 'inspect', 'rtc:local', '-f', '{{json .}}')) as { Size: number; Created: string }
    say(`the image rtc:local, built from ./Dockerfile: ${(image.Size / 1e6).toFixed(0)} MB, created ${image.Created}`)
    await healthy(FULL, ['app', 'postgres', 'redis', 'cassandra', 'caddy'])
    ca = await caddyRoot(FULL)
    await answersOverHttps(ca)
    say(`up and answering over HTTPS after ${Math.round((Date.now() - started) / 1000)} s`)
  })
  afterAll(() => {
    try { compose(FULL, ['down', '-v']) } finally { rmSync(work, { recursive: true, force: true }) }
  })

  it('finds PostgreSQL, Redis and Cassandra by their service names', () => {
    const app = containers(FULL).find((c) => c.service === 'app')!
    expect(backendsOf(app.id)).toMatchObject({ users: 'postgres', messages: 'cassandra', bus: 'redis', cache: 'redis', presence: 'redis' })
  })

  it('signs in over HTTPS through Caddy and carries a message over WSS to a second session', async () => {
    const login = await httpsRequest(`${BASE}/login`, ca)
    expect(login.status).toBe(200)
    expect(login.headers['strict-transport-security']).toMatch(/max-age=31536000/)
    alice = await person(ca, 'alice')
    bob = await person(ca, 'bob')
    expect(alice.cookie).toMatch(/^__Host-rtc_session=/)
    sent.slug = await alice.createRoom('Appliance')
    expect((await bob.form(`/rooms/${sent.slug}/join`, {})).status).toBe(303)
    const onBob = await bob.socket(sent.slug)
    const { id } = await alice.post(sent.slug, 'hello from the appliance')
    sent.bodies.push('hello from the appliance')
    await until(() => onBob.created().includes(id), 'the message on the second session\'s socket')
    onBob.ws.close()
  })

  it('scales to two app instances behind Caddy, and a message crosses from one to the other', async () => {
    compose(FULL, ['up', '-d', '--no-recreate', '--scale', 'app=2'])
    const apps = (await healthy(FULL, ['app', 'postgres', 'redis', 'cassandra', 'caddy'], 2)).filter((c) => c.service === 'app')
    expect(apps).toHaveLength(2)
    // Caddy finds the second instance by DNS (refreshed every 5 s): open sockets until both hold one.
    const sockets = new Map<string, Awaited<ReturnType<ReturnType<typeof session>['socket']>>>()
    for (let i = 0; sockets.size < 2; i++) {
      if (i > 40) throw new Error(`Caddy sent every socket to ${[...sockets.keys()].join(', ')}`)
      const s = await bob.socket(sent.slug)
      const on = await instanceOf(apps, s.requestId)
      if (sockets.has(on)) { s.ws.close(); await sleep(500) } else sockets.set(on, s)
    }
    // A room's sends all go to one instance (Caddy hashes their path); each reaches both sockets, so
    // every send reaches the socket held by the other instance through Redis.
    const crossed: string[] = []
    for (let i = 0; i < 4; i++) {
      const body = `across instances ${i}`
      const { id, requestId } = await alice.post(sent.slug, body)
      sent.bodies.push(body)
      const from = await instanceOf(apps, requestId)
      for (const [on, s] of sockets) {
        await until(() => s.created().includes(id), `message ${i} on the socket held by ${on}`)
        if (on !== from) crossed.push(`${from} -> ${on}`)
      }
    }
    expect(crossed.length).toBeGreaterThanOrEqual(4)
    say(`the cluster answers over HTTPS through Caddy with two app instances (${apps.map((a) => a.name).join(', ')}); sends crossed ${[...new Set(crossed)].join(' and ')}`)
    for (const s of sockets.values()) s.ws.close()
  })

  it('backs up and restores with the README\'s commands into a new stack, and finds the messages after a restart', async () => {
    // Back up the running cluster.
    runReadme(FULL, readmeBlock('pg_dump'), work)
    expect(statSync(join(work, 'rtc.dump')).size).toBeGreaterThan(1000)
    // Everything goes: containers and every volume. A new stack starts empty.
    compose(FULL, ['down', '-v'])
    compose(FULL, ['up', '-d'])
    await healthy(FULL, ['app', 'postgres', 'redis', 'cassandra', 'caddy'])
    ca = await caddyRoot(FULL) // a new Caddy volume, a new local CA
    await answersOverHttps(ca)
    expect((await httpsSignIn(BASE, ca, 'carol').then((cookie) => httpsRequest(`${BASE}/rooms/${sent.slug}`, ca, { headers: { cookie, accept: 'text/html' } }))).status).toBe(404)
    // Restore, then restart the whole stack (volumes kept) and look.
    runReadme(FULL, readmeBlock('pg_restore'), work)
    compose(FULL, ['down'])
    compose(FULL, ['up', '-d'])
    await healthy(FULL, ['app', 'postgres', 'redis', 'cassandra', 'caddy'])
    ca = await caddyRoot(FULL)
    await answersOverHttps(ca)
    // The session Alice signed in with before the backup holds again, and her messages are there.
    const page = await httpsRequest(`${BASE}/rooms/${sent.slug}`, ca, { headers: { cookie: alice.cookie, accept: 'text/html' } })
    expect(page.status).toBe(200)
    for (const body of sent.bodies) expect(page.text).toContain(body)
    // Bob's session holds too, and the next message reaches him live.
    const onBob = await session(ca, bob.cookie).socket(sent.slug)
    const { id } = await session(ca, alice.cookie).post(sent.slug, 'after the restore')
    await until(() => onBob.created().includes(id), 'a message after the restore')
    onBob.ws.close()
    say(`restored ${sent.bodies.length} messages from the README's backup into a new stack, found after a restart`)
  })
})

describe('the small profile: no Cassandra, messages in PostgreSQL', () => {
  let ca: string
  beforeAll(async () => {
    await portsFree()
    compose(SMALL, ['up', '--build', '-d'])
    await healthy(SMALL, ['app', 'postgres', 'redis', 'caddy'])
    ca = await caddyRoot(SMALL)
    await answersOverHttps(ca)
  })
  afterAll(() => { compose(SMALL, ['down', '-v']) })

  it('runs without Cassandra and carries a message over HTTPS and WSS', async () => {
    const running = containers(SMALL)
    expect(running.map((c) => c.service).sort()).toEqual(['app', 'caddy', 'postgres', 'redis'])
    expect(backendsOf(running.find((c) => c.service === 'app')!.id)).toMatchObject({ messages: 'postgres', bus: 'redis' })
    const dora = await person(ca, 'dora')
    const eve = await person(ca, 'eve')
    const slug = await dora.createRoom('Small box')
    expect((await eve.form(`/rooms/${slug}/join`, {})).status).toBe(303)
    const onEve = await eve.socket(slug)
    const { id } = await dora.post(slug, 'small and quick')
    await until(() => onEve.created().includes(id), 'the message on the second session\'s socket')
    onEve.ws.close()
    say('the small profile answers over HTTPS with messages in PostgreSQL')
  })
})
