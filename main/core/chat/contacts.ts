/** Contacts of one account: lookup by address, names, blocking. */
import type { Database, Statement } from 'better-sqlite3';
import type { Contact } from '../../../shared/types.ts';
import { CoreError } from '../errors.ts';

interface ContactRow {
  id: number;
  addr: string;
  peer_name: string;
  given_name: string;
  blocked: number;
  verified: number;
  known: number;
  is_self: number;
  last_seen: number | null;
  fingerprint: string | null;
  key_changed_at: number | null;
}

// Scalar subqueries rather than a LEFT JOIN on peers: the same rows, but the join made this, the
// hottest lookup of the receive pipeline, several times slower (measured in bench/).
const SELECT = `SELECT c.*,
    (SELECT p.fingerprint FROM peers p WHERE p.addr = c.addr) AS fingerprint,
    (SELECT p.key_changed_at FROM peers p WHERE p.addr = c.addr) AS key_changed_at
  FROM contacts c`;

export class ContactRepo {
  private readonly byId: Statement<[number], ContactRow>;
  private readonly byAddr: Statement<[string], ContactRow>;
  private readonly insert: Statement<[string, string, number, number]>;
  private readonly db: Database;

  constructor(db: Database) {
    this.db = db;
    this.byId = db.prepare(`${SELECT} WHERE c.id = ?`);
    this.byAddr = db.prepare(`${SELECT} WHERE c.addr = ?`);
    this.insert = db.prepare(
      'INSERT INTO contacts (addr, peer_name, known, is_self) VALUES (?, ?, ?, ?)',
    );
  }

  /** The contact row for an id, or a not_found error. */
  get(id: number): Contact {
    const row = this.byId.get(id);
    if (!row) throw new CoreError('not_found', 'This contact does not exist.');
    return toContact(row);
  }

  /** The contact for an address, if we have one. */
  findByAddr(addr: string): Contact | null {
    const row = this.byAddr.get(addr);
    return row ? toContact(row) : null;
  }

  /** The row flags the pipelines need beyond the API shape. */
  isKnown(id: number): boolean {
    return (
      (this.db.prepare('SELECT known FROM contacts WHERE id = ?').pluck().get(id) as number) === 1
    );
  }

  /** Find or create the contact for an address; records the name the peer sent. */
  upsert(
    addr: string,
    peerName: string | undefined,
    opts: { known?: boolean; self?: boolean } = {},
  ): Contact {
    const existing = this.byAddr.get(addr);
    if (!existing) {
      const info = this.insert.run(
        addr.toLowerCase(),
        peerName ?? '',
        opts.known ? 1 : 0,
        opts.self ? 1 : 0,
      );
      return this.get(Number(info.lastInsertRowid));
    }
    if ((peerName && peerName !== existing.peer_name) || (opts.known && !existing.known)) {
      this.db
        .prepare('UPDATE contacts SET peer_name = ?, known = known OR ? WHERE id = ?')
        .run(peerName || existing.peer_name, opts.known ? 1 : 0, existing.id);
      return this.get(existing.id);
    }
    return toContact(existing);
  }

  /** Remember when we last heard from a contact. */
  touch(id: number, at: number): void {
    this.db
      .prepare('UPDATE contacts SET last_seen = max(coalesce(last_seen, 0), ?) WHERE id = ?')
      .run(at, id);
  }

  setBlocked(id: number, blocked: boolean): void {
    this.db.prepare('UPDATE contacts SET blocked = ? WHERE id = ?').run(blocked ? 1 : 0, id);
  }

  setGivenName(id: number, name: string): Contact {
    this.db.prepare('UPDATE contacts SET given_name = ? WHERE id = ?').run(name, id);
    return this.get(id);
  }

  /** Unblocked contacts other than self, filtered by name or address. */
  list(query: string | undefined, blocked: boolean): Contact[] {
    const like = `%${(query ?? '').replace(/[%_\\]/g, (c) => `\\${c}`)}%`;
    const rows = this.db
      .prepare<[number, string, string, string], ContactRow>(
        `${SELECT} WHERE c.is_self = 0 AND c.blocked = ? AND (c.addr LIKE ? ESCAPE '\\' OR c.peer_name LIKE ? ESCAPE '\\' OR c.given_name LIKE ? ESCAPE '\\')
         ORDER BY coalesce(nullif(c.given_name, ''), nullif(c.peer_name, ''), c.addr) COLLATE NOCASE`,
      )
      .all(blocked ? 1 : 0, like, like, like);
    return rows.map(toContact);
  }
}

function toContact(r: ContactRow): Contact {
  return {
    id: r.id,
    addr: r.addr,
    displayName: r.given_name || r.peer_name || r.addr,
    peerName: r.peer_name,
    fingerprint: r.fingerprint,
    verified: r.verified === 1,
    blocked: r.blocked === 1,
    keyChangedAt: r.key_changed_at,
    lastSeen: r.last_seen,
    isSelf: r.is_self === 1,
  };
}
