import { createHash, randomUUID } from 'node:crypto'
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileTypeFromBuffer } from 'file-type'
import type { Attachment } from '../store/ports.ts'

/** Image types a browser shows safely and sharp decodes: these get a preview and are served inline. */
export const PREVIEWABLE = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp'])
/** The longest side of a preview, in pixels. */
const PREVIEW_SIZE = 800

type Sharp = typeof import('sharp').default
/**
 * sharp is a native module: where it cannot load (a runtime without its
 * prebuilt binary), files are still stored and served, only without previews.
 */
let sharpLoaded: Promise<Sharp | undefined> | undefined
const loadSharp = () => (sharpLoaded ??= import('sharp').then((m) => m.default, () => undefined))

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

export interface UploadFilesOptions {
  /** Where files live: `DATA_DIR/uploads`, shared by the app's replicas on one host. */
  dir: string
}

/**
 * Files stored by the SHA-256 of their bytes, written to a temporary name and
 * renamed into place, so a reader never sees half a file and a file sent
 * twice is stored once. Images get a WebP preview, re-encoded by sharp, which
 * drops metadata such as EXIF location unless asked to keep it.
 */
export function uploadFiles({ dir }: UploadFilesOptions) {
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

  /** A decodable image's preview, or false (a corrupt image keeps its file link without one). */
  const makePreview = async (sha256: string, bytes: Uint8Array) => {
    const sharp = await loadSharp()
    if (!sharp) return false
    if (await exists(previewOf(sha256))) return true
    try {
      const webp = await sharp(bytes, { animated: false, limitInputPixels: 50_000_000 })
        .rotate().resize(PREVIEW_SIZE, PREVIEW_SIZE, { fit: 'inside', withoutEnlargement: true }).webp({ quality: 78 }).toBuffer()
      await writeOnce(previewOf(sha256), webp)
      return true
    } catch {
      return false
    }
  }

  return {
    async store(bytes: Uint8Array, rawName: string): Promise<Attachment> {
      const sha256 = createHash('sha256').update(bytes).digest('hex')
      const name = cleanName(rawName)
      await writeOnce(pathOf(sha256), bytes)
      const type = await servedType(bytes, name)
      const preview = PREVIEWABLE.has(type) && await makePreview(sha256, bytes)
      return { sha256, name, type, size: bytes.byteLength, preview }
    },

    /** The stored bytes of a file or of its preview; undefined when missing. */
    read: (sha256: string, preview = false) => readFile(preview ? previewOf(sha256) : pathOf(sha256)).then((b) => new Uint8Array(b), () => undefined),
  }
}

export type UploadFiles = ReturnType<typeof uploadFiles>
