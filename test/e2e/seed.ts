/**
 * Test-only: fills a chat with many messages at once by writing the account's SQLite database
 * directly (the core has no API for it, on purpose). Used to prove the message list stays
 * virtualized with 100,000 messages; the core keeps working on the same file (WAL).
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

interface Registry {
  accounts: { id: number; dir: string }[];
}

/** The database file of one account of a data directory. */
export function accountDatabase(dataDir: string, accountId: number): string {
  const registry = JSON.parse(readFileSync(join(dataDir, 'accounts.json'), 'utf8')) as Registry;
  const entry = registry.accounts.find((a) => a.id === accountId);
  if (!entry) throw new Error(`no account ${accountId} in ${dataDir}`);
  return join(entry.dir, 'db.sqlite');
}

/**
 * Appends `n` messages to a 1:1 chat, oldest first, one minute apart and ending now: every
 * third one outgoing (read), the others incoming (seen), all encrypted; every seventh is long
 * so that rows differ in height. Returns the text of the newest message.
 */
export function seedMessages(
  dataDir: string,
  accountId: number,
  chatId: number,
  n: number,
): string {
  const db = new Database(accountDatabase(dataDir, accountId));
  try {
    db.pragma('busy_timeout = 10000');
    const chat = db.prepare('SELECT contact_id FROM chats WHERE id = ?').get(chatId) as
      { contact_id: number | null } | undefined;
    if (!chat?.contact_id) throw new Error(`chat ${chatId} is not a 1:1 chat`);
    const self = db.prepare('SELECT id FROM contacts WHERE is_self = 1').pluck().get() as
      number | undefined;
    if (self === undefined) throw new Error('the account has no self contact');
    const insert = db.prepare(
      `INSERT INTO messages (chat_id, from_id, outgoing, kind, text, timestamp, received_at,
         state, encryption, classic_email, rfc724_mid)
       VALUES (?, ?, ?, 'text', ?, ?, ?, ?, 'encrypted', 0, ?)`,
    );
    const run = randomBytes(6).toString('hex');
    const end = Date.now();
    let last = '';
    db.transaction(() => {
      for (let i = 0; i < n; i++) {
        const outgoing = i % 3 === 0;
        const time = end - (n - i) * 60_000;
        last = `Seeded message ${i + 1}.${i % 7 === 0 ? ' A longer one, so that rows differ in height and the list measures them as they appear.' : ''}`;
        insert.run(
          chatId,
          outgoing ? self : chat.contact_id,
          outgoing ? 1 : 0,
          last,
          time,
          time,
          outgoing ? 'read' : 'seen',
          `seed-${run}-${i}@estafette.test`,
        );
      }
      // The seeded history is end-to-end encrypted, so the chat is too.
      db.prepare('UPDATE chats SET last_activity = ?, encrypted = 1 WHERE id = ?').run(end, chatId);
    })();
    return last;
  } finally {
    db.close();
  }
}
