/**
 * Verified contacts: the key a contact was verified with (by SecureJoin) is pinned. Mail from a
 * verified contact counts as theirs only when signed by that key; a different key announced in
 * their name is never accepted silently, and we keep encrypting to the verified key.
 */
import type { PublicKey } from 'openpgp';
import type { AccountContext } from '../account/context.ts';
import type { PeerOverlay, PeerRow } from '../store/peers.ts';
import { parseAutocryptHeader } from '../crypto/autocrypt.ts';
import { fingerprintOf, publicKeyFromKeydata, readPublicKey } from '../crypto/keys.ts';
import { observeAutocrypt } from '../chat/peer-updates.ts';
import { systemLine } from './system-line.ts';
import type { LocalLine } from './system-line.ts';

export interface VerifiedKey {
  armored: string;
  fingerprint: string;
  verifiedAt: number;
}

const parsedKeys = new Map<string, Promise<PublicKey>>();

/** Parse an armored key once per process (verified keys are read on every message). */
export function parsedKey(armored: string): Promise<PublicKey> {
  let key = parsedKeys.get(armored);
  if (!key) {
    key = readPublicKey(armored);
    parsedKeys.set(armored, key);
    key.catch(() => parsedKeys.delete(armored));
  }
  return key;
}

/** The key a contact was verified with, if the contact is verified. */
export function verifiedKeyOf(ctx: AccountContext, contactId: number): VerifiedKey | null {
  const r = ctx.db
    .prepare<
      [number],
      {
        verified_key: string | null;
        verified_fingerprint: string | null;
        verified_at: number | null;
      }
    >(
      'SELECT verified_key, verified_fingerprint, verified_at FROM contacts WHERE id = ? AND verified = 1',
    )
    .get(contactId);
  if (!r?.verified_key || !r.verified_fingerprint) return null;
  return {
    armored: r.verified_key,
    fingerprint: r.verified_fingerprint,
    verifiedAt: r.verified_at ?? 0,
  };
}

/** The verified key of the contact with this address, if any. */
export function verifiedKeyOfAddr(ctx: AccountContext, addr: string): VerifiedKey | null {
  const contact = ctx.contacts.findByAddr(addr.toLowerCase());
  return contact ? verifiedKeyOf(ctx, contact.id) : null;
}

/** Mark a contact verified with this key (call inside a transaction). */
export function markVerified(
  ctx: AccountContext,
  contactId: number,
  key: { armored: string; fingerprint: string },
  now: number,
): void {
  ctx.db
    .prepare(
      `UPDATE contacts SET verified = 1, verified_key = ?, verified_fingerprint = ?, verified_at = ?,
         known = 1 WHERE id = ?`,
    )
    .run(key.armored, key.fingerprint, now, contactId);
}

/** The keys a message from this address must be signed with to count as theirs. */
export async function expectedSignerKeys(
  ctx: AccountContext,
  addr: string,
  overlay: PeerOverlay,
): Promise<PublicKey[]> {
  const verified = verifiedKeyOfAddr(ctx, addr);
  if (verified) return [await parsedKey(verified.armored)];
  const known = ctx.peers.lookup(addr, overlay);
  return known ? ctx.keys.publicKeysOf(known) : [];
}

/** The key to encrypt to for a contact: the verified one, else its Autocrypt or gossip key. */
export async function encryptionKeyFor(
  ctx: AccountContext,
  contact: { id: number; addr: string },
): Promise<PublicKey | null> {
  const verified = verifiedKeyOf(ctx, contact.id);
  if (verified) return parsedKey(verified.armored);
  const peer = ctx.peers.lookup(contact.addr);
  const keys = peer ? await ctx.keys.publicKeysOf(peer) : [];
  return keys[0] ?? null;
}

/** The fingerprint we would encrypt to for a contact (verified first), if any. */
export function encryptionFingerprintOf(
  ctx: AccountContext,
  contact: { id: number; addr: string },
): string | null {
  const verified = verifiedKeyOf(ctx, contact.id);
  if (verified) return verified.fingerprint;
  const peer = ctx.peers.lookup(contact.addr);
  return peer?.fingerprint ?? peer?.gossipFingerprint ?? null;
}

/** What observing the sender's Autocrypt header did. */
export interface SenderKeyObservation {
  /** The key the message announced, as observeAutocrypt reports it. */
  autocrypt: { fingerprint: string; changedFrom: string | null } | null;
  /** The sender is verified: only the verified key counts, nothing is upgraded by Autocrypt. */
  pinned: VerifiedKey | null;
  /** The message announced a key other than the verified one (it was not accepted). */
  foreignKey: string | null;
}

/**
 * Autocrypt for the sender, except that a verified contact's key is never replaced by a header:
 * a different key is reported (foreignKey) and ignored.
 */
export async function observeSenderKey(
  ctx: AccountContext,
  overlay: PeerOverlay,
  m: { from: string; autocrypt: string[]; date: number },
): Promise<SenderKeyObservation> {
  const pinned = verifiedKeyOfAddr(ctx, m.from);
  if (!pinned) {
    return { autocrypt: await observeAutocrypt(ctx, overlay, m), pinned: null, foreignKey: null };
  }
  const announced = await announcedFingerprint(m.autocrypt, m.from);
  if (announced === null || announced === pinned.fingerprint) {
    return { autocrypt: await observeAutocrypt(ctx, overlay, m), pinned, foreignKey: null };
  }
  const prev = ctx.peers.lookup(m.from, overlay);
  if (prev && m.date > prev.lastSeen) overlay.set(prev.addr, { ...prev, lastSeen: m.date });
  return { autocrypt: null, pinned, foreignKey: announced };
}

/**
 * The warning a message from a verified contact gets when it does not prove to be theirs, or
 * null when it is signed by their verified key.
 */
export function verifiedSenderWarning(
  obs: SenderKeyObservation,
  m: {
    addr: string;
    name?: string;
    encryption: 'encrypted' | 'encrypted-unverified-sender' | 'none';
  },
): LocalLine | null {
  if (!obs.pinned || m.encryption === 'encrypted') return null;
  const who = m.name ? `${m.name} (${m.addr})` : m.addr;
  if (m.encryption === 'none') return systemLine('unverified_sender_clear', { who });
  return systemLine(
    'unverified_sender_key',
    obs.foreignKey ? { who, key: formatFingerprint(obs.foreignKey) } : { who },
  );
}

/** Store a key as the peer's current Autocrypt key (a SecureJoin step proved it). */
export function pinPeerKey(
  ctx: AccountContext,
  overlay: PeerOverlay,
  addr: string,
  key: { armored: string; fingerprint: string },
  date: number,
): void {
  const lower = addr.toLowerCase();
  const prev = ctx.peers.lookup(lower, overlay);
  const changed = prev?.fingerprint != null && prev.fingerprint !== key.fingerprint;
  const next: PeerRow = {
    addr: lower,
    lastSeen: Math.max(prev?.lastSeen ?? 0, date),
    autocryptTimestamp: Math.max(prev?.autocryptTimestamp ?? 0, date),
    publicKey: key.armored,
    fingerprint: key.fingerprint,
    preferEncrypt: 'mutual',
    gossipTimestamp: prev?.gossipTimestamp ?? 0,
    gossipKey: prev?.gossipKey ?? null,
    gossipFingerprint: prev?.gossipFingerprint ?? null,
    keyChangedAt: changed ? ctx.now() : (prev?.keyChangedAt ?? null),
  };
  overlay.set(lower, next);
}

/** A fingerprint in groups of four, as people compare them. */
export function formatFingerprint(fingerprint: string): string {
  return (fingerprint.match(/.{1,4}/g) ?? [fingerprint]).join(' ');
}

/** The key of the single valid Autocrypt header, parsed; null when there is none. */
export async function announcedKey(
  autocrypt: readonly string[],
  from: string,
): Promise<{ key: PublicKey; armored: string; fingerprint: string } | null> {
  const headers = autocrypt.map((v) => parseAutocryptHeader(v, from)).filter((h) => h !== null);
  if (headers.length !== 1) return null;
  try {
    const key = await publicKeyFromKeydata(headers[0]!.keydata);
    return { key, armored: key.armor(), fingerprint: fingerprintOf(key) };
  } catch {
    return null;
  }
}

async function announcedFingerprint(autocrypt: readonly string[], from: string) {
  return (await announcedKey(autocrypt, from))?.fingerprint ?? null;
}
