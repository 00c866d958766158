import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate } from '../../../main/core/store/db.ts';
import { migration0001 } from '../../../main/core/store/migrations/0001-initial.ts';
import { migration0002 } from '../../../main/core/store/migrations/0002-securejoin-groups.ts';

function columns(db: BetterSqlite3.Database, table: string): string[] {
  return (db.prepare(`PRAGMA table_info(${table})`).all() as { name: string }[]).map((c) => c.name);
}

describe('migration 0002 (SecureJoin and groups)', () => {
  it('adds invites, joins, verified keys, member timestamps and group fields', () => {
    const db = new BetterSqlite3(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, [migration0001, migration0002]);
    expect(db.pragma('user_version', { simple: true })).toBe(2);
    expect(columns(db, 'invites')).toEqual([
      'id',
      'invitenumber',
      'auth',
      'chat_id',
      'created_at',
      'expires_at',
      'revoked_at',
    ]);
    expect(columns(db, 'securejoin_joins')).toContain('step');
    expect(columns(db, 'contacts')).toEqual(
      expect.arrayContaining(['verified', 'verified_key', 'verified_fingerprint', 'verified_at']),
    );
    expect(columns(db, 'chat_members')).toEqual(['chat_id', 'contact_id', 'added_ts']);
    expect(columns(db, 'chat_past_members')).toEqual([
      'chat_id',
      'contact_id',
      'added_ts',
      'removed_ts',
    ]);
    expect(columns(db, 'chats')).toEqual(
      expect.arrayContaining([
        'name_ts',
        'description',
        'description_ts',
        'avatar_blob',
        'avatar_ts',
      ]),
    );
    expect(columns(db, 'messages')).toContain('params');
    // An AUTH secret exists once.
    const invite = db.prepare(
      'INSERT INTO invites (invitenumber, auth, created_at, expires_at) VALUES (?, ?, 0, 1)',
    );
    invite.run('n1', 'a1');
    expect(() => invite.run('n2', 'a1')).toThrow(/UNIQUE/);
    // A join step outside the state machine is refused.
    db.prepare("INSERT INTO contacts (addr) VALUES ('a@x')").run();
    expect(() =>
      db
        .prepare(
          `INSERT INTO securejoin_joins (invite, fingerprint, addr, auth, contact_id, step, started_at, updated_at)
           VALUES ('x', 'F', 'a@x', 's', 1, 'dancing', 0, 0)`,
        )
        .run(),
    ).toThrow(/CHECK/);
  });

  it('keeps queued outbox jobs and lets a job carry ready-made mail without a message', () => {
    const db = new BetterSqlite3(':memory:');
    db.pragma('foreign_keys = ON');
    migrate(db, [migration0001]);
    db.prepare("INSERT INTO contacts (addr) VALUES ('a@x')").run();
    db.prepare("INSERT INTO chats (kind, contact_id, created_at) VALUES ('single', 1, 0)").run();
    db.prepare(
      "INSERT INTO messages (chat_id, from_id, outgoing, kind, text, timestamp, received_at, state, encryption, rfc724_mid) VALUES (1, 1, 1, 'text', 'hi', 0, 0, 'pending', 'none', 'm1@x')",
    ).run();
    db.prepare('INSERT INTO outbox (message_id, attempts, last_error) VALUES (1, 3, ?)').run(
      'Server busy.',
    );
    migrate(db, [migration0001, migration0002]);
    expect(db.prepare('SELECT message_id, attempts, last_error FROM outbox').get()).toEqual({
      message_id: 1,
      attempts: 3,
      last_error: 'Server busy.',
    });
    db.prepare('INSERT INTO outbox (raw, recipients, label) VALUES (?, ?, ?)').run(
      Buffer.from('mail'),
      '["b@x"]',
      'SecureJoin vc-pubkey',
    );
    expect(() => db.prepare('INSERT INTO outbox (label) VALUES (?)').run('nothing')).toThrow(
      /CHECK/,
    );
    // Deleting the message still removes its job.
    db.prepare('DELETE FROM messages WHERE id = 1').run();
    expect(db.prepare('SELECT count(*) FROM outbox').pluck().get()).toBe(1);
  });
});
