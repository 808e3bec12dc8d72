import { Hono, type Context } from 'hono'
import { signedInUser, type AppEnv } from '../context.ts'
import { rateLimitedResponse, translatorOf, wantsHtml } from '../http/errors.tsx'
import { readForm, textField } from '../http/forms.ts'
import { RateLimited, type RateLimits } from '../http/rateLimits.ts'
import type { NotificationStore, NotifyChoice, ProfileStore } from '../store/ports.ts'
import { isLanguage, negotiateLanguage } from '../i18n/languages.ts'
import { CHOICES, NotifyChoiceForm, SettingsPage, TestPushForm, testPushText } from './SettingsPage.tsx'

export interface SettingsRoutesOptions {
  notifications: NotificationStore
  /** Browsers subscribe with it; undefined when push is off. */
  vapidPublicKey: string | undefined
  /** Sends the user's browsers a test push; undefined when push is off. */
  testPush: ((userId: number) => Promise<{ browsers: number; reached: number }>) | undefined
  limits: RateLimits
  /** `PRESENCE_IDLE_SECONDS`, said on the page. */
  idleSeconds: number
  /** Keeps the chosen interface language; undefined: no language setting (the browser's always chooses). */
  profiles?: Pick<ProfileStore, 'saveLanguage'> | undefined
}

const isChoice = (value: string): value is NotifyChoice => CHOICES.some((c) => c.value === value)

/**
 * `GET /settings` (a page, or JSON for clients not asking for HTML), `POST /settings/notifications`
 * (form `choice`: all, mentions or nothing) and `POST /settings/notifications/test` (a test push to
 * each of the user's browsers, rate-limited) and `POST /settings/language` (form `language`: en, de, fr, es, pt,
 * or empty for the browser's choice).
 */
export function settingsRoutes({ notifications, vapidPublicKey, testPush, limits, idleSeconds, profiles }: SettingsRoutesOptions) {
  type Extra = { error?: string; testResult?: string; testError?: string; languageError?: string }
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
        language: user.language ?? null,
        ...(extra.error ? { error: extra.error } : {}),
        ...(extra.languageError ? { error: extra.languageError } : {}),
      }, status)
    }
    return c.html(<SettingsPage user={user} choice={choice} roomLevels={roomLevels} devices={devices} vapidPublicKey={vapidPublicKey}
      idleSeconds={idleSeconds} {...extra}
      language={{ chosen: isLanguage(user.language) ? user.language : undefined, negotiated: negotiateLanguage(c.req.header('accept-language')) }} />, status)
  }
  const htmx = (c: Context) => c.req.header('hx-request') === 'true'

  return new Hono<AppEnv>()
    .get('/settings', (c) => page(c))
    .post('/settings/notifications', async (c) => {
      const user = signedInUser(c.get('user'))
      const choice = textField(await readForm(c), 'choice')
      const t = translatorOf(c)
      if (!isChoice(choice)) {
        return htmx(c)
          ? c.html(<NotifyChoiceForm choice={await notifications.choiceOf(user.id)} idleSeconds={idleSeconds} error={t('settings.choiceRefusal')} />, 422)
          : page(c, 422, { error: t('settings.choiceRefusal') })
      }
      await notifications.setChoice(user.id, choice)
      return htmx(c) ? c.html(<NotifyChoiceForm choice={choice} idleSeconds={idleSeconds} notice={t('settings.saved')} />) : c.redirect('/settings', 303)
    })
    // A plain form: the answer is the settings page again, now in the language chosen.
    .post('/settings/language', async (c) => {
      if (!profiles) return c.notFound()
      const user = signedInUser(c.get('user'))
      const language = textField(await readForm(c), 'language')
      if (language !== '' && !isLanguage(language)) return page(c, 422, { languageError: translatorOf(c)('settings.languageRefusal') })
      const saved = await profiles.saveLanguage(user.id, language || null)
      return wantsHtml(c) ? c.redirect('/settings', 303) : c.json({ language: saved.language ?? null })
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
      if (htmx(c)) return c.html(<TestPushForm result={testPushText(translatorOf(c), sent)} />)
      return wantsHtml(c) ? page(c, 200, { testResult: testPushText(translatorOf(c), sent) }) : c.json(sent)
    })
}
