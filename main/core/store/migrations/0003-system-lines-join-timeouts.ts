import type { Database } from 'better-sqlite3';

/**
 * Localisable system lines and SecureJoin housekeeping: what a system line says as a code with
 * arguments (JSON, shared/types.ts SystemLine; `text` stays the English form), when a join's
 * timeout was told (so a restart neither forgets nor repeats it), and indexes for pruning old
 * joins and invites.
 */
export const migration0003 = {
  version: 3,
  name: 'system-lines-join-timeouts',
  up(db: Database): void {
    db.exec(`
      -- {"code": "member_added", "args": {"by": "Alice", "name": "Bob"}}; NULL for other messages
      -- and for lines written before this version (they show their English text).
      ALTER TABLE messages ADD COLUMN system TEXT;

      -- When the chat said that the inviter has not answered yet (NULL: not yet).
      ALTER TABLE securejoin_joins ADD COLUMN timeout_noted_at INTEGER;
      CREATE INDEX securejoin_joins_step ON securejoin_joins(step, updated_at);
      CREATE INDEX invites_revoked ON invites(revoked_at) WHERE revoked_at IS NOT NULL;
      CREATE INDEX invites_expires ON invites(expires_at);
    `);
  },
};
