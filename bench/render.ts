/**
 * `npm run bench:render`: what a message costs to render, plain and as
 * formatted Markdown, through the product's one message component (each
 * message new, so the rendered-body cache never hits). The hub renders a
 * message once per room, whatever its member count, so this cost is paid
 * once per message, not once per delivery; the output puts it beside the
 * 100-member-room goal (35,000 deliveries/s, i.e. 350 messages/s).
 */
import type { renderFrame } from './protocol.ts'

async function measure(kind: 'plain' | 'formatted', count: number) {
  process.env.BENCH_BODY = kind
  // protocol.ts reads BENCH_BODY once: a fresh copy of the module per kind.
  const { renderFrame: render } = await import(`./protocol.ts?${kind}`) as { renderFrame: typeof renderFrame }
  let seq = kind === 'plain' ? 0 : 10_000_000
  for (let i = 0; i < 2000; i++) render({ room: 1, t: String(i), seq: seq++ })
  const started = process.hrtime.bigint()
  for (let i = 0; i < count; i++) render({ room: 1, t: String(i), seq: seq++ })
  return Number(process.hrtime.bigint() - started) / 1000 / count
}

const count = Number(process.argv[2] ?? 20_000)
const rounds: Record<string, number[]> = { plain: [], formatted: [] }
for (let r = 0; r < 5; r++) for (const kind of ['plain', 'formatted'] as const) rounds[kind]!.push(await measure(kind, count))
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const [plain, formatted] = [median(rounds.plain!), median(rounds.formatted!)]
const messagesPerSecond = 350
console.log(JSON.stringify({
  plainUsPerMessage: Number(plain.toFixed(1)),
  formattedUsPerMessage: Number(formatted.toFixed(1)),
  extraUsPerMessage: Number((formatted - plain).toFixed(1)),
  extraCpuShareAt350MessagesPerSecond: `${(((formatted - plain) * messagesPerSecond) / 1e6 * 100).toFixed(2)}%`,
}, null, 2))
