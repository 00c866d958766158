/**
 * Mallory's tool for tests: a message that claims a sender's address, encrypted to the victim's
 * real key but signed by a key Mallory made for that address (with its Autocrypt header).
 */
import type { PublicKey } from 'openpgp';
import { formatAutocryptHeader } from '../../main/core/crypto/autocrypt.ts';
import { generateAccountKey, keydataOf, readPrivateKey } from '../../main/core/crypto/keys.ts';
import { encryptAndSign } from '../../main/core/crypto/pgp.ts';
import { composeEncryptedOuter, composeInner, newMessageId } from '../../main/core/mime/compose.ts';

/** A complete encrypted message from `from` to `to`, signed by a fresh key that is not `from`'s. */
export async function forgedMessage(p: {
  from: { addr: string; name: string };
  to: string;
  toKey: PublicKey;
  text: string;
}): Promise<Buffer> {
  const mallory = await readPrivateKey((await generateAccountKey(p.from.addr)).secretArmored);
  const messageId = newMessageId();
  const inner = await composeInner(
    {
      from: p.from,
      to: [{ addr: p.to }],
      subject: `Message from ${p.from.name}`,
      date: new Date(),
      messageId,
      text: p.text,
      autocrypt: formatAutocryptHeader({ addr: p.from.addr, keydata: keydataOf(mallory) }),
    },
    { protectedHeaders: true },
  );
  const armored = await encryptAndSign({
    data: inner,
    encryptionKeys: [p.toKey],
    signingKey: mallory,
  });
  return composeEncryptedOuter({ from: p.from.addr, messageId, date: new Date(), armored });
}
