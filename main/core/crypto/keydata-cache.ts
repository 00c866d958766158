/**
 * Autocrypt key data read once per process. Every chat message repeats its sender's key in its
 * Autocrypt header; reading and checking it (two signature verifications) cost more than a
 * millisecond each time, the biggest cost of receiving after decryption itself. A key read
 * before is checked again for the current date (expiry, revocation), which is cheap because
 * openpgp.js remembers its verified self-signatures.
 */
import type { PublicKey } from 'openpgp';
import { publicKeyFromKeydata } from './keys.ts';
import { deltaChatProfile } from './profile.ts';

const LIMIT = 512;
const keys = new Map<string, PublicKey>();

/** publicKeyFromKeydata, with the parsed key kept; throws exactly where it throws. */
export async function publicKeyFromKeydataCached(keydata: string): Promise<PublicKey> {
  const compact = keydata.replace(/\s+/g, '');
  const known = keys.get(compact);
  if (!known) {
    const key = await publicKeyFromKeydata(compact);
    if (keys.size >= LIMIT) keys.delete(keys.keys().next().value ?? '');
    keys.set(compact, key);
    return key;
  }
  try {
    await known.getEncryptionKey(undefined, new Date(), undefined, deltaChatProfile);
  } catch {
    // No longer usable today: read it again to get publicKeyFromKeydata's own error.
    keys.delete(compact);
    return publicKeyFromKeydata(compact);
  }
  return known;
}
