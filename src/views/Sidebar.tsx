import type { RoomSummary } from '../store/ports.ts'
import { levelIn } from '../messages/notifyLevels.ts'
import { telltaleSlug } from '../lib/slug.ts'

/** Counts are exact below this and shown as "99+" from it on. */
export const UNREAD_CAP = 100

/** One room in a user's sidebar: its unread messages and unread mentions of them. */
export interface SidebarEntry {
  readonly room: RoomSummary
  readonly unread: number
  readonly mentions: number
}

export const countText = (n: number) => (n >= UNREAD_CAP ? `${UNREAD_CAP - 1}+` : String(n))

/** What the sidebar calls a room: a direct room by the other person. */
export const sidebarName = (room: RoomSummary) => (room.visibility === 'direct' && room.peer ? room.peer.name ?? room.peer.login : room.name)

const oobAttr = (oob: boolean) => (oob ? { 'hx-swap-oob': 'true' } : {})

/**
 * A room's link with its counts. `data-unread` and `data-mentions` carry the
 * numbers (capped), the text shows them; `data-activity` orders the list;
 * `data-level` (the reader's notification level) dims a room set to nothing and
 * shows the unread count of one set to every message like a mention.
 */
export function SidebarItem({ entry, current = false, oob = false }: { entry: SidebarEntry; current?: boolean; oob?: boolean }) {
  const { room, unread, mentions } = entry
  const name = sidebarName(room)
  return (
    <a id={`side-${room.id}`} class="side-room" href={`/rooms/${room.slug}`} data-kind={room.visibility}
      data-level={levelIn(room, room.level)}
      data-activity={String(room.lastMessageAt?.getTime() ?? 0)} aria-current={current ? 'page' : undefined} {...oobAttr(oob)}>
      <bdi class="side-name">{name}{telltaleSlug(room) && <span class="slug"> #{telltaleSlug(room)}</span>}</bdi>
      <span class="side-mentions" data-mentions={String(mentions)} title={`${countText(mentions)} unread mentions of you`} hidden={mentions === 0}>@{countText(mentions)}</span>
      <span class="side-unread" data-unread={String(unread)} title={`${countText(unread)} unread messages`} hidden={unread === 0}>{countText(unread)}</span>
    </a>
  )
}

/** The room lists of the sidebar: rooms, then direct rooms, each newest activity first. */
export function SidebarRooms({ entries, currentRoomId, oob = false }: { entries: readonly SidebarEntry[]; currentRoomId?: string | undefined; oob?: boolean }) {
  const byActivity = (a: SidebarEntry, b: SidebarEntry) => (b.room.lastMessageAt?.getTime() ?? 0) - (a.room.lastMessageAt?.getTime() ?? 0)
  const group = (direct: boolean) => entries.filter((e) => (e.room.visibility === 'direct') === direct).sort(byActivity)
  const list = (items: SidebarEntry[], empty: string) => items.length === 0
    ? <p class="muted side-empty">{empty}</p>
    : items.map((entry) => <SidebarItem entry={entry} current={entry.room.id === currentRoomId} />)
  return (
    <div id="side-rooms" {...oobAttr(oob)}>
      <h3>Rooms</h3>
      <div class="side-group">{list(group(false), 'No rooms yet.')}</div>
      <h3>Direct messages</h3>
      <div class="side-group">{list(group(true), 'No direct messages yet.')}</div>
    </div>
  )
}

/** Unread messages across the user's rooms, for the title: a hidden carrier the page reads. */
export function UnreadTotal({ entries, oob = false }: { entries: readonly SidebarEntry[]; oob?: boolean }) {
  return <span id="unread-total" data-total={String(unreadTotal(entries))} hidden {...oobAttr(oob)}></span>
}

export const unreadTotal = (entries: readonly SidebarEntry[]) => entries.reduce((n, e) => n + e.unread, 0)

/** The title's prefix while something is unread: "(3) ". */
export const titleCount = (entries: readonly SidebarEntry[]) => {
  const total = unreadTotal(entries)
  return total > 0 ? `(${countText(total)}) ` : ''
}

/** The sidebar: plain links with counts, live over the tab's socket; a drawer on phones (opened by :target, so without JavaScript too). */
export function Sidebar({ entries, currentRoomId }: { entries: readonly SidebarEntry[]; currentRoomId?: string | undefined }) {
  return (
    <nav id="sidebar" class="sidebar card" aria-label="Your rooms">
      <div class="sidebar-head">
        <h2><a href="/">Your rooms</a></h2>
        {/* The lobby's forms, a click away from any room (a disclosure: works without JavaScript). */}
        <details class="side-new">
          <summary class="button" aria-label="New room or direct message" title="New room or direct message">+</summary>
          <ul class="side-new-menu">
            <li><a href="/#room-name">Create a room</a></li>
            <li><a href="/#public-rooms">Join a public room</a></li>
            <li><a href="/#dm-login">Direct message</a></li>
          </ul>
        </details>
        <a class="close" href="#" aria-label="Close the room list">×</a>
      </div>
      <SidebarRooms entries={entries} currentRoomId={currentRoomId} />
      <UnreadTotal entries={entries} />
      <button type="button" id="notify-enable" class="link" hidden>Show notifications on this device</button>
    </nav>
  )
}
