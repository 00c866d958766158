import type { Database } from 'better-sqlite3';

/**
 * Localisable message errors: why a message is not sent or failed, why a placeholder is one and
 * the warning under a message from a verified contact, as a code with arguments (JSON,
 * shared/types.ts SentenceInfo). `error` stays the English form.
 */
export const migration0004 = {
  version: 4,
  name: 'error-info',
  up(db: Database): void {
    db.exec(`
      -- {"code": "send_retrying", "args": {"reason": "…"}, "reason": {"code": "…", "args": {}}};
      -- NULL without an error and for errors written before this version (English only).
      ALTER TABLE messages ADD COLUMN error_info TEXT;
    `);
  },
};
