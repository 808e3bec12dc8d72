import { levelLabel } from '../messages/notifyLevels.ts'
import type { NotifyChoice, NotifyLevel, Room, User } from '../store/ports.ts'
import { Layout } from '../views/Layout.tsx'
import { InstallSection } from './InstallSection.tsx'

export const CHOICES: readonly { value: NotifyChoice; label: string }[] = [
  { value: 'all', label: 'What each room is set to (by default: direct messages and mentions)' },
  { value: 'mentions', label: 'Mentions only, in every room' },
  { value: 'nothing', label: 'Nothing' },
]

export const CHOICE_REFUSAL = 'Choose what each room is set to, mentions only, or nothing.'

/** "2 minutes", "90 seconds": how long a tab left alone still counts as looked at. */
const idleText = (seconds: number) => (seconds % 60 === 0 ? `${seconds / 60} minute${seconds === 60 ? '' : 's'}` : `${seconds} second${seconds === 1 ? '' : 's'}`)

/** The choice of what pushes; htmx swaps it in place with a "Saved." or the reason it was refused. */
export function NotifyChoiceForm({ choice, idleSeconds, notice, error }: { choice: NotifyChoice; idleSeconds: number; notice?: string | undefined; error?: string | undefined }) {
  return (
    <form id="notify-choice" class="notify-choice" method="post" action="/settings/notifications" hx-post="/settings/notifications" hx-swap="outerHTML">
      <fieldset>
        <legend>When you are away (no rtc tab of yours in view and used in the last {idleText(idleSeconds)}), push notifications bring</legend>
        {CHOICES.map((c) => (
          <label class="choice">
            <input type="radio" name="choice" value={c.value} checked={c.value === choice} /> {c.label}
          </label>
        ))}
      </fieldset>
      <div class="row">
        <button type="submit" class="primary">Save</button>
        <span class="notice" role="status">{notice ?? ''}</span>
      </div>
      <p class="error" role="alert">{error ?? ''}</p>
    </form>
  )
}

const browsers = (n: number) => (n === 1 ? '1 browser' : `${n} browsers`)

/** What a test notification reached, in words. */
export function testPushText({ browsers: held, reached }: { browsers: number; reached: number }): string {
  if (held === 0) return 'No browser of yours gets push notifications yet: turn them on with "Notify this browser" first.'
  if (reached === held) return `Sent: it reached ${browsers(reached)} of yours.`
  return `It reached ${browsers(reached)} of your ${held}; the push service refused the others (they may need turning on again).`
}

/** "Send a test notification": htmx puts the answer beside the button; a plain form comes back to this page with it. */
export function TestPushForm({ result, error }: { result?: string | undefined; error?: string | undefined }) {
  return (
    <form id="push-test" class="push-test row" method="post" action="/settings/notifications/test" hx-post="/settings/notifications/test" hx-swap="outerHTML">
      <button type="submit">Send a test notification</button>
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
}

/** Notification choices, this device's push subscription and a test push, the rooms' own levels, and installing rtc. */
export function SettingsPage(props: SettingsPageProps) {
  const { user, choice, roomLevels, devices, vapidPublicKey } = props
  return (
    <Layout title="Settings" user={user}>
      <section class="card settings">
        <h1>Settings</h1>
        <h2>Profile</h2>
        <p>Your display name, bio, time zone and picture: <a href="/profile">edit your profile</a>.</p>
        <h2>Notifications</h2>
        <NotifyChoiceForm choice={choice} idleSeconds={props.idleSeconds} notice={props.notice} error={props.error} />
        {vapidPublicKey ? (
          <div id="push-device" class="push-device" data-vapid-key={vapidPublicKey}>
            <p>
              <span id="push-state" role="status">{devices === 0 ? 'No browser of yours gets push notifications yet.'
                : `Push notifications reach ${browsers(devices)} of yours.`}</span>
            </p>
            <div class="row">
              <button type="button" id="push-enable" hidden>Notify this browser</button>
              <button type="button" id="push-disable" hidden>Stop notifying this browser</button>
            </div>
            <noscript><p class="muted">Turning notifications on for a browser needs JavaScript.</p></noscript>
            <TestPushForm result={props.testResult} error={props.testError} />
          </div>
        ) : (
          <p class="muted">Push notifications are not set up on this server: its operator sets VAPID keys to turn them on.</p>
        )}
        <h2>Rooms with their own level</h2>
        {roomLevels.length === 0
          ? <p class="muted">None: rooms notify you of mentions, direct messages of every message. Each room's bell in its header changes that.</p>
          : (
            <ul class="room-levels">
              {roomLevels.map(({ room, level }) => <li data-level={level}><a href={`/rooms/${room.slug}`}><bdi>{room.name}</bdi></a>: {levelLabel(level)}</li>)}
            </ul>
          )}
        <h2>Your data</h2>
        <p>
          <a href="/settings/export" download>Download your data</a>: a zip of everything you wrote in your rooms, your
          files, your reactions, where you have read up to and these settings. A room's whole history is under
          "Export this room" in its member list.
        </p>
        <InstallSection />
      </section>
    </Layout>
  )
}
