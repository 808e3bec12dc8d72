import { pino, type DestinationStream, type Logger } from 'pino'
import type { LogLevel } from './config.ts'

export type { Logger }

/**
 * Paths that could carry a credential. The request log never records headers
 * or query strings in the first place; this is the second fence.
 */
const REDACT = [
  'cookie', 'token', 'secret', 'clientSecret', 'password', 'authorization', 'code', 'state',
  '*.cookie', '*.token', '*.secret', '*.clientSecret', '*.password', '*.authorization',
  'headers.cookie', 'headers.authorization', 'req.headers.cookie', 'req.headers.authorization',
]

/**
 * JSON lines on stdout (or `destination`, which tests use to read the lines). Stdout is written
 * asynchronously: a busy instance's lines go out together while a write is under way instead of
 * one blocking write each; pino flushes what is left when the process exits.
 */
export function createLogger(level: LogLevel, destination?: DestinationStream, { sync = false } = {}): Logger {
  return pino({
    level,
    base: { service: 'rtc' },
    redact: { paths: REDACT, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  }, destination ?? pino.destination({ dest: 1, sync }))
}
