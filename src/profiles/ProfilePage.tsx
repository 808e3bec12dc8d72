import type { Profile, User } from '../store/ports.ts'
import { Layout } from '../views/Layout.tsx'
import { profileHref } from '../views/Message.tsx'
import { AVATAR_MAX_BYTES } from './avatar.ts'
import { MAX_BIO, MAX_DISPLAY_NAME, TIME_ZONES, type FieldErrors, type TypedProfile } from './fields.ts'
import { BigFace } from './ProfileCard.tsx'

export interface ProfilePageProps {
  user: User
  profile: Profile
  /** What the form shows: the profile as saved, or what was typed when it was refused. */
  typed: TypedProfile
  errors?: FieldErrors
  notice?: string | undefined
}

const fieldError = (id: string, text: string | undefined) => <p id={id} class="error" role="alert">{text ?? ''}</p>
const described = (id: string, text: string | undefined) => (text ? { 'aria-invalid': 'true', 'aria-describedby': id } : {})

/**
 * Editing one's profile: display name, bio, time zone and a picture, one
 * multipart form (no JavaScript needed); removing the picture is a form of
 * its own. A refused form comes back with each reason beside its field and
 * the text as typed (a chosen file cannot be put back: browsers forbid it).
 */
export function ProfilePage({ user, profile, typed, errors = {}, notice }: ProfilePageProps) {
  const zones = typed.time_zone && !TIME_ZONES.includes(typed.time_zone) ? [typed.time_zone, ...TIME_ZONES] : TIME_ZONES
  return (
    <Layout title="Your profile" user={user}>
      <section class="card profile-edit">
        <h1>Your profile</h1>
        <p class="muted">How you appear to others: beside your login <strong>@{user.login}</strong> on new messages, in member lists and on <a href={profileHref(user.login)}>your card</a>. Messages you sent before keep the name they were sent with.</p>
        {notice && <p class="notice" role="status">{notice}</p>}
        <form id="profile-form" method="post" action="/profile" enctype="multipart/form-data">
          <label for="display_name">Display name</label>
          <input id="display_name" name="display_name" value={typed.display_name} maxlength={MAX_DISPLAY_NAME} autocomplete="name"
            placeholder={profile.user.login} {...described('display_name-error', errors.display_name)} />
          <p class="hint muted">Up to {MAX_DISPLAY_NAME} characters; empty shows your GitHub name (or your login).</p>
          {fieldError('display_name-error', errors.display_name)}

          <label for="bio">Bio</label>
          <textarea id="bio" name="bio" rows={3} maxlength={MAX_BIO} {...described('bio-error', errors.bio)}>{typed.bio}</textarea>
          <p class="hint muted">Up to {MAX_BIO} characters.</p>
          {fieldError('bio-error', errors.bio)}

          <label for="time_zone">Time zone</label>
          <div class="row">
            <select id="time_zone" name="time_zone" {...described('time_zone-error', errors.time_zone)}>
              <option value="" selected={typed.time_zone === ''}>Not shown</option>
              {zones.map((z) => <option value={z} selected={z === typed.time_zone}>{z}</option>)}
            </select>
            {/* js/profiles.js shows it with this device's zone, when that differs from the choice. */}
            <button type="button" id="use-device-zone" class="link" hidden>Use this device's</button>
          </div>
          <p class="hint muted">Your card then shows your local time.</p>
          {fieldError('time_zone-error', errors.time_zone)}

          <fieldset class="avatar-field">
            <legend>Picture</legend>
            <div class="row">
              <BigFace user={profile.user} px={64} />
              <span class="avatar-input">
                <input id="avatar" type="file" name="avatar" accept="image/jpeg,image/png,image/webp,image/gif"
                  data-max-bytes={String(AVATAR_MAX_BYTES)} {...described('avatar-error', errors.avatar)} />
                <span class="hint muted">JPEG, PNG, WebP or GIF, up to 5 MB; cropped to a square. {profile.avatar ? 'Yours replaces the one you uploaded.' : 'Until you upload one, your GitHub avatar shows.'}</span>
              </span>
            </div>
            {fieldError('avatar-error', errors.avatar)}
          </fieldset>

          <div class="row">
            <button type="submit" class="primary">Save profile</button>
            <a href={profileHref(user.login)}>See your card</a>
          </div>
        </form>
        {profile.avatar && (
          <form method="post" action="/profile/avatar/delete" class="remove-avatar">
            <button type="submit" class="link danger">Remove your picture</button> <span class="muted">(your GitHub avatar shows again)</span>
          </form>
        )}
      </section>
    </Layout>
  )
}
