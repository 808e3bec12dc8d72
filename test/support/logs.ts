import { Writable } from 'node:stream'
import { createLogger, type Logger } from '../../src/log.ts'

/** A logger whose JSON lines the test can read back. */
export function capturedLogger(): { log: Logger; lines: string[]; text: () => string } {
  const lines: string[] = []
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean))
      done()
    },
  })
  return { log: createLogger('debug', stream), lines, text: () => lines.join('\n') }
}
