import type { MiddlewareHandler } from 'hono'
import type { Config } from '../config.ts'
import type { RateLimits } from '../http/rateLimits.ts'
import type { Logger } from '../log.ts'
import { settingsRoutes } from '../settings/routes.tsx'
import type { Bus, NotificationStore, Presence, RoomStore } from '../store/ports.ts'
import { createNotifier } from './notifier.ts'
import { pushSender } from './push.ts'
import { notifyRoutes } from './routes.tsx'

export interface WebPushDeps {
  config: Config
  log: Logger
  notifications: NotificationStore
  rooms: RoomStore
  presence: Presence
  /** Tells every instance of a room's new notification level, so the user's live sidebars show it. */
  bus: Bus
  /** The test notification's rate limit. */
  limits: RateLimits
}

/**
 * Notifications as the app mounts them: the settings and subscription routes,
 * and `stored`, to be told of each message this instance stores (a no-op when
 * push is off, which start-up logs).
 */
export function webPush({ config, log, notifications, rooms, presence, bus, limits }: WebPushDeps) {
  const { vapid, allowLoopbackEndpoints } = config.push
  const policy = { allowLoopback: allowLoopbackEndpoints }
  if (!vapid) log.info('web push off: set VAPID_PUBLIC_KEY and VAPID_PRIVATE_KEY (npm run vapid-keys makes a pair) to turn it on')
  else if (allowLoopbackEndpoints) log.warn('PUSH_ALLOW_LOOPBACK_ENDPOINTS=true: push subscriptions may point at this machine (tests only)')
  const notifier = vapid && createNotifier({ notifications, presence, log, sendPush: pushSender({ vapid, policy, log }) })
  const routes = notifyRoutes({ notifications, rooms, bus, log, policy, pushOn: vapid !== undefined })
  routes.route('/', settingsRoutes({
    notifications, vapidPublicKey: vapid?.publicKey, testPush: notifier ? notifier.test : undefined, limits, idleSeconds: config.presenceIdleMs / 1000,
  }))
  return {
    routes,
    stored: notifier ? notifier.stored : () => {},
  }
}

/** The service worker lives under /static/ but handles the whole origin's notifications. */
export const serviceWorkerScope: MiddlewareHandler = async (c, next) => {
  await next()
  if (c.res.ok) c.header('Service-Worker-Allowed', '/')
}
