/**
 * The only reader of the environment. `loadConfig` turns it into one typed,
 * frozen object or throws a `ConfigError` whose message is one line naming the
 * variable and what is wrong with it.
 */
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
    consistency: string
  }> | undefined
  readonly logLevel: LogLevel
  /** `json` lines, `pretty` ones for people, or `auto`: pretty on a terminal, JSON otherwise. */
  readonly logFormat: 'auto' | 'json' | 'pretty'
  readonly github: Readonly<{ clientId: string; clientSecret: string }> | undefined
  readonly localLogin: boolean
  readonly tls: Readonly<{ certFile: string; keyFile: string }> | undefined
  /** Snowflake instance number, 0..1023; unique per running instance. */
  readonly instanceId: number
  /** Where `GET /metrics` is served (never on the chat's port); unset, nowhere. */
  readonly metrics: Readonly<{ host: string; port: number; token: string | undefined }> | undefined
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

function cassandraConfig(env: Env, contactPoints: string[]): NonNullable<Config['cassandra']> {
  const keyspace = text(env, 'CASSANDRA_KEYSPACE') ?? 'rtc'
  if (!/^[a-z][a-z0-9_]{0,47}$/.test(keyspace)) {
    throw new ConfigError('CASSANDRA_KEYSPACE', `must be a lowercase name of up to 48 letters, digits or _ (got "${keyspace}")`)
  }
  const replication = text(env, 'CASSANDRA_REPLICATION') ?? '1'
  if (!/^(\d+|[\w.-]+:\d+(\s*,\s*[\w.-]+:\d+)*)$/.test(replication)) {
    throw new ConfigError('CASSANDRA_REPLICATION', `must be a replica count (SimpleStrategy) or dc:count,dc:count (got "${replication}")`)
  }
  // One replica needs no quorum; several default to a quorum in the local datacenter.
  const consistency = (text(env, 'CASSANDRA_CONSISTENCY') ?? (replication === '1' ? 'one' : 'local_quorum')).toLowerCase()
  if (!CONSISTENCIES.includes(consistency)) {
    throw new ConfigError('CASSANDRA_CONSISTENCY', `must be one of ${CONSISTENCIES.join(', ')} (got "${consistency}")`)
  }
  return Object.freeze({
    contactPoints: Object.freeze(contactPoints),
    localDc: text(env, 'CASSANDRA_LOCAL_DC') ?? 'datacenter1',
    keyspace,
    replication,
    consistency,
  })
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
    localLogin,
    tls: tls && Object.freeze({ certFile: tlsFile('TLS_CERT', tls[0]), keyFile: tlsFile('TLS_PRIVKEY', tls[1]) }),
    instanceId: integer(env, 'INSTANCE_ID', Math.floor(Math.random() * 1024), 0, 1023),
    metrics: metricsConfig(env, port),
  })
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
