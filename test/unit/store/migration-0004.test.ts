import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../../main/core/store/db.ts';
import { migrations } from '../../../main/core/store/migrations/index.ts';
import { migration0004 } from '../../../main/core/store/migrations/0004-error-info.ts';
import { MessageRepo } from '../../../main/core/chat/messages.ts';

function columns(db: BetterSqlite3.Database, table: string): string[] {
  return (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name);
}

function database(upTo: number): BetterSqlite3.Database {
  const db = new BetterSqlite3(':memory:');
  db.pragma('foreign_keys = ON');
  migrate(db, migrations.slice(0, upTo));
  db.prepare("INSERT INTO contacts (addr) VALUES ('a@x')").run();
  db.prepare("INSERT INTO chats (kind, contact_id, created_at) VALUES ('single', 1, 0)").run();
  return db;
}

const failed = {
  chatId: 1,
  fromId: 1,
  outgoing: true,
  kind: 'text' as const,
  text: 'hello',
  timestamp: 5,
  receivedAt: 5,
  state: 'failed' as const,
  encryption: 'none' as const,
  rfc724Mid: 'm1@x',
};

describe('migration 0004 (localisable message errors)', () => {
  it('keeps existing errors, which get no code and show their English text', () => {
    const db = database(3);
    db.prepare(
      `INSERT INTO messages (chat_id, from_id, outgoing, kind, text, timestamp, received_at, state,
         encryption, rfc724_mid, error)
       VALUES (1, 1, 1, 'text', 'hi', 5, 5, 'failed', 'none', 'old@x', 'It failed.')`,
    ).run();
    migrate(db, migrations);
    expect(migration0004.version).toBe(4);
    expect(db.pragma('user_version', { simple: true })).toBe(4);
    expect(columns(db, 'messages')).toContain('error_info');
    const message = new MessageRepo(db).get(1);
    expect(message.error).toBe('It failed.');
    expect(message.errorInfo).toBeNull();
  });

  it('stores the code with the error, and drops it with the error', () => {
    const db = database(migrations.length);
    const repo = new MessageRepo(db);
    const info = { code: 'host_not_found', args: { host: 'mail.x' } };
    const id = repo.insert({ ...failed, error: 'mail.x was not found.', errorInfo: info });
    expect(repo.get(id).errorInfo).toEqual(info);

    const retrying = {
      code: 'send_retrying',
      args: { reason: 'mail.x was not found.' },
      reason: info,
    };
    repo.setError(id, 'Not sent yet: mail.x was not found. Estafette will try again.', retrying);
    expect(repo.get(id).errorInfo).toEqual(retrying);
    repo.setState(id, 'failed', 'Refused.');
    expect(repo.get(id)).toMatchObject({ error: 'Refused.', errorInfo: null });
    repo.setState(id, 'failed', 'Refused.', info);
    expect(repo.get(id).errorInfo).toEqual(info);
    repo.setState(id, 'sent', null);
    expect(repo.get(id)).toMatchObject({ error: null, errorInfo: null });
    // A code without an error is not kept; an unreadable stored code counts as none.
    repo.setError(id, null, info);
    expect(db.prepare('SELECT error_info FROM messages WHERE id = ?').get(id)).toEqual({
      error_info: null,
    });
    db.prepare("UPDATE messages SET error = 'x', error_info = '{\"code\": 7}' WHERE id = ?").run(
      id,
    );
    expect(repo.get(id).errorInfo).toBeNull();
    db.prepare("UPDATE messages SET error_info = 'not json' WHERE id = ?").run(id);
    expect(repo.get(id).errorInfo).toBeNull();
  });
});
