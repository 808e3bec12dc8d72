import { Hono, type Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { signedInUser, type AppEnv } from '../context.ts'
import { readForm } from '../http/forms.ts'
import type { RateLimits } from '../http/rateLimits.ts'
import { isId } from '../messages/ids.ts'
import { ChatError } from '../messages/service.ts'
import { requireMember, requireReader } from '../http/roomAccess.ts'
import { messageUrl, PinsList, PinsPage, SavedPage } from '../views/Kept.tsx'
import type { KeptService } from './service.ts'

const isHtmx = (c: Context<AppEnv>) => c.req.header('hx-request') === 'true'

/**
 * Pins and saved messages: `POST /rooms/:room/messages/:id/pin` and `/unpin`
 * (members; the `manage` limit, as other changes everyone sees), `GET
 * /rooms/:room/pins`; `POST /rooms/:room/messages/:id/save` and `/unsave`
 * (anyone who can read the room), `GET /saved`. Plain forms are answered with
 * a redirect, htmx with the list as it now is (pins) or nothing (saves).
 */
export function keptRoutes({ kept, limits }: { kept: KeptService; limits: RateLimits }) {
  const app = new Hono<AppEnv>()
  const messageId = (c: Context<AppEnv>) => {
    const id = c.req.param('id') ?? ''
    if (!isId(id)) throw new HTTPException(404, { message: 'There is no such message in this room.' })
    return id
  }
  /** A domain refusal (a missing or deleted message) as the HTTP answer it names. */
  const answering = async <T,>(work: Promise<T>) => work.catch((err: unknown) => {
    throw err instanceof ChatError ? new HTTPException(err.status, { message: err.message }) : err
  })
  const pinsAnswer = async (c: Context<AppEnv>) => {
    const room = c.get('room')
    if (!isHtmx(c)) return c.redirect(`/rooms/${room.slug}/pins`, 303)
    return c.html(<PinsList room={room} pins={await kept.pinsOf(room)} canUnpin={c.get('member')} />)
  }
  /** Back where the form came from: the saved list, or the message in its room. */
  const savedAnswer = async (c: Context<AppEnv>, id: string) => {
    if (isHtmx(c)) return c.body(null, 204)
    const back = (await readForm(c)).back
    return c.redirect(back === '/saved' ? '/saved' : messageUrl(c.get('room').slug, id), 303)
  }
  const spend = (c: Context<AppEnv>) => limits.take('manage', String(signedInUser(c.get('user')).id))

  app.post('/rooms/:room/messages/:id/pin', requireMember, async (c) => {
    const id = messageId(c)
    await spend(c)
    await answering(kept.pin(signedInUser(c.get('user')), c.get('room'), id))
    return pinsAnswer(c)
  })
  app.post('/rooms/:room/messages/:id/unpin', requireMember, async (c) => {
    const id = messageId(c)
    await spend(c)
    await answering(kept.unpin(signedInUser(c.get('user')), c.get('room'), id))
    return pinsAnswer(c)
  })
  app.get('/rooms/:room/pins', requireReader, async (c) => {
    const room = c.get('room')
    const pins = await kept.pinsOf(room)
    if (isHtmx(c)) return c.html(<PinsList room={room} pins={pins} canUnpin={c.get('member')} />)
    return c.html(<PinsPage user={signedInUser(c.get('user'))} room={room} pins={pins} canUnpin={c.get('member')} />)
  })

  app.post('/rooms/:room/messages/:id/save', requireReader, async (c) => {
    const id = messageId(c)
    await answering(kept.save(signedInUser(c.get('user')), c.get('room'), id))
    return savedAnswer(c, id)
  })
  app.post('/rooms/:room/messages/:id/unsave', requireReader, async (c) => {
    const id = messageId(c)
    await kept.unsave(signedInUser(c.get('user')), c.get('room'), id)
    return savedAnswer(c, id)
  })
  app.get('/saved', async (c) => {
    const user = signedInUser(c.get('user'))
    return c.html(<SavedPage user={user} saved={await kept.savedBy(user)} />)
  })
  return app
}
