/**
 * Versioned schema changes, applied in order at start-up. Never edit one that
 * has shipped: add the next version.
 */
export interface Migration {
  readonly version: number
  readonly name: string
  readonly sql: string
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    name: 'users, sessions, rooms',
    sql: `
      CREATE SEQUENCE local_user_ids;
      CREATE TABLE users (
        id          bigint PRIMARY KEY,
        login       text NOT NULL,
        name        text,
        avatar_url  text,
        created_at  timestamptz NOT NULL DEFAULT now(),
        updated_at  timestamptz NOT NULL DEFAULT now(),
        last_seen_at timestamptz
      );
      CREATE UNIQUE INDEX users_login ON users (lower(login));

      CREATE TABLE sessions (
        token_hash  text PRIMARY KEY,
        user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        created_at  timestamptz NOT NULL DEFAULT now(),
        expires_at  timestamptz NOT NULL
      );
      CREATE INDEX sessions_user ON sessions (user_id);
      CREATE INDEX sessions_expiry ON sessions (expires_at);

      CREATE TABLE rooms (
        id          bigserial PRIMARY KEY,
        slug        text NOT NULL UNIQUE,
        name        text NOT NULL,
        visibility  text NOT NULL CHECK (visibility IN ('public', 'private', 'direct')),
        direct_key  text UNIQUE,
        created_by  bigint NOT NULL REFERENCES users (id),
        created_at  timestamptz NOT NULL DEFAULT now(),
        last_message_at timestamptz
      );

      CREATE TABLE room_members (
        room_id     bigint NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
        user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        joined_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (room_id, user_id)
      );
      CREATE INDEX room_members_user ON room_members (user_id);
    `,
  },
  {
    version: 2,
    name: 'messages',
    sql: `
      CREATE TABLE messages (
        room_id       bigint NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
        id            bigint NOT NULL,
        author_id     bigint NOT NULL REFERENCES users (id),
        author_login  text NOT NULL,
        author_name   text NOT NULL,
        nonce         text NOT NULL,
        body          text NOT NULL,
        created_at    timestamptz NOT NULL,
        rev           bigint NOT NULL,
        edited_at     timestamptz,
        deleted_at    timestamptz,
        PRIMARY KEY (room_id, id)
      );
      CREATE UNIQUE INDEX messages_author_nonce ON messages (author_id, nonce);
      CREATE INDEX messages_room_rev ON messages (room_id, rev);
    `,
  },
  {
    version: 3,
    name: 'per-room commit order for message ids',
    sql: `
      ALTER TABLE rooms ADD COLUMN last_message_id bigint NOT NULL DEFAULT 0;
      UPDATE rooms r SET last_message_id = coalesce((SELECT max(rev) FROM messages m WHERE m.room_id = r.id), 0);
    `,
  },
  {
    version: 4,
    name: 'the author\'s avatar with each message',
    sql: `ALTER TABLE messages ADD COLUMN author_avatar_url text;`,
  },
  {
    version: 5,
    name: 'read markers and mentions',
    sql: `
      CREATE TABLE read_markers (
        user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        room_id     bigint NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
        message_id  bigint NOT NULL,
        PRIMARY KEY (user_id, room_id)
      );
      CREATE TABLE mentions (
        user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        room_id     bigint NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
        message_id  bigint NOT NULL,
        PRIMARY KEY (user_id, room_id, message_id)
      );
    `,
  },
  {
    version: 10,
    name: 'notification choices, room mutes, push subscriptions',
    sql: `
      CREATE TABLE notification_settings (
        user_id     bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
        choice      text NOT NULL CHECK (choice IN ('all', 'mentions', 'nothing')),
        updated_at  timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE room_mutes (
        room_id     bigint NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
        user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        muted_at    timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (room_id, user_id)
      );
      CREATE INDEX room_mutes_user ON room_mutes (user_id);
      CREATE TABLE push_subscriptions (
        id          bigserial PRIMARY KEY,
        endpoint    text NOT NULL UNIQUE,
        user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        p256dh      text NOT NULL,
        auth        text NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX push_subscriptions_user ON push_subscriptions (user_id, created_at);
    `,
  },
  {
    version: 15,
    name: 'reactions to messages',
    sql: `
      CREATE TABLE message_reactions (
        room_id     bigint NOT NULL,
        message_id  bigint NOT NULL,
        emoji       text NOT NULL,
        user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        login       text NOT NULL,
        PRIMARY KEY (room_id, message_id, emoji, user_id),
        FOREIGN KEY (room_id, message_id) REFERENCES messages (room_id, id) ON DELETE CASCADE
      );
    `,
  },
  {
    version: 16,
    name: 'attachments with messages, and who stored which files',
    sql: `
      ALTER TABLE messages ADD COLUMN attachments jsonb;
      CREATE TABLE user_uploads (
        user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        sha256      text NOT NULL,
        size        bigint NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, sha256)
      );
    `,
  },
  {
    version: 20,
    name: 'full-text search of message bodies',
    // 'simple' here; start-up rebuilds the column for another SEARCH_LANGUAGE (see search.ts). Angle brackets
    // become spaces: the parser would take <word> for a tag and index nothing of it.
    sql: `
      ALTER TABLE messages ADD COLUMN search tsvector GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, translate(body, '<>', '  '))) STORED;
      CREATE INDEX messages_search ON messages USING gin (search);
      CREATE INDEX messages_room_created ON messages (room_id, created_at);
    `,
  },
  {
    version: 25,
    name: 'administration: bans, bots, room topics and archives, the audit list',
    sql: `
      ALTER TABLE users ADD COLUMN kind text NOT NULL DEFAULT 'person' CHECK (kind IN ('person', 'bot'));
      ALTER TABLE users ADD COLUMN banned_at timestamptz;
      ALTER TABLE rooms ADD COLUMN topic text;
      ALTER TABLE rooms ADD COLUMN archived_at timestamptz;

      CREATE TABLE bots (
        user_id        bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
        token_hash     text NOT NULL UNIQUE,
        webhook_url    text,
        webhook_secret text,
        created_by     bigint,
        created_at     timestamptz NOT NULL DEFAULT now()
      );

      -- No foreign keys: the record outlives what it names.
      CREATE TABLE audit_log (
        id          bigserial PRIMARY KEY,
        at          timestamptz NOT NULL DEFAULT now(),
        actor_id    bigint NOT NULL,
        actor_login text NOT NULL,
        action      text NOT NULL,
        target      text NOT NULL,
        detail      text
      );
    `,
  },
  {
    version: 26,
    name: 'uploads referenced per message, and files removed when nothing references them',
    // A user's file (user_uploads) counts against their quota while a live message of theirs carries it (one
    // upload_refs row per message, by the message's nonce: known before the message is stored; its room without a
    // foreign key, see uploads.ts) or a send is still holding it (pending). A file on disk (upload_files) is removed a grace period after its last user row went.
    // Existing data: refs are read from messages held here; with messages in Cassandra (none here) every recorded
    // file keeps a ref of an unknown message (nonce ''), released as before by deleting any message of its author
    // that carries it, and its file is kept on disk for good (another old message may carry it).
    sql: `
      CREATE TABLE upload_files (
        sha256              text PRIMARY KEY,
        unreferenced_since  timestamptz,
        kept                boolean NOT NULL DEFAULT false
      );
      CREATE INDEX upload_files_unreferenced ON upload_files (unreferenced_since) WHERE unreferenced_since IS NOT NULL;
      ALTER TABLE user_uploads ADD COLUMN pending integer NOT NULL DEFAULT 0;
      ALTER TABLE user_uploads ADD COLUMN pending_since timestamptz;
      CREATE INDEX user_uploads_sha256 ON user_uploads (sha256);
      CREATE TABLE upload_refs (
        user_id  bigint NOT NULL,
        sha256   text NOT NULL,
        nonce    text NOT NULL,
        room_id  bigint,
        PRIMARY KEY (user_id, sha256, nonce),
        FOREIGN KEY (user_id, sha256) REFERENCES user_uploads (user_id, sha256) ON DELETE CASCADE
      );

      INSERT INTO user_uploads (user_id, sha256, size)
        SELECT DISTINCT ON (m.author_id, a->>'sha256') m.author_id, a->>'sha256', (a->>'size')::bigint
        FROM messages m CROSS JOIN LATERAL jsonb_array_elements(m.attachments) a
        WHERE m.deleted_at IS NULL AND m.attachments IS NOT NULL
        ON CONFLICT DO NOTHING;
      INSERT INTO upload_refs (user_id, sha256, nonce, room_id)
        SELECT DISTINCT m.author_id, a->>'sha256', m.nonce, m.room_id
        FROM messages m CROSS JOIN LATERAL jsonb_array_elements(m.attachments) a
        WHERE m.deleted_at IS NULL AND m.attachments IS NOT NULL;
      INSERT INTO upload_refs (user_id, sha256, nonce)
        SELECT user_id, sha256, '' FROM user_uploads WHERE NOT EXISTS (SELECT 1 FROM messages);
      INSERT INTO upload_files (sha256, unreferenced_since, kept)
        SELECT DISTINCT u.sha256,
          CASE WHEN EXISTS (SELECT 1 FROM upload_refs r WHERE r.sha256 = u.sha256) THEN NULL ELSE now() END,
          NOT EXISTS (SELECT 1 FROM messages)
        FROM user_uploads u;
      DELETE FROM user_uploads u WHERE NOT EXISTS (SELECT 1 FROM upload_refs r WHERE r.user_id = u.user_id AND r.sha256 = u.sha256);
    `,
  },
  {
    version: 27,
    name: 'push subscriptions belong to the session that made them; administrator logins pinned to GitHub ids',
    // Subscriptions stored before this version name no session, so no sign-out could ever reach them: they are
    // dropped. Each browser keeps its subscription; "Notify this browser" in Settings hands it to the session the
    // page is open in (and from then on, any page of that person hands it back after a new sign-in).
    sql: `
      DELETE FROM push_subscriptions;
      ALTER TABLE push_subscriptions ADD COLUMN session_hash text NOT NULL REFERENCES sessions (token_hash) ON DELETE CASCADE;
      CREATE INDEX push_subscriptions_session ON push_subscriptions (session_hash);

      -- The GitHub account (users.id) that held each ADMIN_LOGINS login first; no foreign key: a pin outlives its account.
      CREATE TABLE admin_login_pins (
        login       text PRIMARY KEY,
        user_id     bigint NOT NULL,
        pinned_at   timestamptz NOT NULL DEFAULT now()
      );
    `,
  },
  {
    version: 28,
    name: 'pinned and saved messages',
    // Only ids: the messages live in their store (PostgreSQL or Cassandra) and are read when a list is shown.
    sql: `
      CREATE TABLE pins (
        room_id     bigint NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
        message_id  bigint NOT NULL,
        pinned_by   bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        pinned_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (room_id, message_id)
      );
      CREATE TABLE saved_messages (
        user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        room_id     bigint NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
        message_id  bigint NOT NULL,
        saved_at    timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, room_id, message_id)
      );
      CREATE INDEX saved_messages_newest ON saved_messages (user_id, saved_at DESC);
      CREATE INDEX saved_messages_message ON saved_messages (room_id, message_id);
    `,
  },
  {
    version: 29,
    name: 'a message may answer another',
    // Only the id: the answered message is read as it now is (edited, or deleted) wherever the reply is shown.
    sql: `ALTER TABLE messages ADD COLUMN reply_to bigint;`,
  },
  {
    version: 30,
    name: 'link previews: a message\'s card of its first link',
    sql: `ALTER TABLE messages ADD COLUMN link_preview jsonb;`,
  },
  {
    version: 31,
    name: 'sessions keep the browser and device they were started in, and when they were last used',
    sql: `
      ALTER TABLE sessions ADD COLUMN device text, ADD COLUMN last_active_at timestamptz;
    `,
  },
  {
    version: 32,
    name: 'profiles: a chosen display name, bio, time zone and avatar',
    // name and avatar_url stay what rtc shows (every query reads them as before); account_name and
    // account_avatar_url keep what the account brought (GitHub's at the last sign-in, a local user's login),
    // to fall back to when the chosen ones are cleared. One avatar per person: replacing it overwrites the row.
    sql: `
      ALTER TABLE users
        ADD COLUMN account_name text,
        ADD COLUMN account_avatar_url text,
        ADD COLUMN display_name text,
        ADD COLUMN bio text,
        ADD COLUMN time_zone text,
        ADD COLUMN avatar_sha256 text;
      UPDATE users SET account_name = name, account_avatar_url = avatar_url;
      CREATE TABLE avatars (
        user_id     bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
        sha256      text NOT NULL,
        bytes       bytea NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now()
      );
    `,
  },
  {
    version: 33,
    name: 'invite links',
    // Only the token's hash is kept (and its first characters, to tell invites apart in a list). An invite to a
    // room goes with the room; its creator's invites go with their account.
    sql: `
      CREATE TABLE invites (
        id            bigserial PRIMARY KEY,
        token_hash    text NOT NULL UNIQUE,
        token_prefix  text NOT NULL,
        room_id       bigint REFERENCES rooms (id) ON DELETE CASCADE,
        created_by    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        created_at    timestamptz NOT NULL DEFAULT now(),
        expires_at    timestamptz,
        max_uses      integer CHECK (max_uses > 0),
        uses          integer NOT NULL DEFAULT 0 CHECK (uses >= 0),
        revoked_at    timestamptz
      );
      CREATE INDEX invites_room ON invites (room_id);
    `,
  },
  {
    version: 34,
    name: 'OpenID Connect sign-in: identities keyed by (issuer, subject), and sign-ins under way',
    // A user signs in through a provider as (issuer, subject), never as an e-mail address; the row is the link.
    // A started sign-in is found once, by the hash of its state, until it expires; its nonce and PKCE verifier
    // never leave the server.
    sql: `
      CREATE TABLE oidc_identities (
        issuer      text NOT NULL,
        subject     text NOT NULL,
        user_id     bigint NOT NULL UNIQUE REFERENCES users (id) ON DELETE CASCADE,
        created_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (issuer, subject)
      );
      CREATE TABLE oidc_sign_ins (
        state_hash    text PRIMARY KEY,
        code_verifier text NOT NULL,
        nonce         text NOT NULL,
        expires_at    timestamptz NOT NULL
      );
    `,
  },
  {
    version: 35,
    name: 'notification levels per room (every message, mentions, nothing); a mute becomes "nothing"',
    sql: `
      CREATE TABLE room_notification_levels (
        room_id     bigint NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
        user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        level       text NOT NULL CHECK (level IN ('all', 'mentions', 'none')),
        updated_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (room_id, user_id)
      );
      CREATE INDEX room_notification_levels_user ON room_notification_levels (user_id);
      INSERT INTO room_notification_levels (room_id, user_id, level, updated_at)
        SELECT room_id, user_id, 'none', muted_at FROM room_mutes;
      DROP TABLE room_mutes;
    `,
  },
  {
    version: 36,
    name: 'what a Slack import made, so running it again finds it',
    // A Slack user is linked to the rtc account they were matched to or the placeholder made for them (`login` is the
    // login chosen for them, by which a GitHub sign-in claims a placeholder); a channel to its room; each imported
    // message by (channel, ts) to its id, so a second run skips it and a reply finds its thread.
    sql: `
      CREATE TABLE slack_users (
        slack_id    text PRIMARY KEY,
        user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        login       text NOT NULL,
        name        text NOT NULL,
        placeholder bigint REFERENCES users (id) ON DELETE SET NULL,
        claimed_at  timestamptz,
        created_at  timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX slack_users_unclaimed ON slack_users (lower(login)) WHERE claimed_at IS NULL AND placeholder IS NOT NULL;
      CREATE TABLE slack_rooms (
        slack_id    text PRIMARY KEY,
        room_id     bigint NOT NULL REFERENCES rooms (id) ON DELETE CASCADE
      );
      CREATE TABLE slack_messages (
        channel_id  text NOT NULL,
        ts          text NOT NULL,
        room_id     bigint NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
        message_id  bigint NOT NULL,
        PRIMARY KEY (channel_id, ts)
      );
    `,
  },
]
