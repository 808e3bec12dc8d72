import { createHash } from 'node:crypto'
import { fileTypeFromBuffer } from 'file-type'
import { formatBytes } from '../lib/bytes.ts'
import { imageThreadsInBackground, loadSharp } from '../lib/images.ts'

/** The largest picture taken for an avatar, before it is re-encoded. */
export const AVATAR_MAX_BYTES = 5 * 1024 * 1024
/** An avatar's side, in pixels: a square WebP. */
export const AVATAR_SIZE = 256
/** What is taken, by the bytes' own signature (never the name or the type the browser sent). */
const TAKEN = new Set(['image/jpeg', 'image/png', 'image/webp', 'image/gif'])

export type Avatar = { ok: true; webp: Uint8Array; sha256: string } | { ok: false; error: string }

/**
 * A picture made into an avatar: a JPEG, PNG, WebP or GIF (its first frame)
 * within `maxPixels`, turned upright, cropped to its centre square, resized
 * to AVATAR_SIZE and re-encoded as WebP. sharp writes no metadata unless
 * asked, so EXIF (a phone's GPS position), XMP and ICC profiles are gone.
 * Runs in sharp's thread pool, once per profile save.
 */
export async function makeAvatar(bytes: Uint8Array, { maxPixels }: { maxPixels: number }): Promise<Avatar> {
  if (bytes.byteLength > AVATAR_MAX_BYTES) return { ok: false, error: `That picture is too large: at most ${formatBytes(AVATAR_MAX_BYTES)}.` }
  const type = (await fileTypeFromBuffer(bytes).catch(() => undefined))?.mime
  if (!type || !TAKEN.has(type)) return { ok: false, error: 'A picture must be a JPEG, PNG, WebP or GIF image.' }
  const sharp = await loadSharp()
  if (!sharp) return { ok: false, error: 'Pictures cannot be processed on this server right now; your GitHub avatar stays.' }
  try {
    const { width, height } = await sharp(bytes, { animated: false }).metadata()
    if (!width || !height) return { ok: false, error: 'That picture could not be read.' }
    if (width * height > maxPixels) {
      return { ok: false, error: `That picture is ${width}×${height} pixels: at most ${Number((maxPixels / 1_000_000).toFixed(2))} megapixels are taken.` }
    }
    // The limit again as sharp decodes: a header that lied about the size stops here.
    const webp = await sharp(bytes, { animated: false, limitInputPixels: maxPixels })
      .rotate().resize(AVATAR_SIZE, AVATAR_SIZE, { fit: 'cover' }).webp({ quality: 82 }).toBuffer()
      .finally(imageThreadsInBackground)
    return { ok: true, webp: new Uint8Array(webp), sha256: createHash('sha256').update(webp).digest('hex') }
  } catch {
    return { ok: false, error: 'That picture could not be read.' }
  }
}
