/**
 * `npm run bench:cards`: what link cards cost the instance that makes them, in one process (no sockets, no
 * Cassandra): the app on PostgreSQL with the stand-in site of scenario l (`bench/site.ts`), `N` sends at `RATE`
 * a second without links (e), then `N` with a link each to a page of its own (l), each round waiting until every
 * card was attached (or a minute passed). Prints, per round, the process's CPU per send (the site's serving
 * included, the same in both), the in-process acknowledgement p50/p99, the cards attached, with and without an
 * image, and the pages and images the site served. CPU per send is the figure to compare on a shared box (waiting
 * for a core moves the latencies, not the CPU); the difference between e and l is what a card costs.
 * `N=300 RATE=50 ROUNDS=2 npm run bench:cards`.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createMetrics } from '../src/metrics/metrics.ts'
import { appOn, browser } from '../test/support/app.ts'
import { databaseBackends } from '../test/support/databases.ts'
import { benchSite } from './site.ts'

const N = Number(process.env.N ?? 300)
const RATE = Number(process.env.RATE ?? 50)
const ROUNDS = Number(process.env.ROUNDS ?? 2)

const opened = await databaseBackends[0]![1]()
const site = await benchSite()
const dataDir = await mkdtemp(join(tmpdir(), 'rtc-bench-cards-'))
const metrics = createMetrics()
const counter = async (name: string) => Number(/ (\d+)$/m.exec(await metrics.registry.getSingleMetricAsString(name))?.[1] ?? 0)
const { app } = appOn(opened.db, { env: { DATA_DIR: dataDir, LINK_PREVIEW_ALLOW_LOOPBACK: 'true', LOG_LEVEL: 'error' }, deps: { metrics } })
const ann = browser(app)
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * p)] ?? NaN

async function round(label: string, firstPage: number | undefined) {
  await ann.post('/rooms', { name: `cards-${label}`, visibility: 'private' })
  const [cardsBefore, bareBefore] = [await counter('rtc_link_preview_cards_total'), await counter('rtc_link_preview_without_image_total')]
  const served = site.served()
  const acks: number[] = []
  const sends: Promise<void>[] = []
  const cpu = process.cpuUsage()
  const started = performance.now()
  for (let i = 0; i < N; i++) {
    const due = started + (i * 1000) / RATE
    if (performance.now() < due) await new Promise((resolve) => setTimeout(resolve, due - performance.now()))
    const at = performance.now()
    const body = firstPage === undefined ? `plain ${i}` : `card ${i} ${site.base}/page/${firstPage + i}`
    sends.push(ann.post(`/rooms/cards-${label}/messages`, { body, nonce: crypto.randomUUID() }).then(() => void acks.push(performance.now() - at)))
  }
  await Promise.all(sends)
  const deadline = Date.now() + 60_000
  while (firstPage !== undefined && await counter('rtc_link_preview_cards_total') - cardsBefore < N && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
  const used = process.cpuUsage(cpu)
  const cards = await counter('rtc_link_preview_cards_total') - cardsBefore
  const bare = await counter('rtc_link_preview_without_image_total') - bareBefore
  const now = site.served()
  console.log(`${label}: CPU ${((used.user + used.system) / 1000 / N).toFixed(2)} ms/send; ack p50 ${pct(acks, 0.5).toFixed(1)} p99 ${pct(acks, 0.99).toFixed(1)} ms; ` +
    `cards ${cards} of ${firstPage === undefined ? 0 : N} (${bare} without image); done in ${((performance.now() - started) / 1000).toFixed(1)} s; ` +
    `site served ${now.pages - served.pages} pages, ${now.images - served.images} images`)
}

try {
  await ann.post('/auth/local', { login: 'ann' })
  // Warms the code paths (and makes the one image's encoding, as a running instance would have).
  await round('warm', 1_000_000)
  for (let r = 1; r <= ROUNDS; r++) {
    await round(`e${r}`, undefined)
    await round(`l${r}`, r * 100_000)
  }
  console.log(`images encoded: ${await counter('rtc_link_preview_images_encoded_total')}`)
} finally {
  await site.close()
  await opened.cleanup()
  await rm(dataDir, { recursive: true, force: true })
}
process.exit(0)
