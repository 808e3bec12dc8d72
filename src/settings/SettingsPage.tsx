import type { NotifyChoice, Room, User } from '../store/ports.ts'
import { Layout } from '../views/Layout.tsx'

export const CHOICES: readonly { value: NotifyChoice; label: string }[] = [
  { value: 'all', label: 'Direct messages and mentions' },
  { value: 'mentions', label: 'Mentions only' },
  { value: 'nothing', label: 'Nothing' },
]

/** The choice of what pushes; htmx swaps it in place with a "Saved." or the reason it was refused. */
export function NotifyChoiceForm({ choice, notice, error }: { choice: NotifyChoice; notice?: string | undefined; error?: string | undefined }) {
  return (
    <form id="notify-choice" class="notify-choice" method="post" action="/settings/notifications" hx-post="/settings/notifications" hx-swap="outerHTML">
      <fieldset>
        <legend>When no rtc tab of yours is open, notify me of</legend>
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

export interface SettingsPageProps {
  user: User
  choice: NotifyChoice
  mutedRooms: readonly Room[]
  /** Browsers of this user that get pushes. */
  devices: number
  /** The VAPID public key browsers subscribe with; undefined when push is off on this server. */
  vapidPublicKey: string | undefined
  notice?: string | undefined
  error?: string | undefined
}

/** Notification choices, this device's push subscription, and the rooms the user muted. */
export function SettingsPage(props: SettingsPageProps) {
  const { user, choice, mutedRooms, devices, vapidPublicKey } = props
  return (
    <Layout title="Settings" user={user}>
      <section class="card settings">
        <h1>Settings</h1>
        <h2>Profile</h2>
        <p>Your display name, bio, time zone and picture: <a href="/profile">edit your profile</a>.</p>
        <h2>Notifications</h2>
        <NotifyChoiceForm choice={choice} notice={props.notice} error={props.error} />
        {vapidPublicKey ? (
          <div id="push-device" class="push-device" data-vapid-key={vapidPublicKey}>
            <p>
              <span id="push-state" role="status">{devices === 0 ? 'No browser of yours gets push notifications yet.'
                : `Push notifications reach ${devices === 1 ? '1 browser' : `${devices} browsers`} of yours.`}</span>
            </p>
            <div class="row">
              <button type="button" id="push-enable" hidden>Notify this browser</button>
              <button type="button" id="push-disable" hidden>Stop notifying this browser</button>
            </div>
            <noscript><p class="muted">Turning notifications on for a browser needs JavaScript.</p></noscript>
          </div>
        ) : (
          <p class="muted">Push notifications are not set up on this server: its operator sets VAPID keys to turn them on.</p>
        )}
        <h2>Muted rooms</h2>
        {mutedRooms.length === 0 ? <p class="muted">None. Mute a room from its page to get no push notifications from it.</p> : (
          <ul class="muted-rooms">
            {mutedRooms.map((r) => <li><a href={`/rooms/${r.slug}`}><bdi>{r.name}</bdi></a></li>)}
          </ul>
        )}
        <h2>Your data</h2>
        <p>
          <a href="/settings/export" download>Download your data</a>: a zip of everything you wrote in your rooms, your
          files, your reactions, where you have read up to and these settings. A room's whole history is under
          "Export this room" in its member list.
        </p>
      </section>
    </Layout>
  )
}
