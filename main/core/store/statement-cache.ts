/**
 * Prepared statements kept per database. The repositories call `db.prepare(sql)` where they need
 * a statement; compiling SQL costs about as much as running a simple indexed query, and the
 * receive pipeline runs a dozen statements per message. With this, each SQL text is compiled once
 * per connection and reused.
 *
 * A reused statement is handed out as a fresh one would be: pluck mode off (the only mode the
 * core toggles). Statements are only ever used synchronously, so two callers never hold the same
 * one at once.
 */
import type { Database, Statement } from 'better-sqlite3';

/** More distinct SQL texts than the core has; the bound only guards against generated SQL. */
const LIMIT = 500;

/** Makes `db.prepare` return cached statements; call once, right after opening. */
export function cacheStatements(db: Database): void {
  const prepare = db.prepare.bind(db) as (sql: string) => Statement;
  const cache = new Map<string, Statement>();
  const cached = (sql: string): Statement => {
    let statement = cache.get(sql);
    if (statement) {
      if (statement.reader) statement.pluck(false);
      return statement;
    }
    statement = prepare(sql);
    if (cache.size >= LIMIT) cache.delete(cache.keys().next().value ?? '');
    cache.set(sql, statement);
    return statement;
  };
  db.prepare = cached as Database['prepare'];
}
