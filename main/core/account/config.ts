/** The account's own settings, kept in its database's config table. */
import type { Database } from 'better-sqlite3';
import { ServerSettingsSchema } from '../../../shared/types.ts';
import type { ServerSettingsValue } from '../../../shared/types.ts';

export interface AccountConfig {
  addr: string;
  displayName: string;
  status: string;
  avatar: string | null;
  settings: ServerSettingsValue;
  fingerprint: string;
  publicKeyArmored: string;
}

/** Read the whole config; throws when a required key is missing (a half-created account). */
export function readConfig(db: Database): AccountConfig {
  const rows = db
    .prepare<[], { key: string; value: string }>('SELECT key, value FROM config')
    .all();
  const map = new Map(rows.map((r) => [r.key, r.value]));
  const need = (k: string): string => {
    const v = map.get(k);
    if (v === undefined) throw new Error(`account config lacks ${k}`);
    return v;
  };
  return {
    addr: need('addr'),
    displayName: map.get('display_name') ?? '',
    status: map.get('status') ?? '',
    avatar: map.get('avatar') ?? null,
    settings: ServerSettingsSchema.parse(JSON.parse(need('settings'))),
    fingerprint: need('fingerprint'),
    publicKeyArmored: need('public_key'),
  };
}

/** Write some config values in one statement each (call inside a transaction for several). */
export function writeConfig(db: Database, values: Partial<AccountConfig>): void {
  const set = db.prepare(
    'INSERT INTO config (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value',
  );
  const del = db.prepare('DELETE FROM config WHERE key = ?');
  const put = (k: string, v: string | null | undefined) => {
    if (v === undefined) return;
    if (v === null) del.run(k);
    else set.run(k, v);
  };
  put('addr', values.addr);
  put('display_name', values.displayName);
  put('status', values.status);
  put('avatar', values.avatar);
  put('settings', values.settings ? JSON.stringify(values.settings) : undefined);
  put('fingerprint', values.fingerprint);
  put('public_key', values.publicKeyArmored);
}
