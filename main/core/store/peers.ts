/** Autocrypt peer states as stored: one row per address. */
import type { Database, Statement } from 'better-sqlite3';

export interface PeerRow {
  addr: string;
  lastSeen: number;
  autocryptTimestamp: number;
  /** Armored public key from the last Autocrypt header. */
  publicKey: string | null;
  fingerprint: string | null;
  preferEncrypt: 'mutual' | 'nopreference';
  gossipTimestamp: number;
  gossipKey: string | null;
  gossipFingerprint: string | null;
  keyChangedAt: number | null;
}

interface Raw {
  addr: string;
  last_seen: number;
  autocrypt_timestamp: number;
  public_key: string | null;
  fingerprint: string | null;
  prefer_encrypt: string;
  gossip_timestamp: number;
  gossip_key: string | null;
  gossip_fingerprint: string | null;
  key_changed_at: number | null;
}

/** Changes made while preparing a batch, visible to later messages of the same batch. */
export type PeerOverlay = Map<string, PeerRow>;

export class PeerRepo {
  private readonly byAddr: Statement<[string], Raw>;
  private readonly upsert: Statement;

  constructor(db: Database) {
    this.byAddr = db.prepare('SELECT * FROM peers WHERE addr = ?');
    this.upsert =
      db.prepare(`INSERT INTO peers (addr, last_seen, autocrypt_timestamp, public_key, fingerprint,
        prefer_encrypt, gossip_timestamp, gossip_key, gossip_fingerprint, key_changed_at)
      VALUES (@addr, @lastSeen, @autocryptTimestamp, @publicKey, @fingerprint, @preferEncrypt,
        @gossipTimestamp, @gossipKey, @gossipFingerprint, @keyChangedAt)
      ON CONFLICT(addr) DO UPDATE SET last_seen = excluded.last_seen,
        autocrypt_timestamp = excluded.autocrypt_timestamp, public_key = excluded.public_key,
        fingerprint = excluded.fingerprint, prefer_encrypt = excluded.prefer_encrypt,
        gossip_timestamp = excluded.gossip_timestamp, gossip_key = excluded.gossip_key,
        gossip_fingerprint = excluded.gossip_fingerprint, key_changed_at = excluded.key_changed_at`);
  }

  /** The state of a peer, seen through a batch's pending changes. */
  lookup(addr: string, overlay?: PeerOverlay): PeerRow | null {
    const key = addr.toLowerCase();
    const pending = overlay?.get(key);
    if (pending) return pending;
    const r = this.byAddr.get(key);
    if (!r) return null;
    return {
      addr: r.addr,
      lastSeen: r.last_seen,
      autocryptTimestamp: r.autocrypt_timestamp,
      publicKey: r.public_key,
      fingerprint: r.fingerprint,
      preferEncrypt: r.prefer_encrypt === 'mutual' ? 'mutual' : 'nopreference',
      gossipTimestamp: r.gossip_timestamp,
      gossipKey: r.gossip_key,
      gossipFingerprint: r.gossip_fingerprint,
      keyChangedAt: r.key_changed_at,
    };
  }

  save(p: PeerRow): void {
    this.upsert.run({ ...p, addr: p.addr.toLowerCase() });
  }
}
