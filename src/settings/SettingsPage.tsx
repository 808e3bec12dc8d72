import type { NotifyChoice, NotifyLevel, Room, User } from '../store/ports.ts'
import { Layout } from '../views/Layout.tsx'
import { levelName } from '../views/NotifyLevelMenu.tsx'
import { InstallSection } from './InstallSection.tsx'
import { LANGUAGE_NAMES, LANGUAGES, type Language } from '../i18n/languages.ts'
import { useT, type Translator } from '../i18n/translate.ts'

export const CHOICES = [
  { value: 'all', label: 'settings.choiceAll' },
  { value: 'mentions', label: 'settings.choiceMentions' },
  { value: 'nothing', label: 'settings.choiceNothing' },
] as const satisfies readonly { value: NotifyChoice; label: string }[]

/** "2 minutes", "90 seconds": how long a tab left alone still counts as looked at. */
const idleText = (t: Translator, seconds: number) => (seconds % 60 === 0 ? t('settings.minutes', { count: seconds / 60 }) : t('settings.seconds', { count: seconds }))

/**
 * The interface language: one of ours, or (empty) whatever the browser's Accept-Language picks, named with
 * what it picks now. htmx swaps it in place with a "Saved."; the page itself changes on the next load.
 */
export function LanguageForm({ chosen, negotiated, notice, error }: { chosen: Language | undefined; negotiated: Language; notice?: string | undefined; error?: string | undefined }) {
  const t = useT()
  return (
    <form id="language" class="language-choice" method="post" action="/settings/language">
      <label for="language-select">{t('settings.languageLegend')}</label>
      <div class="row">
        <select id="language-select" name="language">
          <option value="" selected={chosen === undefined}>{t('settings.languageAuto', { name: LANGUAGE_NAMES[negotiated] })}</option>
          {LANGUAGES.map((l) => <option value={l} lang={l} selected={l === chosen}>{LANGUAGE_NAMES[l]}</option>)}
        </select>
        <button type="submit" class="primary">{t('settings.save')}</button>
        <span class="notice" role="status">{notice ?? ''}</span>
      </div>
      <p class="error" role="alert">{error ?? ''}</p>
    </form>
  )
}

/** The choice of what pushes; htmx swaps it in place with a "Saved." or the reason it was refused. */
export function NotifyChoiceForm({ choice, idleSeconds, notice, error }: { choice: NotifyChoice; idleSeconds: number; notice?: string | undefined; error?: string | undefined }) {
  const t = useT()
  return (
    <form id="notify-choice" class="notify-choice" method="post" action="/settings/notifications" hx-post="/settings/notifications" hx-swap="outerHTML">
      <fieldset>
        <legend>{t('settings.awayLegend', { idle: idleText(t, idleSeconds) })}</legend>
        {CHOICES.map((c) => (
          <label class="choice">
            <input type="radio" name="choice" value={c.value} checked={c.value === choice} /> {t(c.label)}
          </label>
        ))}
      </fieldset>
      <div class="row">
        <button type="submit" class="primary">{t('settings.save')}</button>
        <span class="notice" role="status">{notice ?? ''}</span>
      </div>
      <p class="error" role="alert">{error ?? ''}</p>
    </form>
  )
}

const browsers = (t: Translator, n: number) => t('settings.browsers', { count: n })

/** What a test notification reached, in words. */
export function testPushText(t: Translator, { browsers: held, reached }: { browsers: number; reached: number }): string {
  if (held === 0) return t('settings.testNone')
  if (reached === held) return t('settings.testAll', { browsers: browsers(t, reached) })
  return t('settings.testSome', { browsers: browsers(t, reached), held })
}

/** "Send a test notification": htmx puts the answer beside the button; a plain form comes back to this page with it. */
export function TestPushForm({ result, error }: { result?: string | undefined; error?: string | undefined }) {
  const t = useT()
  return (
    <form id="push-test" class="push-test row" method="post" action="/settings/notifications/test" hx-post="/settings/notifications/test" hx-swap="outerHTML">
      <button type="submit">{t('settings.sendTest')}</button>
      <span class="notice" role="status">{result ?? ''}</span>
      <span class="error" role="alert">{error ?? ''}</span>
    </form>
  )
}

export interface SettingsPageProps {
  user: User
  choice: NotifyChoice
  /** Rooms the user set a notification level for. */
  roomLevels: readonly { room: Room; level: NotifyLevel }[]
  /** Browsers of this user that get pushes. */
  devices: number
  /** The VAPID public key browsers subscribe with; undefined when push is off on this server. */
  vapidPublicKey: string | undefined
  /** `PRESENCE_IDLE_SECONDS`: how long a visible tab counts as looked at after its last use. */
  idleSeconds: number
  notice?: string | undefined
  error?: string | undefined
  /** The answer to a test notification sent from this page without JavaScript. */
  testResult?: string | undefined
  testError?: string | undefined
  /** The language the person chose (undefined: their browser's), and the one their browser's asks for. */
  language: { chosen: Language | undefined; negotiated: Language }
  languageNotice?: string | undefined
  languageError?: string | undefined
}

/** Notification choices, this device's push subscription and a test push, the rooms' own levels, and installing rtc. */
export function SettingsPage(props: SettingsPageProps) {
  const { user, choice, roomLevels, devices, vapidPublicKey } = props
  const t = useT()
  return (
    <Layout title={t('settings.title')} user={user}>
      <section class="card settings">
        <h1>{t('settings.title')}</h1>
        <h2>{t('settings.profile')}</h2>
        <p>{t.rich('settings.profileText', { link: <a href="/profile">{t('settings.editProfile')}</a> })}</p>
        <h2>{t('settings.language')}</h2>
        <LanguageForm chosen={props.language.chosen} negotiated={props.language.negotiated} notice={props.languageNotice} error={props.languageError} />
        <h2>{t('settings.notifications')}</h2>
        <NotifyChoiceForm choice={choice} idleSeconds={props.idleSeconds} notice={props.notice} error={props.error} />
        {vapidPublicKey ? (
          <div id="push-device" class="push-device" data-vapid-key={vapidPublicKey}>
            <p>
              <span id="push-state" role="status">{devices === 0 ? t('settings.noBrowser')
                : t('settings.reach', { browsers: browsers(t, devices) })}</span>
            </p>
            <div class="row">
              <button type="button" id="push-enable" hidden>{t('settings.notifyThis')}</button>
              <button type="button" id="push-disable" hidden>{t('settings.stopThis')}</button>
            </div>
            <noscript><p class="muted">{t('settings.needsJs')}</p></noscript>
            <TestPushForm result={props.testResult} error={props.testError} />
          </div>
        ) : (
          <p class="muted">{t('settings.notSetUp')}</p>
        )}
        <h2>{t('settings.ownLevels')}</h2>
        {roomLevels.length === 0
          ? <p class="muted">{t('settings.noOwnLevels')}</p>
          : (
            <ul class="room-levels">
              {roomLevels.map(({ room, level }) => <li data-level={level}><a href={`/rooms/${room.slug}`}><bdi>{room.name}</bdi></a>: {levelName(t, level)}</li>)}
            </ul>
          )}
        <h2>{t('settings.yourData')}</h2>
        <p>{t.rich('settings.dataText', { link: <a href="/settings/export" download>{t('settings.download')}</a> })}</p>
        <InstallSection />
      </section>
    </Layout>
  )
}
