import type { Room, RoomSummary, User } from '../store/ports.ts'
import { Layout } from './Layout.tsx'

const activity = (room: Room) =>
  room.lastMessageAt ? <time datetime={room.lastMessageAt.toISOString()}>{room.lastMessageAt.toISOString().slice(0, 16).replace('T', ' ')} UTC</time> : <span class="muted">no messages yet</span>

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
  return (
    <Layout title="rtc" user={user}>
      <h1>Hello, <bdi>{user.name ?? user.login}</bdi></h1>
      {admin && <p class="admin-link"><a href="/admin">Administration</a>: rooms, members, bots and the audit log</p>}
      {error && !errorAt && <p class="error" role="alert">{error}</p>}
      <div class="lobby">
        <section class="card">
          <h2>Your rooms</h2>
          {rooms.length === 0 ? <p class="empty">You are in no rooms yet.</p> : (
            <ul id="my-rooms">
              {rooms.map((r) => (
                <li>
                  <a href={`/rooms/${r.slug}`}><bdi>{r.peer ? (r.peer.name ?? r.peer.login) : r.name}</bdi>{!r.peer && <> <span class="slug">/{r.slug}</span></>}</a>
                  <span><span class="badge">{r.visibility}</span> {activity(r)}</span>
                </li>
              ))}
            </ul>
          )}
        </section>
        <section class="card">
          <h2>Public rooms</h2>
          {publicRooms.length === 0 ? <p class="empty">No other public rooms.</p> : (
            <ul id="public-rooms">
              {publicRooms.map((r) => (
                <li>
                  {/* The slug tells two rooms of one name apart. */}
                  <a href={`/rooms/${r.slug}`}><bdi>{r.name}</bdi> <span class="slug">/{r.slug}</span></a>
                  <form method="post" action={`/rooms/${r.slug}/join`}><button type="submit">Join</button></form>
                </li>
              ))}
            </ul>
          )}
        </section>
        <section class="card">
          <h2>New room</h2>
          {errorBeside('room')}
          <form method="post" action="/rooms">
            <label class="sr-only" for="room-name">Room name</label>
            <input id="room-name" name="name" required maxlength={80} placeholder="Room name" />
            <select name="visibility" aria-label="Who can join">
              <option value="public">Public: anyone signed in can join</option>
              <option value="private">Private: members add members</option>
            </select>
            <button type="submit" class="primary">Create</button>
          </form>
        </section>
        <section class="card">
          <h2>Direct message</h2>
          {errorBeside('direct')}
          <form method="post" action="/direct-rooms">
            <label class="sr-only" for="dm-login">GitHub login</label>
            <input id="dm-login" name="login" required maxlength={39} placeholder="GitHub login" value={directLogin ?? ''} autofocus={errorAt === 'direct'} />
            <button type="submit">Open</button>
          </form>
        </section>
      </div>
    </Layout>
  )
}
