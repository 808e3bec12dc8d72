import { raw } from 'hono/html'
import { renderMessageBody } from '../messages/markdown.ts'
import type { StoredMessage } from '../store/ports.ts'
import { nobodyIsMember, type IsMember } from '../messages/mentionable.ts'
import { noReplies, type ReplyOf } from '../messages/replies.ts'
import { Attachments } from './Attachments.tsx'
import { LinkPreviewCard } from './LinkPreview.tsx'
import { Reactions } from './Reactions.tsx'

/** The swap every insertion uses: by id, kept in id order, so late or repeated arrivals never duplicate. */
export const UPSERT_MESSAGES = 'upsert key:data-key sort'

/** Only GitHub's avatar host (the one the Content-Security-Policy allows), over https. */
const GITHUB_AVATAR = /^https:\/\/avatars\.githubusercontent\.com\/[^\s"<>]+$/
/** An avatar uploaded to rtc, served from its own origin (profiles/routes.tsx). */
const OWN_AVATAR = /^\/avatars\/-?\d+\/[0-9a-f]{64}\.webp$/

/** Where a face's picture is fetched, `px` wide, for an avatar address rtc trusts; undefined for anything else (a letter instead). */
export function faceSrc(url: string | null | undefined, px: number): string | undefined {
  if (url && OWN_AVATAR.test(url)) return url
  if (url && GITHUB_AVATAR.test(url)) return `${url}${url.includes('?') ? '&' : '?'}s=${px}`
  return undefined
}

/** A person's card: a page of its own, or (js/profiles.js) a dialog over this one. */
export const profileHref = (login: string) => `/users/${encodeURIComponent(login)}`
const graphemes = new Intl.Segmenter('und', { granularity: 'grapheme' })
/** The face's letter: the name's first character as a reader sees it (an emoji, an accented letter), upper-cased. */
export const initialOf = (name: string) => ([...graphemes.segment(name.trim())][0]?.segment ?? '?').toLocaleUpperCase()

const utc = (d: Date) => `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`

export interface MessageItemProps {
  message: StoredMessage
  roomSlug: string
  /** Shows the author's controls without JavaScript; with it, app.js marks the reader's own messages. */
  mine?: boolean
  /** Replace this message where it stands (edits and deletes pushed over the socket). */
  oob?: boolean
  /** Which mentioned logins are the room's members (their mentions are marked). */
  isMember?: IsMember
  /** The first message the reader had not read when the page was drawn: the "New messages" divider sits above it. */
  firstUnread?: boolean
  /** What is known of the messages replies answer (`ReplyDirectory`). */
  replyOf?: ReplyOf
}

/**
 * The line above a reply: who wrote the answered message and its first words as that message now is (or
 * that it was deleted), as text, linking to it in the room. Unknown (not loaded): just the link.
 */
function ReplyLine({ id, roomSlug, replyOf }: { id: string; roomSlug: string; replyOf: ReplyOf }) {
  const original = replyOf(id)
  return (
    <a class="reply-to" data-reply-to={id} href={`/rooms/${roomSlug}/messages/${id}`}>
      <span class="reply-mark" aria-hidden="true">↪ </span>
      {!original ? <span class="reply-text">In reply to a message</span>
        : original.deleted ? <span class="reply-text gone">In reply to a deleted message</span>
        : <><span class="sr-only">In reply to </span><bdi class="who">{original.authorName}</bdi>: <span class="reply-text" dir="auto">{original.text}</span></>}
    </a>
  )
}

/**
 * What anyone may do with a message: answer it, copy its address, pin it to
 * the room, save it for themselves. Plain links and forms (js/replies.js and
 * js/kept.js do them in place); the same for every reader, as the message is
 * rendered once for all.
 */
function MessageActions({ base }: { base: string }) {
  return (
    <div class="msg-actions">
      <a class="act act-reply" href={`${base}/reply`}>Reply</a>
      <a class="act act-link" href={base}>Copy link</a>
      <form class="act-form" method="post" action={`${base}/pin`}><button type="submit" class="act act-pin">Pin</button></form>
      <form class="act-form" method="post" action={`${base}/save`}><button type="submit" class="act act-save">Save</button></form>
    </div>
  )
}

/**
 * One message, the same markup on the page, in an HTTP answer and in a socket
 * push. Names appear only as text; the body is Markdown, inserted as the HTML
 * that `renderMessageBody` makes (its only source of markup, see markdown.ts).
 * The element id and key are the server-made id; names and body sit in
 * direction-isolated elements.
 */
export function MessageItem({ message: m, roomSlug, mine = false, oob = false, isMember = nobodyIsMember, replyOf = noReplies, firstUnread = false }: MessageItemProps) {
  const deleted = m.deletedAt !== null
  const base = `/rooms/${roomSlug}/messages/${m.id}`
  const face = faceSrc(m.authorAvatarUrl, 64)
  return (
    <article
      id={`m-${m.id}`}
      data-key={m.id}
      data-author={String(m.authorId)}
      data-rev={m.rev}
      class={`msg${deleted ? ' deleted' : ''}${mine ? ' mine' : ''}${firstUnread ? ' first-unread' : ''}`}
      {...(oob ? { 'hx-swap-oob': 'true' } : {})}
    >
      {/* A face per author: a colour from the id and the first letter of the name (look.js fills it for older markup).
          Face and name open the author's card; the face is a second way to the same place, so it is out of the tab order. */}
      <a class="face-link" href={profileHref(m.authorLogin)} tabindex={-1} aria-hidden="true">
        {face
          ? <img class="face" src={face} alt="" width="32" height="32" loading="lazy" />
          : <span class={`face hue-${Math.abs(m.authorId) % 8}`} aria-hidden="true">{initialOf(m.authorName || m.authorLogin)}</span>}
      </a>
      <header>
        <a class="who" href={profileHref(m.authorLogin)} title={`@${m.authorLogin}`}><bdi>{m.authorName}</bdi></a>{' '}
        {/* A display name is the author's to choose, so it could copy someone else's: the login is the identity. */}
        {m.authorName !== m.authorLogin && <><span class="login">@{m.authorLogin}</span>{' '}</>}
        <time datetime={m.createdAt.toISOString()}>{utc(m.createdAt)}</time>
        {m.editedAt && !deleted && <span class="edited"> (edited)</span>}
      </header>
      {m.replyTo && !deleted && <ReplyLine id={m.replyTo} roomSlug={roomSlug} replyOf={replyOf} />}
      {deleted ? <p class="body gone">This message was deleted.</p> : <div class="body" dir="auto">{raw(renderMessageBody(m, { isMention: isMember }))}</div>}
      {!deleted && <Attachments message={m} base={base} />}
      {!deleted && <LinkPreviewCard message={m} base={base} />}
      {!deleted && <Reactions message={m} base={base} />}
      {!deleted && <MessageActions base={base} />}
      {/* Only the link: every push carries it, and app.js opens the form in place (without JavaScript, a page). */}
      {!deleted && <a class="own" href={`${base}/edit`}>Edit</a>}
      {/* Shown to its author and, in a room page drawn for one, to an administrator (app.css); js/delete.js posts it in place. */}
      {!deleted && (
        <form class="msg-delete" method="post" action={`${base}/delete`} data-confirm="Delete this message for everyone? This cannot be undone.">
          <button type="submit" class="link danger">Delete</button>
        </form>
      )}
    </article>
  )
}

/** New messages pushed over the socket: inserted into #messages in id order. */
export function CreatedFrame({ messages, roomSlug, isMember, replyOf }: { messages: readonly StoredMessage[]; roomSlug: string; isMember?: IsMember; replyOf?: ReplyOf }) {
  return (
    <div id="messages" hx-swap-oob={UPSERT_MESSAGES}>
      {messages.map((m) => <MessageItem message={m} roomSlug={roomSlug} isMember={isMember} replyOf={replyOf} />)}
    </div>
  )
}

/** A changed message pushed over the socket: replaces it only where the reader has it. */
export function ChangedFrame({ message, roomSlug, isMember, replyOf }: { message: StoredMessage; roomSlug: string; isMember?: IsMember; replyOf?: ReplyOf }) {
  return <MessageItem message={message} roomSlug={roomSlug} isMember={isMember} replyOf={replyOf} oob />
}

/** Renders a synchronous component tree to its HTML string. */
export function html(node: unknown): string {
  const out = (node as { toString(): string | Promise<string> }).toString()
  if (typeof out !== 'string') throw new Error('html() got an async component')
  return out
}
