import type { SnippetPart } from '../lib/snippets.ts'

/**
 * Ports: the small interfaces the app core depends on. Adapters live beside
 * them (postgres/ today; cassandra/ and redis/ later) and are chosen only by
 * the composition roots.
 */
export interface User {
  /** GitHub's numeric id; local (demo), bot and OpenID Connect users have negative ids, so they never collide. */
  readonly id: number
  readonly login: string
  readonly name: string | null
  readonly avatarUrl: string | null
  /** Set only for bots: accounts that post through the bot API and never sign in. */
  readonly kind?: 'bot'
}

export interface GithubProfile {
  readonly id: number
  readonly login: string
  readonly name: string | null
  readonly avatarUrl: string | null
}

/** A person as an OpenID Connect provider vouches for them: known by (issuer, subject), never by e-mail. */
export interface OidcProfile {
  readonly issuer: string
  readonly subject: string
  /** The login wanted, already in the login alphabet; taken as it is if free, else made unique, on the first sign-in only. */
  readonly login: string
  readonly name: string | null
  readonly avatarUrl: string | null
}

/** A sign-in sent to a provider and not yet back: what only the server may know of it. */
export interface PendingSignIn {
  readonly codeVerifier: string
  readonly nonce: string
}

/** Sign-ins under way, found by the hash of their `state`, each at most once. */
export interface SignInStateStore {
  putSignIn(stateHash: string, pending: PendingSignIn, expiresAt: Date): Promise<void>
  /** The sign-in under this hash, removed as it is read; undefined when unknown, already taken or expired. */
  takeSignIn(stateHash: string, now: Date): Promise<PendingSignIn | undefined>
}

export interface UserStore {
  upsertGithubUser(profile: GithubProfile): Promise<User>
  /**
   * Finds the user linked to (issuer, subject) and refreshes their name and avatar, or creates one: the login
   * as given when no one holds it, else `login~<hash of issuer and subject>`. A login, once given, stays.
   */
  upsertOidcUser(profile: OidcProfile): Promise<User>
  /** The user linked to (issuer, subject), if any. */
  findOidcUser(issuer: string, subject: string): Promise<User | undefined>
  /** Finds or creates the local (demo) user with this login. */
  upsertLocalUser(login: string): Promise<User>
  findUserById(id: number): Promise<User | undefined>
  findUserByLogin(login: string): Promise<User | undefined>
  /** Records when these users were last connected (on disconnect and periodically, never per message). */
  touchLastSeen(userIds: readonly number[], at: Date): Promise<void>
}

/** What a person chose to show of themselves (src/profiles/), beside their account. */
export interface Profile {
  /** The account as shown: `name` is the display name when one is chosen, `avatarUrl` the uploaded avatar's. */
  readonly user: User
  /** The chosen display name; null: the account's own (GitHub's name, or the login). */
  readonly displayName: string | null
  readonly bio: string | null
  /** An IANA time zone (`Europe/Paris`), for the card's local time; null: not shown. */
  readonly timeZone: string | null
  /** Hex SHA-256 of the uploaded avatar's WebP bytes; null while the account's own (GitHub's) is shown. */
  readonly avatar: string | null
  readonly lastSeenAt: Date | null
}

/** An uploaded avatar, re-encoded: its WebP bytes, their hash, and the address it is served at. */
export interface NewAvatar {
  readonly sha256: string
  readonly bytes: Uint8Array
  readonly url: string
}

/**
 * Profiles: display name, bio, time zone and an uploaded avatar (one per
 * person: a new one replaces the old, whose bytes go with it). What a write
 * answers is the user as now shown, so the caches in front of the user
 * store can be told.
 */
export interface ProfileStore {
  /** By login, in any case (a bot's too: its card says it is one); undefined for no such account. */
  profileByLogin(login: string): Promise<Profile | undefined>
  /** A person's own, to edit; undefined for a bot (bots never sign in to set one). */
  profileOf(userId: number): Promise<Profile | undefined>
  /** Saves the chosen fields (null clears one) and, when given, the new avatar; the user as now shown. */
  saveProfile(userId: number, fields: { displayName: string | null; bio: string | null; timeZone: string | null }, avatar?: NewAvatar): Promise<User>
  /** Drops the uploaded avatar: the account's own shows again. */
  removeAvatar(userId: number): Promise<User>
  /** The user's uploaded avatar; undefined when they have none. */
  avatarOf(userId: number): Promise<{ sha256: string; bytes: Uint8Array } | undefined>
}

export interface Member extends User {
  readonly lastSeenAt: Date | null
}

export interface SessionRecord {
  readonly user: User
  readonly expiresAt: Date
}

/** One of a user's sessions, as the sessions page lists it. */
export interface SessionInfo {
  readonly tokenHash: string
  readonly createdAt: Date
  readonly expiresAt: Date
  /** Browser and device as the user agent said at sign-in ("Firefox 128 on Linux, desktop"); null before it was kept. */
  readonly device: string | null
  /** The sign-in or the last renewal (at most an hour behind a session in use). */
  readonly lastActiveAt: Date
}

/** Sessions are found by the hash of their token; the token itself is never stored. */
export interface SessionStore {
  createSession(tokenHash: string, userId: number, expiresAt: Date, device?: string | undefined): Promise<void>
  findSession(tokenHash: string, now: Date): Promise<SessionRecord | undefined>
  /** Extends the session; `activeAt` is when it was last used. */
  renewSession(tokenHash: string, expiresAt: Date, activeAt?: Date): Promise<void>
  deleteSession(tokenHash: string): Promise<void>
  deleteExpiredSessions(now: Date): Promise<number>
  /** The user's live sessions, newest first. */
  listSessions(userId: number, now: Date): Promise<SessionInfo[]>
  /** Ends every session of the user but `except`; answers the hashes ended. */
  deleteUserSessions(userId: number, except?: string): Promise<string[]>
  /** Ends the user's oldest sessions beyond the newest `keep`; answers the hashes ended. */
  trimSessions(userId: number, keep: number): Promise<string[]>
}

/** A backend the app depends on, as `/readyz` reports it. */
export interface HealthCheck {
  readonly name: string
  readonly backend: string
  check(): Promise<void>
}

export type Visibility = 'public' | 'private' | 'direct'

export interface Room {
  /** Database id, as a decimal string. */
  readonly id: string
  readonly slug: string
  readonly name: string
  readonly visibility: Visibility
  readonly lastMessageAt: Date | null
  /** Shown under the room's name; set by its members. */
  readonly topic?: string | null
  /** An archived room can be read but not written to. */
  readonly archivedAt?: Date | null
  /** Who created it: the owner of a private room. */
  readonly createdBy?: number
}

export interface RoomSummary extends Room {
  /** For a direct room, the other person. */
  readonly peer?: User
  /** The notification level the user whose room list this is set for the room; absent, the room's default. */
  readonly level?: NotifyLevel
}

export interface RoomStore {
  /** Creates the room with a unique slug derived from `slug`, and its creator as first member. */
  createRoom(input: { name: string; slug: string; visibility: 'public' | 'private'; createdBy: number }): Promise<Room>
  /** The one direct room of this pair, created on first use. */
  directRoom(a: User, b: User): Promise<Room>
  findRoomBySlug(slug: string): Promise<Room | undefined>
  findRoomById(id: string): Promise<Room | undefined>
  isMember(roomId: string, userId: number): Promise<boolean>
  /** Returns false when the user was already a member. */
  addMember(roomId: string, userId: number): Promise<boolean>
  removeMember(roomId: string, userId: number): Promise<void>
  listMembers(roomId: string): Promise<Member[]>
  /** Which of these rooms have any of these users as a member: one query, for presence redraws. */
  roomsWithAnyOf(roomIds: readonly string[], userIds: readonly number[]): Promise<Set<string>>
  /** The user's rooms, most recent activity first. */
  roomsOf(userId: number): Promise<RoomSummary[]>
  /** Public rooms the user has not joined, most recent activity first. */
  publicRoomsToJoin(userId: number, limit: number): Promise<Room[]>
  /**
   * Records the rooms' newest activity (never moving back), one statement for them all; answers the
   * rooms it left for later because their rows were busy (a send holding one).
   */
  touchRooms(activity: readonly { roomId: string; at: Date }[]): Promise<string[]>
  /** Which of these logins (any case) belong to members of the room: one query, for mentions. */
  membersByLogin(roomId: string, logins: readonly string[]): Promise<User[]>
}

/**
 * A message as stored. Ids are positive 64-bit integers written as decimal
 * strings, rising within a room in commit order: snowflakes on PostgreSQL,
 * the room's log positions on Cassandra. `rev` comes from the same sequence
 * (the id itself until an edit or delete), so one cursor replays both new
 * messages and changes. Ids are unique within a room only.
 */
export interface StoredMessage {
  readonly id: string
  readonly roomId: string
  readonly authorId: number
  /** The author's login and display name when they sent it, so a page needs no user lookups. */
  readonly authorLogin: string
  readonly authorName: string
  /** Their GitHub avatar when they sent it; absent for local (demo) users. */
  readonly authorAvatarUrl?: string
  readonly nonce: string
  readonly body: string
  readonly createdAt: Date
  readonly rev: string
  readonly editedAt: Date | null
  readonly deletedAt: Date | null
  /** Who reacted with what, ordered by emoji then user id; absent when nobody has. */
  readonly reactions?: readonly Reaction[]
  /** Files sent with the message, in the order sent; absent when none. */
  readonly attachments?: readonly Attachment[]
  /** The id of the message of the same room this one answers; absent when it answers none. Never a copy of its text. */
  readonly replyTo?: string
  /** The card of the message's first link, attached after the send (src/previews/); absent when none. */
  readonly preview?: LinkPreview
}

/** What a linked page says of itself (OpenGraph, Twitter or `<title>`), as plain text; shown as a card under the message. */
export interface LinkPreview {
  /** The link as the message has it. */
  readonly url: string
  /** The site's name, or the page's host. */
  readonly site: string
  readonly title: string
  readonly description?: string
  /** Hex SHA-256 of the page's image, re-encoded as WebP and served from rtc's origin; absent when none. */
  readonly image?: string
}

/** A file sent with a message, stored once by its content's hash (src/uploads/). */
export interface Attachment {
  /** Hex SHA-256 of the bytes: the file's name on disk. */
  readonly sha256: string
  /** The sender's file name, cleaned; shown and offered on download, never used as a path. */
  readonly name: string
  /** The type sniffed from the bytes when the name's extension agrees with it; otherwise application/octet-stream. */
  readonly type: string
  readonly size: number
  /** True when a WebP preview was made (an image that could be decoded). */
  readonly preview: boolean
}

/** A file's hash and size, as the quota counts it. */
export type UploadedFile = Pick<Attachment, 'sha256' | 'size'>

/**
 * Who stored which files, for the per-user quota and for removing files from
 * disk. A user's file counts once, while a send holds it (recorded, its message
 * not yet stored) or any live message of theirs carries it; a file another user
 * also stored counts for each of them. A file is removed from disk only under
 * its row's lock, once no user's holds or messages reference it, so a send
 * reusing its hash either sees it kept or records after it went (and writes it
 * again: see uploads/service.ts).
 */
export interface UploadStore {
  /**
   * Holds the files for a send unless that takes the user's files past `quotaBytes`: then holds nothing and
   * answers the bytes they have stored. One user's records are made one at a time, so uploads sent at once
   * cannot together pass the quota. A hold lasts until `keepUploads` or `dropUploads`, or, if the send never says (its instance died), 15 minutes.
   */
  recordUploads(userId: number, files: readonly UploadedFile[], quotaBytes: number): Promise<{ ok: true } | { ok: false; used: number }>
  /** The send's held files now belong to the message of this nonce in this room (called before it is stored). */
  keepUploads(userId: number, message: { roomId: string; nonce: string }, files: readonly UploadedFile[]): Promise<void>
  /** The send's held files were not sent (it was refused before its message was stored). */
  dropUploads(userId: number, files: readonly UploadedFile[]): Promise<void>
  /** The bytes of the distinct files the user stored: held, or carried by a live message of theirs. */
  bytesUsed(userId: number): Promise<number>
  /** The message of this nonce no longer carries these files (it was deleted). */
  releaseUploads(userId: number, nonce: string, sha256s: readonly string[]): Promise<void>
  /**
   * Removes, through `remove` and under each file's lock, files nobody holds or references: these at once when
   * given (an upload the quota refused), else those unreferenced since before `unreferencedBefore` (at most `limit`).
   * Answers how many it removed.
   */
  removeUnreferenced(which: { sha256s: readonly string[] } | { unreferencedBefore: Date; limit: number }, remove: (sha256: string) => Promise<void>): Promise<number>
}

/** One person's reaction to a message: one emoji grapheme. */
export interface Reaction {
  readonly emoji: string
  readonly userId: number
  readonly login: string
}

export type NewMessage = Omit<StoredMessage, 'rev' | 'editedAt' | 'deletedAt' | 'reactions' | 'preview'>

/** A message of an `appendMessages` batch: `replyToEarlier` is the index in the batch of an earlier message it answers (whose id is not known yet). */
export type BatchedMessage = NewMessage & { readonly replyToEarlier?: number }

/** What an append answers: the stored message, whether this call created it, and for a new one the rev just before it. */
export interface Appended {
  readonly message: StoredMessage
  readonly created: boolean
  /**
   * Set when created: the room's newest rev right before this message, so a reader whose cursor stands
   * there can take the message from a wake-up instead of the store (nothing can lie between the two).
   */
  readonly after?: string
}

export type MessageChange =
  | { readonly kind: 'edit'; readonly body: string; readonly rev: string; readonly at: Date }
  | { readonly kind: 'delete'; readonly rev: string; readonly at: Date }
  /** Adds (`on`) or removes one person's reaction; like an edit, it gives the message a new rev. */
  | { readonly kind: 'react'; readonly reaction: Reaction; readonly on: boolean; readonly rev: string; readonly at: Date }
  /** Attaches a link's card, replacing any before, or takes it off (null); not an edit: `editedAt` stays. */
  | { readonly kind: 'preview'; readonly preview: LinkPreview | null; readonly rev: string; readonly at: Date }

/**
 * The message store port. Shaped for Cassandra as well as Postgres: a room's
 * messages are found by room and id ranges only (partition by room and time
 * bucket, cluster by id), pages move by id cursors, never offsets.
 *
 * Within a room, ids and revs increase in commit order, across every instance,
 * whatever the caller offered. That is what lets a reader resume from the last
 * id it holds.
 */
export interface MessageStore {
  /**
   * Stores the message unless this author already sent this nonce; either way
   * answers the stored message, and whether this call created it. The id is
   * an offer: the store may raise it (PostgreSQL) or assign its own (Cassandra).
   */
  appendMessage(message: NewMessage): Promise<Appended>
  /**
   * Appends messages of one room in the order given, each as `appendMessage` would (idempotent on author and
   * nonce): ids rise in that order. One transaction (PostgreSQL) or a few claimed batches (Cassandra) instead of
   * one round trip each: imports use it.
   */
  appendMessages?(messages: readonly BatchedMessage[]): Promise<Appended[]>
  findMessage(roomId: string, id: string): Promise<StoredMessage | undefined>
  /** Applies the change unless the message is deleted (a delete is final); answers the message as it now is. */
  changeMessage(roomId: string, id: string, change: MessageChange): Promise<StoredMessage | undefined>
  /** The newest `limit` messages with id below `before` (or the newest of all), oldest first. */
  pageBefore(roomId: string, before: string | undefined, limit: number): Promise<StoredMessage[]>
  /** The oldest `limit` messages with id above `after`, oldest first. */
  pageAfter(roomId: string, after: string, limit: number): Promise<StoredMessage[]>
  /** Messages created or changed after the `since` cursor, in order of `rev`, at most `limit`. */
  changesSince(roomId: string, since: string, limit: number): Promise<StoredMessage[]>
  /** The room's newest id or rev ('0' for an empty room): where a live feed starts. */
  lastRev(roomId: string): Promise<string>
  /**
   * How many messages not deleted and not by `reader` have an id above `after` (and at most `until`):
   * exact up to `cap`, and `cap` when there are that many or more. Unread counts come from this and
   * read markers, never from a write per member per message.
   */
  countAfter(roomId: string, after: string, options: { cap: number; until?: string; reader?: number }): Promise<number>
  /** Forgets every message of the room with its reactions (the room is being deleted); safe to run again. */
  forgetRoom(roomId: string): Promise<void>
  /** A wake-up told this instance that the room's log reached `rev` (a store that appends at its head may start there next time). */
  heard?(roomId: string, rev: string): void
  /**
   * Every change takes the next rev (Cassandra's positions), so two revs' difference is the number of changes
   * between them: how far behind a reader is can be told without reading what it missed.
   */
  readonly denseRevs?: boolean
}

/**
 * Read state, in PostgreSQL whatever holds the messages: one marker per user
 * and room (the newest message id they have seen, which never moves back), and
 * the mentions of members, written once per mention when a message is sent.
 */
export interface ReadStateStore {
  /** Moves the marker up to `id`; answers the marker as it now is, and whether it moved. */
  advance(userId: number, roomId: string, id: string): Promise<{ marker: string; moved: boolean }>
  /** Moves several markers up (never back) in one statement; answers nothing (writers that coalesce use it). */
  advanceAll(markers: readonly { userId: number; roomId: string; id: string }[]): Promise<void>
  /** The user's markers by room id ('0' where they never read). */
  markers(userId: number): Promise<Map<string, string>>
  marker(userId: number, roomId: string): Promise<string>
  recordMentions(roomId: string, messageId: string, userIds: readonly number[]): Promise<void>
  /** The message's mentions count no more (it was deleted). */
  forgetMentions(roomId: string, messageId: string): Promise<void>
  /** Unread mentions of the user (above their marker), by room id, each at most `cap`; `upTo`: only these rooms, each up to its id. */
  unreadMentions(userId: number, cap: number, upTo?: ReadonlyMap<string, string>): Promise<Map<string, number>>
}

/**
 * Something changed in a room: readers there fetch what is new from the store. A wake-up for a new
 * message carries it with the rev just before it (`after`): a reader whose cursor stands at `after`
 * delivers it as it is, and only a reader with a gap reads the store.
 */
export type WakeEvent = { readonly type: 'wake'; readonly roomId: string; readonly message?: StoredMessage; readonly after?: string }
/** `by` says who ended a membership: the member (left) or the room's owner or an administrator (removed). */
export type MembershipEvent = { readonly type: 'membership'; readonly roomId: string; readonly userId: number; readonly member: boolean; readonly by?: 'self' | 'manager' }
/** Someone came online or went offline: member lists that show them are redrawn. */
export type PresenceEvent = { readonly type: 'presence'; readonly userId: number }
/** Someone is typing in a room. */
export type TypingEvent = { readonly type: 'typing'; readonly roomId: string; readonly userId: number; readonly name: string }
/** Sessions were ended (sign-out, expiry, sign-out everywhere, a cap): their sockets close on every instance. */
export type SessionsEndedEvent = { readonly type: 'sessions-ended'; readonly sessions: readonly string[]; readonly reason: string }
/** Raised locally by a bus that lost and regained its connection: wake-ups may have been missed. */
export type ResyncEvent = { readonly type: 'resync' }
/** The user set a room's notification level: their live sidebars (on every instance) read their list again, to show it. */
export type NotifyLevelEvent = { readonly type: 'notify-level'; readonly userId: number }
/** A room's pins changed: its live pages redraw their pins list. */
export type PinsEvent = { readonly type: 'pins'; readonly roomId: string }
/** A user's read marker in a room moved up to `id`: every tab of theirs, on every instance, redraws that room's count. */
export type ReadEvent = { readonly type: 'read'; readonly userId: number; readonly roomId: string; readonly id: string }
/**
 * A room's name, topic or archive state changed, it was deleted, or (with `slug`) it was made: what
 * instances remember of it, or of its slug's absence, is read again.
 */
export type RoomEvent = { readonly type: 'room'; readonly roomId: string; readonly slug?: string }
/** A user's name or face changed (their profile): what instances remember of them is read again. */
export type UserEvent = { readonly type: 'user'; readonly userId: number }
export type PublishedEvent = WakeEvent | MembershipEvent | PresenceEvent | TypingEvent | SessionsEndedEvent | ReadEvent | RoomEvent | PinsEvent | NotifyLevelEvent | UserEvent
export type ChatEvent = PublishedEvent | ResyncEvent

/**
 * Carries wake-ups between instances. It is a signal, never the source of
 * truth: a reader that wakes takes a carried message only when it is the next
 * one after its cursor, and otherwise reads what is new from the store. An
 * event published here reaches this instance's own subscribers even when the
 * other instances cannot be reached.
 */
export interface Bus {
  publish(event: PublishedEvent): Promise<void>
  /** Returns the unsubscribe function. */
  subscribe(handler: (event: ChatEvent) => void): () => void
  /** Stops whatever the bus runs by itself (timers); the connections are closed by their owner. */
  close?(): void
}

/**
 * A shared cache of JSON strings with lifetimes. Readers `fill` a miss only if
 * nothing is there; writers `put` the truth. So a reader that raced a write
 * can never put back what the write replaced.
 */
export interface Cache {
  readonly backend: string
  get(key: string): Promise<string | undefined>
  fill(key: string, value: string, ttlSeconds: number): Promise<void>
  put(key: string, value: string, ttlSeconds: number): Promise<void>
  /** Bumps a version number, making every key built from the old one unreachable. */
  bump(key: string): Promise<number>
}

/**
 * Who has a live socket on any instance. Each instance renews its users'
 * marks by heartbeat; marks expire, so the users of a crashed instance go
 * offline within a minute.
 */
export interface Presence {
  readonly backend: string
  /** Marks the users online from this instance for the next `ttlMs`. */
  heartbeat(userIds: readonly number[], ttlMs: number): Promise<void>
  /** This instance no longer holds a socket of the user. */
  leave(userId: number): Promise<void>
  /** Which of these users are online anywhere. */
  online(userIds: readonly number[]): Promise<Set<number>>
  /**
   * One tab (`tab`, unique on this instance) of the user is visible and was used just now: the user counts
   * as present until `untilMs` (epoch ms) unless the tab says so again. Web Push skips a present user.
   */
  attend(userId: number, tab: string, untilMs: number): Promise<void>
  /** The tab was hidden or closed: it no longer makes its user present. */
  away(userId: number, tab: string): Promise<void>
  /** Which of these users have a tab visible and used lately, on any instance. */
  present(userIds: readonly number[]): Promise<Set<number>>
}

/** What may reach a user by Web Push from any room: what each room's level says, mentions only, or nothing. */
export type NotifyChoice = 'all' | 'mentions' | 'nothing'

/** How much of one room notifies a member: every message, mentions of them, or nothing. */
export type NotifyLevel = 'all' | 'mentions' | 'none'

/** A browser's push subscription, as checked from its JSON (keys in base64url). */
export interface PushSubscriptionKeys {
  readonly endpoint: string
  readonly p256dh: string
  readonly auth: string
}

/** One member's push target for a message: their choice, the level they set for the room (absent: its default), their browsers. */
export interface PushRecipient {
  readonly userId: number
  /** Lower-cased, as mentions compare. */
  readonly login: string
  readonly choice: NotifyChoice
  readonly level: NotifyLevel | undefined
  readonly subscriptions: readonly PushSubscriptionKeys[]
}

/** Notification choices (default `all`), per-room levels and push subscriptions. */
export interface NotificationStore {
  choiceOf(userId: number): Promise<NotifyChoice>
  setChoice(userId: number, choice: NotifyChoice): Promise<void>
  /** The level the user set for the room; undefined when they set none (the room's default holds). */
  levelOf(roomId: string, userId: number): Promise<NotifyLevel | undefined>
  /** Sets the user's level for the room; undefined goes back to the room's default. */
  setLevel(roomId: string, userId: number, level: NotifyLevel | undefined): Promise<void>
  /** The rooms the user set a level for, by name. */
  roomLevels(userId: number): Promise<{ room: Room; level: NotifyLevel }[]>
  /**
   * Everything needed to push one message of `roomId`, in one read: the members whose login is one
   * of `logins` (lower-cased), every member when `everyone` (a direct room), and those who set the room
   * to every message; never `except` (its author), never a banned user. Only subscriptions whose session is live are listed.
   */
  recipients(roomId: string, who: { logins: readonly string[]; everyone: boolean; except: number }): Promise<PushRecipient[]>
  /**
   * Stores the subscription for the user and the session that made it (`sessionHash`), and it goes
   * with that session: sign-out, end-all, the session cap, expiry, a ban. An endpoint belongs to one
   * browser: it moves to the user and session that subscribed last. Keeps only the user's newest `keep`.
   * Answers `kept` when it was already this session's, `ended` when the session ended meanwhile (nothing stored).
   */
  addSubscription(userId: number, sessionHash: string, subscription: PushSubscriptionKeys, keep: number): Promise<'added' | 'kept' | 'ended'>
  /** Removes the user's subscription with this endpoint; answers whether there was one. */
  removeSubscription(userId: number, endpoint: string): Promise<boolean>
  /** The push service said the endpoint is gone (404, 410): forget it, whoever held it. */
  forgetEndpoint(endpoint: string): Promise<void>
  /** The user's subscriptions whose session is live. */
  countSubscriptions(userId: number): Promise<number>
  /** The user's subscriptions whose session is live. */
  subscriptionsOf(userId: number): Promise<PushSubscriptionKeys[]>
}

/** A message pinned to its room, by a member. */
export interface Pin {
  readonly roomId: string
  readonly messageId: string
  readonly pinnedBy: number
  readonly at: Date
}

/** A message someone saved for themselves. */
export interface Saved {
  readonly roomId: string
  readonly messageId: string
  readonly at: Date
}

/** A pin with its message as it now is. */
export interface PinnedMessage { readonly pin: Pin; readonly message: StoredMessage }
/** A saved message with its room and the message as they now are. */
export interface SavedMessage { readonly saved: Saved; readonly room: Room; readonly message: StoredMessage }

/**
 * Messages kept: pinned to a room for its readers, saved by one person for
 * themselves. In PostgreSQL whichever store holds the messages; only ids are
 * kept, the messages are read from their store when listed (a deleted one is
 * forgotten here, and never shown).
 */
export interface KeptStore {
  /** Pins the message; false when it was pinned already. */
  pin(roomId: string, messageId: string, userId: number): Promise<boolean>
  /** False when it was not pinned. */
  unpin(roomId: string, messageId: string): Promise<boolean>
  /** The room's pins, the latest pinned first, at most `limit`. */
  pins(roomId: string, limit: number): Promise<Pin[]>
  save(userId: number, roomId: string, messageId: string): Promise<boolean>
  unsave(userId: number, roomId: string, messageId: string): Promise<boolean>
  /** The user's saved messages, the latest saved first, at most `limit` (across rooms). */
  saved(userId: number, limit: number): Promise<Saved[]>
  /** Which of these messages of the room the user saved. */
  savedAmong(userId: number, roomId: string, messageIds: readonly string[]): Promise<Set<string>>
  /** The message was deleted: it leaves every pins list and every saved list; answers whether it was pinned. */
  forgetMessage(roomId: string, messageId: string): Promise<{ unpinned: boolean }>
}

/** An invite link: the server, or one room, for whoever holds its token (stored only as a hash). */
export interface Invite {
  readonly id: string
  /** The first characters of the token, to tell invites apart in a list; the rest is never stored. */
  readonly tokenPrefix: string
  /** Null for an invite to the server (it lets a person in; no room is joined). */
  readonly room: Pick<Room, 'id' | 'slug' | 'name' | 'visibility' | 'createdBy'> | null
  readonly createdBy: number
  /** The creator's login now, or null when the account is gone. */
  readonly createdByLogin: string | null
  readonly createdAt: Date
  readonly expiresAt: Date | null
  /** Null: no limit. */
  readonly maxUses: number | null
  readonly uses: number
  readonly revokedAt: Date | null
}

export interface NewInvite {
  readonly tokenHash: string
  readonly tokenPrefix: string
  readonly roomId: string | null
  readonly createdBy: number
  readonly expiresAt: Date | null
  readonly maxUses: number | null
}

/**
 * Invite links, in PostgreSQL (PGlite alike). A use is taken by one
 * conditional update, so of several people racing for an invite's last use
 * exactly one gets it.
 */
export interface InviteStore {
  createInvite(invite: NewInvite): Promise<Invite>
  findInviteByTokenHash(tokenHash: string): Promise<Invite | undefined>
  findInvite(id: string): Promise<Invite | undefined>
  /** Takes one use when, at `now`, the invite is not revoked, not expired and has a use left; false otherwise. */
  claimInviteUse(id: string, now: Date): Promise<boolean>
  /** Gives back a use taken by `claimInviteUse` that was not needed after all. */
  releaseInviteUse(id: string): Promise<void>
  /** False when there is no such invite or it was revoked already. */
  revokeInvite(id: string, at: Date): Promise<boolean>
  /** Invites usable at `now` (not revoked, not expired, a use left), newest first; only one room's when `roomId` is given. */
  activeInvites(now: Date, filter: { roomId?: string; limit: number }): Promise<Invite[]>
}

/** One line of the audit list: who did what to what, and when. */
export interface AuditEntry {
  readonly id: string
  readonly at: Date
  readonly actorId: number
  readonly actorLogin: string
  readonly action: string
  readonly target: string
  readonly detail: string | null
}

/** A user as the admin page lists them. */
export interface UserListing extends User {
  readonly bannedAt: Date | null
  readonly createdAt: Date
  readonly lastSeenAt: Date | null
}

/** A room as the admin page lists it. */
export interface RoomListing extends Room {
  readonly members: number
  readonly createdByLogin: string | null
}

/** Bans, room settings (name, topic, archive, deletion) and the audit list. */
export interface ModerationStore {
  /** Bans the user (`at`) or lifts the ban (null). */
  setBanned(userId: number, at: Date | null): Promise<void>
  isBanned(userId: number): Promise<boolean>
  /** People and bots, newest first. */
  listUsers(limit: number): Promise<UserListing[]>
  /** Public and private rooms (never direct ones: who talks to whom stays theirs), most recent activity first. */
  listRooms(limit: number): Promise<RoomListing[]>
  renameRoom(roomId: string, name: string): Promise<void>
  setTopic(roomId: string, topic: string | null): Promise<void>
  setArchived(roomId: string, at: Date | null): Promise<void>
  /** Deletes the room and its members (its messages go with `MessageStore.forgetRoom`). */
  deleteRoom(roomId: string): Promise<void>
  record(entry: { actor: User; action: string; target: string; detail?: string | null }): Promise<void>
  /** The audit list newest first, `limit` entries older than `before` (an entry id). */
  auditPage(before: string | undefined, limit: number): Promise<AuditEntry[]>
  /**
   * Pins each of `logins` (lower-cased) that is not pinned yet to the GitHub account (a person with a
   * positive id) holding it now, if any. A pin never moves.
   */
  pinAdminLogins(logins: readonly string[]): Promise<void>
  /** The GitHub account id `login` (lower-cased) is pinned to, pinning it to `userId` first if nothing holds it yet. */
  adminLoginHolder(login: string, userId: number): Promise<number>
  /** The account a listed login is pinned to, if it is pinned yet; pins nothing. */
  adminLoginPin(login: string): Promise<number | undefined>
}

/** A bot as the admin page lists it (its token and secret are never read back). */
export interface BotInfo {
  readonly user: User
  readonly webhookUrl: string | null
  readonly createdAt: Date
}

/** Where a message is sent for a bot, and the key it is signed with. */
export interface BotHook {
  readonly bot: User
  readonly url: string
  readonly secret: string
}

/** Bots are users of their own kind; their tokens are stored hashed. */
export interface BotStore {
  /** Throws an error with code `LOGIN_TAKEN` when a person or a bot has the name. */
  createBot(input: { login: string; tokenHash: string; webhookUrl: string | null; webhookSecret: string | null; createdBy: number }): Promise<User>
  /** The bot holding the token, and whether an administrator banned it. */
  botByTokenHash(tokenHash: string): Promise<{ bot: User; banned: boolean } | undefined>
  listBots(): Promise<BotInfo[]>
  /**
   * The webhooks of the room's bot members (not `authorId`) with a webhook
   * URL whose login is among `logins`, or all of them when `everyBot`.
   */
  hooksFor(roomId: string, authorId: number, logins: readonly string[], everyBot: boolean): Promise<BotHook[]>
}

/**
 * A search as every store runs it: every word of `words` must occur (the
 * words of each phrase in `phrases` also adjacent, in order), and none of
 * `excluded`. Words are normalised as `lib/words.ts` does.
 */
export interface SearchTerms {
  readonly words: readonly string[]
  readonly phrases: readonly (readonly string[])[]
  readonly excluded: readonly string[]
  /**
   * The query's last word (one of `words`) when it was typed bare at the end:
   * it also matches a longer word it starts ("kube" finds "kubernetes").
   */
  readonly prefix?: string | undefined
  /** True when the query was cut to its first characters or words. */
  readonly shortened: boolean
}

/** Where a page of search results ends: results are ordered newest first by (createdAt, roomId, id). */
export interface SearchCursor {
  readonly createdAt: Date
  readonly roomId: string
  readonly id: string
}

export interface SearchRequest {
  /** What to find, as `search/query.ts` parsed it. */
  readonly terms: SearchTerms
  /** Only these rooms (the caller decided which the reader may read); never empty. */
  readonly roomIds: readonly string[]
  readonly authorId?: number | undefined
  /** Only results older than this one. */
  readonly before?: SearchCursor | undefined
  readonly limit: number
}

export interface SearchHit {
  readonly message: StoredMessage
  readonly snippet: readonly SnippetPart[]
}

/** What one search found. */
export interface SearchFound {
  /** Newest first by (createdAt, roomId, id), at most the request's `limit`. */
  readonly hits: SearchHit[]
  /**
   * The store reached its work budget for one search before it could finish: the
   * hits are real matches, but older (or, across rooms, some newer) ones may be
   * missing. A narrower search (one room, an author, a rarer word) reads less.
   */
  readonly stopped: boolean
}

/**
 * Finds messages by their current text: never a deleted one, an edited one
 * by its new words only.
 */
export interface MessageSearch {
  searchMessages(request: SearchRequest): Promise<SearchFound>
}

/** A Slack user as an import linked them: to the person they were matched to, or to a placeholder made for them. */
export interface SlackUserLink {
  readonly slackId: string
  /** Who their messages are written as from now on: the matched person, the placeholder, or whoever claimed it. */
  readonly userId: number
  /** The login chosen for them (their Slack name, as a login); a GitHub sign-in with this login claims the placeholder. */
  readonly login: string
  readonly name: string
  /** The placeholder account made for them, when none was matched; its messages keep its id. */
  readonly placeholderId: number | null
  readonly claimedAt: Date | null
}

/**
 * What a Slack import made (src/import/), in PostgreSQL whatever holds the messages: Slack users, channels and
 * messages linked to the accounts, rooms and message ids made for them, so a second run finds them again.
 */
export interface SlackImportStore {
  usersBySlackId(slackIds: readonly string[]): Promise<Map<string, SlackUserLink>>
  /** Links the Slack user to an existing person; answers the link (an earlier one stands). */
  linkUser(slackId: string, userId: number, login: string, name: string): Promise<SlackUserLink>
  /**
   * Makes a placeholder account (no sign-in: no GitHub id; a negative id as local users have) with `login`, or
   * `login-2`… when that is taken, and links the Slack user to it; answers the link (an earlier one stands).
   */
  makePlaceholder(slackId: string, login: string, name: string): Promise<SlackUserLink>
  /** Placeholders, unclaimed first, then by login. */
  placeholders(limit: number): Promise<SlackUserLink[]>
  /**
   * The person takes over the placeholders chosen for their login (or the one of `slackId`, an administrator's
   * choice): their memberships move to the person, and later imports write as them. Answers those claimed.
   */
  claim(user: User, which?: { slackId: string }): Promise<SlackUserLink[]>
  roomOf(channelId: string): Promise<string | undefined>
  linkRoom(channelId: string, roomId: string): Promise<void>
  /** Which of these timestamps of the channel were imported, and as which message id. */
  importedMessages(channelId: string, tss: readonly string[]): Promise<Map<string, string>>
  recordMessages(channelId: string, roomId: string, imported: readonly { ts: string; id: string }[]): Promise<void>
}
