import type { Profile, User } from '../store/ports.ts'
import { Layout } from '../views/Layout.tsx'
import { faceSrc, initialOf } from '../views/Message.tsx'
import { localTime } from './fields.ts'

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' })

/** "5 minutes ago", as app.js words `time.ago` (and keeps current on a full page). */
function ago(at: Date, now: Date): string {
  const seconds = (at.getTime() - now.getTime()) / 1000
  const [value, unit] = Math.abs(seconds) < 60 ? [seconds, 'second'] as const : Math.abs(seconds) < 3600 ? [seconds / 60, 'minute'] as const
    : Math.abs(seconds) < 86400 ? [seconds / 3600, 'hour'] as const : [seconds / 86400, 'day'] as const
  return relative.format(Math.round(value), unit)
}

/** A person's face at `px`: their avatar (uploaded, else GitHub's), or the initial of their name on a colour of their id. */
export function BigFace({ user, px }: { user: User; px: number }) {
  const src = faceSrc(user.avatarUrl, px * 2)
  return src
    ? <img class="big-face" src={src} alt="" width={px} height={px} />
    : <span class={`big-face hue-${Math.abs(user.id) % 8}`} aria-hidden="true">{initialOf(user.name || user.login)}</span>
}

export interface ProfileCardProps {
  profile: Profile
  /** Who is looking: their own card offers editing instead of "Message". */
  viewer: User
  online: boolean
  now: Date
  /** h1 on the card's own page, h2 in the dialog over another page. */
  heading?: 'h1' | 'h2'
}

/**
 * A person's card: face, display name and login, bio, their local time
 * (when they gave a time zone), whether they are online or when they were
 * last seen, and "Message" (the direct room with them, a plain form).
 */
export function ProfileCard({ profile, viewer, online, now, heading = 'h2' }: ProfileCardProps) {
  const { user, bio, timeZone, lastSeenAt } = profile
  const Heading = heading
  const mine = viewer.id === user.id
  return (
    <section class="profile-card" aria-labelledby="profile-name" data-login={user.login}>
      <div class="profile-head">
        <BigFace user={user} px={72} />
        <div class="profile-names">
          <Heading id="profile-name"><bdi>{user.name ?? user.login}</bdi></Heading>
          <p class="profile-login">@{user.login}{user.kind === 'bot' && <> <span class="badge">bot</span></>}</p>
        </div>
      </div>
      {bio && <p class="profile-bio" dir="auto">{bio}</p>}
      <dl class="profile-facts">
        {timeZone && (
          <>
            <dt>Local time</dt>
            <dd><span class="local-time">{localTime(timeZone, now)}</span> <span class="muted">({timeZone})</span></dd>
          </>
        )}
        <dt>{online ? 'Online' : 'Last seen'}</dt>
        <dd class="presence">
          {online ? <span class="online-now">now</span>
            : lastSeenAt ? <time class="ago" datetime={lastSeenAt.toISOString()}>{ago(lastSeenAt, now)}</time>
            : <span class="muted">not yet</span>}
        </dd>
      </dl>
      <div class="profile-actions">
        {mine
          ? <a class="button" href="/profile">Edit your profile</a>
          : (
            <form method="post" action="/direct-rooms">
              <input type="hidden" name="login" value={user.login} />
              <button type="submit" class="primary">Message</button>
            </form>
          )}
      </div>
    </section>
  )
}

/** The card as a page of its own: where a name or face leads without JavaScript. */
export function ProfileCardPage(props: ProfileCardProps) {
  const name = props.profile.user.name ?? props.profile.user.login
  return (
    <Layout title={name} user={props.viewer}>
      <div class="profile-page card">
        <ProfileCard {...props} heading="h1" />
      </div>
    </Layout>
  )
}
