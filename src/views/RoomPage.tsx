import { MAX_BODY_CHARS } from '../messages/validate.ts'
import type { Member, NotifyLevel, PinnedMessage, Room, StoredMessage, User } from '../store/ports.ts'
import { Layout } from './Layout.tsx'
import { MemberList, TypingLine } from './Members.tsx'
import { MessageItem, UPSERT_MESSAGES } from './Message.tsx'
import { Sidebar, countText, titleCount, type SidebarEntry } from './Sidebar.tsx'
import type { IsMember } from '../messages/mentionable.ts'
import type { ReplyExcerpt, ReplyOf } from '../messages/replies.ts'
import { PinsList } from './Kept.tsx'
import { NotifyLevelMenu } from './NotifyLevelMenu.tsx'
import { RoomManage, RoomTopic } from './RoomManage.tsx'
import { QUICK_EMOJIS } from '../messages/reactions.ts'
import { QuickEmojis } from './Reactions.tsx'

export interface RoomPageProps {
  user: User
  room: Room
  members: readonly Member[]
  online: ReadonlySet<number>
  messages: readonly StoredMessage[]
  isMember: boolean
  /** True when more history lies before the first message shown. */
  hasOlder: boolean
  /** Showing an older page (no-JS history): no live socket, and a way back to the newest. */
  browsingHistory?: boolean
  /** On an older page: the link to the next newer page (the room itself when that is the newest). */
  newer?: string | undefined
  error?: string | undefined
  /** Why adding a member was refused, shown beside that form. */
  memberError?: string | undefined
  /** A refused message stays in the composer for its author to fix. */
  draft?: string | undefined
  nonce: string
  /** The reader's rooms with their counts. */
  sidebar: readonly SidebarEntry[]
  /** The reader's marker when the page was drawn: the "new messages" divider goes above the first message after it. */
  readUpTo: string
  /** Which mentioned logins are members here. */
  mentionable: IsMember
  /** What is known of the messages replies answer. */
  replyOf?: ReplyOf
  /** The room's pins, in the member panel (redrawn live); undefined: no pins here (a direct room). */
  pins?: readonly PinnedMessage[] | undefined
  /** Logins the reader's last message mentioned who are not members (a plain form post comes back with them). */
  notMembers?: readonly string[]
  /** The largest file the server accepts (UPLOAD_MAX_BYTES), checked in the browser before sending. */
  uploadMaxBytes?: number | undefined
  /** PRESENCE_IDLE_SECONDS: how often the page says it is used (static/js/presence.js). */
  idleSeconds?: number | undefined
  /** Logins it mentioned that are nobody's here. */
  nobody?: readonly string[]
  /** The level the reader set for the room's notifications (its `level` undefined: the default); undefined: no menu (not a member). */
  notifyLevel?: { level: NotifyLevel | undefined } | undefined
  /** Who may change the room: its owner (creator of a private room) and administrators. */
  manage?: { owner: boolean; admin: boolean }
  /** Opened around this message (a search result): it is marked, and around.js scrolls to it. */
  around?: string | undefined
  /** Messages after this id are not on the page yet: a gap edge loads them as the reader scrolls down. */
  gapAfter?: string | undefined
  /** Where the live socket resumes, when not at the last message shown (the room's newest id). */
  since?: string | undefined
  /** The first message the reader has not read: the "New messages" divider goes above it, and unread.js opens the list there. */
  firstUnread?: string | undefined
  /** Opened at a first unread message further up than the newest page: how many are unread, since when. */
  unreadSince?: { count: number; at: Date } | undefined
}

/** Above the list of a room opened far up at its first unread message: how many, since when, and the way to the newest. */
export function UnreadBar({ room, count, at }: { room: Room; count: number; at: Date }) {
  return (
    <p id="unread-bar" class="unread-bar">
      <span>{countText(count)} new message{count === 1 ? '' : 's'} since <time datetime={at.toISOString()}>{`${at.toISOString().slice(11, 16)} UTC`}</time></span>
      {' — '}
      <a href={`/rooms/${room.slug}?latest`}>Jump to the newest</a>
    </p>
  )
}

/**
 * Beside the composer: who a message mentioned that is not in the room (nobody
 * was notified), with a way to add them to a private room; and logins that are
 * nobody's at all (a typo, most likely). Empty when neither.
 */
export function MentionNote({ logins, nobody = [], room, oob = false }: { logins: readonly string[]; nobody?: readonly string[]; room?: Room | undefined; oob?: boolean }) {
  const at = (ls: readonly string[]) => ls.map((l) => `@${l}`).join(', ')
  const outside = logins.length === 0 ? '' : `${at(logins)} ${logins.length === 1 ? 'is not a member' : 'are not members'} of this room: nobody was notified. `
  const unknown = nobody.length === 0 ? '' : `No one here is called ${at(nobody)}. `
  return (
    <p id="mention-note" class="note" role="status" {...(oob ? { 'hx-swap-oob': 'true' } : {})}>
      {outside || unknown ? `${outside}${unknown}The message was sent.` : ''}
      {room?.visibility === 'private' && logins.map((l) => (
        <>{' '}<button type="submit" class="link" form="mention-add" name="login" value={l}>Add @{l} to this room</button></>
      ))}
    </p>
  )
}

export const roomTitle = (room: Room, members: readonly User[], me: User) =>
  room.visibility === 'direct'
    ? members.filter((m) => m.id !== me.id).map((m) => m.name ?? m.login).join(', ') || room.name
    : room.name

/**
 * The "load older" edge of the history: a link without JavaScript; with it,
 * app.js fires `rtc-top` once each time the reader reaches the top, so one
 * reach loads one page.
 */
export function OlderEdge({ room, before, hasOlder, oob = false }: { room: Room; before: string | undefined; hasOlder: boolean; oob?: boolean }) {
  const swap = oob ? { 'hx-swap-oob': 'true' } : {}
  if (!hasOlder || !before) return <p id="older" class="history-edge" {...swap}>This is the beginning of the room.</p>
  const url = `/rooms/${room.slug}/messages?before=${before}`
  return (
    <p id="older" class="history-edge" {...swap}>
      <a href={`/rooms/${room.slug}?before=${before}`} hx-get={url} hx-trigger="rtc-top" hx-target="#messages" hx-swap={UPSERT_MESSAGES}>
        Older messages
      </a>
    </p>
  )
}

/**
 * Where messages not loaded yet begin, inside #messages: keyed just after
 * `after`, so live messages sort below it and loaded ones fill in above.
 * around.js fires `rtc-bottom` when the reader reaches it; the answer
 * deletes it and brings the next one (see chat/routes.tsx).
 */
export function NewerGap({ room, after }: { room: Room; after: string }) {
  return (
    <p id={`gap-${after}`} data-key={`${after}.5`} class="history-edge gap">
      <a href={`/rooms/${room.slug}?around=${after}`} hx-get={`/rooms/${room.slug}/messages?after=${after}`} hx-trigger="rtc-bottom" hx-target="#messages" hx-swap={UPSERT_MESSAGES}>
        Newer messages
      </a>
    </p>
  )
}

/** The message being answered, above the composer, with a way to answer nothing instead. */
export function ReplyChip({ room, replying }: { room: Room; replying?: ReplyExcerpt | undefined }) {
  return (
    <div id="reply-chip" class="reply-chip" hidden={!replying}>
      <input type="hidden" name="reply_to" value={replying?.id ?? ''} disabled={!replying} />
      <span class="reply-mark" aria-hidden="true">↪ </span>
      <span>Replying to <bdi class="who">{replying?.authorName ?? ''}</bdi>: <span class="reply-text" dir="auto">{replying?.text ?? ''}</span></span>
      <a class="reply-cancel" href={`/rooms/${room.slug}`} aria-label="Do not reply: send a plain message">×</a>
    </div>
  )
}

/** Pushed just before the server closes a tab's socket for good: says why, where the connection state shows. */
export function ConnectionNotice({ text }: { text: string }) {
  return <p id="conn" class="conn" data-state="closed" role="alert" hx-swap-oob="true">{text}</p>
}

export function Composer({ room, nonce, draft, error, notMembers = [], nobody = [], maxBytes, replying }: { room: Room; nonce: string; draft?: string | undefined; error?: string | undefined; notMembers?: readonly string[]; nobody?: readonly string[]; maxBytes?: number | undefined; replying?: ReplyExcerpt | undefined }) {
  const action = `/rooms/${room.slug}/messages`
  return (
    <>
    <form id="composer" class="composer" method="post" action={action} enctype="multipart/form-data" hx-post={action} hx-target="#messages" hx-swap={UPSERT_MESSAGES}>
      <input type="hidden" name="nonce" value={nonce} />
      {/* What this message answers (the reply page; js/replies.js sets it on the room page): a chip that can be dismissed. */}
      <ReplyChip room={room} replying={replying} />
      <label class="sr-only" for="body">Message</label>
      {/* Without JavaScript Enter makes a new line; app.js makes Enter send and says so in data-hint. */}
      {/* On touch screens (no Shift key to hand) Enter stays a new line and Send sends: data-hint-touch says so. */}
      <textarea id="body" name="body" rows={2} maxlength={MAX_BODY_CHARS} placeholder="Message" data-hint="Message (Enter sends, Shift+Enter for a new line)"
        data-hint-touch="Message (Enter for a new line, Send sends)" aria-autocomplete="list" aria-controls="mention-list"
        data-mentions={`/rooms/${room.slug}/mentions`} autofocus>{draft ?? ''}</textarea>
      {/* @mention suggestions, filled by js/mentions.js from GET /rooms/:room/mentions. */}
      <ul id="mention-list" class="mention-list" role="listbox" aria-label="Members to mention" hidden></ul>
      <button type="submit" class="primary">Send</button>
      {/* Files: picked here, pasted or dropped (js/uploads.js sends those with a progress bar). */}
      <label class="attach"><span>Attach files</span> <input type="file" name="file" multiple data-max-bytes={maxBytes === undefined ? undefined : String(maxBytes)} /></label>
      <progress id="upload-progress" max="100" value="0" hidden></progress>
      <p id="composer-error" class="error" role="alert">{error ?? ''}</p>
      <MentionNote logins={notMembers} nobody={nobody} room={room} />
      <p id="composer-count" class="count muted" aria-live="polite" hidden></p>
      <QuickEmojis emojis={QUICK_EMOJIS} />
    </form>
    {/* The mention note's "Add @login" buttons submit this (forms cannot nest). */}
    {room.visibility === 'private' && <form id="mention-add" method="post" action={`/rooms/${room.slug}/members`} hidden></form>}
    </>
  )
}

/**
 * With JavaScript it posts over htmx and answers with the redrawn member list;
 * a refusal shows beside it and the address stays the room's.
 */
export function AddMemberForm({ room, error }: { room: Room; error?: string | undefined }) {
  const action = `/rooms/${room.slug}/members`
  return (
    <form id="add-member" class="add-member" method="post" action={action} hx-post={action} hx-target="#members" hx-swap="outerHTML">
      <label for="add-login">{room.visibility === 'public' ? 'Add a bot by its name' : 'Add a member by GitHub login'}</label>
      <div class="row">
        <input id="add-login" name="login" required maxlength={39} autocomplete="off" />
        <button type="submit">Add</button>
      </div>
      <p class="error" role="alert">{error ?? ''}</p>
    </form>
  )
}

export function RoomPage(props: RoomPageProps) {
  const { user, room, members, messages, isMember, hasOlder, browsingHistory = false } = props
  const last = props.since ?? messages.at(-1)?.id ?? '0'
  return (
    <Layout title={`${titleCount(props.sidebar)}${roomTitle(room, members, user)}`} user={user} fill
      skip={isMember && !room.archivedAt ? { href: '#body', label: 'Skip to the message box' } : undefined}>
      {/* data-admin: every message offers its Delete (app.css), which an administrator's post answers on any. */}
      <div class="room" data-admin={props.manage?.admin ? '' : undefined}>
        <Sidebar entries={props.sidebar} currentRoomId={room.id} />
        <div class="room-main">
          <div class="room-head">
            {/* Phones: an icon (the word stays for screen readers) so the room's name keeps the header. */}
            <a class="button rooms-toggle" href="#sidebar"><span class="icon" aria-hidden="true">☰</span><span class="label">Rooms</span><span class="count">{titleCount(props.sidebar) ? ` ${titleCount(props.sidebar).trim()}` : ''}</span></a>
            <h1><bdi>{roomTitle(room, members, user)}</bdi> <span class="badge">{room.visibility}</span></h1>
            {/* Inline on wide screens; on phones a small menu behind "⋯", opened by :target (so without JavaScript too). */}
            <a class="button actions-toggle" href="#room-actions" aria-label="Room actions: notifications, members"><span aria-hidden="true">⋯</span></a>
            <div id="room-actions" class="room-actions">
              {props.notifyLevel && <NotifyLevelMenu room={room} level={props.notifyLevel.level} />}
              {/* A drawer on phones: the link opens it by :target, so it works without JavaScript too. */}
              <a class="button members-toggle" href="#members-panel">Members ({members.length})</a>
            </div>
          </div>
          <RoomTopic room={room} />
          {isMember && !browsingHistory && <span id="live" hx-ws:connect={`/ws?room=${room.slug}&since=${last}`} data-since={last} data-room={room.slug}
            data-idle-seconds={props.idleSeconds === undefined ? undefined : String(props.idleSeconds)}></span>}
          {isMember && !browsingHistory && <p id="conn" class="conn" data-state="offline" role="status" aria-live="polite">Live updates need JavaScript; reload to see new messages.</p>}
          {!isMember && !browsingHistory && <p id="conn" class="conn" data-state="reading">You are reading without joining: new messages show when you reload. Join to get them live.</p>}
          {browsingHistory && <p class="conn"><a href={`/rooms/${room.slug}`}>Back to the newest messages</a></p>}
          <section class="chat">
            {props.unreadSince && <UnreadBar room={room} count={props.unreadSince.count} at={props.unreadSince.at} />}
            {/* The scroller lays out bottom-up (see app.css), so it opens at the newest message even
                without JavaScript, and history put above keeps the reader where they were. */}
            <div id="scroller" class="scroller">
              <div class="history">
                <OlderEdge room={room} before={messages[0]?.id} hasOlder={hasOlder} />
                <div id="messages" role="log" aria-live="polite" aria-relevant="additions" aria-label="Messages" data-read-up-to={props.readUpTo} data-around={props.around}>
                  {messages.map((m) => <MessageItem message={m} roomSlug={room.slug} mine={m.authorId === user.id} isMember={props.mentionable} replyOf={props.replyOf} firstUnread={m.id === props.firstUnread} />)}
                  {props.gapAfter && <NewerGap room={room} after={props.gapAfter} />}
                </div>
                {props.newer && <p id="newer" class="history-edge"><a href={props.newer}>Newer messages</a></p>}
                {/* Hidden by CSS once a message arrives (live, into #messages). */}
                {messages.length === 0 && !props.newer && <p class="room-empty">No messages here yet. {isMember ? 'Say hello: the first message starts the conversation.' : 'Join the room to write the first one.'}</p>}
              </div>
            </div>
            <button type="button" id="jump" class="jump" hidden>Jump to latest</button>
            {isMember && <TypingLine names={[]} />}
            {room.archivedAt ? <p class="composer archived muted">This room is archived: it can be read, not written to.</p>
              : isMember ? <Composer room={room} nonce={props.nonce} draft={props.draft} error={props.error} notMembers={props.notMembers} nobody={props.nobody} maxBytes={props.uploadMaxBytes} /> : (
              <form class="composer" method="post" action={`/rooms/${room.slug}/join`}>
                <span class="muted">You are reading this public room.</span>
                <button type="submit" class="primary">Join to take part</button>
              </form>
            )}
          </section>
        </div>
        <aside id="members-panel" class="members card" aria-label="Members">
          <div class="members-head">
            <h2>Members</h2>
            <a class="close" href="#" aria-label="Close the member list">×</a>
          </div>
          <MemberList members={members} online={props.online} />
          {isMember && room.visibility !== 'direct' && !room.archivedAt && <AddMemberForm room={room} error={props.memberError} />}
          {props.pins && (
            <section class="pins-section" aria-labelledby="pins-title">
              <h3 id="pins-title">Pinned</h3>
              <PinsList room={room} pins={props.pins} canUnpin={isMember} />
            </section>
          )}
          {isMember && <ExportLinks room={room} files={props.uploadMaxBytes !== undefined} />}
          <RoomManage room={room} me={user} members={members} isMember={isMember} owner={props.manage?.owner ?? false} admin={props.manage?.admin ?? false} />
          {isMember && room.visibility !== 'direct' && (
            <form method="post" action={`/rooms/${room.slug}/leave`} data-confirm="Leave this room? You can join a public room again; a private one needs a member to add you.">
              <button type="submit" class="link danger">Leave this room</button>
            </form>
          )}
        </aside>
      </div>
    </Layout>
  )
}

/**
 * A member's copy of the room (src/export/): Markdown to read, JSON to process, or a zip with the files. js/export.js
 * adds the browser's time zone to each link; without it the times are in UTC.
 */
function ExportLinks({ room, files }: { room: Room; files: boolean }) {
  const base = `/rooms/${room.slug}/export`
  return (
    <details class="export-section">
      <summary>Export this room</summary>
      <ul class="export-links">
        <li><a href={`${base}?format=md`} data-export download>Markdown</a></li>
        <li><a href={`${base}?format=json`} data-export download>JSON</a></li>
        {files && <li><a href={`${base}?format=md&files=1`} data-export download>Markdown with the files (zip)</a></li>}
      </ul>
    </details>
  )
}
