/**
 * Ports: the small interfaces the app core depends on. Adapters live beside
 * them (postgres/ today; cassandra/ and redis/ later) and are chosen only by
 * the composition roots.
 */
export interface User {
  /** GitHub's numeric id; local (demo) users have negative ids, so they never collide. */
  readonly id: number
  readonly login: string
  readonly name: string | null
  readonly avatarUrl: string | null
}

export interface GithubProfile {
  readonly id: number
  readonly login: string
  readonly name: string | null
  readonly avatarUrl: string | null
}

export interface UserStore {
  upsertGithubUser(profile: GithubProfile): Promise<User>
  /** Finds or creates the local (demo) user with this login. */
  upsertLocalUser(login: string): Promise<User>
  findUserById(id: number): Promise<User | undefined>
  findUserByLogin(login: string): Promise<User | undefined>
  /** Records when these users were last connected (on disconnect and periodically, never per message). */
  touchLastSeen(userIds: readonly number[], at: Date): Promise<void>
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
}

/** Sessions are found by the hash of their token; the token itself is never stored. */
export interface SessionStore {
  createSession(tokenHash: string, userId: number, expiresAt: Date): Promise<void>
  findSession(tokenHash: string, now: Date): Promise<SessionRecord | undefined>
  renewSession(tokenHash: string, expiresAt: Date): Promise<void>
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
}

export interface RoomSummary extends Room {
  /** For a direct room, the other person. */
  readonly peer?: User
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
  /** The user's rooms, most recent activity first. */
  roomsOf(userId: number): Promise<RoomSummary[]>
  /** Public rooms the user has not joined, most recent activity first. */
  publicRoomsToJoin(userId: number, limit: number): Promise<Room[]>
  touchRoom(roomId: string, at: Date): Promise<void>
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

/** Who stored which files, for the per-user quota. A file counts once per user however often they send it. */
export interface UploadStore {
  recordUpload(userId: number, sha256: string, size: number): Promise<void>
  /** The bytes of the distinct files the user stored. */
  bytesUsed(userId: number): Promise<number>
}

/** One person's reaction to a message: one emoji grapheme. */
export interface Reaction {
  readonly emoji: string
  readonly userId: number
  readonly login: string
}

export type NewMessage = Omit<StoredMessage, 'rev' | 'editedAt' | 'deletedAt' | 'reactions'>

export type MessageChange =
  | { readonly kind: 'edit'; readonly body: string; readonly rev: string; readonly at: Date }
  | { readonly kind: 'delete'; readonly rev: string; readonly at: Date }
  /** Adds (`on`) or removes one person's reaction; like an edit, it gives the message a new rev. */
  | { readonly kind: 'react'; readonly reaction: Reaction; readonly on: boolean; readonly rev: string; readonly at: Date }

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
  appendMessage(message: NewMessage): Promise<{ message: StoredMessage; created: boolean }>
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
}

/** Something changed in a room: readers there should fetch what is new from the store. */
export type WakeEvent = { readonly type: 'wake'; readonly roomId: string }
export type MembershipEvent = { readonly type: 'membership'; readonly roomId: string; readonly userId: number; readonly member: boolean }
/** Someone came online or went offline: member lists that show them are redrawn. */
export type PresenceEvent = { readonly type: 'presence'; readonly userId: number }
/** Someone is typing in a room. */
export type TypingEvent = { readonly type: 'typing'; readonly roomId: string; readonly userId: number; readonly name: string }
/** Sessions were ended (sign-out, expiry, sign-out everywhere, a cap): their sockets close on every instance. */
export type SessionsEndedEvent = { readonly type: 'sessions-ended'; readonly sessions: readonly string[]; readonly reason: string }
/** Raised locally by a bus that lost and regained its connection: wake-ups may have been missed. */
export type ResyncEvent = { readonly type: 'resync' }
export type PublishedEvent = WakeEvent | MembershipEvent | PresenceEvent | TypingEvent | SessionsEndedEvent
export type ChatEvent = PublishedEvent | ResyncEvent

/**
 * Carries wake-ups between instances. It is a signal, never the source of
 * truth: a reader that wakes reads what is new from the message store. An
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
}
