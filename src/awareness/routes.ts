import { Hono } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { isId } from '../messages/ids.ts'
import type { MessageService } from '../messages/service.ts'
import { signedInUser, type AppEnv } from '../context.ts'
import { readForm, textField } from '../http/forms.ts'
import { requireMember } from '../http/roomAccess.ts'

/**
 * `POST /rooms/:room/read` (form `id`: the newest message the reader has
 * seen): advances their marker, never back, and every tab of theirs shows the
 * new count. Room access is loaded by the room routes. A script asking for
 * JSON gets the marker; a plain form goes back to the room.
 */
export function readRoutes({ chat }: { chat: MessageService }) {
  return new Hono<AppEnv>().post('/rooms/:room/read', requireMember, async (c) => {
    const id = textField(await readForm(c), 'id')
    if (!isId(id)) throw new HTTPException(400, { message: 'id must be a message id.' })
    const room = c.get('room')
    // A marker beyond the room's newest would hide messages not sent yet.
    const head = await chat.lastRev(room)
    const marker = await chat.markRead(signedInUser(c.get('user')), room, BigInt(id) > BigInt(head) ? head : id)
    if (c.req.header('accept')?.includes('application/json')) return c.json({ marker })
    return c.redirect(`/rooms/${room.slug}`, 303)
  })
}
