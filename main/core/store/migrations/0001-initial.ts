import type { Database } from 'better-sqlite3';

/** The first schema: contacts, Autocrypt peers, chats, messages, attachments, outbox, IMAP state. */
export const migration0001 = {
  version: 1,
  name: 'initial',
  up(db: Database): void {
    db.exec(`
      CREATE TABLE config (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;

      CREATE TABLE contacts (
        id INTEGER PRIMARY KEY,
        addr TEXT NOT NULL COLLATE NOCASE UNIQUE,
        peer_name TEXT NOT NULL DEFAULT '',
        given_name TEXT NOT NULL DEFAULT '',
        blocked INTEGER NOT NULL DEFAULT 0,
        verified INTEGER NOT NULL DEFAULT 0,
        -- Whether we ever wrote to this address ourselves: then their mail is no request.
        known INTEGER NOT NULL DEFAULT 0,
        is_self INTEGER NOT NULL DEFAULT 0,
        last_seen INTEGER
      ) STRICT;

      CREATE TABLE peers (
        addr TEXT PRIMARY KEY COLLATE NOCASE,
        last_seen INTEGER NOT NULL,
        autocrypt_timestamp INTEGER NOT NULL,
        public_key TEXT,
        fingerprint TEXT,
        prefer_encrypt TEXT NOT NULL DEFAULT 'nopreference',
        gossip_timestamp INTEGER NOT NULL DEFAULT 0,
        gossip_key TEXT,
        gossip_fingerprint TEXT,
        key_changed_at INTEGER
      ) STRICT;

      CREATE TABLE chats (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('single', 'group')),
        name TEXT NOT NULL DEFAULT '',
        contact_id INTEGER REFERENCES contacts(id),
        grpid TEXT,
        encrypted INTEGER NOT NULL DEFAULT 0,
        is_request INTEGER NOT NULL DEFAULT 0,
        muted INTEGER NOT NULL DEFAULT 0,
        archived INTEGER NOT NULL DEFAULT 0,
        draft TEXT NOT NULL DEFAULT '',
        last_activity INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE UNIQUE INDEX chats_single ON chats(contact_id) WHERE kind = 'single';
      CREATE UNIQUE INDEX chats_group ON chats(grpid) WHERE grpid IS NOT NULL;
      CREATE INDEX chats_activity ON chats(archived, last_activity DESC);

      CREATE TABLE chat_members (
        chat_id INTEGER NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
        contact_id INTEGER NOT NULL REFERENCES contacts(id),
        PRIMARY KEY (chat_id, contact_id)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE messages (
        id INTEGER PRIMARY KEY,
        chat_id INTEGER NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
        from_id INTEGER NOT NULL REFERENCES contacts(id),
        outgoing INTEGER NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('text', 'placeholder', 'system')),
        text TEXT NOT NULL,
        quoted_text TEXT,
        subject TEXT,
        timestamp INTEGER NOT NULL,
        received_at INTEGER NOT NULL,
        state TEXT NOT NULL,
        encryption TEXT NOT NULL,
        error TEXT,
        classic_email INTEGER NOT NULL DEFAULT 0,
        rfc724_mid TEXT NOT NULL,
        in_reply_to TEXT,
        imap_uid INTEGER
      ) STRICT;
      CREATE INDEX messages_chat_order ON messages(chat_id, timestamp, id);
      -- A Message-ID is stored once: re-fetching after a crash or UIDVALIDITY change never duplicates.
      CREATE UNIQUE INDEX messages_mid ON messages(rfc724_mid);
      CREATE INDEX messages_unread ON messages(chat_id) WHERE state = 'received';

      CREATE TABLE attachments (
        id INTEGER PRIMARY KEY,
        message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
        filename TEXT NOT NULL,
        content_type TEXT NOT NULL,
        size INTEGER NOT NULL,
        blob TEXT NOT NULL
      ) STRICT;
      CREATE INDEX attachments_message ON attachments(message_id);

      CREATE TABLE outbox (
        id INTEGER PRIMARY KEY,
        message_id INTEGER NOT NULL UNIQUE REFERENCES messages(id) ON DELETE CASCADE,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        -- Composed once so that every retry sends the same bytes with the same Message-ID.
        raw BLOB,
        recipients TEXT
      ) STRICT;

      CREATE TABLE imap_state (
        folder TEXT PRIMARY KEY,
        uid_validity INTEGER,
        last_uid INTEGER NOT NULL DEFAULT 0,
        highest_modseq TEXT
      ) STRICT;
    `);
  },
};
