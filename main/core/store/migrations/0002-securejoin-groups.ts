import type { Database } from 'better-sqlite3';

/**
 * SecureJoin and groups: the invites we show, the joins we run, the key each verified contact
 * was verified with, group membership with Delta Chat's timestamps, group name/description/
 * avatar, parameters of outgoing system messages, and outbox jobs that carry pre-composed
 * handshake mail instead of a stored message.
 */
export const migration0002 = {
  version: 2,
  name: 'securejoin-groups',
  up(db: Database): void {
    db.exec(`
      -- One row per invite shown: a fresh AUTH secret every time (PROTOCOL §5).
      CREATE TABLE invites (
        id INTEGER PRIMARY KEY,
        invitenumber TEXT NOT NULL,
        auth TEXT NOT NULL UNIQUE,
        -- NULL: an invite to verify me and chat; else the group the invite joins.
        chat_id INTEGER REFERENCES chats(id) ON DELETE CASCADE,
        created_at INTEGER NOT NULL,
        -- After this the secret still joins, but no longer verifies (Delta Chat does the same).
        expires_at INTEGER NOT NULL,
        revoked_at INTEGER
      ) STRICT;
      CREATE INDEX invites_invitenumber ON invites(invitenumber);

      -- Joins we started by scanning someone else's invite (the joiner's state).
      CREATE TABLE securejoin_joins (
        id INTEGER PRIMARY KEY,
        invite TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        addr TEXT NOT NULL COLLATE NOCASE,
        auth TEXT NOT NULL,
        grpid TEXT,
        contact_id INTEGER NOT NULL REFERENCES contacts(id),
        chat_id INTEGER REFERENCES chats(id) ON DELETE SET NULL,
        step TEXT NOT NULL CHECK (step IN ('request-sent', 'auth-sent', 'done', 'failed')),
        started_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        error TEXT
      ) STRICT;
      CREATE INDEX securejoin_joins_addr ON securejoin_joins(addr);

      -- The key a contact was verified with; a contact stays verified only with that key.
      ALTER TABLE contacts ADD COLUMN verified_key TEXT;
      ALTER TABLE contacts ADD COLUMN verified_fingerprint TEXT;
      ALTER TABLE contacts ADD COLUMN verified_at INTEGER;

      -- Group membership as Delta Chat keeps it: timestamps in seconds (those of
      -- Chat-Group-Member-Timestamps); the newest change wins.
      ALTER TABLE chat_members ADD COLUMN added_ts INTEGER NOT NULL DEFAULT 0;
      CREATE TABLE chat_past_members (
        chat_id INTEGER NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
        contact_id INTEGER NOT NULL REFERENCES contacts(id),
        -- When they were last added (kept so that an older re-add cannot undo the removal).
        added_ts INTEGER NOT NULL DEFAULT 0,
        removed_ts INTEGER NOT NULL,
        PRIMARY KEY (chat_id, contact_id)
      ) STRICT, WITHOUT ROWID;

      ALTER TABLE chats ADD COLUMN name_ts INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE chats ADD COLUMN description TEXT NOT NULL DEFAULT '';
      ALTER TABLE chats ADD COLUMN description_ts INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE chats ADD COLUMN avatar_blob TEXT;
      ALTER TABLE chats ADD COLUMN avatar_ts INTEGER NOT NULL DEFAULT 0;

      -- What an outgoing system message announces (JSON), e.g. a member added to a group.
      ALTER TABLE messages ADD COLUMN params TEXT;

      -- Outbox jobs may carry ready-made mail without a stored message (SecureJoin steps are
      -- hidden): message_id becomes optional, and then raw is required.
      CREATE TABLE outbox_next (
        id INTEGER PRIMARY KEY,
        message_id INTEGER UNIQUE REFERENCES messages(id) ON DELETE CASCADE,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL DEFAULT 0,
        last_error TEXT,
        raw BLOB,
        recipients TEXT,
        -- What a job without a message is, for logs: e.g. "securejoin vc-pubkey".
        label TEXT,
        CHECK (message_id IS NOT NULL OR (raw IS NOT NULL AND recipients IS NOT NULL))
      ) STRICT;
      INSERT INTO outbox_next (id, message_id, attempts, next_attempt_at, last_error, raw, recipients)
        SELECT id, message_id, attempts, next_attempt_at, last_error, raw, recipients FROM outbox;
      DROP TABLE outbox;
      ALTER TABLE outbox_next RENAME TO outbox;
    `);
  },
};
