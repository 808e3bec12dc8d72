import { describe, expect, it } from 'vitest'
import { ConfigError, loadConfig } from './config.ts'

const problem = (env: Record<string, string>) => {
  try {
    loadConfig(env)
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError)
    return (err as ConfigError).message
  }
  throw new Error('expected a ConfigError')
}

describe('loadConfig', () => {
  it('runs with no environment at all, on embedded backends', () => {
    const config = loadConfig({})
    expect(config).toMatchObject({ port: 8080, host: '0.0.0.0', publicUrl: 'http://localhost:8080', secureCookies: false,
      databaseUrl: undefined, redisUrl: undefined, cassandra: undefined, github: undefined, localLogin: false, logLevel: 'info' })
    expect(Object.isFrozen(config)).toBe(true)
  })

  it('reads every variable it knows', () => {
    const config = loadConfig({
      PORT: '9000', HOST: '::', PUBLIC_URL: 'https://chat.example.org', DATABASE_URL: 'postgres://u@db:5432/rtc',
      REDIS_URL: 'redis://cache:6379', CASSANDRA_CONTACT_POINTS: 'c1, c2', CASSANDRA_LOCAL_DC: 'dc1', CASSANDRA_KEYSPACE: 'chat',
      CASSANDRA_REPLICATION: 'dc1:3', CASSANDRA_CONSISTENCY: 'QUORUM', CASSANDRA_SERIAL_CONSISTENCY: 'serial',
      DATA_DIR: '/var/lib/rtc', LOG_LEVEL: 'warn', CLIENT_ID: 'id', CLIENT_SECRET: 'secret', TLS_CERT: 'localhost.pem',
      TLS_PRIVKEY: 'localhost-key.pem', INSTANCE_ID: '7', REDIS_PREFIX: 'chat:',
    })
    expect(config).toMatchObject({
      port: 9000, host: '::', publicUrl: 'https://chat.example.org', secureCookies: true,
      databaseUrl: 'postgres://u@db:5432/rtc', redisUrl: 'redis://cache:6379',
      cassandra: { contactPoints: ['c1', 'c2'], localDc: 'dc1', keyspace: 'chat', replication: 'dc1:3', consistency: 'quorum', serialConsistency: 'serial' }, dataDir: '/var/lib/rtc', logLevel: 'warn',
      github: { clientId: 'id', clientSecret: 'secret' }, tls: { certFile: 'tls/localhost.pem', keyFile: 'tls/localhost-key.pem' },
      instanceId: 7, redisPrefix: 'chat:',
    })
  })

  it.each([
    [{ PORT: 'eighty' }, 'config: PORT must be an integer from 0 to 65535 (got "eighty")'],
    [{ PORT: '70000' }, 'config: PORT must be an integer from 0 to 65535 (got "70000")'],
    [{ PUBLIC_URL: 'chat.example.org' }, 'config: PUBLIC_URL must be a URL starting with http: or https:'],
    [{ PUBLIC_URL: 'https://chat.example.org/app' }, 'config: PUBLIC_URL must be an origin'],
    [{ PUBLIC_URL: 'http://chat.example.org' }, 'config: PUBLIC_URL must use https unless it names a loopback host'],
    [{ DATABASE_URL: 'mysql://db/rtc' }, 'config: DATABASE_URL must start with postgres: or postgresql:'],
    [{ REDIS_URL: 'http://cache' }, 'config: REDIS_URL must start with redis: or rediss:'],
    [{ LOG_LEVEL: 'loud' }, 'config: LOG_LEVEL must be one of'],
    [{ REDIS_PREFIX: 'has space' }, 'config: REDIS_PREFIX must be 1 to 64 letters'],
    [{ CLIENT_ID: 'id' }, 'config: CLIENT_SECRET is required when CLIENT_ID is set'],
    [{ TLS_PRIVKEY: 'k.pem' }, 'config: TLS_CERT is required when TLS_PRIVKEY is set'],
    [{ TLS_CERT: '../etc/cert.pem', TLS_PRIVKEY: 'k.pem' }, 'config: TLS_CERT must name a file inside tls/'],
    [{ LOCAL_LOGIN: 'maybe' }, 'config: LOCAL_LOGIN must be true or false'],
    [{ INSTANCE_ID: '1024' }, 'config: INSTANCE_ID must be an integer from 0 to 1023'],
    [{ CASSANDRA_CONTACT_POINTS: 'c', CASSANDRA_KEYSPACE: 'Bad-Name' }, 'config: CASSANDRA_KEYSPACE must be a lowercase name'],
    [{ CASSANDRA_CONTACT_POINTS: 'c', CASSANDRA_REPLICATION: 'three' }, 'config: CASSANDRA_REPLICATION must be a replica count'],
    [{ CASSANDRA_CONTACT_POINTS: 'c', CASSANDRA_CONSISTENCY: 'most' }, 'config: CASSANDRA_CONSISTENCY must be one of'],
    [{ CASSANDRA_CONTACT_POINTS: 'c', CASSANDRA_CONSISTENCY: 'local_serial' }, 'config: CASSANDRA_CONSISTENCY must be one of'],
    [{ CASSANDRA_CONTACT_POINTS: 'c', CASSANDRA_SERIAL_CONSISTENCY: 'quorum' }, 'config: CASSANDRA_SERIAL_CONSISTENCY must be one of local_serial, serial'],
  ])('refuses %j with one line naming the variable', (env, message) => {
    const text = problem(env)
    expect(text.startsWith(message)).toBe(true)
    expect(text).not.toContain('\n')
  })

  it('leaves the consistency levels unset, for connect to choose from the keyspace it finds, unless they are given', () => {
    expect(loadConfig({ CASSANDRA_CONTACT_POINTS: 'c' }).cassandra).toMatchObject({ replication: '1', consistency: undefined, serialConsistency: undefined })
    expect(loadConfig({ CASSANDRA_CONTACT_POINTS: 'c', CASSANDRA_REPLICATION: 'dc1:3,dc2:3' }).cassandra).toMatchObject({ consistency: undefined })
    expect(loadConfig({ CASSANDRA_CONTACT_POINTS: 'c', CASSANDRA_CONSISTENCY: 'local_one', CASSANDRA_SERIAL_CONSISTENCY: 'LOCAL_SERIAL' }).cassandra)
      .toMatchObject({ consistency: 'local_one', serialConsistency: 'local_serial' })
  })

  it('never echoes a secret back in its message', () => {
    expect(problem({ CLIENT_SECRET: 'hunter2-very-secret' })).not.toContain('hunter2')
  })

  it('refuses local sign-in on a non-loopback host unless explicitly allowed', () => {
    expect(problem({ LOCAL_LOGIN: 'true', HOST: '0.0.0.0' })).toMatch(/^config: LOCAL_LOGIN .*LOCAL_LOGIN_ALLOW_REMOTE=true/)
    expect(loadConfig({ LOCAL_LOGIN: 'true', HOST: '127.0.0.1' }).localLogin).toBe(true)
    expect(loadConfig({ LOCAL_LOGIN: 'true', HOST: '0.0.0.0', LOCAL_LOGIN_ALLOW_REMOTE: 'true' }).localLogin).toBe(true)
  })

  it('reads the metrics listener, and refuses one on the chat port, a short token, or a token with nothing to guard', () => {
    const base = { PUBLIC_URL: 'http://localhost:8080' }
    expect(loadConfig(base).metrics).toBeUndefined()
    expect(loadConfig({ ...base, METRICS_LISTEN: '127.0.0.1:9464' }).metrics).toEqual({ host: '127.0.0.1', port: 9464, token: undefined })
    expect(loadConfig({ ...base, METRICS_LISTEN: ':9464' }).metrics?.host).toBe('0.0.0.0')
    expect(loadConfig({ ...base, METRICS_LISTEN: '[::1]:9464' }).metrics?.host).toBe('::1')
    expect(() => loadConfig({ ...base, METRICS_LISTEN: '9464' })).toThrow(/METRICS_LISTEN must be host:port/)
    expect(() => loadConfig({ ...base, METRICS_LISTEN: '127.0.0.1:8080' })).toThrow(/chat's PORT/)
    expect(() => loadConfig({ ...base, METRICS_LISTEN: ':9464', METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN must be at least 16/)
    expect(() => loadConfig({ ...base, METRICS_TOKEN: 'a-long-enough-token-here' })).toThrow(/METRICS_LISTEN is not/)
  })

  it('refuses local sign-in when PUBLIC_URL is not a loopback address, even on a loopback HOST behind a proxy', () => {
    const env = { LOCAL_LOGIN: 'true', HOST: '127.0.0.1', PUBLIC_URL: 'https://chat.example.org' }
    expect(problem(env)).toMatch(/^config: LOCAL_LOGIN .*PUBLIC_URL "https:\/\/chat\.example\.org" is not a loopback address.*LOCAL_LOGIN_ALLOW_REMOTE=true/)
    expect(loadConfig({ ...env, LOCAL_LOGIN_ALLOW_REMOTE: 'true' }).localLogin).toBe(true)
    expect(loadConfig({ ...env, PUBLIC_URL: 'http://localhost:8080' }).localLogin).toBe(true)
  })

  it('turns every limit and cap on by default, with the documented defaults', () => {
    expect(loadConfig({}).limits).toEqual({
      send: { points: 10, seconds: 10 }, sendBurst: { points: 20, seconds: 300 }, rooms: { points: 10, seconds: 600 },
      directRooms: { points: 30, seconds: 600 }, members: { points: 30, seconds: 600 }, signIn: { points: 20, seconds: 600 },
      sockets: { points: 60, seconds: 60 }, search: { points: 30, seconds: 60 }, manage: { points: 30, seconds: 600 }, exports: { points: 10, seconds: 3600 }, testPush: { points: 5, seconds: 600 },
      invites: { points: 30, seconds: 600 }, maxSocketsPerUser: 20, maxSessionsPerUser: 10,
    })
    expect(loadConfig({}).trustedProxies).toEqual(['127.0.0.1', '::1'])
  })

  it('keeps a visible tab\'s person present for PRESENCE_IDLE_SECONDS after they last used it: two minutes by default', () => {
    expect(loadConfig({}).presenceIdleMs).toBe(120_000)
    expect(loadConfig({ PRESENCE_IDLE_SECONDS: '30' }).presenceIdleMs).toBe(30_000)
    expect(problem({ PRESENCE_IDLE_SECONDS: '0' })).toBe('config: PRESENCE_IDLE_SECONDS must be an integer from 1 to 86400 (got "0")')
    expect(problem({ PRESENCE_IDLE_SECONDS: '2m' })).toMatch(/^config: PRESENCE_IDLE_SECONDS must be an integer/)
  })

  it('reads each limit as a count per duration, and RATE_LIMITS=off turns them all off', () => {
    expect(loadConfig({ RATE_LIMIT_SEND: '5/2s', RATE_LIMIT_ROOMS: '3/1h', MAX_SOCKETS_PER_USER: '4' }).limits)
      .toMatchObject({ send: { points: 5, seconds: 2 }, rooms: { points: 3, seconds: 3600 }, maxSocketsPerUser: 4 })
    expect(loadConfig({ RATE_LIMITS: 'off' }).limits).toBeUndefined()
    expect(loadConfig({ RATE_LIMITS: 'OFF' }).limits).toBeUndefined()
  })

  it.each([
    [{ RATE_LIMITS: 'no' }, 'config: RATE_LIMITS must be on or off (got "no")'],
    [{ RATE_LIMIT_SEND: '10' }, 'config: RATE_LIMIT_SEND must be a count per duration like 10/1m'],
    [{ RATE_LIMIT_SIGN_IN: '0/1m' }, 'config: RATE_LIMIT_SIGN_IN must be a count per duration'],
    [{ RATE_LIMIT_SOCKETS: '5/1d' }, 'config: RATE_LIMIT_SOCKETS must be a count per duration'],
    [{ RATE_LIMIT_INVITES: 'many' }, 'config: RATE_LIMIT_INVITES must be a count per duration'],
    [{ MAX_SESSIONS_PER_USER: '0' }, 'config: MAX_SESSIONS_PER_USER must be an integer from 1'],
    [{ TRUSTED_PROXIES: 'caddy' }, 'config: TRUSTED_PROXIES must list IP addresses'],
    [{ TRUSTED_PROXIES: '10.0.0.0/40' }, 'config: TRUSTED_PROXIES must list IP addresses'],
  ])('refuses the limit setting %j with one line naming it', (env, message) => {
    expect(problem(env).startsWith(message)).toBe(true)
  })

  it('reads the upload limits, the grace period of unreferenced files and the preview pixel limit, with their defaults', () => {
    expect(loadConfig({}).uploads).toEqual({ maxBytes: 10 * 1024 * 1024, quotaBytes: 200 * 1024 * 1024, graceMs: 3_600_000, previewMaxPixels: 25_000_000 })
    expect(loadConfig({ UPLOAD_MAX_BYTES: '2048', UPLOAD_QUOTA_BYTES: '0', UPLOAD_GRACE_SECONDS: '0', UPLOAD_PREVIEW_MAX_PIXELS: '1000000' }).uploads)
      .toEqual({ maxBytes: 2048, quotaBytes: 0, graceMs: 0, previewMaxPixels: 1_000_000 })
    expect(problem({ UPLOAD_PREVIEW_MAX_PIXELS: '0' })).toMatch(/^config: UPLOAD_PREVIEW_MAX_PIXELS must be an integer from 1 to 268402689/)
    expect(problem({ UPLOAD_GRACE_SECONDS: '-1' })).toMatch(/^config: UPLOAD_GRACE_SECONDS must be an integer from 0 to/)
  })

  it('reads the Slack import limits: the upload on /admin/import and what an archive may expand to', () => {
    expect(loadConfig({}).imports).toEqual({ uploadMaxBytes: 256 * 1024 * 1024, maxExpandedBytes: 8 * 1024 * 1024 * 1024 })
    expect(loadConfig({ IMPORT_UPLOAD_MAX_BYTES: '4096', IMPORT_MAX_EXPANDED_BYTES: '100000' }).imports).toEqual({ uploadMaxBytes: 4096, maxExpandedBytes: 100_000 })
    expect(problem({ IMPORT_UPLOAD_MAX_BYTES: '10' })).toMatch(/^config: IMPORT_UPLOAD_MAX_BYTES must be an integer from 1024 to/)
    expect(problem({ IMPORT_MAX_EXPANDED_BYTES: 'lots' })).toMatch(/^config: IMPORT_MAX_EXPANDED_BYTES must be an integer/)
  })

  it('reads SEARCH_LANGUAGE as a text search configuration name, simple by default', () => {
    expect(loadConfig({}).searchLanguage).toBe('simple')
    expect(loadConfig({ SEARCH_LANGUAGE: 'English' }).searchLanguage).toBe('english')
    expect(problem({ SEARCH_LANGUAGE: "english'; drop" })).toMatch(/^config: SEARCH_LANGUAGE must be/)
  })
})

describe('loadConfig: link previews', () => {
  it('are on by default, off with LINK_PREVIEWS=off, and fetch loopback pages only when a test on loopback asks', () => {
    expect(loadConfig({}).linkPreviews).toEqual({ enabled: true, allowLoopback: false })
    expect(loadConfig({ LINK_PREVIEWS: 'OFF' }).linkPreviews.enabled).toBe(false)
    expect(loadConfig({ LINK_PREVIEW_ALLOW_LOOPBACK: 'true' }).linkPreviews.allowLoopback).toBe(true)
    expect(problem({ LINK_PREVIEWS: 'maybe' })).toBe('config: LINK_PREVIEWS must be on or off (got "maybe")')
    expect(problem({ LINK_PREVIEW_ALLOW_LOOPBACK: 'true', PUBLIC_URL: 'https://chat.example.org' })).toMatch(/^config: LINK_PREVIEW_ALLOW_LOOPBACK .* for tests on loopback only/)
  })
})

describe('loadConfig: Web Push', () => {
  const publicKey = Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 9)]).toString('base64url')
  const privateKey = Buffer.alloc(32, 3).toString('base64url')

  it('is off without VAPID keys, and on with both, the subject defaulting to PUBLIC_URL', () => {
    expect(loadConfig({}).push).toEqual({ vapid: undefined, allowLoopbackEndpoints: false })
    expect(loadConfig({ PUBLIC_URL: 'https://chat.example.org', VAPID_PUBLIC_KEY: publicKey, VAPID_PRIVATE_KEY: privateKey }).push.vapid)
      .toEqual({ publicKey, privateKey, subject: 'https://chat.example.org' })
    expect(loadConfig({ PUSH_ALLOW_LOOPBACK_ENDPOINTS: 'true' }).push.allowLoopbackEndpoints).toBe(true)
  })

  it('names what is wrong with the keys or the subject', () => {
    expect(problem({ VAPID_PUBLIC_KEY: publicKey })).toBe('config: VAPID_PRIVATE_KEY is required when VAPID_PUBLIC_KEY is set')
    expect(problem({ VAPID_PUBLIC_KEY: privateKey, VAPID_PRIVATE_KEY: privateKey })).toMatch(/^config: VAPID_PUBLIC_KEY must be 65 bytes/)
    expect(problem({ VAPID_PUBLIC_KEY: publicKey, VAPID_PRIVATE_KEY: 'not+base64url' })).toMatch(/^config: VAPID_PRIVATE_KEY must be 32 bytes/)
    expect(problem({ VAPID_PUBLIC_KEY: publicKey, VAPID_PRIVATE_KEY: privateKey, VAPID_SUBJECT: 'ops' })).toMatch(/^config: VAPID_SUBJECT must be a mailto:/)
    // An http: PUBLIC_URL (a laptop, the demo) is no subject: the operator is told to set one, instead of every push failing.
    expect(problem({ VAPID_PUBLIC_KEY: publicKey, VAPID_PRIVATE_KEY: privateKey, PUBLIC_URL: 'http://localhost:8080' })).toMatch(/^config: VAPID_SUBJECT must be .* \(got "http:\/\/localhost:8080" from PUBLIC_URL; set VAPID_SUBJECT=mailto:you@example.org\)/)
    expect(problem({ VAPID_PUBLIC_KEY: publicKey, VAPID_PRIVATE_KEY: privateKey, VAPID_SUBJECT: 'http://ops.example' })).toMatch(/^config: VAPID_SUBJECT must be/)
  })
})

describe('administration', () => {
  it('reads ADMIN_LOGINS and WEBHOOK_ALLOW_HOSTS as lower-cased lists, empty when unset', () => {
    expect(loadConfig({}).adminLogins).toEqual([])
    expect(loadConfig({}).webhookAllowHosts).toEqual([])
    const config = loadConfig({ ADMIN_LOGINS: ' Alice , bob-2,', WEBHOOK_ALLOW_HOSTS: 'Hooks.Internal,10.0.0.5,[fd00::1]' })
    expect(config.adminLogins).toEqual(['alice', 'bob-2'])
    expect(config.webhookAllowHosts).toEqual(['hooks.internal', '10.0.0.5', '[fd00::1]'])
  })

  it('reads ADMIN_GITHUB_IDS as numbers, empty when unset', () => {
    expect(loadConfig({}).adminGithubIds).toEqual([])
    expect(loadConfig({ ADMIN_GITHUB_IDS: ' 583231, 9919 ,' }).adminGithubIds).toEqual([583231, 9919])
  })

  it.each([
    [{ ADMIN_LOGINS: 'alice,bob smith' }, 'config: ADMIN_LOGINS must list logins, comma-separated (got "bob smith")'],
    [{ WEBHOOK_ALLOW_HOSTS: 'http://hooks.internal/' }, 'config: WEBHOOK_ALLOW_HOSTS must list host names or IP addresses'],
    [{ ADMIN_GITHUB_IDS: '583231,octocat' }, 'config: ADMIN_GITHUB_IDS must list GitHub account ids'],
    [{ ADMIN_GITHUB_IDS: '0' }, 'config: ADMIN_GITHUB_IDS must list GitHub account ids'],
    [{ ADMIN_GITHUB_IDS: '-5' }, 'config: ADMIN_GITHUB_IDS must list GitHub account ids'],
    [{ ADMIN_GITHUB_IDS: '1234567890123456' }, 'config: ADMIN_GITHUB_IDS must list GitHub account ids'],
  ])('refuses %j with one line naming it', (env, message) => {
    expect(problem(env).startsWith(message)).toBe(true)
  })
})

describe('sign-up', () => {
  it('is open by default, invite-only with SIGNUP=invite, and refuses anything else naming SIGNUP', () => {
    expect(loadConfig({}).signup).toBe('open')
    expect(loadConfig({ SIGNUP: 'invite' }).signup).toBe('invite')
    expect(loadConfig({ SIGNUP: ' Open ' }).signup).toBe('open')
    expect(problem({ SIGNUP: 'closed' })).toBe('config: SIGNUP must be open or invite (got "closed")')
  })
})

describe('loadConfig: OpenID Connect sign-in', () => {
  const OIDC = { OIDC_ISSUER: 'https://auth.example.org/realms/home', OIDC_CLIENT_ID: 'rtc', OIDC_CLIENT_SECRET: 's3cret-from-the-provider' }

  it('is off unless configured, and on beside GitHub with a default button label', () => {
    expect(loadConfig({}).oidc).toBeUndefined()
    const config = loadConfig({ ...OIDC, CLIENT_ID: 'gh', CLIENT_SECRET: 'gh-secret', PUBLIC_URL: 'https://chat.example.org' })
    expect(config.oidc).toEqual({ issuer: 'https://auth.example.org/realms/home', clientId: 'rtc', clientSecret: 's3cret-from-the-provider', name: 'Single sign-on', allowHttpLoopback: false })
    expect(config.github).toEqual({ clientId: 'gh', clientSecret: 'gh-secret' })
    expect(Object.isFrozen(config.oidc)).toBe(true)
    expect(loadConfig({ ...OIDC, OIDC_NAME: ' Family login ' }).oidc?.name).toBe('Family login')
  })

  it('keeps the issuer exactly as given, trailing slash and all (Authentik\'s has one)', () => {
    expect(loadConfig({ ...OIDC, OIDC_ISSUER: 'https://authentik.example.org/application/o/rtc/' }).oidc?.issuer).toBe('https://authentik.example.org/application/o/rtc/')
  })

  it.each([
    [{ OIDC_ISSUER: OIDC.OIDC_ISSUER }, 'config: OIDC_CLIENT_ID is required when OIDC_ISSUER is set (OpenID Connect sign-in needs all three)'],
    [{ OIDC_CLIENT_ID: 'rtc', OIDC_CLIENT_SECRET: 'x' }, 'config: OIDC_ISSUER is required when OIDC_CLIENT_ID and OIDC_CLIENT_SECRET are set (OpenID Connect sign-in needs all three)'],
    [{ OIDC_ISSUER: OIDC.OIDC_ISSUER, OIDC_CLIENT_ID: 'rtc' }, 'config: OIDC_CLIENT_SECRET is required when OIDC_ISSUER and OIDC_CLIENT_ID are set'],
    [{ OIDC_NAME: 'Authelia' }, 'config: OIDC_NAME is set but OIDC_ISSUER is not, so there is no provider to name'],
    [{ ...OIDC, OIDC_ISSUER: 'auth.example.org' }, 'config: OIDC_ISSUER must be a URL starting with https: or http:'],
    [{ ...OIDC, OIDC_ISSUER: 'http://auth.example.org' }, 'config: OIDC_ISSUER must use https (got "http://auth.example.org")'],
    [{ ...OIDC, OIDC_ISSUER: 'http://127.0.0.1:9000' }, 'config: OIDC_ISSUER must use https (got "http://127.0.0.1:9000")'],
    [{ ...OIDC, OIDC_ISSUER: 'https://auth.example.org/?realm=home' }, 'config: OIDC_ISSUER must be the provider\'s issuer URL, without a query'],
    [{ ...OIDC, OIDC_NAME: 'x'.repeat(41) }, 'config: OIDC_NAME must be a button label of at most 40 characters'],
    [{ ...OIDC, OIDC_ALLOW_HTTP_LOOPBACK: 'true', OIDC_ISSUER: 'http://127.0.0.1:9000', PUBLIC_URL: 'https://chat.example.org' }, 'config: OIDC_ALLOW_HTTP_LOOPBACK trusts an unencrypted identity provider; it is for a test provider on loopback only'],
    [{ ...OIDC, OIDC_ALLOW_HTTP_LOOPBACK: 'true', OIDC_ISSUER: 'http://auth.example.org' }, 'config: OIDC_ISSUER must use https'],
    [{ OIDC_ALLOW_HTTP_LOOPBACK: 'true' }, 'config: OIDC_ALLOW_HTTP_LOOPBACK is set but OIDC_ISSUER is not'],
  ])('refuses %j with one line naming the variable', (env, message) => {
    const text = problem(env)
    expect(text.startsWith(message)).toBe(true)
    expect(text).not.toContain('s3cret')
  })

  it('admits a plain-http issuer on loopback only for a test server on loopback that asks for it', () => {
    const config = loadConfig({ ...OIDC, OIDC_ISSUER: 'http://127.0.0.1:9000', OIDC_ALLOW_HTTP_LOOPBACK: 'true' })
    expect(config.oidc).toMatchObject({ issuer: 'http://127.0.0.1:9000', allowHttpLoopback: true })
  })
})
