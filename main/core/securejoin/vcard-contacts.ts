/** Exporting contacts with their keys as a vCard, and importing one (Delta Chat's format). */
import type { Contact } from '../../../shared/types.ts';
import type { CoreEvent } from '../../../shared/events.ts';
import type { AccountContext } from '../account/context.ts';
import { CoreError } from '../errors.ts';
import { fingerprintOf, keydataOf, publicKeyFromKeydata } from '../crypto/keys.ts';
import { formatVcard, parseVcard } from './vcard.ts';
import type { VcardContact } from './vcard.ts';
import { encryptionKeyFor, verifiedKeyOf } from './verification.ts';

/** A vCard of these contacts (ourselves included when asked) with the keys we hold. */
export async function exportVcard(ctx: AccountContext, contactIds: number[]): Promise<string> {
  const cards: VcardContact[] = [];
  for (const id of contactIds) {
    const c = ctx.contacts.get(id);
    if (c.isSelf) {
      cards.push({
        addr: ctx.addr,
        name: ctx.displayName(),
        key: keydataOf(ctx.keys.public, ctx.addr),
        photo: null,
        note: ctx.status() || null,
        timestamp: ctx.now(),
      });
      continue;
    }
    const key = await encryptionKeyFor(ctx, c);
    cards.push({
      addr: c.addr,
      name: c.peerName,
      key: key ? keydataOf(key, c.addr) : null,
      photo: null,
      note: null,
      timestamp: ctx.now(),
    });
  }
  return formatVcard(cards);
}

/**
 * Add a vCard's contacts with their keys. A key never replaces the key a contact was verified
 * with; it becomes the contact's Autocrypt key otherwise (encrypt to them from now on).
 */
export async function importVcard(
  ctx: AccountContext,
  text: string,
  events: CoreEvent[],
): Promise<Contact[]> {
  const cards = parseVcard(text);
  if (cards.length === 0) {
    throw new CoreError('invalid_input', 'This vCard holds no contact with an email address.');
  }
  const keys = new Map<string, { armored: string; fingerprint: string } | null>();
  for (const card of cards) {
    if (!card.key) {
      keys.set(card.addr, null);
      continue;
    }
    try {
      const key = await publicKeyFromKeydata(card.key);
      keys.set(card.addr, { armored: key.armor(), fingerprint: fingerprintOf(key) });
    } catch {
      keys.set(card.addr, null);
    }
  }
  const now = ctx.now();
  return ctx.db.transaction(() => {
    const out: Contact[] = [];
    for (const card of cards) {
      if (card.addr === ctx.addr.toLowerCase()) continue;
      const contact = ctx.contacts.upsert(card.addr, card.name || undefined, { known: true });
      const key = keys.get(card.addr);
      const verified = verifiedKeyOf(ctx, contact.id);
      if (key && (!verified || verified.fingerprint === key.fingerprint)) {
        const prev = ctx.peers.lookup(card.addr);
        const changed = prev?.fingerprint != null && prev.fingerprint !== key.fingerprint;
        ctx.peers.save({
          addr: card.addr,
          lastSeen: prev?.lastSeen ?? 0,
          autocryptTimestamp: Math.max(prev?.autocryptTimestamp ?? 0, card.timestamp ?? now),
          publicKey: key.armored,
          fingerprint: key.fingerprint,
          preferEncrypt: 'mutual',
          gossipTimestamp: prev?.gossipTimestamp ?? 0,
          gossipKey: prev?.gossipKey ?? null,
          gossipFingerprint: prev?.gossipFingerprint ?? null,
          keyChangedAt: changed ? now : (prev?.keyChangedAt ?? null),
        });
      }
      events.push({ type: 'contactChanged', accountId: ctx.id, contactId: contact.id });
      out.push(ctx.contacts.get(contact.id));
    }
    return out;
  })();
}
