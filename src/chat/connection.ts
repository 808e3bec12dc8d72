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
  /** The reader already holds every message up to this id. */
  since: bigint
  /** A reader this far behind on the wire is closed with 1013 and resumes on reconnect. */
  maxBufferedBytes?: number
  /** Pushes held while the replay runs; more closes with 1013. */
  maxPending?: number
  onClose?: (code: number, reason: string) => void
}

export const MAX_BUFFERED_BYTES = 1 << 20
export const MAX_PENDING_FRAMES = 2000

/**
 * One socket's subscription to one room. Live pushes are held while the
 * replay runs, then flushed; the high-water mark makes sure no new message is
 * sent twice across replay and live traffic.
 */
export class Connection implements Subscriber {
  readonly userId: number
  readonly #sink: Sink
  readonly #maxBuffered: number
  readonly #maxPending: number
  readonly #onClose: ConnectionOptions['onClose']
  #highWater: bigint
  #pending: Frame[] | undefined = []
  #closed = false

  constructor(options: ConnectionOptions) {
    this.userId = options.userId
    this.#sink = options.sink
    this.#highWater = options.since
    this.#maxBuffered = options.maxBufferedBytes ?? MAX_BUFFERED_BYTES
    this.#maxPending = options.maxPending ?? MAX_PENDING_FRAMES
    this.#onClose = options.onClose
  }

  get closed() {
    return this.#closed
  }

  /** Sends replayed history (already rendered) and raises the high-water mark. */
  replay(html: string, highestId: bigint): void {
    if (this.#closed) return
    this.#write(html)
    if (highestId > this.#highWater) this.#highWater = highestId
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
    if (frame.created) {
      if (frame.seq <= this.#highWater) return
      this.#highWater = frame.seq
    }
    this.#write(frame.html, frame.bytes)
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
