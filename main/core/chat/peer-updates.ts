/**
 * Autocrypt observations of incoming mail turned into peer-state changes, kept in the batch's
 * overlay until the batch's transaction writes them.
 */
import type { AccountContext } from '../account/context.ts';
import type { PeerOverlay, PeerRow } from '../store/peers.ts';
import type { MailAddress } from '../mime/types.ts';
import { parseAutocryptHeader, parseGossipHeader } from '../crypto/autocrypt.ts';
import { fingerprintOf, publicKeyFromKeydata } from '../crypto/keys.ts';

/** Apply the sender's Autocrypt header; returns the key it announced, if valid. */
export async function observeAutocrypt(
  ctx: AccountContext,
  overlay: PeerOverlay,
  m: { from: string; autocrypt: string[]; date: number },
): Promise<{ fingerprint: string } | null> {
  const addr = m.from.toLowerCase();
  const prev = ctx.peers.lookup(addr, overlay);
  // A message may carry one valid header only; with several, none counts.
  const headers = m.autocrypt.map((v) => parseAutocryptHeader(v, addr)).filter((h) => h !== null);
  const header = headers.length === 1 ? headers[0]! : null;
  if (!header) {
    if (prev && m.date > prev.lastSeen) overlay.set(addr, { ...prev, lastSeen: m.date });
    return null;
  }
  let armored: string;
  let fingerprint: string;
  try {
    const key = await publicKeyFromKeydata(header.keydata);
    armored = key.armor();
    fingerprint = fingerprintOf(key);
  } catch {
    return null;
  }
  if (prev && m.date <= prev.autocryptTimestamp) return { fingerprint };
  const changed = prev?.fingerprint != null && prev.fingerprint !== fingerprint;
  const next: PeerRow = {
    addr,
    lastSeen: Math.max(prev?.lastSeen ?? 0, m.date),
    autocryptTimestamp: m.date,
    publicKey: armored,
    fingerprint,
    preferEncrypt: header.preferEncrypt === 'mutual' ? 'mutual' : 'nopreference',
    gossipTimestamp: prev?.gossipTimestamp ?? 0,
    gossipKey: prev?.gossipKey ?? null,
    gossipFingerprint: prev?.gossipFingerprint ?? null,
    keyChangedAt: changed ? ctx.now() : (prev?.keyChangedAt ?? null),
  };
  overlay.set(addr, next);
  return { fingerprint };
}

/** Apply Autocrypt-Gossip of an encrypted, verified message: only for its own recipients. */
export async function observeGossip(
  ctx: AccountContext,
  overlay: PeerOverlay,
  m: { recipients: MailAddress[]; gossip: string[]; date: number },
): Promise<void> {
  const recipients = m.recipients.map((r) => r.addr);
  for (const value of m.gossip) {
    const g = parseGossipHeader(value, recipients);
    if (!g) continue;
    const addr = g.addr.toLowerCase();
    if (addr === ctx.addr.toLowerCase()) continue;
    const prev = ctx.peers.lookup(addr, overlay);
    if (prev && m.date <= prev.gossipTimestamp) continue;
    try {
      const key = await publicKeyFromKeydata(g.keydata);
      overlay.set(addr, {
        addr,
        lastSeen: prev?.lastSeen ?? 0,
        autocryptTimestamp: prev?.autocryptTimestamp ?? 0,
        publicKey: prev?.publicKey ?? null,
        fingerprint: prev?.fingerprint ?? null,
        preferEncrypt: prev?.preferEncrypt ?? 'nopreference',
        gossipTimestamp: m.date,
        gossipKey: key.armor(),
        gossipFingerprint: fingerprintOf(key),
        keyChangedAt: prev?.keyChangedAt ?? null,
      });
    } catch {
      // An unusable gossip key is ignored, as the spec says.
    }
  }
}
