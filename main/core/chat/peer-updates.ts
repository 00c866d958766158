/**
 * Autocrypt observations of incoming mail turned into peer-state changes (by the rules in
 * crypto/peer-state.ts), kept in the batch's overlay until the batch's transaction writes them.
 */
import type { AccountContext } from '../account/context.ts';
import type { PeerOverlay, PeerRow } from '../store/peers.ts';
import type { MailAddress } from '../mime/types.ts';
import { parseGossipHeader, readHeaderKey, selectAutocryptHeader } from '../crypto/autocrypt.ts';
import { applyAutocryptHeader, applyGossip } from '../crypto/peer-state.ts';
import type { PeerState } from '../crypto/peer-state.ts';

function withChangeTime(
  ctx: AccountContext,
  prev: PeerRow | null,
  next: PeerState,
  changed: boolean,
): PeerRow {
  return { ...next, keyChangedAt: changed ? ctx.now() : (prev?.keyChangedAt ?? null) };
}

/** Apply the sender's Autocrypt header; returns the key it announced and any key change. */
export async function observeAutocrypt(
  ctx: AccountContext,
  overlay: PeerOverlay,
  m: { from: string; autocrypt: string[]; date: number },
): Promise<{ fingerprint: string; changedFrom: string | null } | null> {
  const addr = m.from.toLowerCase();
  const prev = ctx.peers.lookup(addr, overlay);
  const parsed = selectAutocryptHeader(m.autocrypt, addr);
  const header = parsed ? await readHeaderKey(parsed) : null;
  const update = applyAutocryptHeader(prev, header, m.date);
  if (update.state && update.state !== prev) {
    overlay.set(addr, withChangeTime(ctx, prev, update.state, update.keyChange !== null));
  }
  if (!header) return null;
  return {
    fingerprint: header.fingerprint,
    changedFrom: update.keyChange?.previousFingerprint ?? null,
  };
}

/** Apply Autocrypt-Gossip of an encrypted, verified message: only for its own recipients. */
export async function observeGossip(
  ctx: AccountContext,
  overlay: PeerOverlay,
  m: { recipients: MailAddress[]; gossip: string[]; date: number },
): Promise<void> {
  const recipients = m.recipients.map((r) => r.addr);
  for (const value of m.gossip) {
    const parsed = parseGossipHeader(value, recipients);
    if (!parsed || parsed.addr === ctx.addr.toLowerCase()) continue;
    const gossip = await readHeaderKey(parsed);
    if (!gossip) continue;
    const prev = ctx.peers.lookup(gossip.addr, overlay);
    const update = applyGossip(prev, gossip, m.date);
    if (update.state && update.state !== prev) {
      overlay.set(gossip.addr, withChangeTime(ctx, prev, update.state, false));
    }
  }
}
