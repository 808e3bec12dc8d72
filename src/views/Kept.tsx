import type { PinnedMessage, Room, SavedMessage, StoredMessage, User } from '../store/ports.ts'
import { Layout } from './Layout.tsx'

const utc = (d: Date) => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`
const EXCERPT = 160
/** The first words of a message as typed (its Markdown source, as text: JSX escapes it), on one line. */
const excerptOf = (body: string) => {
  const line = body.replace(/\s+/g, ' ').trim()
  return line.length > EXCERPT ? `${[...line].slice(0, EXCERPT).join('')}…` : line
}
/** A message's stable address: the room opened around it. */
export const messageUrl = (roomSlug: string, id: string) => `/rooms/${roomSlug}/messages/${id}`

/** One kept message: who, when, its first words, a link to it in its room; and what can be done with it. */
function KeptItem({ message: m, roomSlug, roomName, children }: { message: StoredMessage; roomSlug: string; roomName?: string; children?: unknown }) {
  return (
    <li class="kept" data-message={m.id}>
      <a class="kept-link" href={messageUrl(roomSlug, m.id)}>
        <span class="kept-head">
          {roomName && <><bdi class="kept-room">{roomName}</bdi>{' · '}</>}
          <bdi class="who">{m.authorName}</bdi> <span class="login">@{m.authorLogin}</span>{' · '}
          <time datetime={m.createdAt.toISOString()}>{utc(m.createdAt)}</time>
        </span>
        <span class="kept-excerpt" dir="auto">{excerptOf(m.body) || (m.attachments?.length ? `${m.attachments.length} file(s)` : '')}</span>
      </a>
      {children}
    </li>
  )
}

/**
 * A room's pins, the latest pinned first, each with Unpin (only members see
 * the list live, and only members may pin). The same markup is the page's
 * list, the htmx fragment and, out of band, the live redraw after a change.
 */
export function PinsList({ room, pins, canUnpin, oob = false }: { room: Room; pins: readonly PinnedMessage[]; canUnpin: boolean; oob?: boolean }) {
  return (
    <div id="pins" class="pins" {...(oob ? { 'hx-swap-oob': 'true' } : {})}>
      {pins.length === 0 ? <p class="muted">Nothing is pinned here yet: a message's "Pin" keeps it in view for everyone.</p> : (
        <ol class="kept-list">
          {pins.map(({ message }) => (
            <KeptItem message={message} roomSlug={room.slug}>
              {canUnpin && (
                <form method="post" action={`/rooms/${room.slug}/messages/${message.id}/unpin`} hx-post={`/rooms/${room.slug}/messages/${message.id}/unpin`} hx-target="#pins" hx-swap="outerHTML">
                  <button type="submit" class="link" aria-label={`Unpin the message by ${message.authorName}`}>Unpin</button>
                </form>
              )}
            </KeptItem>
          ))}
        </ol>
      )}
    </div>
  )
}

export function PinsPage({ user, room, pins, canUnpin }: { user: User; room: Room; pins: readonly PinnedMessage[]; canUnpin: boolean }) {
  return (
    <Layout title={`Pinned in ${room.name}`} user={user}>
      <section class="card">
        <h1>Pinned in <bdi>{room.name}</bdi></h1>
        <p><a href={`/rooms/${room.slug}`}>Back to the room</a></p>
        <PinsList room={room} pins={pins} canUnpin={canUnpin} />
      </section>
    </Layout>
  )
}

/** The reader's saved messages across rooms, the latest saved first, each with Remove. */
export function SavedPage({ user, saved }: { user: User; saved: readonly SavedMessage[] }) {
  return (
    <Layout title="Saved messages" user={user}>
      <section class="card">
        <h1>Saved messages</h1>
        {saved.length === 0 ? <p class="muted">Nothing saved yet: a message's "Save" keeps it here, for you alone.</p> : (
          <ol id="saved" class="kept-list">
            {saved.map(({ room, message }) => (
              <KeptItem message={message} roomSlug={room.slug} roomName={room.name}>
                <form method="post" action={`/rooms/${room.slug}/messages/${message.id}/unsave`}>
                  <input type="hidden" name="back" value="/saved" />
                  <button type="submit" class="link" aria-label={`Remove the message by ${message.authorName} from saved`}>Remove</button>
                </form>
              </KeptItem>
            ))}
          </ol>
        )}
      </section>
    </Layout>
  )
}
