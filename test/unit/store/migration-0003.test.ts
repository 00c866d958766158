import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../../main/core/store/db.ts';
import { migration0001 } from '../../../main/core/store/migrations/0001-initial.ts';
import { migration0002 } from '../../../main/core/store/migrations/0002-securejoin-groups.ts';
import { migration0003 } from '../../../main/core/store/migrations/0003-system-lines-join-timeouts.ts';

function columns(db: BetterSqlite3.Database, table: string): string[] {
  return (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name);
}

describe('migration 0003 (localisable system lines, join timeouts)', () => {
  it('keeps existing system lines and joins, which get no code and no timeout note', () => {
    const db = new BetterSqlite3(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, [migration0001, migration0002]);
    db.prepare("INSERT INTO contacts (addr) VALUES ('a@x')").run();
    db.prepare("INSERT INTO chats (kind, contact_id, created_at) VALUES ('single', 1, 0)").run();
    db.prepare(
      `INSERT INTO messages (chat_id, from_id, outgoing, kind, text, timestamp, received_at, state,
         encryption, rfc724_mid, params)
       VALUES (1, 1, 1, 'system', 'You added Bob.', 5, 5, 'sent', 'encrypted', 'm1@x', '{"cmd":"x"}')`,
    ).run();
    db.prepare(
      `INSERT INTO securejoin_joins (invite, fingerprint, addr, auth, contact_id, chat_id, step,
         started_at, updated_at) VALUES ('i', 'F', 'a@x', 's', 1, 1, 'request-sent', 7, 7)`,
    ).run();

    migrate(db, [migration0001, migration0002, migration0003]);
    expect(db.pragma('user_version', { simple: true })).toBe(3);
    expect(columns(db, 'messages')).toEqual(expect.arrayContaining(['params', 'system']));
    expect(db.prepare('SELECT text, params, system FROM messages').get()).toEqual({
      text: 'You added Bob.',
      params: '{"cmd":"x"}',
      system: null,
    });
    expect(columns(db, 'securejoin_joins')).toContain('timeout_noted_at');
    expect(db.prepare('SELECT step, timeout_noted_at FROM securejoin_joins').get()).toEqual({
      step: 'request-sent',
      timeout_noted_at: null,
    });
    const indexes = (
      db.prepare("SELECT name FROM sqlite_master WHERE type = 'index'").all() as { name: string }[]
    ).map((r) => r.name);
    expect(indexes).toEqual(
      expect.arrayContaining(['securejoin_joins_step', 'invites_revoked', 'invites_expires']),
    );
  });
});
