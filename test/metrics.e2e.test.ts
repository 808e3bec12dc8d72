import { readFile } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { signIn, startChatServer } from './support/chat.ts'
import { freePort } from './support/ports.ts'
import { createTestDatabase, type TestDatabase } from './support/postgres.ts'
import { startServerProcess } from './support/process.ts'
import { REDIS_URL, testRedisPrefix } from './support/redis.ts'

const TOKEN = 'metrics-token-for-tests-0123456789'

/** The value of one sample line, e.g. `rtc_open_sockets` or `rtc_store_seconds_count{store="postgres",op="appendMessage"}`. */
const sample = (text: string, name: string) => {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `))
  return line === undefined ? undefined : Number(line.slice(name.length + 1))
}

let database: TestDatabase
let redis: Awaited<ReturnType<typeof testRedisPrefix>>
beforeAll(async () => { database = await createTestDatabase(); redis = await testRedisPrefix() })
afterAll(async () => { await redis?.cleanup(); await database?.drop() })

/** Carries a little traffic: a room, a socket, five sends; answers the socket so it stays open. */
async function traffic(url: string) {
  const ana = await signIn(url, 'ana')
  const slug = await ana.createRoom('Metrics')
  const s = await ana.socket(slug)
  const ids: string[] = []
  for (let i = 0; i < 5; i++) ids.push((await ana.post(slug, `counted ${i}`)).id!)
  await s.waitFor(() => ids.every((id) => s.createdIds().includes(id)), 'the five messages')
  return s
}

describe('metrics', () => {
  it('serves Prometheus metrics on their own address behind the token, and the counters move with traffic', async () => {
    const port = await freePort()
    const server = await startChatServer({
      DATABASE_URL: database.url, REDIS_URL, REDIS_PREFIX: redis.prefix, METRICS_LISTEN: `127.0.0.1:${port}`, METRICS_TOKEN: TOKEN,
    }, { statsMs: 200 })
    const scrape = (token?: string) => fetch(`http://127.0.0.1:${port}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} })
    try {
      expect((await scrape()).status).toBe(401)
      expect((await scrape('wrong-token-wrong-token')).status).toBe(401)
      expect((await fetch(`${server.url}/metrics`)).status).toBe(404)
      const before = await (await scrape(TOKEN)).text()
      const s = await traffic(server.url)
      const res = await scrape(TOKEN)
      expect(res.headers.get('content-type')).toContain('text/plain')
      const after = await res.text()
      expect(sample(after, 'rtc_open_sockets')).toBe(1)
      expect(sample(after, 'rtc_live_rooms')).toBe(1)
      expect(sample(after, 'rtc_send_seconds_count')! - (sample(before, 'rtc_send_seconds_count') ?? 0)).toBe(5)
      expect(sample(after, 'rtc_deliveries_total')).toBeGreaterThanOrEqual(5)
      expect(sample(after, 'rtc_store_seconds_count{store="postgres",op="appendMessage"}')).toBe(5)
      expect(sample(after, 'rtc_store_seconds_count{store="redis",op="get"}')).toBeGreaterThan(0)
      expect(sample(after, 'rtc_cache_hits_total')).toBeGreaterThan(0)
      // Every series the Grafana dashboard draws is one the app serves.
      const dashboard = await readFile('deploy/grafana/dashboards/rtc.json', 'utf8')
      const drawn = new Set([...dashboard.matchAll(/\b((?:rtc|nodejs|process)_[a-z0-9_]+)/g)].map((m) => m[1]!.replace(/_bucket$/, '')))
      for (const name of drawn) expect(after, name).toMatch(new RegExp(`^# TYPE ${name} `, 'm'))
      expect(after).toContain('nodejs_eventloop_lag_seconds')
      expect(after).toContain('process_resident_memory_bytes')
      await new Promise((r) => setTimeout(r, 300))
      const stats = server.logs.lines.filter((l) => l.includes('"msg":"stats"')).map((l) => JSON.parse(l))
      expect(stats.some((l) => l.sends >= 1 && l.sockets === 1 && l.rooms === 1 && typeof l.sendP99Ms === 'number')).toBe(true)
      expect(server.logs.text()).not.toContain(TOKEN)
      await s.close()
    } finally {
      await server.close()
    }
  })

  it('serves the same under Deno', async () => {
    const port = await freePort()
    const server = await startServerProcess({
      DATABASE_URL: database.url, PUBLIC_URL: 'http://localhost:8080', LOCAL_LOGIN: 'true', LOG_LEVEL: 'info',
      METRICS_LISTEN: `127.0.0.1:${port}`,
    }, 'deno')
    try {
      const s = await traffic(server.url)
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text()
      expect(sample(text, 'rtc_open_sockets')).toBe(1)
      expect(sample(text, 'rtc_send_seconds_count')).toBe(5)
      expect(sample(text, 'rtc_store_seconds_count{store="postgres",op="appendMessage"}')).toBe(5)
      await s.close()
    } finally {
      await server.stop()
    }
  })
})
