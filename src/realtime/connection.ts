import { CLOSE, type Frame, type Subscriber } from './hub.ts'

/** What a connection needs of its socket; each runtime's socket provides it. */
export interface Sink {
  /** Sends a text frame; `bytes`, when given, are `text` already encoded. */
  send(text: string, bytes?: Uint8Array): void
  close(code: number, reason: string): void
  /** Bytes accepted by send() but not yet written to the network. */
  bufferedAmount(): number
}

export interface ConnectionOptions {
  userId: number
  sink: Sink
  /** The reader already holds every message up to this id (undefined: it holds none yet; see `startFrom`). */
  since?: bigint
  /** A reader this far behind on the wire is closed with 1013 and resumes on reconnect. */
  maxBufferedBytes?: number
  /** Pushes held while the replay runs; more closes with 1013. */
  maxPending?: number
  onClose?: (code: number, reason: string) => void
  /** Told when the connection is closed for falling behind. */
  onSlow?: () => void
}

export const MAX_BUFFERED_BYTES = 1 << 20
export const MAX_PENDING_FRAMES = 2000

/**
 * One socket's subscription to one room. Live pushes are held while the
 * replay runs, then flushed. The reader holds every message up to `since`;
 * every message above it reaches the reader as new (inserted, or replaced
 * where it already is), every change below it as a change (replaced only
 * where the reader has it). Pushes come in rev order, so a rev at or below
 * the last one sent (by the replay or live) is already in the reader's hands
 * and is skipped: nothing is sent twice, whether new or changed.
 */
export class Connection implements Subscriber {
  readonly userId: number
  readonly #sink: Sink
  readonly #maxBuffered: number
  readonly #maxPending: number
  readonly #onClose: ConnectionOptions['onClose']
  readonly #onSlow: ConnectionOptions['onSlow']
  #since: bigint
  #sentRev: bigint
  #pending: Frame[] | undefined = []
  #closed = false

  constructor(options: ConnectionOptions) {
    this.userId = options.userId
    this.#sink = options.sink
    this.#since = this.#sentRev = options.since ?? 0n
    this.#maxBuffered = options.maxBufferedBytes ?? MAX_BUFFERED_BYTES
    this.#maxPending = options.maxPending ?? MAX_PENDING_FRAMES
    this.#onClose = options.onClose
    this.#onSlow = options.onSlow
  }

  get closed() {
    return this.#closed
  }

  /**
   * Before the replay: the reader starts at this id instead of the one it asked for (it held nothing,
   * or asked beyond the room). A message pushed to this socket while it waited came after it
   * subscribed, so the reader gets it even when the start, read later, is past it: the start moves
   * back to just before the first one held. Answers where the reader starts (the replay's cursor).
   */
  startFrom(since: bigint): bigint {
    const first = this.#pending?.find((frame) => frame.rev !== 0n)
    const start = first && first.rev <= since ? first.rev - 1n : since
    this.#since = this.#sentRev = start
    return start
  }

  /** Sends replayed history (already rendered), which brings the reader up to `rev`. */
  replay(html: string, rev: bigint): void {
    if (this.#closed) return
    this.#write(html)
    if (rev > this.#sentRev) this.#sentRev = rev
  }

  /** Replay is over: flush what arrived meanwhile and stream live from now on. */
  goLive(): void {
    const pending = this.#pending ?? []
    this.#pending = undefined
    for (const frame of pending) this.push(frame)
  }

  push(frame: Frame): void {
    if (this.#closed) return
    if (this.#pending) {
      if (this.#pending.length >= this.#maxPending) return this.closeSlowConsumer()
      this.#pending.push(frame)
      return
    }
    if (frame.rev === 0n) return this.#write(frame.html, frame.bytes)
    if (frame.rev <= this.#sentRev) return
    this.#sentRev = frame.rev
    const shown = frame.asNew && frame.id > this.#since ? frame.asNew() : frame
    this.#write(shown.html, shown.bytes)
  }

  /** Closes the socket; a `notice` (markup the page swaps in) is sent first, even during replay. */
  close(code: number, reason: string, notice?: string): void {
    if (this.#closed) return
    this.#closed = true
    this.#pending = undefined
    if (notice !== undefined) this.#sink.send(notice)
    this.#sink.close(code, reason)
    this.#onClose?.(code, reason)
  }

  closeSlowConsumer(): void {
    if (!this.#closed) this.#onSlow?.()
    this.close(CLOSE.tryAgainLater, 'too far behind; reconnect to catch up')
  }

  #write(html: string, bytes?: Uint8Array): void {
    if (this.#sink.bufferedAmount() > this.#maxBuffered) return this.closeSlowConsumer()
    this.#sink.send(html, bytes)
  }
}

/**
 * A socket context carrying this symbol can send pre-encoded bytes as a text
 * frame (Node's `ws` can); a hub frame is then encoded once, not once per reader.
 */
export const SEND_TEXT_BYTES = Symbol('rtc.sendTextBytes')
export type TextBytesSender = (bytes: Uint8Array) => void
