import { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { signedInUser, type AppEnv } from '../context.ts'
import { isId } from '../messages/ids.ts'
import { ChatError, type MessageService } from '../messages/service.ts'
import { requireMember, requireReader } from '../http/roomAccess.ts'
import type { LinkPreviews } from './previews.ts'

/**
 * A message's link card: its image, served from rtc's origin to readers of
 * the room only while the message shows the card, and its removal by the
 * message's author (a form: no JavaScript needed).
 */
export function previewRoutes({ chat, previews }: { chat: MessageService; previews: LinkPreviews }) {
  const app = new Hono<AppEnv>()
  const gone = () => new HTTPException(404, { message: 'This message has no link preview.' })

  app.get('/rooms/:room/messages/:id/preview/image', requireReader, async (c) => {
    const id = c.req.param('id')
    if (!isId(id)) throw gone()
    const image = (await chat.find(c.get('room'), id))?.preview?.image
    const bytes = image && await previews.readImage(image)
    if (!bytes) throw gone()
    return c.body(bytes as Uint8Array<ArrayBuffer>, 200, {
      'Content-Type': 'image/webp',
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy': 'sandbox',
      'Cache-Control': 'private, max-age=300',
    })
  })

  app.post('/rooms/:room/messages/:id/preview/remove', requireMember, async (c) => {
    const id = c.req.param('id')
    if (!isId(id)) throw gone()
    try {
      await chat.removePreview(signedInUser(c.get('user')), c.get('room'), id)
    } catch (err) {
      throw err instanceof ChatError ? new HTTPException(err.status, { message: err.message }) : err
    }
    // The change reaches every reader's socket, this page's too; without JavaScript, back to the message.
    return c.req.header('hx-request') === 'true' ? c.body(null, 204) : c.redirect(`/rooms/${c.get('room').slug}#m-${id}`, 303)
  })

  return app
}
