import type { Room, RoomSummary, User } from '../store/ports.ts'
import { Layout } from './Layout.tsx'
import { useT, type Translator } from '../i18n/translate.ts'

const activity = (t: Translator, room: Room) =>
  room.lastMessageAt ? <time datetime={room.lastMessageAt.toISOString()}>{t.dateTime(room.lastMessageAt)}</time> : <span class="muted">{t('lobby.noMessagesYet')}</span>

export interface LobbyPageProps {
  user: User
  rooms: readonly RoomSummary[]
  publicRooms: readonly Room[]
  error?: string | undefined
  /** Shows the error beside this form instead of at the top. */
  errorAt?: 'room' | 'direct' | undefined
  /** The reader is an administrator (`ADMIN_GITHUB_IDS`, `ADMIN_LOGINS`): the lobby links the administration page. */
  admin?: boolean
  /** What was typed into the direct-message form, kept when it was refused. */
  directLogin?: string | undefined
}

/** The signed-in user's rooms by newest activity, public rooms to join, and forms to start new ones. */
export function LobbyPage({ user, rooms, publicRooms, error, errorAt, admin = false, directLogin }: LobbyPageProps) {
  const errorBeside = (at: 'room' | 'direct') => errorAt === at && error && <p class="error" role="alert">{error}</p>
  const t = useT()
  return (
    <Layout title="rtc" user={user}>
      <h1>{t.rich('lobby.hello', { name: <bdi>{user.name ?? user.login}</bdi> })}</h1>
      {admin && <p class="admin-link">{t.rich('lobby.adminLink', { link: <a href="/admin">{t('lobby.administration')}</a> })}</p>}
      {error && !errorAt && <p class="error" role="alert">{error}</p>}
      <div class="lobby">
        <section class="card">
          <h2>{t('lobby.yourRooms')}</h2>
          {rooms.length === 0 ? <p class="empty">{t('lobby.inNoRooms')}</p> : (
            <ul id="my-rooms">
              {rooms.map((r) => (
                <li>
                  <a href={`/rooms/${r.slug}`}><bdi>{r.peer ? (r.peer.name ?? r.peer.login) : r.name}</bdi>{!r.peer && <> <span class="slug">/{r.slug}</span></>}</a>
                  <span><span class="badge">{t(`room.${r.visibility}`)}</span> {activity(t, r)}</span>
                </li>
              ))}
            </ul>
          )}
        </section>
        <section class="card">
          <h2>{t('lobby.publicRooms')}</h2>
          {publicRooms.length === 0 ? <p class="empty">{t('lobby.noPublic')}</p> : (
            <ul id="public-rooms">
              {publicRooms.map((r) => (
                <li>
                  {/* The slug tells two rooms of one name apart. */}
                  <a href={`/rooms/${r.slug}`}><bdi>{r.name}</bdi> <span class="slug">/{r.slug}</span></a>
                  <form method="post" action={`/rooms/${r.slug}/join`}><button type="submit">{t('lobby.join')}</button></form>
                </li>
              ))}
            </ul>
          )}
        </section>
        <section class="card">
          <h2>{t('lobby.newRoom')}</h2>
          {errorBeside('room')}
          <form method="post" action="/rooms">
            <label class="sr-only" for="room-name">{t('lobby.roomName')}</label>
            <input id="room-name" name="name" required maxlength={80} placeholder={t('lobby.roomName')} dir="auto" />
            <select name="visibility" aria-label={t('lobby.whoCanJoin')}>
              <option value="public">{t('lobby.publicChoice')}</option>
              <option value="private">{t('lobby.privateChoice')}</option>
            </select>
            <button type="submit" class="primary">{t('lobby.create')}</button>
          </form>
        </section>
        <section class="card">
          <h2>{t('lobby.directMessage')}</h2>
          {errorBeside('direct')}
          <form method="post" action="/direct-rooms">
            <label class="sr-only" for="dm-login">{t('lobby.githubLogin')}</label>
            <input id="dm-login" name="login" required maxlength={39} placeholder={t('lobby.githubLogin')} value={directLogin ?? ''} autofocus={errorAt === 'direct'} />
            <button type="submit">{t('lobby.open')}</button>
          </form>
        </section>
      </div>
    </Layout>
  )
}
