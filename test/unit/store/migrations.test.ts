import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate, openDatabase } from '../../../main/core/store/db.ts';
import { migrations } from '../../../main/core/store/migrations/index.ts';
import { migration0001 } from '../../../main/core/store/migrations/0001-initial.ts';
import { CoreError } from '../../../main/core/errors.ts';

async function tempFile() {
  return join(await mkdtemp(join(tmpdir(), 'estafette-db-')), 'db.sqlite');
}

describe('migrations', () => {
  it('are numbered 1, 2, 3 … without gaps', () => {
    expect(migrations.map((m) => m.version)).toEqual(migrations.map((_, i) => i + 1));
  });

  it('0001 creates the tables the pipelines use, with the dedupe and order indexes', () => {
    const db = new BetterSqlite3(':memory:');
    migrate(db, [migration0001]);
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .pluck()
      .all();
    expect(tables).toEqual([
      'attachments',
      'chat_members',
      'chats',
      'config',
      'contacts',
      'imap_state',
      'messages',
      'outbox',
      'peers',
    ]);
    db.prepare("INSERT INTO contacts (addr) VALUES ('a@x')").run();
    db.prepare("INSERT INTO chats (kind, contact_id, created_at) VALUES ('single', 1, 0)").run();
    const insert = db.prepare(
      "INSERT INTO messages (chat_id, from_id, outgoing, kind, text, timestamp, received_at, state, encryption, rfc724_mid) VALUES (1, 1, 0, 'text', 'hi', 0, 0, 'received', 'none', ?)",
    );
    insert.run('m1@x');
    expect(() => insert.run('m1@x')).toThrow(/UNIQUE/);
    const plan = db
      .prepare('EXPLAIN QUERY PLAN SELECT * FROM messages WHERE chat_id = 1 ORDER BY timestamp, id')
      .all() as { detail: string }[];
    expect(plan.map((p) => p.detail).join(' ')).toMatch(/messages_chat_order/);
    expect(db.pragma('user_version', { simple: true })).toBe(1);
  });

  it('opening twice applies nothing twice and keeps the data', async () => {
    const file = await tempFile();
    let db = openDatabase(file);
    db.prepare("INSERT INTO config (key, value) VALUES ('addr', 'a@x')").run();
    db.close();
    db = openDatabase(file);
    expect(db.prepare("SELECT value FROM config WHERE key = 'addr'").pluck().get()).toBe('a@x');
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
  });

  it('a database newer than the code is refused with a sentence', async () => {
    const file = await tempFile();
    const raw = new BetterSqlite3(file);
    raw.pragma(`user_version = ${migrations.length + 1}`);
    raw.close();
    let error: unknown;
    try {
      openDatabase(file);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CoreError);
    expect((error as CoreError).code).toBe('database_too_new');
    expect((error as CoreError).sentence).toMatch(/newer version of Estafette/);
  });

  it('a migration that fails leaves the database as it was', () => {
    const db = new BetterSqlite3(':memory:');
    migrate(db, [migration0001]);
    const broken = {
      version: 2,
      name: 'broken',
      up: (d: typeof db) => {
        d.exec('CREATE TABLE half (x)');
        d.exec('SYNTAX ERROR');
      },
    };
    expect(() => migrate(db, [migration0001, broken])).toThrow();
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    expect(db.prepare("SELECT count(*) FROM sqlite_master WHERE name = 'half'").pluck().get()).toBe(
      0,
    );
  });
});
