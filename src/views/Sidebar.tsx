import type { RoomSummary } from '../store/ports.ts'
import { levelIn } from '../messages/notifyLevels.ts'
import { telltaleSlug } from '../lib/slug.ts'
import { useT } from '../i18n/translate.ts'

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
  const t = useT()
  return (
    <a id={`side-${room.id}`} class="side-room" href={`/rooms/${room.slug}`} data-kind={room.visibility}
      data-level={levelIn(room, room.level)}
      data-activity={String(room.lastMessageAt?.getTime() ?? 0)} aria-current={current ? 'page' : undefined} {...oobAttr(oob)}>
      <span class="side-name"><bdi>{name}</bdi>{telltaleSlug(room) && <span class="slug"> #{telltaleSlug(room)}</span>}</span>
      <span class="side-mentions" data-mentions={String(mentions)} title={t('sidebar.unreadMentions', { count: mentions, n: countText(mentions) })} hidden={mentions === 0}>@{countText(mentions)}</span>
      <span class="side-unread" data-unread={String(unread)} title={t('sidebar.unreadMessages', { count: unread, n: countText(unread) })} hidden={unread === 0}>{countText(unread)}</span>
    </a>
  )
}

/** The room lists of the sidebar: rooms, then direct rooms, each newest activity first. */
export function SidebarRooms({ entries, currentRoomId, oob = false }: { entries: readonly SidebarEntry[]; currentRoomId?: string | undefined; oob?: boolean }) {
  const byActivity = (a: SidebarEntry, b: SidebarEntry) => (b.room.lastMessageAt?.getTime() ?? 0) - (a.room.lastMessageAt?.getTime() ?? 0)
  const group = (direct: boolean) => entries.filter((e) => (e.room.visibility === 'direct') === direct).sort(byActivity)
  const list = (items: SidebarEntry[], empty: string, key: string) => items.length === 0
    ? <p class="muted side-empty" data-t={key}>{empty}</p>
    : items.map((entry) => <SidebarItem entry={entry} current={entry.room.id === currentRoomId} />)
  const t = useT()
  return (
    <div id="side-rooms" {...oobAttr(oob)}>
      {/* Pushed over the socket in English too: data-t lets static/app.js put these in the page's language. */}
      <h3 data-t="rooms">{t('sidebar.rooms')}</h3>
      <div class="side-group">{list(group(false), t('sidebar.noRooms'), 'noRooms')}</div>
      <h3 data-t="directMessages">{t('sidebar.directMessages')}</h3>
      <div class="side-group">{list(group(true), t('sidebar.noDirect'), 'noDirect')}</div>
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
  const t = useT()
  return (
    <nav id="sidebar" class="sidebar card" aria-label={t('sidebar.yourRooms')}>
      <div class="sidebar-head">
        <h2><a href="/">{t('sidebar.yourRooms')}</a></h2>
        {/* The lobby's forms, a click away from any room (a disclosure: works without JavaScript). */}
        <details class="side-new">
          <summary class="button" aria-label={t('sidebar.newRoomOrDm')} title={t('sidebar.newRoomOrDm')}>+</summary>
          <ul class="side-new-menu">
            <li><a href="/#room-name">{t('sidebar.createRoom')}</a></li>
            <li><a href="/#public-rooms">{t('sidebar.joinPublic')}</a></li>
            <li><a href="/#dm-login">{t('sidebar.directMessage')}</a></li>
          </ul>
        </details>
        <a class="close" href="#" aria-label={t('sidebar.closeRooms')}>×</a>
      </div>
      <SidebarRooms entries={entries} currentRoomId={currentRoomId} />
      <UnreadTotal entries={entries} />
      <button type="button" id="notify-enable" class="link" hidden>{t('sidebar.notifyEnable')}</button>
    </nav>
  )
}
