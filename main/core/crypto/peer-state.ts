import { CoreError } from '../errors.ts';
import type { AutocryptHeader, GossipHeader, PreferEncrypt, WithKey } from './autocrypt.ts';
import { deltaChatProfile } from './profile.ts';

/**
 * What Autocrypt Level 1 remembers about one peer. Times are Unix milliseconds; 0 means never.
 * Field names match the `peers` table so a row can be passed in as it is.
 */
export type PeerState = {
  /** Lowercased address. */
  addr: string;
  /** Newest effective date of any message from the peer (0 if only gossip named the peer). */
  lastSeen: number;
  /** Effective date of the newest message that carried a valid Autocrypt header. */
  autocryptTimestamp: number;
  /** Armored key from that header. */
  publicKey: string | null;
  fingerprint: string | null;
  preferEncrypt: PreferEncrypt;
  gossipTimestamp: number;
  /** Armored key from the newest gossip about the peer. */
  gossipKey: string | null;
  gossipFingerprint: string | null;
};

/** A peer's key replaced by a different one; the caller records it (and may warn). */
export type KeyChange = {
  source: 'autocrypt' | 'gossip';
  previousFingerprint: string;
  newFingerprint: string;
};

/** The outcome of one update: the new state (the same object when nothing applied), any key change. */
export type PeerUpdate = {
  state: PeerState | null;
  keyChange: KeyChange | null;
};

/** Autocrypt Level 1's recommendation for the encryption UI of a draft. */
export type Recommendation = 'disable' | 'discourage' | 'available' | 'encrypt';

/** Autocrypt discourages a key once the peer has been writing without it for this long. */
const STALE_AUTOCRYPT_MS = 35 * 24 * 60 * 60 * 1000;

/**
 * The effective date of a message (Unix ms): its Date header, or the time of receipt when the
 * header is missing, unreadable or in the future.
 */
export function effectiveDate(dateHeader: Date | null | undefined, receivedAt: Date): number {
  const received = receivedAt.getTime();
  const sent = dateHeader?.getTime();
  if (sent === undefined || Number.isNaN(sent)) return received;
  return Math.min(sent, received);
}

/**
 * Applies a message from the peer and its single valid Autocrypt header (key already read), or
 * null when it had none, per Autocrypt Level 1 "Updating Autocrypt Peer State". A message older
 * than the last header changes nothing.
 */
export function applyAutocryptHeader(
  prev: PeerState | null,
  header: WithKey<AutocryptHeader> | null,
  date: number,
): PeerUpdate {
  if (prev && header && prev.addr !== header.addr) {
    throw new CoreError('internal', 'An Autocrypt header was applied to the wrong peer.');
  }
  const addr = prev?.addr ?? header?.addr;
  if (addr === undefined) return { state: null, keyChange: null };
  if (prev && date < prev.autocryptTimestamp) return { state: prev, keyChange: null };
  const base = prev ?? emptyPeer(addr);
  const seen: PeerState = { ...base, lastSeen: Math.max(base.lastSeen, date) };
  if (!header) return { state: seen, keyChange: null };
  const keyChange: KeyChange | null =
    base.fingerprint !== null && base.fingerprint !== header.fingerprint
      ? {
          source: 'autocrypt',
          previousFingerprint: base.fingerprint,
          newFingerprint: header.fingerprint,
        }
      : null;
  return {
    state: {
      ...seen,
      autocryptTimestamp: date,
      publicKey: header.publicKey.armor(deltaChatProfile),
      fingerprint: header.fingerprint,
      preferEncrypt: header.preferEncrypt,
    },
    keyChange,
  };
}

/**
 * Applies an Autocrypt-Gossip header about a recipient (its address already checked against the
 * message's recipients by `parseGossipHeader`). Gossip older than what we hold changes nothing.
 */
export function applyGossip(
  prev: PeerState | null,
  gossip: WithKey<GossipHeader>,
  date: number,
): PeerUpdate {
  if (prev && prev.addr !== gossip.addr) {
    throw new CoreError('internal', 'An Autocrypt-Gossip header was applied to the wrong peer.');
  }
  if (prev && prev.gossipTimestamp > date) return { state: prev, keyChange: null };
  const base = prev ?? emptyPeer(gossip.addr);
  const keyChange: KeyChange | null =
    base.gossipFingerprint !== null && base.gossipFingerprint !== gossip.fingerprint
      ? {
          source: 'gossip',
          previousFingerprint: base.gossipFingerprint,
          newFingerprint: gossip.fingerprint,
        }
      : null;
  return {
    state: {
      ...base,
      gossipTimestamp: date,
      gossipKey: gossip.publicKey.armor(deltaChatProfile),
      gossipFingerprint: gossip.fingerprint,
    },
    keyChange,
  };
}

/**
 * Autocrypt Level 1's recommendation for a draft to these recipients (null: nothing known about
 * that recipient). Our own preference defaults to `mutual`, as Delta Chat's always is. Stored
 * keys count as usable: `readHeaderKey` refuses revoked and expired ones on arrival.
 */
export function recommendation(
  peers: readonly (PeerState | null)[],
  replyToEncrypted: boolean,
  ownPreferEncrypt: PreferEncrypt = 'mutual',
): Recommendation {
  const each = peers.map((peer) => recommendationFor(peer, replyToEncrypted, ownPreferEncrypt));
  if (each.includes('disable')) return 'disable';
  if (each.every((one) => one === 'encrypt')) return 'encrypt';
  if (each.includes('discourage')) return 'discourage';
  return 'available';
}

/** The armored key Autocrypt encrypts to for this peer: its own header's, else the gossiped one. */
export function targetKeyOf(peer: PeerState): string | null {
  return peer.publicKey ?? peer.gossipKey;
}

function recommendationFor(
  peer: PeerState | null,
  replyToEncrypted: boolean,
  ownPreferEncrypt: PreferEncrypt,
): Recommendation {
  if (!peer || (peer.publicKey === null && peer.gossipKey === null)) return 'disable';
  const preliminary =
    peer.publicKey === null || peer.lastSeen - peer.autocryptTimestamp > STALE_AUTOCRYPT_MS
      ? 'discourage'
      : 'available';
  if (replyToEncrypted) return 'encrypt';
  if (
    preliminary === 'available' &&
    peer.preferEncrypt === 'mutual' &&
    ownPreferEncrypt === 'mutual'
  ) {
    return 'encrypt';
  }
  return preliminary;
}

function emptyPeer(addr: string): PeerState {
  return {
    addr,
    lastSeen: 0,
    autocryptTimestamp: 0,
    publicKey: null,
    fingerprint: null,
    preferEncrypt: 'nopreference',
    gossipTimestamp: 0,
    gossipKey: null,
    gossipFingerprint: null,
  };
}
