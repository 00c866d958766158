/**
 * What importing a vCard would do, without doing it: the UI shows this before the person
 * confirms. Follows the rules of `importVcard` (vcard-contacts.ts) card by card.
 */
import type { VcardPreview } from '../../../shared/api.ts';
import type { AccountContext } from '../account/context.ts';
import { fingerprintOf, publicKeyFromKeydata } from '../crypto/keys.ts';
import { parseVcard } from './vcard.ts';
import { verifiedKeyOf } from './verification.ts';

/** The contacts of a vCard with what their keys would become; [] when none has an address. */
export async function previewVcard(ctx: AccountContext, text: string): Promise<VcardPreview[]> {
  const out: VcardPreview[] = [];
  const self = ctx.addr.toLowerCase();
  for (const card of parseVcard(text)) {
    let fingerprint: string | null = null;
    if (card.key) {
      try {
        fingerprint = fingerprintOf(await publicKeyFromKeydata(card.key));
      } catch {
        fingerprint = null;
      }
    }
    const isSelf = card.addr === self;
    const contact = isSelf ? null : ctx.contacts.findByAddr(card.addr);
    const verified = contact ? verifiedKeyOf(ctx, contact.id) : null;
    const held = ctx.peers.lookup(card.addr)?.fingerprint ?? null;
    let key: VcardPreview['key'];
    if (!card.key) key = 'none';
    else if (isSelf) key = fingerprint === ctx.keys.fingerprint ? 'same' : 'ignored';
    else if (fingerprint === null) key = 'unreadable';
    else if (verified && verified.fingerprint !== fingerprint) key = 'ignored';
    else if (verified || held === fingerprint) key = 'same';
    else if (held !== null) key = 'replaces';
    else key = 'new';
    out.push({
      addr: card.addr,
      name: card.name,
      key,
      fingerprint,
      contactId: contact?.id ?? null,
      verified: verified !== null,
      isSelf,
    });
  }
  return out;
}
