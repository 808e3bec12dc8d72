import { rm } from 'node:fs/promises'
import type { Logger } from '../log.ts'
import { ImportRefused } from './archive.ts'
import { importSlack, type SlackImportDeps, type SlackImportOptions } from './importer.ts'
import { importRtc } from './rtc.ts'
import { progressLine, type ImportProgress } from './progress.ts'

export type ImportFormat = 'slack' | 'rtc'

/** An import this instance runs or ran last: what the page shows. */
export interface ImportRun {
  readonly file: string
  /** A Slack workspace export, or a room exported from rtc. */
  readonly format: ImportFormat
  readonly by: string
  readonly startedAt: Date
  state: 'running' | 'done' | 'refused' | 'failed'
  progress: ImportProgress | undefined
  finishedAt?: Date
  /** Why it stopped: a refusal's message, or a failure's (with what was already imported then). */
  error?: string
}

/**
 * Runs uploaded imports in the background, one at a time on this instance (a second upload is refused while one
 * runs: the store's work is the bottleneck, and two imports of one export would only wait on each other). The
 * archive is removed when the run ends. Another instance may run its own; an import is idempotent either way.
 */
export function importJobs({ deps, options, log, now = () => new Date() }: {
  deps: SlackImportDeps
  options: Omit<SlackImportOptions, 'onProgress'>
  log: Logger
  now?: () => Date
}) {
  let last: ImportRun | undefined
  let running: Promise<void> | undefined
  return {
    current: () => last,
    /** Starts importing the archive at `path` unless one is running (then false); the archive is removed after. */
    start(path: string, file: string, by: string, format: ImportFormat = 'slack'): boolean {
      if (last?.state === 'running') return false
      const run: ImportRun = { file, format, by, startedAt: now(), state: 'running', progress: undefined }
      last = run
      running = (format === 'rtc' ? importRtc : importSlack)(path, deps, { ...options, onProgress: (p) => { run.progress = p } })
        .then((p) => {
          run.progress = p
          run.state = 'done'
          log.info({ file, by, format, progress: progressLine(p) }, 'import done')
        }, (err: unknown) => {
          const refused = err instanceof ImportRefused
          run.state = refused ? 'refused' : 'failed'
          run.error = refused ? err.message : `The import stopped: ${(err as Error).message}. What was imported before stays; importing the same archive again continues from there.`
          log[refused ? 'info' : 'error']({ file, by, format, err: refused ? undefined : err, reason: run.error }, 'import stopped')
        })
        .finally(async () => {
          run.finishedAt = now()
          await rm(path, { force: true })
        })
      return true
    },
    /** Settles when the running import (if any) has ended: for tests and shutdown. */
    settled: () => running ?? Promise.resolve(),
  }
}

export type ImportJobs = ReturnType<typeof importJobs>
