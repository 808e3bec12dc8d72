import type { Logger } from '../log.ts'
import type { UploadStore } from '../store/ports.ts'
import type { UploadFiles } from './files.ts'

/** Files removed per sweep at most; the next sweep goes on. */
const SWEEP_LIMIT = 1000

export interface UploadSweeperOptions {
  store: UploadStore
  files: Pick<UploadFiles, 'remove'>
  /** How long a file nothing references stays on disk (`UPLOAD_GRACE_SECONDS`). */
  graceMs: number
  log: Logger
  now?: () => Date
}

/**
 * Removes from disk the files no live message and no send references any more, a grace period after the last
 * reference went. Every instance sweeps the shared `DATA_DIR`: each file is removed under its row's lock in
 * PostgreSQL, which a send reusing the same hash waits for (see UploadStore.removeUnreferenced).
 */
export function uploadSweeper({ store, files, graceMs, log, now = () => new Date() }: UploadSweeperOptions) {
  return {
    async sweep(): Promise<number> {
      const removed = await store.removeUnreferenced({ unreferencedBefore: new Date(now().getTime() - graceMs), limit: SWEEP_LIMIT }, files.remove)
      if (removed) log.info({ removed }, 'unreferenced uploads removed from disk')
      return removed
    },
  }
}
