import { CoreError } from '../errors.ts';
import type { AutocryptGossipHeader, AutocryptHeader, PreferEncrypt } from './autocrypt.ts';

/** What Autocrypt Level 1 remembers about one peer. Times are Unix seconds. */
export type PeerState = {
  /** Lowercased address. */
  addr: string;
  /** Newest effective date of any message from the peer; null if only gossip named the peer. */
  lastSeen: number | null;
  /** Effective date of the newest message that carried a valid Autocrypt header. */
  autocryptTimestamp: number | null;
  /** Base64 key from that header. */
  keydata: string | null;
  fingerprint: string | null;
  preferEncrypt: PreferEncrypt;
  gossipTimestamp: number | null;
  gossipKeydata: string | null;
  gossipFingerprint: string | null;
};

/** A peer's key replaced by a different one; the caller records it (and may warn). */
export type KeyChange = {
  source: 'autocrypt' | 'gossip';
  previousFingerprint: string;
  newFingerprint: string;
};

/** The outcome of one update: the new state (unchanged object if nothing applied) and any key change. */
export type PeerUpdate = {
  state: PeerState | null;
  keyChange: KeyChange | null;
};

/** Autocrypt Level 1's recommendation for the encryption UI of a draft. */
export type Recommendation = 'disable' | 'discourage' | 'available' | 'encrypt';

/** Autocrypt discourages a key once the peer has sent this long without one. */
const STALE_AUTOCRYPT_SECONDS = 35 * 24 * 60 * 60;

/**
 * The effective date of a message in Unix seconds: its Date header, or the time of receipt when
 * the header is missing, unreadable or in the future.
 */
export function effectiveDate(dateHeader: Date | null | undefined, receivedAt: Date): number {
  const received = Math.floor(receivedAt.getTime() / 1000);
  if (!dateHeader || Number.isNaN(dateHeader.getTime())) return received;
  return Math.min(Math.floor(dateHeader.getTime() / 1000), received);
}

/**
 * Applies a message from the peer, with its single valid Autocrypt header or null, following
 * Autocrypt Level 1 "Updating Autocrypt Peer State". A message older than the last header
 * changes nothing.
 */
export function applyAutocryptHeader(
  prev: PeerState | null,
  header: AutocryptHeader | null,
  date: number,
): PeerUpdate {
  if (prev && header && prev.addr !== header.addr) {
    throw new CoreError('internal', 'An Autocrypt header was applied to the wrong peer.');
  }
  const addr = prev?.addr ?? header?.addr;
  if (addr === undefined) return { state: null, keyChange: null };
  if (prev && prev.autocryptTimestamp !== null && date < prev.autocryptTimestamp) {
    return { state: prev, keyChange: null };
  }
  const base = prev ?? emptyPeer(addr);
  const seen: PeerState = { ...base, lastSeen: Math.max(base.lastSeen ?? date, date) };
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
      keydata: header.keydata,
      fingerprint: header.fingerprint,
      preferEncrypt: header.preferEncrypt,
    },
    keyChange,
  };
}

/**
 * Applies an Autocrypt-Gossip header about a recipient (already checked against To/Cc by
 * `parseAutocryptGossip`). Gossip older than what we hold changes nothing.
 */
export function applyGossip(
  prev: PeerState | null,
  gossip: AutocryptGossipHeader,
  date: number,
): PeerUpdate {
  if (prev && prev.addr !== gossip.addr) {
    throw new CoreError('internal', 'An Autocrypt-Gossip header was applied to the wrong peer.');
  }
  if (prev && prev.gossipTimestamp !== null && prev.gossipTimestamp > date) {
    return { state: prev, keyChange: null };
  }
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
      gossipKeydata: gossip.keydata,
      gossipFingerprint: gossip.fingerprint,
    },
    keyChange,
  };
}

/**
 * Autocrypt Level 1's recommendation for a draft to these recipients (null = no state for that
 * recipient). Our own preference is `mutual`, as Delta Chat's always is. Keys are assumed usable:
 * revoked or expired keys never enter the state because `parseAutocryptHeader` rejects them.
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

/** The key Autocrypt would encrypt to for this peer: its own header's key, else the gossiped one. */
export function targetKeydataOf(peer: PeerState): string | null {
  return peer.keydata ?? peer.gossipKeydata;
}

function recommendationFor(
  peer: PeerState | null,
  replyToEncrypted: boolean,
  ownPreferEncrypt: PreferEncrypt,
): Recommendation {
  if (!peer || (peer.keydata === null && peer.gossipKeydata === null)) return 'disable';
  let preliminary: 'discourage' | 'available';
  if (peer.keydata === null) {
    preliminary = 'discourage';
  } else if (
    peer.autocryptTimestamp !== null &&
    peer.lastSeen !== null &&
    peer.lastSeen - peer.autocryptTimestamp > STALE_AUTOCRYPT_SECONDS
  ) {
    preliminary = 'discourage';
  } else {
    preliminary = 'available';
  }
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
    lastSeen: null,
    autocryptTimestamp: null,
    keydata: null,
    fingerprint: null,
    preferEncrypt: 'nopreference',
    gossipTimestamp: null,
    gossipKeydata: null,
    gossipFingerprint: null,
  };
}
