import { createApp, type AppDeps } from '../../src/app.ts'
import { loadConfig, type Config } from '../../src/config.ts'
import type { Logger } from '../../src/log.ts'
import type { Database } from '../../src/store/postgres/connect.ts'
import { memoryBus } from '../../src/store/memory/bus.ts'
import { postgresMessages } from '../../src/store/postgres/messages.ts'
import { postgresKept } from '../../src/store/postgres/kept.ts'
import { postgresInvites } from '../../src/store/postgres/invites.ts'
import { postgresNotifications } from '../../src/store/postgres/notifications.ts'
import { postgresBots } from '../../src/store/postgres/bots.ts'
import { postgresModeration } from '../../src/store/postgres/moderation.ts'
import { postgresSearch } from '../../src/store/postgres/search.ts'
import { postgresRooms } from '../../src/store/postgres/rooms.ts'
import { postgresReadState } from '../../src/store/postgres/readState.ts'
import { postgresSessions } from '../../src/store/postgres/sessions.ts'
import { postgresSlackImports } from '../../src/store/postgres/slackImports.ts'
import { postgresUploads } from '../../src/store/postgres/uploads.ts'
import { postgresUsers } from '../../src/store/postgres/users.ts'
import { postgresSignInStates } from '../../src/store/postgres/oidc.ts'
import { postgresProfiles } from '../../src/store/postgres/profiles.ts'
import { capturedLogger } from './logs.ts'
import { sealed } from './network.ts'

export const TEST_ORIGIN = 'http://localhost:8080'

export function testConfig(env: Record<string, string> = {}): Config {
  // Limits are off unless a test turns them on: suites sign many people in from one address.
  return loadConfig({ PUBLIC_URL: TEST_ORIGIN, HOST: '127.0.0.1', LOCAL_LOGIN: 'true', LOG_LEVEL: 'debug', RATE_LIMITS: 'off', ...sealed(env), ...env })
}

/** The app over a migrated database, driven through `app.request()`. */
export function appOn(db: Database, opts: { env?: Record<string, string>; log?: Logger; now?: () => Date; onStored?: AppDeps['onStored']; deps?: Partial<AppDeps> } = {}) {
  const captured = capturedLogger()
  const deps: AppDeps = {
    config: testConfig(opts.env),
    log: opts.log ?? captured.log,
    users: postgresUsers(db.sql),
    sessions: postgresSessions(db.sql),
    signInStates: postgresSignInStates(db.sql),
    rooms: postgresRooms(db.sql),
    messages: postgresMessages(db.sql),
    reads: postgresReadState(db.sql),
    notifications: postgresNotifications(db.sql),
    kept: postgresKept(db.sql),
    invites: postgresInvites(db.sql),
    bots: postgresBots(db.sql),
    moderation: postgresModeration(db.sql),
    search: postgresSearch(db.sql),
    uploadStore: postgresUploads(db.sql),
    profiles: postgresProfiles(db.sql),
    slackImports: postgresSlackImports(db.sql),
    bus: memoryBus(),
    health: [{ name: 'database', backend: db.backend, check: async () => { await db.sql`SELECT 1` } }],
    now: opts.now,
    onStored: opts.onStored,
    ...opts.deps,
  }
  return { app: createApp(deps), logs: captured, config: deps.config }
}

type Fetcher = { request: (input: string, init?: RequestInit) => Response | Promise<Response> }

/** A browser-ish client: keeps cookies, sends our Origin on unsafe requests, never follows redirects. */
export function browser(app: Fetcher, origin = TEST_ORIGIN) {
  const jar = new Map<string, string>()
  const remember = (res: Response) => {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';')
      const [name, value = ''] = pair!.split('=')
      const expired = attrs.some((a) => /max-age=0\b/i.test(a.trim()) || /expires=Thu, 01 Jan 1970/i.test(a.trim()))
      if (expired || value === '') jar.delete(name!.trim())
      else jar.set(name!.trim(), value)
    }
  }
  const send = async (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers)
    if (jar.size) headers.set('cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '))
    if (init.method && init.method !== 'GET' && !headers.has('origin')) headers.set('origin', origin)
    if (!headers.has('accept')) headers.set('accept', 'text/html')
    const res = await app.request(path.startsWith('http') ? path : `${origin}${path}`, { ...init, headers })
    remember(res)
    return res
  }
  return {
    jar,
    get: (path: string, init: RequestInit = {}) => send(path, init),
    post: (path: string, form: Record<string, string> = {}, init: RequestInit = {}) =>
      send(path, { method: 'POST', body: new URLSearchParams(form), ...init }),
  }
}
