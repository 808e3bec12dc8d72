import type { Member, Room, User } from '../store/ports.ts'

/** The room's topic under its name; nothing when it has none. */
export function RoomTopic({ room }: { room: Room }) {
  return (
    <>
      {room.topic && <p class="room-topic"><bdi>{room.topic}</bdi></p>}
      {room.archivedAt && <p class="room-archived" role="status">Archived: this room can be read but not written to.</p>}
    </>
  )
}

export interface RoomManageProps {
  room: Room
  me: User
  members: readonly Member[]
  isMember: boolean
  /** The creator of a private room. */
  owner: boolean
  admin: boolean
}

/**
 * The room's settings in the member panel, each a plain form: the topic for
 * members; renaming and removing members for the owner of a private room and
 * administrators; archiving, deleting and deleting any message for administrators.
 */
export function RoomManage({ room, me, members, isMember, owner, admin }: RoomManageProps) {
  const base = `/rooms/${room.slug}`
  const manager = (owner || admin) && room.visibility !== 'direct'
  const others = members.filter((m) => m.id !== me.id)
  if (!isMember && !admin) return null
  return (
    <details class="room-manage">
      <summary>Room settings</summary>
      {!room.archivedAt && (
        <form class="stack" method="post" action={`${base}/topic`}>
          <label for="room-topic">Topic</label>
          <input id="room-topic" name="topic" maxlength={200} value={room.topic ?? ''} placeholder="What this room is about" />
          <button type="submit">Set topic</button>
        </form>
      )}
      {manager && (
        <form class="stack" method="post" action={`${base}/name`}>
          <label for="room-name">Name</label>
          <input id="room-name" name="name" required maxlength={80} value={room.name} />
          <button type="submit">Rename</button>
        </form>
      )}
      {((owner && room.visibility === 'private') || (admin && room.visibility !== 'direct')) && (
        <p class="stack"><a href={`${base}/invites`}>Invite links</a><span class="muted">A link (and QR code) that lets someone sign in and join this room.</span></p>
      )}
      {manager && others.length > 0 && (
        <div class="stack">
          <span class="label">Remove a member</span>
          <ul class="remove-members">
            {others.map((m) => (
              <li>
                <form method="post" action={`${base}/members/${encodeURIComponent(m.login)}/delete`} data-confirm={`Remove @${m.login} from this room?`}>
                  <button type="submit" class="link danger">Remove @{m.login}</button>
                </form>
              </li>
            ))}
          </ul>
        </div>
      )}
      {admin && (
        <div class="stack admin-actions">
          <span class="label">Administrator</span>
          <form class="row" method="post" action={`${base}/message-deletions`}>
            <label class="sr-only" for="delete-message-id">Message number</label>
            <input id="delete-message-id" name="id" inputmode="numeric" pattern="[0-9]+" placeholder="Message #" required />
            <button type="submit" class="danger">Delete message</button>
          </form>
          <form method="post" action={`${base}/${room.archivedAt ? 'unarchive' : 'archive'}`}>
            <button type="submit">{room.archivedAt ? 'Unarchive room' : 'Archive room (read-only)'}</button>
          </form>
          <form method="post" action={`${base}/delete`} data-confirm="Delete this room and all its messages? This cannot be undone.">
            <button type="submit" class="danger">Delete room</button>
          </form>
        </div>
      )}
    </details>
  )
}
