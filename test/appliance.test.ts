import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'

/** Every variable src/config.ts reads, found in its source rather than listed again here. */
function variablesTheAppReads(): string[] {
  const source = readFileSync('src/config.ts', 'utf8')
  const names = new Set<string>()
  for (const m of source.matchAll(/(?:(?:text|integer|boolean|url|pair|rate)\(env, |list\()'([A-Z_]+)'(?:, '([A-Z_]+)')?/g)) {
    names.add(m[1]!)
    if (m[2]) names.add(m[2])
  }
  return [...names].sort()
}

type Service = { environment?: Record<string, string>; ports?: unknown[]; depends_on?: Record<string, { condition: string }>; profiles?: string[] }

/** compose.yaml as docker-compose resolves it with .env.dev, plus any override files. */
function composeConfig(...overrides: string[]): { services: Record<string, Service>; volumes: Record<string, unknown> } {
  if (!existsSync('/usr/bin/docker-compose')) {
    throw new Error('docker-compose is needed to validate compose.yaml and is missing: apt-get install docker-compose (npm test installs it)')
  }
  const files = ['compose.yaml', ...overrides].flatMap((f) => ['-f', f])
  const out = execFileSync('docker-compose', [...files, '--env-file', '.env.dev', 'config'], { encoding: 'utf8' })
  return parse(out)
}

/** The services `up` starts: those without a profile, and those of the profiles asked for. */
const started = (services: Record<string, Service>, profiles: string[] = []) =>
  Object.keys(services).filter((name) => !services[name]!.profiles || services[name]!.profiles!.some((p) => profiles.includes(p))).sort()

describe('the appliance files', () => {
  it('finds the variables the app reads', () => {
    expect(variablesTheAppReads()).toEqual(expect.arrayContaining(['PORT', 'PUBLIC_URL', 'DATABASE_URL', 'REDIS_URL', 'CLIENT_ID', 'CLIENT_SECRET', 'TLS_CERT', 'TLS_PRIVKEY', 'LOCAL_LOGIN_ALLOW_REMOTE', 'RATE_LIMITS', 'RATE_LIMIT_SEND', 'TRUSTED_PROXIES', 'MAX_SESSIONS_PER_USER']))
  })

  it('has compose.yaml valid for docker-compose, with .env.dev', () => {
    const config = composeConfig()
    expect(started(config.services)).toEqual(['app', 'caddy', 'cassandra', 'postgres', 'redis'])
    expect(started(config.services, ['monitoring'])).toEqual(['app', 'caddy', 'cassandra', 'grafana', 'postgres', 'prometheus', 'redis'])
  })

  it('runs without Cassandra, messages in PostgreSQL, with deploy/compose.small.yaml', () => {
    const { services } = composeConfig('deploy/compose.small.yaml')
    expect(started(services)).toEqual(['app', 'caddy', 'postgres', 'redis'])
    expect(services.app!.environment!.CASSANDRA_CONTACT_POINTS).toBe('')
    expect(started(services, ['monitoring'])).toEqual(['app', 'caddy', 'grafana', 'postgres', 'prometheus', 'redis'])
  })

  it('has a host Caddyfile Caddy accepts and a tunnel example, both pointing at the address the systemd environment file gives the app', () => {
    if (!existsSync('/usr/bin/caddy')) throw new Error('caddy is needed to validate deploy/Caddyfile.host and is missing: apt-get install caddy (npm test installs it)')
    execFileSync('caddy', ['validate', '--config', 'deploy/Caddyfile.host', '--adapter', 'caddyfile'], { stdio: 'pipe' })
    const env = readFileSync('deploy/rtc.env.example', 'utf8')
    const app = `${/^HOST=(.*)$/m.exec(env)![1]}:${/^PORT=(.*)$/m.exec(env)![1]}`
    expect(readFileSync('deploy/Caddyfile.host', 'utf8')).toContain(`reverse_proxy ${app}`)
    const tunnel = parse(readFileSync('deploy/cloudflared.yml', 'utf8')) as { ingress: { service: string }[] }
    expect(tunnel.ingress[0]!.service).toBe(`http://${app}`)
    expect(tunnel.ingress.at(-1)!.service).toBe('http_status:404')
  })

  it('points the monitoring profile at files that exist: the scrape config and a dashboard of metrics the app serves', () => {
    const prometheus = parse(readFileSync('deploy/prometheus.yml', 'utf8')) as { scrape_configs: { dns_sd_configs: { names: string[]; port: number }[] }[] }
    expect(prometheus.scrape_configs[0]!.dns_sd_configs[0]).toEqual({ names: ['app'], type: 'A', port: 9464 })
    const dashboard = JSON.parse(readFileSync('deploy/grafana/dashboards/rtc.json', 'utf8')) as { panels: { targets: { expr: string }[] }[] }
    expect(dashboard.panels.length).toBeGreaterThan(5)
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

  it('publishes ports only from Caddy (and Grafana on loopback), keeps every store on a named volume, and waits for healthy backends', () => {
    const { services, volumes } = composeConfig()
    for (const [name, service] of Object.entries(services)) if (name !== 'caddy' && name !== 'grafana') expect(service.ports, name).toBeUndefined()
    expect(JSON.stringify(services.grafana!.ports)).toContain('127.0.0.1')
    expect(Object.keys(volumes).sort()).toEqual(['app-data', 'caddy-config', 'caddy-data', 'cassandra-data', 'grafana-data', 'postgres-data', 'prometheus-data', 'redis-data'])
    // Cassandra is waited for by the app itself, so the small profile can leave it out.
    expect(services.app!.depends_on).toEqual({ postgres: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } })
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
    // No `# syntax=` line: BuildKit would pull that frontend from a registry; without it the
    // Dockerfile builds with BuildKit's own and with the legacy builder, registry or not.
    expect(dockerfile).not.toMatch(/^# *syntax=/m)
    // The build stage runs `npm run build`, whose build:static runs these scripts: each must be copied in.
    const scripts = [...JSON.parse(readFileSync('package.json', 'utf8')).scripts['build:static'].matchAll(/node (tools\/\S+)/g)].map((m) => m[1])
    expect(scripts.length).toBeGreaterThan(0)
    const copied = [...dockerfile.matchAll(/^COPY (.+) \.\/tools\/$/gm)].flatMap((m) => m[1]!.split(' '))
    for (const script of scripts) expect(copied, `Dockerfile copies ${script}`).toContain(script)
  })

  it('checks Cassandra\'s health with nodetool, which the official image and the stand-in both have', () => {
    const cassandra = composeConfig().services.cassandra as Service & { healthcheck: { test: string[] } }
    expect(cassandra.healthcheck.test.join(' ')).toContain('nodetool info')
    expect(cassandra.healthcheck.test.join(' ')).not.toContain('cqlsh')
  })
})
