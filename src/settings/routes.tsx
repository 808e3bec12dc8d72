import { Hono, type Context } from 'hono'
import { signedInUser, type AppEnv } from '../context.ts'
import { rateLimitedResponse, wantsHtml } from '../http/errors.tsx'
import { readForm, textField } from '../http/forms.ts'
import { RateLimited, type RateLimits } from '../http/rateLimits.ts'
import type { NotificationStore, NotifyChoice } from '../store/ports.ts'
import { CHOICE_REFUSAL, CHOICES, NotifyChoiceForm, SettingsPage, TestPushForm, testPushText } from './SettingsPage.tsx'

export interface SettingsRoutesOptions {
  notifications: NotificationStore
  /** Browsers subscribe with it; undefined when push is off. */
  vapidPublicKey: string | undefined
  /** Sends the user's browsers a test push; undefined when push is off. */
  testPush: ((userId: number) => Promise<{ browsers: number; reached: number }>) | undefined
  limits: RateLimits
  /** `PRESENCE_IDLE_SECONDS`, said on the page. */
  idleSeconds: number
}

const isChoice = (value: string): value is NotifyChoice => CHOICES.some((c) => c.value === value)

/**
 * `GET /settings` (a page, or JSON for clients not asking for HTML), `POST /settings/notifications`
 * (form `choice`: all, mentions or nothing) and `POST /settings/notifications/test` (a test push to
 * each of the user's browsers, rate-limited).
 */
export function settingsRoutes({ notifications, vapidPublicKey, testPush, limits, idleSeconds }: SettingsRoutesOptions) {
  type Extra = { error?: string; testResult?: string; testError?: string }
  const page = async (c: Context<AppEnv>, status: 200 | 422 | 429 = 200, extra: Extra = {}) => {
    const user = signedInUser(c.get('user'))
    const [choice, roomLevels, devices] = await Promise.all([
      notifications.choiceOf(user.id), notifications.roomLevels(user.id), notifications.countSubscriptions(user.id),
    ])
    if (!wantsHtml(c)) {
      return c.json({
        notifications: choice,
        mutedRooms: roomLevels.filter((r) => r.level === 'none').map((r) => r.room.slug),
        roomLevels: Object.fromEntries(roomLevels.map((r) => [r.room.slug, r.level])),
        devices,
        ...(extra.error ? { error: extra.error } : {}),
      }, status)
    }
    return c.html(<SettingsPage user={user} choice={choice} roomLevels={roomLevels} devices={devices} vapidPublicKey={vapidPublicKey}
      idleSeconds={idleSeconds} {...extra} />, status)
  }
  const htmx = (c: Context) => c.req.header('hx-request') === 'true'

  return new Hono<AppEnv>()
    .get('/settings', (c) => page(c))
    .post('/settings/notifications', async (c) => {
      const user = signedInUser(c.get('user'))
      const choice = textField(await readForm(c), 'choice')
      if (!isChoice(choice)) {
        return htmx(c)
          ? c.html(<NotifyChoiceForm choice={await notifications.choiceOf(user.id)} idleSeconds={idleSeconds} error={CHOICE_REFUSAL} />, 422)
          : page(c, 422, { error: CHOICE_REFUSAL })
      }
      await notifications.setChoice(user.id, choice)
      return htmx(c) ? c.html(<NotifyChoiceForm choice={choice} idleSeconds={idleSeconds} notice="Saved." />) : c.redirect('/settings', 303)
    })
    .post('/settings/notifications/test', async (c) => {
      if (!testPush) return c.json({ error: 'Push notifications are not set up on this server.' }, 404)
      const user = signedInUser(c.get('user'))
      try {
        await limits.take('testPush', String(user.id))
      } catch (err) {
        if (!(err instanceof RateLimited)) throw err
        return rateLimitedResponse(c, err, () => htmx(c) ? c.html(<TestPushForm error={err.message} />, 429)
          : wantsHtml(c) ? page(c, 429, { testError: err.message }) : c.json({ error: err.message }, 429))
      }
      const sent = await testPush(user.id)
      if (htmx(c)) return c.html(<TestPushForm result={testPushText(sent)} />)
      return wantsHtml(c) ? page(c, 200, { testResult: testPushText(sent) }) : c.json(sent)
    })
}
