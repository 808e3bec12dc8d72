import type { UploadStore } from '../store/ports.ts'
import { sha256Of, type UploadFiles } from '../uploads/files.ts'
import type { ImportFiles } from './conversation.ts'

/**
 * Files found in an export stored as a send's are (uploads/): recorded for their author with no quota (an
 * administrator brings them in), written once by content, and kept for the message about to be appended, so the
 * sweeper and a later delete treat them as any other message's files.
 */
export function importFiles(store: UploadStore, disk: UploadFiles): ImportFiles {
  return {
    async attach(author, message, bytes, name) {
      const file = { sha256: sha256Of(bytes), size: bytes.byteLength }
      await store.recordUploads(author.userId, [file], Number.MAX_SAFE_INTEGER)
      const attachment = await disk.store(bytes, name, file.sha256)
      await store.keepUploads(author.userId, message, [file])
      if (attachment.preview) void disk.makePreview(attachment.sha256)
      return attachment
    },
  }
}
