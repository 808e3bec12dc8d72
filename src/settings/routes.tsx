import { Hono, type Context } from 'hono'
import { signedInUser, type AppEnv } from '../context.ts'
import { wantsHtml } from '../http/errors.tsx'
import { readForm, textField } from '../http/forms.ts'
import type { NotificationStore, NotifyChoice } from '../store/ports.ts'
import { CHOICES, NotifyChoiceForm, SettingsPage } from './SettingsPage.tsx'

export interface SettingsRoutesOptions {
  notifications: NotificationStore
  /** Browsers subscribe with it; undefined when push is off. */
  vapidPublicKey: string | undefined
}

const isChoice = (value: string): value is NotifyChoice => CHOICES.some((c) => c.value === value)

/** `GET /settings` (a page, or JSON for clients not asking for HTML) and `POST /settings/notifications` (form `choice`: all, mentions or nothing). */
export function settingsRoutes({ notifications, vapidPublicKey }: SettingsRoutesOptions) {
  const page = async (c: Context<AppEnv>, status: 200 | 422 = 200, error?: string) => {
    const user = signedInUser(c.get('user'))
    const [choice, mutedRooms, devices] = await Promise.all([
      notifications.choiceOf(user.id), notifications.mutedRooms(user.id), notifications.countSubscriptions(user.id),
    ])
    if (!wantsHtml(c)) return c.json({ notifications: choice, mutedRooms: mutedRooms.map((r) => r.slug), devices, ...(error ? { error } : {}) }, status)
    return c.html(<SettingsPage user={user} choice={choice} mutedRooms={mutedRooms} devices={devices} vapidPublicKey={vapidPublicKey} error={error} />, status)
  }
  const htmx = (c: Context) => c.req.header('hx-request') === 'true'

  return new Hono<AppEnv>()
    .get('/settings', (c) => page(c))
    .post('/settings/notifications', async (c) => {
      const user = signedInUser(c.get('user'))
      const choice = textField(await readForm(c), 'choice')
      if (!isChoice(choice)) {
        const error = 'Choose direct messages and mentions, mentions only, or nothing.'
        return htmx(c) ? c.html(<NotifyChoiceForm choice={await notifications.choiceOf(user.id)} error={error} />, 422) : page(c, 422, error)
      }
      await notifications.setChoice(user.id, choice)
      return htmx(c) ? c.html(<NotifyChoiceForm choice={choice} notice="Saved." />) : c.redirect('/settings', 303)
    })
}
