import type { Attachment, UploadedFile, UploadStore } from '../store/ports.ts'
import { formatBytes } from '../lib/bytes.ts'
import { sha256Of, type UploadFiles } from './files.ts'

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

/**
 * Checks a send's files against the size limit and the sender's quota, then stores them all; tells the store
 * which message carries them (`references`, for the message service) so the quota and the files on disk follow
 * the messages that live.
 */
export function uploadService({ files: disk, store, maxBytes, quotaBytes }: UploadServiceOptions) {
  const references = {
    keep: (userId: number, message: { roomId: string; nonce: string }, attachments: readonly UploadedFile[]) => store.keepUploads(userId, message, attachments),
    /** A send refused after its files were recorded: they count no more, and go from disk unless someone else's message carries them. */
    async drop(userId: number, attachments: readonly UploadedFile[]) {
      await store.dropUploads(userId, attachments)
      await store.removeUnreferenced({ sha256s: attachments.map((a) => a.sha256) }, disk.remove)
    },
    release: (userId: number, nonce: string, attachments: readonly UploadedFile[]) =>
      store.releaseUploads(userId, nonce, attachments.map((a) => a.sha256)),
  }

  return {
    maxBytes,
    read: disk.read,
    makePreview: disk.makePreview,

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
      const bytes = await Promise.all(parts.map(async (file) => new Uint8Array(await file.arrayBuffer())))
      const files = bytes.map((b) => ({ sha256: sha256Of(b), size: b.byteLength }))
      // Recorded before anything is written: the quota is checked atomically with the files' hashes (uploads sent
      // at once may not pass it together), a refused upload leaves nothing on disk, and a file recorded is safe
      // from removal, so one whose hash was just unreferenced is written again below if it went.
      const recorded = await store.recordUploads(userId, files, quotaBytes)
      if (!recorded.ok) {
        throw new UploadError(`Your storage quota of ${formatBytes(quotaBytes)} is used up (${formatBytes(recorded.used)} stored); this upload needs ${formatBytes(total)}.`, 413)
      }
      const stored: Attachment[] = []
      try {
        for (const [i, file] of parts.entries()) stored.push(await disk.store(bytes[i]!, file.name, files[i]!.sha256))
      } catch (err) {
        await references.drop(userId, files)
        throw err
      }
      for (const a of stored) if (a.preview) void disk.makePreview(a.sha256)
      return stored
    },

    /** What the message service tells the store about a send's files and a deleted message's (see AttachmentReferences). */
    references,
  }
}

export type UploadService = ReturnType<typeof uploadService>
