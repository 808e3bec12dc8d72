import { raw } from 'hono/html'
import type { Invite, Room, User } from '../store/ports.ts'
import { When } from './AdminPage.tsx'
import { Layout } from './Layout.tsx'

/** Where an invite's forms return to: the admin page, or the room's invites page. */
export type InviteBack = { kind: 'admin' } | { kind: 'room'; slug: string }
const backPath = (back: InviteBack) => (back.kind === 'admin' ? '/admin#invites' : `/rooms/${back.slug}/invites`)

const EXPIRIES: readonly [string, string][] = [['1', '1 hour'], ['24', '1 day'], ['168', '7 days'], ['720', '30 days'], ['', 'Never']]

export interface InviteFormProps {
  /** The rooms an administrator may pick (besides the whole server); absent on a room's own page. */
  rooms?: readonly Pick<Room, 'slug' | 'name' | 'visibility'>[] | undefined
  /** The room a room's page makes invites for. */
  room?: Pick<Room, 'slug'> | undefined
  error?: string | undefined
}

/** A new invite: for the server or a room, how many uses, how long. Posts to `/admin/invites` for owners too. */
export function InviteForm({ rooms, room, error }: InviteFormProps) {
  return (
    <form class="stack invite-form" method="post" action="/admin/invites">
      <h3>New invite link</h3>
      {room ? <input type="hidden" name="room" value={room.slug} /> : (
        <>
          <label for="invite-room">For</label>
          <select id="invite-room" name="room">
            <option value="">The whole server (lands in the lobby)</option>
            {(rooms ?? []).map((r) => <option value={r.slug}>{r.name} ({r.visibility} room)</option>)}
          </select>
        </>
      )}
      <label for="invite-uses">How many people may use it</label>
      <input id="invite-uses" name="max_uses" type="number" min={1} max={10000} inputmode="numeric" placeholder="No limit" />
      <label for="invite-expiry">Expires after</label>
      <select id="invite-expiry" name="expires_in_hours">
        {EXPIRIES.map(([value, label]) => <option value={value} selected={value === '168'}>{label}</option>)}
      </select>
      {error && <p class="error" role="alert">{error}</p>}
      <button type="submit" class="primary">Create invite link</button>
    </form>
  )
}

const usesLeft = (i: Invite) => (i.maxUses === null ? `${i.uses} used, no limit` : `${i.maxUses - i.uses} of ${i.maxUses} left`)

/** The invites that still work, each with who made it, its room, the uses left, its expiry and a Revoke button. */
export function InviteList({ invites, back, showRoom = true }: { invites: readonly Invite[]; back: InviteBack; showRoom?: boolean }) {
  if (invites.length === 0) return <p class="muted">No invite link is active.</p>
  return (
    <div class="table-wrap">
      <table class="invites">
        <thead><tr><th>Link</th>{showRoom && <th>For</th>}<th>Made by</th><th>Uses</th><th>Expires</th><th><span class="sr-only">Revoke</span></th></tr></thead>
        <tbody>
          {invites.map((i) => (
            <tr>
              <td><code>/invite/{i.tokenPrefix}…</code></td>
              {/* data-label: the column's name, shown before the value where the table is a list (phones). */}
              {showRoom && <td data-label="for">{i.room ? <bdi>{i.room.name}</bdi> : 'the server'}</td>}
              <td data-label="by">{i.createdByLogin ? `@${i.createdByLogin}` : '—'}</td>
              <td>{usesLeft(i)}</td>
              <td data-label="expires">{i.expiresAt ? <When at={i.expiresAt} /> : 'never'}</td>
              <td>
                <form method="post" action={`/admin/invites/${i.id}/revoke`} data-confirm="Revoke this invite link? Nobody can use it after this.">
                  {back.kind === 'room' && <input type="hidden" name="from" value="room" />}
                  <button type="submit" class="link danger">Revoke</button>
                </form>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

export interface InviteCreatedProps {
  user: User
  invite: Invite
  url: string
  /** The QR code of `url` as SVG markup, made by invites/qr.ts from our own URL only. */
  qr: string
  back: InviteBack
}

/** Shown once, right after the invite is made: its link and QR code (only the token's hash is kept). */
export function InviteCreatedPage({ user, invite, url, qr, back }: InviteCreatedProps) {
  return (
    <Layout title="Invite link" user={user}>
      <section class="card invite-created">
        <h1>Invite link created</h1>
        <p>
          Anyone with this link can {invite.room ? <>join the room <strong><bdi>{invite.room.name}</bdi></strong></> : 'come into this server'}
          {' '}after signing in{invite.maxUses !== null ? `, ${invite.maxUses === 1 ? 'once' : `up to ${invite.maxUses} people`}` : ''}
          {invite.expiresAt ? <>, until <When at={invite.expiresAt} /></> : ', with no expiry'}.
        </p>
        <label for="invite-url">Invite link</label>
        <div class="row copy-row">
          <input id="invite-url" class="secret" readonly value={url} />
          <button type="button" class="copy" data-copy="invite-url" hidden>Copy</button>
        </div>
        <p class="notice" role="status">Copy it or scan the code now: it is shown only on this page. rtc keeps only a hash of it.</p>
        <figure class="qr">
          {/* The qrcode package's SVG of our own URL: no user text, no script, no style attribute. */}
          <div class="qr-code" role="img" aria-label="QR code of the invite link">{raw(qr)}</div>
          <figcaption>Scan with a phone's camera to open the link.</figcaption>
        </figure>
        <p><a href={backPath(back)}>{back.kind === 'admin' ? 'Back to administration' : 'Back to the room\'s invite links'}</a></p>
      </section>
    </Layout>
  )
}

export interface RoomInvitesProps {
  user: User
  room: Room
  invites: readonly Invite[]
  error?: string | undefined
}

/** A private room's invite links, for its owner (and administrators): make one, see and revoke the active ones. */
export function RoomInvitesPage({ user, room, invites, error }: RoomInvitesProps) {
  return (
    <Layout title={`Invite links · ${room.name}`} user={user}>
      <div class="admin">
        <h1>Invite links for <bdi>{room.name}</bdi></h1>
        <p><a href={`/rooms/${room.slug}`}>Back to the room</a></p>
        <section id="invites" class="card">
          <h2>Active invite links</h2>
          <InviteList invites={invites} back={{ kind: 'room', slug: room.slug }} showRoom={false} />
          <InviteForm room={room} error={error} />
        </section>
      </div>
    </Layout>
  )
}

/** An invite that cannot be used (404 or 410), said plainly. */
export function InviteRefusedPage({ user, title, message }: { user?: User | undefined; title: string; message: string }) {
  return (
    <Layout title={title} user={user}>
      <section class="card login">
        <h1>{title}</h1>
        <p data-reason>{message}</p>
        <p>{user ? <a href="/">Back to your rooms</a> : <a href="/login">Go to sign-in</a>}</p>
      </section>
    </Layout>
  )
}
