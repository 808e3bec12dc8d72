import { Hono, type Context } from 'hono'
import { HTTPException } from 'hono/http-exception'
import { signedInUser, type AppEnv } from '../context.ts'
import { rateLimitedResponse } from '../http/errors.tsx'
import { readForm, type Form } from '../http/forms.ts'
import { FormRefused } from '../http/multipart.ts'
import { RateLimited, type RateLimits } from '../http/rateLimits.ts'
import { formatBytes } from '../lib/bytes.ts'
import type { Presence, Profile, ProfileStore, User } from '../store/ports.ts'
import { AVATAR_MAX_BYTES, makeAvatar } from './avatar.ts'
import { checkProfileFields, type FieldErrors, type TypedProfile } from './fields.ts'
import { ProfileCard, ProfileCardPage } from './ProfileCard.tsx'
import { ProfilePage } from './ProfilePage.tsx'

export interface ProfileRoutesOptions {
  profiles: ProfileStore
  presence: Presence
  limits: RateLimits
  /** A picture with more pixels is refused (UPLOAD_PREVIEW_MAX_PIXELS). */
  maxPixels: number
  now?: (() => Date) | undefined
}

/** The form's files: one picture. */
const AVATAR_FILES = { files: 1, fileBytes: AVATAR_MAX_BYTES }
const USER_ID = /^-?\d{1,19}$/
const AVATAR_FILE = /^([0-9a-f]{64})\.webp$/

/** Where an uploaded avatar is served; the hash in the address makes a new picture a new address. */
export const avatarPath = (userId: number, sha256: string) => `/avatars/${userId}/${sha256}.webp`

const text = (form: Form, name: string) => (typeof form[name] === 'string' ? form[name] as string : '')
const typedOf = (form: Form): TypedProfile => ({ display_name: text(form, 'display_name'), bio: text(form, 'bio'), time_zone: text(form, 'time_zone') })
/** A form refused as it streamed in, said beside the field it is about. */
const refusalOf = (err: FormRefused): FieldErrors =>
  err.status !== 413 ? { avatar: 'Choose one picture.' }
    : /text|fields/.test(err.message) ? { bio: err.message }
    : { avatar: `That picture is too large: at most ${formatBytes(AVATAR_MAX_BYTES)}.` }
const savedOf = (p: Profile): TypedProfile => ({ display_name: p.displayName ?? '', bio: p.bio ?? '', time_zone: p.timeZone ?? '' })

/**
 * Profiles: `GET /profile` and `POST /profile` (a multipart form: display
 * name, bio, time zone, picture), `POST /profile/avatar/delete`, a person's
 * card at `GET /users/:login` (a page; for htmx and js/profiles.js the card
 * alone), and uploaded avatars at `GET /avatars/:user/:sha256.webp`. All
 * behind sign-in, as every page but the login is.
 */
export function profileRoutes({ profiles, presence, limits, maxPixels, now = () => new Date() }: ProfileRoutesOptions) {
  const app = new Hono<AppEnv>()

  const mine = async (user: User) => {
    const profile = await profiles.profileOf(user.id)
    if (!profile) throw new HTTPException(404, { message: 'Bots have no profile.' })
    return profile
  }
  const page = async (c: Context<AppEnv>, status: 200 | 413 | 422 | 429, typed?: TypedProfile, errors?: FieldErrors, notice?: string) => {
    const user = signedInUser(c.get('user'))
    const profile = await mine(user)
    return c.html(<ProfilePage user={user} profile={profile} typed={typed ?? savedOf(profile)} errors={errors} notice={notice} />, status)
  }

  app.get('/profile', (c) => {
    const notice = c.req.query('saved') !== undefined ? 'Saved. New messages carry your new name and picture.'
      : c.req.query('removed') !== undefined ? 'Your picture was removed.' : undefined
    return page(c, 200, undefined, undefined, notice)
  })

  app.post('/profile', async (c) => {
    const user = signedInUser(c.get('user'))
    let form: Form
    try {
      form = await readForm(c, { files: AVATAR_FILES })
    } catch (err) {
      // Too large, as the body streamed in: the fields that came before the picture are kept.
      if (!(err instanceof FormRefused)) throw err
      return page(c, err.status === 413 ? 413 : 422, typedOf(err.fields), refusalOf(err))
    }
    const typed = typedOf(form)
    const checked = checkProfileFields(typed)
    const errors: FieldErrors = checked.ok ? {} : checked.errors
    const file = form.avatar instanceof File && form.avatar.size > 0 ? form.avatar : undefined
    try {
      await limits.take('manage', String(user.id))
    } catch (err) {
      if (!(err instanceof RateLimited)) throw err
      return rateLimitedResponse(c, err, () => page(c, 429, typed, { display_name: err.message }))
    }
    const avatar = file && await makeAvatar(new Uint8Array(await file.arrayBuffer()), { maxPixels })
    if (avatar && !avatar.ok) errors.avatar = avatar.error
    if (!checked.ok || (avatar && !avatar.ok)) return page(c, 422, typed, errors)
    await profiles.saveProfile(user.id, checked.fields, avatar ? { sha256: avatar.sha256, bytes: avatar.webp, url: avatarPath(user.id, avatar.sha256) } : undefined)
    c.get('log').info({ userId: user.id, avatar: Boolean(avatar) }, 'profile saved')
    return c.redirect('/profile?saved', 303)
  })

  app.post('/profile/avatar/delete', async (c) => {
    const user = signedInUser(c.get('user'))
    await mine(user)
    await profiles.removeAvatar(user.id)
    return c.redirect('/profile?removed', 303)
  })

  app.get('/users/:login', async (c) => {
    const viewer = signedInUser(c.get('user'))
    const profile = await profiles.profileByLogin(c.req.param('login'))
    if (!profile) throw new HTTPException(404, { message: 'No one here has that login.' })
    const online = (await presence.online([profile.user.id])).has(profile.user.id)
    const props = { profile, viewer, online, now: now() }
    if (c.req.header('hx-request') === 'true') return c.html(<ProfileCard {...props} />)
    return c.html(<ProfileCardPage {...props} />)
  })

  app.get('/avatars/:user/:file', async (c) => {
    const id = c.req.param('user')
    const sha256 = AVATAR_FILE.exec(c.req.param('file'))?.[1]
    const gone = () => new HTTPException(404, { message: 'There is no such picture.' })
    if (!USER_ID.test(id) || !sha256) throw gone()
    const userId = Number(id)
    const avatar = await profiles.avatarOf(userId)
    if (avatar?.sha256 === sha256) {
      return c.body(avatar.bytes as Uint8Array<ArrayBuffer>, 200, {
        'Content-Type': 'image/webp',
        'X-Content-Type-Options': 'nosniff',
        'Content-Security-Policy': 'sandbox',
        // A new picture is a new address: this one never changes.
        'Cache-Control': 'private, max-age=31536000, immutable',
      })
    }
    // A picture since replaced or removed (an older message's face): the person's face as it is now.
    const current = (await profiles.profileOf(userId))?.user.avatarUrl
    if (!current) throw gone()
    c.header('Cache-Control', 'private, no-cache')
    return c.redirect(current, 302)
  })

  return app
}
