import { once } from 'node:events'
import { connect } from 'node:net'

/**
 * Hand-made `multipart/form-data` bodies, streamed as they are pulled, for the
 * attacks of issue 24 (thousands of empty file parts, thousands of fields, one
 * huge field) and to see how much of a body the server read before answering.
 */

export const BOUNDARY = 'rtc-b'
export const MULTIPART_TYPE = `multipart/form-data; boundary=${BOUNDARY}`

const encoder = new TextEncoder()

/** One part: a text field, or a file when `filename` is given. */
export type Part = { name: string; value?: string | Uint8Array; filename?: string }

const partBytes = ({ name, value = '', filename }: Part) => {
  const head = filename === undefined
    ? `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n`
    : `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"; filename="${filename}"\r\n\r\n`
  const body = typeof value === 'string' ? encoder.encode(value) : value
  const bytes = new Uint8Array(head.length + body.length + 2)
  bytes.set(encoder.encode(head))
  bytes.set(body, head.length)
  bytes.set([13, 10], head.length + body.length)
  return bytes
}

/** The body's bytes in chunks of `chunkBytes` (the last shorter), the closing boundary last. */
export function* multipartChunks(parts: Iterable<Part>, chunkBytes = 64 * 1024): Generator<Uint8Array> {
  let chunk = new Uint8Array(chunkBytes)
  let size = 0
  const bytesOf = function* () {
    for (const part of parts) yield partBytes(part)
    yield encoder.encode(`--${BOUNDARY}--\r\n`)
  }
  for (const bytes of bytesOf()) {
    for (let at = 0; at < bytes.length;) {
      const taken = Math.min(chunkBytes - size, bytes.length - at)
      chunk.set(bytes.subarray(at, at + taken), size)
      size += taken
      at += taken
      if (size === chunkBytes) {
        yield chunk
        chunk = new Uint8Array(chunkBytes)
        size = 0
      }
    }
  }
  if (size > 0) yield chunk.subarray(0, size)
}

/** The whole body at once (for a Content-Length). */
export const multipartBody = (parts: Iterable<Part>) => {
  const chunks = [...multipartChunks(parts)]
  const body = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0))
  let at = 0
  for (const c of chunks) { body.set(c, at); at += c.length }
  return body
}

/** The attack of issue 24: 140,000 empty file parts, 9.5 MB, after an ordinary message. */
export function* emptyFileParts(count = 140_000): Generator<Part> {
  yield { name: 'nonce', value: crypto.randomUUID() }
  yield { name: 'body', value: 'look at these' }
  for (let i = 0; i < count; i++) yield { name: 'file', filename: 'x', value: '' }
}

/** Parts as a request body that counts what the server pulled from it, chunk by chunk. */
export function pulledBody(parts: Iterable<Part>) {
  const chunks = multipartChunks(parts)
  let total = 0
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = chunks.next()
      if (next.done) return controller.close()
      total += next.value.length
      controller.enqueue(next.value)
    },
  }, { highWaterMark: 0 })
  return { stream, pulled: () => total }
}

/**
 * Sends parts over a socket of its own with the whole body's Content-Length,
 * but writes only the first `heldAfter` bytes and then waits for an answer:
 * a server that answers has decided on the start of the body alone; one that
 * reads the whole body first never answers (until `waitMs`, then this throws).
 */
export async function heldSend(base: string, path: string, headers: Record<string, string>, parts: Iterable<Part>, { heldAfter = 256 * 1024, waitMs = 30_000 } = {}) {
  const body = multipartBody(parts)
  const url = new URL(path, base)
  const socket = connect(Number(url.port), url.hostname)
  await once(socket, 'connect')
  const head = [`POST ${url.pathname} HTTP/1.1`, `Host: ${url.host}`, `Content-Type: ${MULTIPART_TYPE}`, `Content-Length: ${body.length}`,
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), '', ''].join('\r\n')
  let answer = ''
  socket.on('data', (d: Buffer) => { answer += d.toString('latin1') })
  const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()))
  socket.write(head)
  const written = Math.min(heldAfter, body.length)
  socket.write(body.subarray(0, written))
  // The answer is complete once its Content-Length of body has come (or the server closed).
  const complete = () => {
    const split = answer.indexOf('\r\n\r\n')
    const length = /\r\ncontent-length: *(\d+)/i.exec(answer.slice(0, split))
    return split >= 0 && length !== null && Buffer.byteLength(answer.slice(split + 4), 'latin1') >= Number(length[1])
  }
  let timer: NodeJS.Timeout | undefined
  const gaveUp = new Promise<'gave up'>((resolve) => { timer = setTimeout(() => resolve('gave up'), waitMs) })
  try {
    while (!complete() && !socket.closed) {
      if (await Promise.race([once(socket, 'data'), ended, gaveUp]) === 'gave up') {
        throw new Error(`no answer to a held body after ${written} of ${body.length} bytes`)
      }
    }
  } finally {
    clearTimeout(timer)
    socket.destroy()
  }
  const [status, text] = [Number(answer.split(' ')[1]), Buffer.from(answer.slice(answer.indexOf('\r\n\r\n') + 4), 'latin1').toString()]
  return { status, text, written, length: body.length }
}
