import type { Attachment, UploadStore } from '../store/ports.ts'
import { formatBytes } from '../lib/bytes.ts'
import type { UploadFiles } from './files.ts'

/** Files one send may carry. */
export const MAX_FILES = 10

/** A refused upload; `status` is what HTTP answers. */
export class UploadError extends Error {
  constructor(message: string, readonly status: 413 | 422) {
    super(message)
  }
}

export interface UploadServiceOptions {
  files: UploadFiles
  store: UploadStore
  /** The most one send's files may weigh together. */
  maxBytes: number
  /** The most each user may have stored, counting each distinct file once. */
  quotaBytes: number
}

/** Checks a send's files against the size limit and the sender's quota, then stores them all. */
export function uploadService({ files, store, maxBytes, quotaBytes }: UploadServiceOptions) {
  return {
    maxBytes,
    read: files.read,

    async storeAll(userId: number, parts: readonly File[]): Promise<Attachment[]> {
      if (parts.length > MAX_FILES) throw new UploadError(`A message can carry at most ${MAX_FILES} files; this one has ${parts.length}.`, 422)
      const total = parts.reduce((sum, f) => sum + f.size, 0)
      if (total > maxBytes) {
        // Rounded, the two can read the same ("1 MB" and "1 MB"): then the bytes tell them apart.
        const [limit, size] = formatBytes(maxBytes) === formatBytes(total)
          ? [`${formatBytes(maxBytes)} (${maxBytes} bytes)`, `${total} bytes`]
          : [formatBytes(maxBytes), formatBytes(total)]
        throw new UploadError(`That upload is too large: files can be at most ${limit} in all, these are ${size}.`, 413)
      }
      const quotaRefusal = (used: number) =>
        new UploadError(`Your storage quota of ${formatBytes(quotaBytes)} is used up (${formatBytes(used)} stored); this upload needs ${formatBytes(total)}.`, 413)
      // Refused early, before the files are written, when the quota is plainly used up.
      const used = await store.bytesUsed(userId)
      if (used + total > quotaBytes) throw quotaRefusal(used)
      const stored: Attachment[] = []
      for (const file of parts) stored.push(await files.store(new Uint8Array(await file.arrayBuffer()), file.name))
      // Checked again, atomically, with the files' hashes: uploads sent at once may not pass the quota together.
      // (A file refused here stays on disk, content-addressed, unreferenced.)
      const recorded = await store.recordUploads(userId, stored, quotaBytes)
      if (!recorded.ok) throw quotaRefusal(recorded.used)
      return stored
    },

    /** A deleted message's files no longer count against its author's quota. */
    release: (userId: number, attachments: readonly Attachment[]) => store.releaseUploads(userId, attachments.map((a) => a.sha256)),
  }
}

export type UploadService = ReturnType<typeof uploadService>
