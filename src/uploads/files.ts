import { createHash, randomUUID } from 'node:crypto'
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileTypeFromBuffer } from 'file-type'
import pLimit from 'p-limit'
import { imageThreadsInBackground, loadSharp } from '../lib/images.ts'
import type { Attachment } from '../store/ports.ts'

/** Image types a browser shows safely and sharp decodes: these get a preview and are served inline. */
export const PREVIEWABLE = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp'])
/** The longest side of a preview, in pixels. */
const PREVIEW_SIZE = 800
// Where sharp cannot load (lib/images.ts), files are still stored and served, only without previews.

/** The sender's file name as shown: its last path segment, no control or bidi characters, at most 120 characters. */
export function cleanName(raw: string): string {
  const base = raw.split(/[\\/]/).pop() ?? ''
  const cleaned = [...base.replace(/[\p{Cc}\p{Cf}\u2028\u2029]/gu, '').trim()].slice(0, 120).join('')
  return cleaned === '' || cleaned === '.' || cleaned === '..' ? 'file' : cleaned
}

const extensionOf = (name: string) => /\.([A-Za-z0-9]{1,10})$/.exec(name)?.[1]?.toLowerCase()
const SAME_EXTENSION: Record<string, string> = { jpeg: 'jpg', jpe: 'jpg', tif: 'tiff' }

/**
 * The type a file is served as: what its bytes say, but only when its name's
 * extension says the same. A file whose bytes are unknown (text, SVG, HTML)
 * or whose name lies about them is application/octet-stream.
 */
async function servedType(bytes: Uint8Array, name: string): Promise<string> {
  const sniffed = await fileTypeFromBuffer(bytes).catch(() => undefined)
  const ext = extensionOf(name)
  if (!sniffed || !ext) return 'application/octet-stream'
  return (SAME_EXTENSION[ext] ?? ext) === sniffed.ext ? sniffed.mime : 'application/octet-stream'
}

/** The file's name on disk: the hex SHA-256 of its bytes. */
export const sha256Of = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex')

export interface UploadFilesOptions {
  /** Where files live: `DATA_DIR/uploads`, shared by the app's replicas on one host. */
  dir: string
  /** Images with more pixels get no preview (a file link only): `UPLOAD_PREVIEW_MAX_PIXELS`. */
  previewMaxPixels: number
  /** Previews made at once by this process; the rest wait their turn. */
  previewConcurrency?: number
  /** Awaited before each preview is made (tests hold previews back with it). */
  beforePreview?: () => Promise<void>
}

/**
 * Files stored by the SHA-256 of their bytes, written to a temporary name and
 * renamed into place, so a reader never sees half a file and a file sent
 * twice is stored once. Images get a WebP preview, re-encoded by sharp, which
 * drops metadata such as EXIF location unless asked to keep it. Previews are
 * made off the send's path, a few at a time: a send only reads the image's
 * header (its size in pixels), and the preview's first request waits for it.
 */
export function uploadFiles({ dir, previewMaxPixels, previewConcurrency = 1, beforePreview }: UploadFilesOptions) {
  const pathOf = (sha256: string) => join(dir, sha256.slice(0, 2), sha256)
  const previewOf = (sha256: string) => `${pathOf(sha256)}.webp`

  const exists = (path: string) => stat(path).then(() => true, () => false)
  const writeOnce = async (path: string, bytes: Uint8Array) => {
    if (await exists(path)) return
    const tmp = join(dir, 'tmp', randomUUID())
    await mkdir(join(dir, 'tmp'), { recursive: true })
    await mkdir(join(path, '..'), { recursive: true })
    try {
      await writeFile(tmp, bytes)
      await rename(tmp, path)
    } finally {
      await rm(tmp, { force: true })
    }
  }

  /** Whether an image gets a preview: sharp can read its header and it is within the pixel limit. */
  const previewable = async (bytes: Uint8Array) => {
    const sharp = await loadSharp()
    if (!sharp) return false
    try {
      const { width, height } = await sharp(bytes, { animated: false }).metadata()
      return width > 0 && height > 0 && width * height <= previewMaxPixels
    } catch {
      return false
    }
  }

  const queue = pLimit(previewConcurrency)
  /** Previews being made by this process, by file, so a file's preview is made once however often it is asked for. */
  const making = new Map<string, Promise<boolean>>()
  /** The file's preview, made unless it exists; false when the image cannot be decoded (or sharp is missing). */
  const makePreview = (sha256: string): Promise<boolean> => {
    const known = making.get(sha256)
    if (known) return known
    const made = queue(async () => {
      if (await exists(previewOf(sha256))) return true
      try {
        await beforePreview?.()
        const sharp = await loadSharp()
        const bytes = await readFile(pathOf(sha256)).catch(() => undefined)
        if (!sharp || !bytes) return false
        // The limit again as sharp decodes: a header that lied about the image's size stops here.
        const webp = await sharp(bytes, { animated: false, limitInputPixels: previewMaxPixels })
          .rotate().resize(PREVIEW_SIZE, PREVIEW_SIZE, { fit: 'inside', withoutEnlargement: true }).webp({ quality: 78 }).toBuffer()
          .finally(imageThreadsInBackground)
        await writeOnce(previewOf(sha256), webp)
        return true
      } catch {
        return false
      }
    }).finally(() => making.delete(sha256))
    making.set(sha256, made)
    return made
  }

  return {
    /** Writes the file (once per content) and says what it is; an image's preview is left to `makePreview`. */
    async store(bytes: Uint8Array, rawName: string, sha256 = sha256Of(bytes)): Promise<Attachment> {
      const name = cleanName(rawName)
      await writeOnce(pathOf(sha256), bytes)
      const type = await servedType(bytes, name)
      const preview = PREVIEWABLE.has(type) && await previewable(bytes)
      return { sha256, name, type, size: bytes.byteLength, preview }
    },

    makePreview,

    /** The file and its preview are gone from disk (nothing references them: see UploadStore.removeUnreferenced). */
    async remove(sha256: string) {
      await rm(pathOf(sha256), { force: true })
      await rm(previewOf(sha256), { force: true })
    },

    /** The stored bytes of a file or of its preview; undefined when missing. */
    read: (sha256: string, preview = false) => readFile(preview ? previewOf(sha256) : pathOf(sha256)).then((b) => new Uint8Array(b), () => undefined),
  }
}

export type UploadFiles = ReturnType<typeof uploadFiles>
