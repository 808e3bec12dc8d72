/**
 * What the benchmark's publisher and servers agree on. Every pushed frame is
 * the product's own message markup (CreatedFrame); its body carries the
 * intended send time on CLOCK_MONOTONIC (process.hrtime.bigint(), shared by
 * every process on Linux) and a sequence number, both fixed width, so every
 * frame of a run has the same size and sinks can count deliveries by bytes.
 */
import type { StoredMessage } from '../src/store/ports.ts'
import { CreatedFrame, html } from '../src/views/Message.tsx'

export interface Publish {
  room: number
  /** Intended send time, ns on CLOCK_MONOTONIC, as a decimal string. */
  t: string
  seq: number
}

const CREATED_AT = new Date('2026-01-01T00:00:00Z')

/** Fixed width too: the slug appears in every message's links. */
export const roomSlug = (room: number | string) => `r${String(room).padStart(6, '0')}`

/** A message body carrying its intended send time and sequence number, fixed width. */
export const stampBody = ({ t, seq }: Pick<Publish, 't' | 'seq'>) => `t=${t.padStart(20, '0')};s=${String(seq).padStart(10, '0')}`

/**
 * `BENCH_BODY=formatted` sends Markdown (emphasis, inline code, a link, a quote, a list, a code
 * block) around the stamp instead of the bare stamp; `BENCH_BODY=long` sends plain text whose
 * frame is exactly as long as the formatted one's. The same scenario then tells what rendering
 * formatted bodies costs the fan-out apart from what longer frames cost. Still fixed width.
 */
const BODY = process.env.BENCH_BODY ?? 'plain'
const formatted = (stamp: string) =>
  `**${stamp}** with \`inline code\` and a link https://example.com/docs?q=1\n\n> a quoted line\n\n- one\n- two\n\n\`\`\`\nconst x = 1 < 2\n\`\`\``

const messageWith = (room: number, seq: number, body: string): StoredMessage => {
  const id = String(384_000_000_000_000_000n + BigInt(seq))
  return {
    id, roomId: String(room), authorId: 1, authorLogin: 'bench', authorName: 'Bench', nonce: 'n',
    body, createdAt: CREATED_AT, rev: id, editedAt: null, deletedAt: null,
  }
}
const frameOf = (m: StoredMessage) => html(CreatedFrame({ messages: [m], roomSlug: roomSlug(m.roomId) }))
/** Letters that make a plain body's frame as long as a formatted body's. */
const LONG_PADDING = (() => {
  if (BODY !== 'long') return ''
  // Two messages of a room no run uses: rendered bodies are cached by room, id and rev.
  const stamp = stampBody({ t: '0', seq: 0 })
  const gap = Buffer.byteLength(frameOf(messageWith(999_999, 1, formatted(stamp)))) - Buffer.byteLength(frameOf(messageWith(999_999, 2, stamp)))
  return ' ' + 'x'.repeat(Math.max(0, gap - 1))
})()

export function benchMessage({ room, t, seq }: Publish): StoredMessage {
  const stamp = stampBody({ t, seq })
  return messageWith(room, seq, BODY === 'formatted' ? formatted(stamp) : stamp + LONG_PADDING)
}

/** The bytes a server pushes for one message, rendered by the product's component. */
export const renderFrame = (p: Publish) => html(CreatedFrame({ messages: [benchMessage(p)], roomSlug: roomSlug(p.room) }))

const STAMP = /t=(\d{20});s=(\d{10})/

export function readStamp(frame: string): { t: bigint; seq: number } | undefined {
  const m = STAMP.exec(frame)
  return m ? { t: BigInt(m[1]!), seq: Number(m[2]) } : undefined
}

/** Bytes on the wire for one unmasked server frame carrying `payload` bytes. */
export const wireBytes = (payload: number) => payload + (payload < 126 ? 2 : payload < 65536 ? 4 : 10)
