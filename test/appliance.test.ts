import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'

/** Every variable src/config.ts reads, found in its source rather than listed again here. */
function variablesTheAppReads(): string[] {
  const source = readFileSync('src/config.ts', 'utf8')
  const names = new Set<string>()
  for (const m of source.matchAll(/(?:text|integer|boolean|url|pair|rate)\(env, '([A-Z_]+)'(?:, '([A-Z_]+)')?/g)) {
    names.add(m[1]!)
    if (m[2]) names.add(m[2])
  }
  return [...names].sort()
}

function composeConfig(): { services: Record<string, { environment?: Record<string, string>; ports?: unknown[]; depends_on?: Record<string, { condition: string }> }>; volumes: Record<string, unknown> } {
  if (!existsSync('/usr/bin/docker-compose')) {
    throw new Error('docker-compose is needed to validate compose.yaml and is missing: apt-get install docker-compose (bash .ci/run does it)')
  }
  const out = execFileSync('docker-compose', ['-f', 'compose.yaml', '--env-file', '.env.dev', 'config'], { encoding: 'utf8' })
  return parse(out)
}

describe('the appliance files', () => {
  it('finds the variables the app reads', () => {
    expect(variablesTheAppReads()).toEqual(expect.arrayContaining(['PORT', 'PUBLIC_URL', 'DATABASE_URL', 'REDIS_URL', 'CLIENT_ID', 'CLIENT_SECRET', 'TLS_CERT', 'TLS_PRIVKEY', 'LOCAL_LOGIN_ALLOW_REMOTE', 'RATE_LIMITS', 'RATE_LIMIT_SEND', 'TRUSTED_PROXIES', 'MAX_SESSIONS_PER_USER']))
  })

  it('has compose.yaml valid for docker-compose, with .env.dev', () => {
    const config = composeConfig()
    expect(Object.keys(config.services).sort()).toEqual(['app', 'caddy', 'cassandra', 'postgres', 'redis'])
  })

  it('names every variable the app reads in .env.dev, each with a comment, and passes each to the app service', () => {
    const env = readFileSync('.env.dev', 'utf8')
    const app = composeConfig().services.app!
    for (const name of variablesTheAppReads()) {
      expect(env, `${name} in .env.dev`).toMatch(new RegExp(`^(# )?${name}=`, 'm'))
      expect(Object.keys(app.environment ?? {}), `${name} reaches the app`).toContain(name)
    }
    const lines = env.split('\n')
    lines.forEach((line, i) => {
      if (/^[A-Z_]+=/.test(line)) expect(lines.slice(0, i).reverse().find((l) => !/^[A-Z_]+=/.test(l)), `comment above ${line}`).toMatch(/^#/)
    })
  })

  it('publishes ports only from Caddy, keeps every store on a named volume, and waits for healthy backends', () => {
    const { services, volumes } = composeConfig()
    for (const [name, service] of Object.entries(services)) if (name !== 'caddy') expect(service.ports, name).toBeUndefined()
    expect(Object.keys(volumes).sort()).toEqual(['app-data', 'caddy-config', 'caddy-data', 'cassandra-data', 'postgres-data', 'redis-data'])
    expect(services.app!.depends_on).toEqual({
      postgres: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' }, cassandra: { condition: 'service_started' },
    })
    expect(services.caddy!.depends_on).toEqual({ app: { condition: 'service_healthy' } })
  })

  it('keeps secrets out of .env.dev: placeholders only', () => {
    const env = readFileSync('.env.dev', 'utf8')
    expect(env).toMatch(/^CLIENT_ID=0+$/m)
    expect(env).toMatch(/^CLIENT_SECRET=0+$/m)
  })

  it('builds an image that runs as a non-root user with a health check', () => {
    const dockerfile = readFileSync('Dockerfile', 'utf8')
    expect(dockerfile).toMatch(/^USER node$/m)
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\n?.*\/healthz/m)
    expect(dockerfile).toMatch(/npm ci --omit=dev/)
    expect(dockerfile).toMatch(/^CMD \["node", "dist\/main.js"\]$/m)
  })
})
