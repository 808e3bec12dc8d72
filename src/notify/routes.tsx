import { Hono, type Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { signedInUser, type AppEnv } from '../context.ts'
import { holdsNul, readForm, textField } from '../http/forms.ts'
import { NUL_REFUSAL } from '../messages/validate.ts'
import { loadRoom, requireMember } from '../http/roomAccess.ts'
import type { Logger } from '../log.ts'
import type { Bus, NotificationStore, NotifyLevel, RoomStore } from '../store/ports.ts'
import { NotifyLevelMenu } from '../views/NotifyLevelMenu.tsx'
import { defaultLevel, isLevel } from '../messages/notifyLevels.ts'
import { checkSubscription, MAX_ENDPOINT_CHARS, MAX_SUBSCRIPTION_BYTES, type EndpointPolicy } from './subscription.ts'

/** Browsers (devices) per user that get pushes; a new one beyond it replaces the oldest. */
export const MAX_SUBSCRIPTIONS_PER_USER = 10

export interface NotifyRoutesOptions {
  notifications: NotificationStore
  rooms: RoomStore
  /** A level change is told to every instance (`notify-level`): the user's live sidebars show it. */
  bus: Bus
  log: Logger
  policy: EndpointPolicy
  /** Push is on (VAPID keys configured); off, subscriptions are refused. */
  pushOn: boolean
}

type Refusal = { status: 400 | 401 | 404 | 413 | 422; error: string }

/** The request's JSON, or why it is not usable: a clear 4xx, never a 500. */
async function readJson(c: Context<AppEnv>): Promise<{ json: unknown } | Refusal> {
  const text = await c.req.text()
  if (text.length > MAX_SUBSCRIPTION_BYTES) return { status: 413, error: `A subscription is at most ${MAX_SUBSCRIPTION_BYTES} bytes.` }
  try {
    const json: unknown = JSON.parse(text)
    return holdsNul(json) ? { status: 400, error: NUL_REFUSAL } : { json }
  } catch {
    return { status: 400, error: 'The body must be a push subscription in JSON (PushSubscription.toJSON()).' }
  }
}

/**
 * `POST /push/subscriptions` and `POST /push/subscriptions/delete` take a
 * browser's subscription JSON; `POST /rooms/:room/notifications` (form `level`
 * = all, mentions or none) sets how much of a room notifies the signed-in
 * member, and `POST /rooms/:room/mute` (form `muted` = on or off) is its older alias.
 */
export function notifyRoutes({ notifications, rooms, bus, log, policy, pushOn }: NotifyRoutesOptions) {
  const app = new Hono<AppEnv>()
  const refuse = (c: Context<AppEnv>, { status, error }: Refusal) => c.json({ error }, status)

  app.post('/push/subscriptions', async (c) => {
    if (!pushOn) return refuse(c, { status: 404, error: 'Push notifications are not set up on this server.' })
    const read = await readJson(c)
    if (!('json' in read)) return refuse(c, read)
    const checked = checkSubscription(read.json, policy)
    if (!checked.ok) return refuse(c, { status: 422, error: checked.error })
    const userId = signedInUser(c.get('user')).id
    // The subscription is this session's: it ends with it (sign-out, sign out everywhere, the session cap, expiry, a ban).
    const stored = await notifications.addSubscription(userId, c.get('sessionHash')!, checked.subscription, MAX_SUBSCRIPTIONS_PER_USER)
    if (stored === 'ended') return refuse(c, { status: 401, error: 'Your session ended; sign in again to turn notifications on.' })
    return c.json({ subscribed: true, devices: await notifications.countSubscriptions(userId) }, stored === 'added' ? 201 : 200)
  })

  app.post('/push/subscriptions/delete', async (c) => {
    const read = await readJson(c)
    if (!('json' in read)) return refuse(c, read)
    const endpoint = (read.json as { endpoint?: unknown } | null)?.endpoint
    if (typeof endpoint !== 'string' || endpoint.length === 0 || endpoint.length > MAX_ENDPOINT_CHARS) {
      return refuse(c, { status: 422, error: 'endpoint must be the subscription\'s endpoint URL.' })
    }
    const userId = signedInUser(c.get('user')).id
    const deleted = await notifications.removeSubscription(userId, endpoint)
    return c.json({ deleted, devices: await notifications.countSubscriptions(userId) })
  })

  /** Sets the reader's level for the room (its default is stored as no choice) and tells their other tabs, on every instance. */
  const setLevel = async (c: Context<AppEnv>, level: NotifyLevel) => {
    const room = c.get('room')
    const userId = signedInUser(c.get('user')).id
    const chosen = level === defaultLevel(room) ? undefined : level
    await notifications.setLevel(room.id, userId, chosen)
    await bus.publish({ type: 'notify-level', userId }).catch((err: unknown) => log.warn({ err, userId }, 'notification level not published to other instances'))
    if (c.req.header('hx-request') === 'true') return c.html(<NotifyLevelMenu room={room} level={chosen} />)
    if (c.req.header('accept')?.includes('application/json')) return c.json({ level })
    return c.redirect(`/rooms/${room.slug}`, 303)
  }

  app.post('/rooms/:room/notifications', loadRoom(rooms), requireMember, async (c) => {
    const level = textField(await readForm(c), 'level')
    if (!isLevel(level)) throw new HTTPException(400, { message: 'level must be all (every message), mentions or none (nothing).' })
    return setLevel(c, level)
  })

  // The route before levels, kept for scripts and bookmarks: muted=on is "nothing", off the room's default.
  app.post('/rooms/:room/mute', loadRoom(rooms), requireMember, async (c) => {
    const value = textField(await readForm(c), 'muted')
    if (value !== 'on' && value !== 'off') throw new HTTPException(422, { message: 'muted must be on or off.' })
    return setLevel(c, value === 'on' ? 'none' : defaultLevel(c.get('room')))
  })

  return app
}
