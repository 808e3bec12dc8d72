import { Hono, type Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { isId } from '../messages/ids.ts'
import type { MessageService } from '../messages/service.ts'
import type { AppEnv } from '../context.ts'
import { requireReader } from '../http/roomAccess.ts'
import { PREVIEWABLE } from './files.ts'
import type { UploadService } from './service.ts'

const SHA256 = /^[0-9a-f]{64}$/
/** How long a preview's request waits for its turn in the queue before it is answered 503 (its image shows the name). */
const PREVIEW_WAIT_MS = 30_000

/** An RFC 6266 attachment header: an ASCII stand-in, and the real name UTF-8 encoded. */
const disposition = (kind: 'inline' | 'attachment', name: string) =>
  `${kind}; filename="${name.replace(/[^\x20-\x7e]|["\\]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(name)}`

/**
 * A message's files, served only to readers of its room and only while the
 * message stands. Nothing served here can run: `nosniff`, a sandboxing CSP,
 * and anything but a previewable image is a download.
 */
export function uploadRoutes({ chat, uploads }: { chat: MessageService; uploads: UploadService }) {
  const app = new Hono<AppEnv>()

  /**
   * A preview not made yet (queued after the send here or on another instance, or lost with a restart): made
   * now through this process's queue, which joins a job already queued, and waited for, so the image appears
   * when it is ready.
   */
  const queuedPreview = async (sha256: string) => {
    let timer: ReturnType<typeof setTimeout> | undefined
    const waited = new Promise<'late'>((resolve) => { timer = setTimeout(() => resolve('late'), PREVIEW_WAIT_MS) })
    const made = await Promise.race([uploads.makePreview(sha256), waited]).finally(() => clearTimeout(timer))
    if (made === 'late') throw new HTTPException(503, { message: 'The preview is not ready yet; the file itself is there.' })
    return made ? uploads.read(sha256, true) : undefined
  }

  const serve = (preview: boolean) => async (c: Context<AppEnv>) => {
    const id = c.req.param('id') ?? ''
    const sha256 = c.req.param('sha256') ?? ''
    const gone = () => new HTTPException(404, { message: 'There is no such file in this room.' })
    if (!isId(id) || !SHA256.test(sha256)) throw gone()
    const message = await chat.find(c.get('room'), id)
    const attachment = message?.deletedAt ? undefined : message?.attachments?.find((a) => a.sha256 === sha256)
    if (!attachment || (preview && !attachment.preview)) throw gone()
    const bytes = await uploads.read(sha256, preview) ?? (preview ? await queuedPreview(sha256) : undefined)
    if (!bytes) throw gone()
    const type = preview ? 'image/webp' : attachment.type
    const inline = preview || PREVIEWABLE.has(type)
    return c.body(bytes as Uint8Array<ArrayBuffer>, 200, {
      'Content-Type': type,
      'Content-Disposition': disposition(inline ? 'inline' : 'attachment', preview ? `${attachment.name}.webp` : attachment.name),
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': 'sandbox',
      'Cache-Control': 'private, max-age=300',
    })
  }

  app.get('/rooms/:room/messages/:id/files/:sha256', requireReader, serve(false))
  app.get('/rooms/:room/messages/:id/files/:sha256/preview', requireReader, serve(true))
  return app
}

