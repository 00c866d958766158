/** Opening an account database: WAL, foreign keys, numbered migrations in one transaction. */
import BetterSqlite3 from 'better-sqlite3';
import type { Database } from 'better-sqlite3';
import { CoreError } from '../errors.ts';
import { migrations as allMigrations } from './migrations/index.ts';
import { cacheStatements } from './statement-cache.ts';
import type { Migration } from './migrations/index.ts';

export type { Database };

/** Open (creating if needed) and migrate a database file. */
export function openDatabase(
  file: string,
  migrations: readonly Migration[] = allMigrations,
): Database {
  const db = new BetterSqlite3(file);
  try {
    db.pragma('journal_mode = WAL');
    // NORMAL is durable across application crashes in WAL mode; only power loss can cost the
    // last commits, and the IMAP watermark makes those messages come again.
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    migrate(db, migrations);
    // Each SQL text compiled once per connection (store/statement-cache.ts).
    cacheStatements(db);
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}

/** Apply the migrations this database has not seen yet, all in one transaction. */
export function migrate(db: Database, migrations: readonly Migration[]): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  const latest = migrations.at(-1)?.version ?? 0;
  if (current > latest) {
    throw new CoreError(
      'database_too_new',
      `This account's data was written by a newer version of Estafette (schema ${current}, this version knows ${latest}). Update Estafette to open it.`,
    );
  }
  const pending = migrations.filter((m) => m.version > current);
  if (pending.length === 0) return;
  db.transaction(() => {
    for (const m of pending) {
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    }
  })();
}
