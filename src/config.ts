/**
 * The only reader of the environment. `loadConfig` turns it into one typed,
 * frozen object or throws a `ConfigError` whose message is one line naming the
 * variable and what is wrong with it.
 */
import { Buffer } from 'node:buffer'

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent'

export interface Config {
  readonly port: number
  readonly host: string
  /** The origin users type, e.g. https://chat.example.org; no path. */
  readonly publicUrl: string
  /** True when cookies must carry Secure (everything but plain-http loopback). */
  readonly secureCookies: boolean
  readonly databaseUrl: string | undefined
  readonly dataDir: string
  readonly redisUrl: string | undefined
  /** Prefix of every Redis key and channel, so several deployments (or test runs) can share a server. */
  readonly redisPrefix: string
  readonly cassandra: Readonly<{
    contactPoints: readonly string[]
    localDc: string
    keyspace: string
    /** `1` for SimpleStrategy with one replica, or `dc1:3,dc2:3` for NetworkTopologyStrategy. */
    replication: string
    /** Of reads and writes; unset: `local_quorum` when the keyspace keeps more than one replica here, else `one` (decided at connect). */
    consistency: string | undefined
    /** Of the claims' Paxos rounds; unset: `local_serial`. */
    serialConsistency: string | undefined
    /** Positions per partition of a room's log; never change it once messages are stored. */
    bucketPositions: number
  }> | undefined
  readonly logLevel: LogLevel
  /** `json` lines, `pretty` ones for people, or `auto`: pretty on a terminal, JSON otherwise. */
  readonly logFormat: 'auto' | 'json' | 'pretty'
  readonly github: Readonly<{ clientId: string; clientSecret: string }> | undefined
  /** Sign-in through an OpenID Connect provider (`OIDC_*`), beside or instead of GitHub; unset, there is none. */
  readonly oidc: OidcConfig | undefined
  readonly localLogin: boolean
  /**
   * Who may sign in the first time (`SIGNUP`): `open`, anyone a provider vouches for; `invite`, only people
   * following a valid invite link (people already known here always sign in). Decided in src/auth/admit.ts.
   */
  readonly signup: 'open' | 'invite'
  readonly tls: Readonly<{ certFile: string; keyFile: string }> | undefined
  /** Snowflake instance number, 0..1023; unique per running instance. */
  readonly instanceId: number
  /** Where `GET /metrics` is served (never on the chat's port); unset, nowhere. */
  readonly metrics: Readonly<{ host: string; port: number; token: string | undefined }> | undefined
  /** Abuse limits and caps; undefined when `RATE_LIMITS=off` (benchmarks, load tests). */
  readonly limits: Limits | undefined
  /** Peers whose X-Forwarded-For is believed: addresses or IPv4 CIDR ranges. */
  readonly trustedProxies: readonly string[]
  /**
   * Attachments: the largest upload (all files of one send) and each user's total storage, in bytes; how long a
   * file nothing references any more stays on disk; the most pixels an image may have to get a preview.
   */
  readonly uploads: Readonly<{ maxBytes: number; quotaBytes: number; graceMs: number; previewMaxPixels: number }>
  /**
   * Slack imports (src/import/): the largest export uploaded on /admin/import (held in memory while it is read, then
   * written under DATA_DIR/imports), and the most an archive's entries may say they expand to together (CLI too).
   */
  readonly imports: Readonly<{ uploadMaxBytes: number; maxExpandedBytes: number }>
  /** PostgreSQL text search configuration for message search (`simple` suits every language); checked against pg_ts_config at start-up. */
  readonly searchLanguage: string
  /** Administrators' logins, lower-cased (`ADMIN_LOGINS`): local sign-in logins, and GitHub logins each pinned to the account that held it first (src/admin/admins.ts). */
  readonly adminLogins: readonly string[]
  /** Administrators' GitHub account ids (`ADMIN_GITHUB_IDS`), whatever their login. */
  readonly adminGithubIds: readonly number[]
  /** Hosts outgoing webhooks may reach even on private or loopback addresses (`WEBHOOK_ALLOW_HOSTS`), lower-cased. */
  readonly webhookAllowHosts: readonly string[]
  /** Web Push: VAPID keys (unset: push is off) and the test-only allowance of loopback endpoints. */
  readonly push: PushConfig
  /** A visible tab keeps its person present (no Web Push) this long after they last used it (`PRESENCE_IDLE_SECONDS`). */
  readonly presenceIdleMs: number
  /** Cards for the first link of a message (`LINK_PREVIEWS`, on by default), and the test-only allowance of loopback pages. */
  readonly linkPreviews: Readonly<{ enabled: boolean; allowLoopback: boolean }>
}

export interface OidcConfig {
  /** The issuer identifier exactly as the provider states it (its discovery document is under it). */
  readonly issuer: string
  readonly clientId: string
  readonly clientSecret: string
  /** The sign-in button's label (`OIDC_NAME`). */
  readonly name: string
  /** Plain-http issuer on loopback, for the provider run inside tests (`OIDC_ALLOW_HTTP_LOOPBACK`); never in production. */
  readonly allowHttpLoopback: boolean
}

export interface PushConfig {
  readonly vapid: Readonly<{ publicKey: string; privateKey: string; subject: string }> | undefined
  /** Subscription endpoints on loopback (http or https) are accepted: for a stand-in push service in tests, never in production. */
  readonly allowLoopbackEndpoints: boolean
}

/** At most `points` actions per `seconds`. */
export interface Rate {
  readonly points: number
  readonly seconds: number
}

export interface Limits {
  /** Sends per user: the steady rate, and a burst allowance on top of it. */
  readonly send: Rate
  readonly sendBurst: Rate
  /** Rooms created per user. */
  readonly rooms: Rate
  /** Direct rooms opened per user. */
  readonly directRooms: Rate
  /** Members added to private rooms, per user adding them. */
  readonly members: Rate
  /** Sign-in attempts per client address. */
  readonly signIn: Rate
  /** WebSocket opens per user. */
  readonly sockets: Rate
  /** Searches per user. */
  readonly search: Rate
  /** Room changes per user: renames, topics, members removed (each rename is an audit entry). */
  readonly manage: Rate
  /** "Send a test notification" presses per user (each is a push to every browser of theirs). */
  readonly testPush: Rate
  /** Room exports per user (each reads the whole room). */
  readonly exports: Rate
  /** Invite links created per user, and invite links followed per client address. */
  readonly invites: Rate
  /** Open sockets per user on one instance; the oldest is closed beyond it. */
  readonly maxSocketsPerUser: number
  /** Live sessions per user; the oldest is ended beyond it. */
  readonly maxSessionsPerUser: number
}

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID'
  constructor(readonly variable: string, problem: string) {
    super(`config: ${variable} ${problem}`)
  }
}

type Env = Readonly<Record<string, string | undefined>>

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]'])

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK_HOSTS.has(host) || /^127\.\d+\.\d+\.\d+$/.test(host)
}

function text(env: Env, name: string): string | undefined {
  const value = env[name]?.trim()
  return value === '' ? undefined : value
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = text(env, name)
  if (raw === undefined) return fallback
  const value = Number(raw)
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    throw new ConfigError(name, `must be an integer from ${min} to ${max} (got "${raw}")`)
  }
  return value
}

function boolean(env: Env, name: string): boolean {
  const raw = text(env, name)?.toLowerCase()
  if (raw === undefined || raw === 'false' || raw === '0' || raw === 'no') return false
  if (raw === 'true' || raw === '1' || raw === 'yes') return true
  throw new ConfigError(name, `must be true or false (got "${raw}")`)
}

function url(env: Env, name: string, protocols: readonly string[]): URL | undefined {
  const raw = text(env, name)
  if (raw === undefined) return undefined
  let parsed: URL
  try {
    parsed = new URL(raw)
  } catch {
    throw new ConfigError(name, `must be a URL starting with ${protocols.join(' or ')}`)
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `must start with ${protocols.join(' or ')} (got "${parsed.protocol}")`)
  }
  return parsed
}

/** Both variables of a pair are set, or neither; never half a credential. */
function pair(env: Env, first: string, second: string): [string, string] | undefined {
  const a = text(env, first)
  const b = text(env, second)
  if (a === undefined && b === undefined) return undefined
  if (a === undefined) throw new ConfigError(first, `is required when ${second} is set`)
  if (b === undefined) throw new ConfigError(second, `is required when ${first} is set`)
  return [a, b]
}

function tlsFile(name: string, value: string): string {
  if (value.includes('/') || value.includes('\\') || value.startsWith('.')) {
    throw new ConfigError(name, 'must name a file inside tls/, without a path')
  }
  return `tls/${value}`
}

const CONSISTENCIES = ['one', 'two', 'three', 'quorum', 'local_quorum', 'each_quorum', 'all', 'local_one']
const SERIAL_CONSISTENCIES = ['local_serial', 'serial']

function cassandraConfig(env: Env, contactPoints: string[]): NonNullable<Config['cassandra']> {
  const keyspace = text(env, 'CASSANDRA_KEYSPACE') ?? 'rtc'
  if (!/^[a-z][a-z0-9_]{0,47}$/.test(keyspace)) {
    throw new ConfigError('CASSANDRA_KEYSPACE', `must be a lowercase name of up to 48 letters, digits or _ (got "${keyspace}")`)
  }
  const replication = text(env, 'CASSANDRA_REPLICATION') ?? '1'
  if (!/^(\d+|[\w.-]+:\d+(\s*,\s*[\w.-]+:\d+)*)$/.test(replication)) {
    throw new ConfigError('CASSANDRA_REPLICATION', `must be a replica count (SimpleStrategy) or dc:count,dc:count (got "${replication}")`)
  }
  // Unset, they follow the keyspace's replication as found at connect (it may have been made by hand).
  const consistency = text(env, 'CASSANDRA_CONSISTENCY')?.toLowerCase()
  if (consistency !== undefined && !CONSISTENCIES.includes(consistency)) {
    throw new ConfigError('CASSANDRA_CONSISTENCY', `must be one of ${CONSISTENCIES.join(', ')} (got "${consistency}")`)
  }
  const serialConsistency = text(env, 'CASSANDRA_SERIAL_CONSISTENCY')?.toLowerCase()
  if (serialConsistency !== undefined && !SERIAL_CONSISTENCIES.includes(serialConsistency)) {
    throw new ConfigError('CASSANDRA_SERIAL_CONSISTENCY', `must be one of ${SERIAL_CONSISTENCIES.join(', ')} (got "${serialConsistency}")`)
  }
  return Object.freeze({
    contactPoints: Object.freeze(contactPoints),
    localDc: text(env, 'CASSANDRA_LOCAL_DC') ?? 'datacenter1',
    keyspace,
    replication,
    consistency,
    serialConsistency,
    bucketPositions: integer(env, 'CASSANDRA_BUCKET_POSITIONS', 4096, 4, 1_000_000),
  })
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600 }

/** `10/1m`: ten per minute. Units s, m, h. */
function rate(env: Env, name: string, fallback: string): Rate {
  const raw = text(env, name) ?? fallback
  const match = /^(\d{1,6})\/(\d{1,4})([smh])$/.exec(raw)
  const points = Number(match?.[1])
  const seconds = Number(match?.[2]) * (UNIT_SECONDS[match?.[3] ?? ''] ?? 0)
  if (!match || points < 1 || seconds < 1) {
    throw new ConfigError(name, `must be a count per duration like 10/1m (units s, m, h; got "${raw}")`)
  }
  return Object.freeze({ points, seconds })
}

function limits(env: Env): Limits | undefined {
  const raw = (text(env, 'RATE_LIMITS') ?? 'on').toLowerCase()
  if (raw !== 'on' && raw !== 'off') throw new ConfigError('RATE_LIMITS', `must be on or off (got "${raw}")`)
  if (raw === 'off') return undefined
  return Object.freeze({
    send: rate(env, 'RATE_LIMIT_SEND', '10/10s'),
    sendBurst: rate(env, 'RATE_LIMIT_SEND_BURST', '20/5m'),
    rooms: rate(env, 'RATE_LIMIT_ROOMS', '10/10m'),
    directRooms: rate(env, 'RATE_LIMIT_DIRECT_ROOMS', '30/10m'),
    members: rate(env, 'RATE_LIMIT_MEMBERS', '30/10m'),
    signIn: rate(env, 'RATE_LIMIT_SIGN_IN', '20/10m'),
    sockets: rate(env, 'RATE_LIMIT_SOCKETS', '60/1m'),
    search: rate(env, 'RATE_LIMIT_SEARCH', '30/1m'),
    manage: rate(env, 'RATE_LIMIT_MANAGE', '30/10m'),
    testPush: rate(env, 'RATE_LIMIT_TEST_PUSH', '5/10m'),
    exports: rate(env, 'RATE_LIMIT_EXPORT', '10/1h'),
    invites: rate(env, 'RATE_LIMIT_INVITES', '30/10m'),
    maxSocketsPerUser: integer(env, 'MAX_SOCKETS_PER_USER', 20, 1, 10_000),
    maxSessionsPerUser: integer(env, 'MAX_SESSIONS_PER_USER', 10, 1, 10_000),
  })
}

const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(\/(\d{1,2}))?$/

function trustedProxies(env: Env): readonly string[] {
  const list = (text(env, 'TRUSTED_PROXIES') ?? '127.0.0.1,::1').split(',').map((p) => p.trim().toLowerCase()).filter(Boolean)
  for (const entry of list) {
    const v4 = IPV4_CIDR.exec(entry)
    const validV4 = v4 && v4.slice(1, 5).every((n) => Number(n) <= 255) && (v4[6] === undefined || Number(v4[6]) <= 32)
    if (!validV4 && !/^[0-9a-f:]+$/.test(entry)) {
      throw new ConfigError('TRUSTED_PROXIES', `must list IP addresses or IPv4 ranges like 10.0.0.0/8, comma-separated (got "${entry}")`)
    }
  }
  return Object.freeze(list)
}

function redisPrefix(env: Env): string {
  const raw = text(env, 'REDIS_PREFIX') ?? 'rtc:'
  if (!/^[A-Za-z0-9:_.-]{1,64}$/.test(raw)) {
    throw new ConfigError('REDIS_PREFIX', `must be 1 to 64 letters, digits or :_.- (got "${raw}")`)
  }
  return raw
}

export function loadConfig(env: Env): Config {
  const port = integer(env, 'PORT', 8080, 0, 65535)
  const host = text(env, 'HOST') ?? '0.0.0.0'

  const publicUrl = url(env, 'PUBLIC_URL', ['http:', 'https:']) ?? new URL(`http://localhost:${port}`)
  if (publicUrl.pathname !== '/' || publicUrl.search || publicUrl.hash || publicUrl.username) {
    throw new ConfigError('PUBLIC_URL', `must be an origin like https://chat.example.org, without a path (got "${publicUrl.href}")`)
  }
  const publicIsLoopback = isLoopbackHost(publicUrl.hostname)
  if (publicUrl.protocol === 'http:' && !publicIsLoopback) {
    throw new ConfigError('PUBLIC_URL', 'must use https unless it names a loopback host')
  }

  const databaseUrl = url(env, 'DATABASE_URL', ['postgres:', 'postgresql:'])
  const redisUrl = url(env, 'REDIS_URL', ['redis:', 'rediss:'])
  const contactPoints = text(env, 'CASSANDRA_CONTACT_POINTS')
    ?.split(',').map((p) => p.trim()).filter(Boolean)

  const logLevel = (text(env, 'LOG_LEVEL') ?? 'info') as LogLevel
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')} (got "${logLevel}")`)
  }

  const logFormat = (text(env, 'LOG_FORMAT') ?? 'auto') as Config['logFormat']
  if (!['auto', 'json', 'pretty'].includes(logFormat)) {
    throw new ConfigError('LOG_FORMAT', `must be auto, json or pretty (got "${logFormat}")`)
  }

  const github = pair(env, 'CLIENT_ID', 'CLIENT_SECRET')
  const tls = pair(env, 'TLS_CERT', 'TLS_PRIVKEY')

  const localLogin = boolean(env, 'LOCAL_LOGIN')
  const allowRemoteLocalLogin = boolean(env, 'LOCAL_LOGIN_ALLOW_REMOTE')
  if (localLogin && !isLoopbackHost(host) && !allowRemoteLocalLogin) {
    throw new ConfigError('LOCAL_LOGIN', `lets anyone sign in as anyone; refused on non-loopback HOST "${host}" unless LOCAL_LOGIN_ALLOW_REMOTE=true`)
  }
  // A loopback bind says nothing when a proxy on the same box forwards the world to it: the public address decides.
  if (localLogin && !publicIsLoopback && !allowRemoteLocalLogin) {
    throw new ConfigError('LOCAL_LOGIN', `lets anyone sign in as anyone; refused because PUBLIC_URL "${publicUrl.origin}" is not a loopback address (a proxy may forward the world to this loopback HOST) unless LOCAL_LOGIN_ALLOW_REMOTE=true`)
  }

  return Object.freeze({
    port,
    host,
    publicUrl: publicUrl.origin,
    secureCookies: !(publicUrl.protocol === 'http:' && publicIsLoopback),
    databaseUrl: databaseUrl?.href,
    dataDir: text(env, 'DATA_DIR') ?? './data',
    redisUrl: redisUrl?.href,
    redisPrefix: redisPrefix(env),
    cassandra: contactPoints?.length ? cassandraConfig(env, contactPoints) : undefined,
    logLevel,
    logFormat,
    github: github && Object.freeze({ clientId: github[0], clientSecret: github[1] }),
    oidc: oidcConfig(env, publicIsLoopback),
    localLogin,
    signup: signup(env),
    tls: tls && Object.freeze({ certFile: tlsFile('TLS_CERT', tls[0]), keyFile: tlsFile('TLS_PRIVKEY', tls[1]) }),
    instanceId: integer(env, 'INSTANCE_ID', Math.floor(Math.random() * 1024), 0, 1023),
    metrics: metricsConfig(env, port),
    limits: limits(env),
    trustedProxies: trustedProxies(env),
    uploads: Object.freeze({
      maxBytes: integer(env, 'UPLOAD_MAX_BYTES', 10 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
      quotaBytes: integer(env, 'UPLOAD_QUOTA_BYTES', 200 * 1024 * 1024, 0, Number.MAX_SAFE_INTEGER),
      graceMs: integer(env, 'UPLOAD_GRACE_SECONDS', 3600, 0, 365 * 24 * 3600) * 1000,
      // 25 megapixels: a 24-megapixel camera's 6000×4000 and any phone's default photo fit; decoding one costs
      // ~100 MB and a few hundred ms of one core, where a 50-megapixel PNG of a few KB cost twice that.
      previewMaxPixels: integer(env, 'UPLOAD_PREVIEW_MAX_PIXELS', 25_000_000, 1, 268_402_689),
    }),
    imports: Object.freeze({
      uploadMaxBytes: integer(env, 'IMPORT_UPLOAD_MAX_BYTES', 256 * 1024 * 1024, 1024, 4 * 1024 * 1024 * 1024),
      maxExpandedBytes: integer(env, 'IMPORT_MAX_EXPANDED_BYTES', 8 * 1024 * 1024 * 1024, 1024, Number.MAX_SAFE_INTEGER),
    }),
    searchLanguage: searchLanguage(env),
    ...administration(env),
    push: pushConfig(env, publicUrl),
    presenceIdleMs: integer(env, 'PRESENCE_IDLE_SECONDS', 120, 1, 24 * 3600) * 1000,
    linkPreviews: linkPreviewConfig(env, publicIsLoopback),
  })
}

/**
 * `OIDC_ISSUER`, `OIDC_CLIENT_ID` and `OIDC_CLIENT_SECRET` all, or none; `OIDC_NAME` labels the button.
 * The issuer is https: its discovery document and keys decide who may sign in. `OIDC_ALLOW_HTTP_LOOPBACK`
 * admits a plain-http issuer on loopback for the provider a test runs, and only on a loopback server.
 */
function oidcConfig(env: Env, publicIsLoopback: boolean): Config['oidc'] {
  const given = { OIDC_ISSUER: text(env, 'OIDC_ISSUER'), OIDC_CLIENT_ID: text(env, 'OIDC_CLIENT_ID'), OIDC_CLIENT_SECRET: text(env, 'OIDC_CLIENT_SECRET') }
  const name = text(env, 'OIDC_NAME')
  const allowHttpLoopback = boolean(env, 'OIDC_ALLOW_HTTP_LOOPBACK')
  const set = Object.entries(given).filter(([, value]) => value !== undefined).map(([variable]) => variable)
  if (set.length === 0) {
    if (name !== undefined) throw new ConfigError('OIDC_NAME', 'is set but OIDC_ISSUER is not, so there is no provider to name')
    if (allowHttpLoopback) throw new ConfigError('OIDC_ALLOW_HTTP_LOOPBACK', 'is set but OIDC_ISSUER is not')
    return undefined
  }
  const missing = Object.keys(given).find((variable) => !set.includes(variable))
  if (missing) throw new ConfigError(missing, `is required when ${set.join(' and ')} ${set.length === 1 ? 'is' : 'are'} set (OpenID Connect sign-in needs all three)`)
  const { OIDC_ISSUER: issuer, OIDC_CLIENT_ID: clientId, OIDC_CLIENT_SECRET: clientSecret } = given

  if (allowHttpLoopback && !publicIsLoopback) {
    throw new ConfigError('OIDC_ALLOW_HTTP_LOOPBACK', 'trusts an unencrypted identity provider; it is for a test provider on loopback only (PUBLIC_URL is not a loopback address)')
  }
  const parsed = url(env, 'OIDC_ISSUER', ['https:', 'http:'])!
  if (parsed.search || parsed.hash || parsed.username || parsed.password) {
    throw new ConfigError('OIDC_ISSUER', `must be the provider's issuer URL, without a query, fragment or credentials (got "${issuer}")`)
  }
  if (parsed.protocol === 'http:' && !(allowHttpLoopback && isLoopbackHost(parsed.hostname))) {
    throw new ConfigError('OIDC_ISSUER', `must use https (got "${issuer}")`)
  }
  if (name !== undefined && (name.length > 40 || /[\p{Cc}]/u.test(name))) {
    throw new ConfigError('OIDC_NAME', 'must be a button label of at most 40 characters')
  }
  return Object.freeze({ issuer: issuer!, clientId: clientId!, clientSecret: clientSecret!, name: name ?? 'Single sign-on', allowHttpLoopback })
}

/** `LINK_PREVIEWS` on or off; `LINK_PREVIEW_ALLOW_LOOPBACK` only where the server itself is on loopback (a test's stand-in site). */
function linkPreviewConfig(env: Env, publicIsLoopback: boolean): Config['linkPreviews'] {
  const raw = (text(env, 'LINK_PREVIEWS') ?? 'on').toLowerCase()
  if (raw !== 'on' && raw !== 'off') throw new ConfigError('LINK_PREVIEWS', `must be on or off (got "${raw}")`)
  const allowLoopback = boolean(env, 'LINK_PREVIEW_ALLOW_LOOPBACK')
  if (allowLoopback && !publicIsLoopback) {
    throw new ConfigError('LINK_PREVIEW_ALLOW_LOOPBACK', 'lets any message make the server fetch its own loopback services; it is for tests on loopback only (PUBLIC_URL is not a loopback address)')
  }
  return Object.freeze({ enabled: raw === 'on', allowLoopback })
}

/** Base64url of exactly `bytes` bytes, as `npm run vapid-keys` prints them. */
function base64urlKey(name: string, value: string, bytes: number): string {
  if (!/^[A-Za-z0-9_-]+$/.test(value) || Buffer.from(value, 'base64url').length !== bytes) {
    throw new ConfigError(name, `must be ${bytes} bytes in base64url, as \`npm run vapid-keys\` prints it`)
  }
  return value
}

/** VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY both or neither; the subject (a mailto: or https: contact) defaults to PUBLIC_URL. */
function pushConfig(env: Env, publicUrl: URL): PushConfig {
  const keys = pair(env, 'VAPID_PUBLIC_KEY', 'VAPID_PRIVATE_KEY')
  const given = text(env, 'VAPID_SUBJECT')
  const subject = given ?? publicUrl.origin
  const vapid = keys && { publicKey: base64urlKey('VAPID_PUBLIC_KEY', keys[0], 65), privateKey: base64urlKey('VAPID_PRIVATE_KEY', keys[1], 32), subject }
  // Push services (and the web-push library) take only these: an http: subject would fail every push, later and quietly.
  if (vapid && !/^(mailto:\S+@\S+|https:\/\/\S+)$/.test(subject)) {
    throw new ConfigError('VAPID_SUBJECT', `must be a mailto: address or an https: URL where the push service can reach you (got "${subject}"${given ? '' : ' from PUBLIC_URL; set VAPID_SUBJECT=mailto:you@example.org'})`)
  }
  return Object.freeze({
    vapid: vapid && Object.freeze(vapid),
    allowLoopbackEndpoints: boolean(env, 'PUSH_ALLOW_LOOPBACK_ENDPOINTS'),
  })
}

/** `ADMIN_LOGINS`, `ADMIN_GITHUB_IDS` and `WEBHOOK_ALLOW_HOSTS`: comma-separated, compared without case. */
function administration(env: Env): Pick<Config, 'adminLogins' | 'adminGithubIds' | 'webhookAllowHosts'> {
  const list = (name: string, shape: RegExp, what: string) => {
    const entries = (text(env, name) ?? '').split(',').map((e) => e.trim().toLowerCase()).filter(Boolean)
    const bad = entries.find((e) => !shape.test(e))
    if (bad !== undefined) throw new ConfigError(name, `must list ${what}, comma-separated (got "${bad}")`)
    return Object.freeze(entries)
  }
  return {
    adminLogins: list('ADMIN_LOGINS', /^[a-z0-9][a-z0-9-]{0,38}$/, 'logins'),
    // GitHub's ids are positive integers (a database id); 15 digits stay exact in a number.
    adminGithubIds: Object.freeze(list('ADMIN_GITHUB_IDS', /^[1-9][0-9]{0,14}$/, 'GitHub account ids (numbers; `gh api users/LOGIN --jq .id`)').map(Number)),
    webhookAllowHosts: list('WEBHOOK_ALLOW_HOSTS', /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+|[0-9a-f:]+)$/, 'host names or IP addresses'),
  }
}

/** `SIGNUP`: `open` (the default) or `invite`. */
function signup(env: Env): Config['signup'] {
  const raw = (text(env, 'SIGNUP') ?? 'open').toLowerCase()
  if (raw !== 'open' && raw !== 'invite') throw new ConfigError('SIGNUP', `must be open or invite (got "${raw}")`)
  return raw
}

/** A text search configuration's name; whether the database has it is checked at start-up. */
function searchLanguage(env: Env): string {
  const name = (text(env, 'SEARCH_LANGUAGE') ?? 'simple').toLowerCase()
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new ConfigError('SEARCH_LANGUAGE', `must be a text search configuration name such as simple or english (got "${name}")`)
  return name
}

/** `METRICS_LISTEN` is `host:port`, `[v6]:port` or `:port` (all addresses); `METRICS_TOKEN` is a secret, never echoed. */
function metricsConfig(env: Env, chatPort: number): Config['metrics'] {
  const listen = text(env, 'METRICS_LISTEN')
  const token = text(env, 'METRICS_TOKEN')
  if (listen === undefined) {
    if (token !== undefined) throw new ConfigError('METRICS_TOKEN', 'is set but METRICS_LISTEN is not, so nothing would serve metrics')
    return undefined
  }
  const match = /^(?:\[([0-9a-fA-F:]+)\]|([^:\s]*)):(\d{1,5})$/.exec(listen)
  const port = Number(match?.[3])
  if (!match || port < 1 || port > 65535) {
    throw new ConfigError('METRICS_LISTEN', `must be host:port, [ipv6]:port or :port, e.g. 127.0.0.1:9464 (got "${listen}")`)
  }
  if (port === chatPort) throw new ConfigError('METRICS_LISTEN', `must not use the chat's PORT ${chatPort}: metrics are never served where the chat is`)
  if (token !== undefined && token.length < 16) throw new ConfigError('METRICS_TOKEN', 'must be at least 16 characters')
  return Object.freeze({ host: match[1] ?? (match[2] || '0.0.0.0'), port, token })
}
