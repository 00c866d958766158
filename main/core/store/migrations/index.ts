import type { Database } from 'better-sqlite3';
import { migration0001 } from './0001-initial.ts';
import { migration0002 } from './0002-securejoin-groups.ts';
import { migration0003 } from './0003-system-lines-join-timeouts.ts';
import { migration0004 } from './0004-error-info.ts';

export interface Migration {
  version: number;
  name: string;
  up(db: Database): void;
}

/** Every migration in order; the last one's version is the schema the code expects. */
export const migrations: readonly Migration[] = [
  migration0001,
  migration0002,
  migration0003,
  migration0004,
];
