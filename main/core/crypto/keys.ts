import {
  enums,
  generateKey,
  PacketList,
  readKey,
  readPrivateKey as readOpenpgpPrivateKey,
  SignaturePacket,
  Subkey,
} from 'openpgp';
import type { AnyPacket, Key, PrimaryUser, PrivateKey, PublicKey } from 'openpgp';
import { CoreError } from '../errors.ts';
import { deltaChatProfile, SEIPDV2_FEATURE } from './profile.ts';

/** A freshly generated account key, ready to store. */
export type AccountKey = {
  secretArmored: string;
  publicArmored: string;
  /** Uppercase hex of the primary key's fingerprint. */
  fingerprint: string;
};

/**
 * Generates an account key the way Delta Chat does: v4 Ed25519 primary (certify, sign), Cv25519
 * ECDH subkey, a self-signature advertising SEIPDv2 with AES-128/OCB first, user ID `<addr>`.
 */
export async function generateAccountKey(addr: string, name?: string): Promise<AccountKey> {
  const email = addr.trim();
  // The user ID is decorative (Autocrypt) and travels in every gossip header, so Delta Chat leaves
  // the name out; callers should too unless the person asked for it.
  const userID = name && name.trim() !== '' ? { name: name.trim(), email } : { email };
  let generated;
  try {
    generated = await generateKey({
      type: 'ecc',
      curve: 'ed25519Legacy',
      userIDs: [userID],
      format: 'object',
      config: deltaChatProfile,
    });
  } catch (cause) {
    throw new CoreError('invalid_input', `A key cannot be made for “${addr}”.`, { cause });
  }
  const { privateKey, publicKey } = generated;
  return {
    secretArmored: privateKey.armor(deltaChatProfile),
    publicArmored: publicKey.armor(deltaChatProfile),
    fingerprint: fingerprintOf(privateKey),
  };
}

/** Reads a public key, armored or binary; a secret key is reduced to its public part. */
export async function readPublicKey(input: string | Uint8Array): Promise<PublicKey> {
  let key: Key;
  try {
    key =
      typeof input === 'string'
        ? await readKey({ armoredKey: input, config: deltaChatProfile })
        : await readKey({ binaryKey: input, config: deltaChatProfile });
  } catch (cause) {
    throw new CoreError('invalid_input', 'This is not a valid OpenPGP public key.', { cause });
  }
  return key.isPrivate() ? key.toPublic() : key;
}

/** Reads an unlocked secret key, armored or binary. */
export async function readPrivateKey(input: string | Uint8Array): Promise<PrivateKey> {
  let key: PrivateKey;
  try {
    key =
      typeof input === 'string'
        ? await readOpenpgpPrivateKey({ armoredKey: input, config: deltaChatProfile })
        : await readOpenpgpPrivateKey({ binaryKey: input, config: deltaChatProfile });
  } catch (cause) {
    throw new CoreError('invalid_input', 'This is not a valid OpenPGP secret key.', { cause });
  }
  if (!key.isDecrypted()) {
    throw new CoreError(
      'invalid_input',
      'This secret key is locked with a passphrase; unlock it before importing it.',
    );
  }
  return key;
}

/** The fingerprint of a key or subkey as uppercase hex (40 characters for v4 keys). */
export function fingerprintOf(key: { getFingerprint(): string }): string {
  return key.getFingerprint().toUpperCase();
}

/**
 * The Autocrypt `keydata` of a key: base64 of the minimal transferable public key (primary key,
 * one user ID with its self-signature, the encryption subkey with its binding signature). A valid
 * direct-key self-signature is kept when the key has one, as Delta Chat does, because it can carry
 * preferences and the relay list.
 */
export async function keydataOf(key: Key, addr?: string): Promise<string> {
  const publicKey = key.isPrivate() ? key.toPublic() : key;
  const date = new Date();
  const packets = new PacketList<AnyPacket>();
  try {
    const primary = await primaryUserOf(publicKey, date, addr);
    const directSignature = await latestDirectKeySignature(publicKey, date);
    const encryptionKey = await publicKey.getEncryptionKey(undefined, date, undefined, deltaChatProfile);
    packets.push(publicKey.keyPacket);
    if (directSignature) packets.push(directSignature);
    if (primary.user.userID) packets.push(primary.user.userID);
    packets.push(primary.selfCertification);
    if (encryptionKey instanceof Subkey) {
      packets.push(encryptionKey.keyPacket, await encryptionKey.verify(date, deltaChatProfile));
    }
  } catch (cause) {
    throw new CoreError(
      'invalid_input',
      'This key has no valid user ID or encryption key, so it cannot be shared.',
      { cause },
    );
  }
  return Buffer.from(packets.write()).toString('base64');
}

/** Reads Autocrypt `keydata` (base64, whitespace allowed) into a public key. */
export async function publicKeyFromKeydata(keydata: string): Promise<PublicKey> {
  const compact = keydata.replace(/\s+/g, '');
  if (compact === '' || compact.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) {
    throw new CoreError('invalid_input', 'The key data is not valid base64.');
  }
  let key: Key;
  try {
    key = await readKey({ binaryKey: Buffer.from(compact, 'base64'), config: deltaChatProfile });
  } catch (cause) {
    throw new CoreError('invalid_input', 'The key data is not a valid OpenPGP key.', { cause });
  }
  // Someone shipping secret key material in a header is not giving us a public key.
  if (key.isPrivate()) {
    throw new CoreError('invalid_input', 'The key data holds a secret key, not a public key.');
  }
  return key;
}

/**
 * Whether the key announces SEIPDv2 (AEAD) support, judged from the same self-signature openpgp.js
 * consults when it picks the encryption format.
 */
export async function supportsSeipdv2(key: Key): Promise<boolean> {
  try {
    const selfSignature =
      key.keyPacket.version === 6
        ? await latestDirectKeySignature(key, new Date())
        : (await key.getPrimaryUser(undefined, undefined, deltaChatProfile)).selfCertification;
    const features = selfSignature?.features;
    return features !== null && features !== undefined && ((features[0] ?? 0) & SEIPDV2_FEATURE) !== 0;
  } catch {
    return false;
  }
}

async function primaryUserOf(key: Key, date: Date, addr?: string): Promise<PrimaryUser> {
  // Autocrypt: with several user IDs, ship the one that matches addr when there is one.
  const wanted = addr?.toLowerCase();
  const email = key.users.find((user) => user.userID?.email.toLowerCase() === wanted)?.userID?.email;
  if (email) {
    try {
      return await key.getPrimaryUser(date, { email }, deltaChatProfile);
    } catch {
      // That user ID is not validly self-signed: fall back to the primary one.
    }
  }
  return key.getPrimaryUser(date, undefined, deltaChatProfile);
}

/** The newest direct-key self-signature that verifies, if the key has any. */
async function latestDirectKeySignature(key: Key, date: Date): Promise<SignaturePacket | null> {
  // Direct-key signatures sit between the primary key and the first user ID.
  const candidates: SignaturePacket[] = [];
  for (const packet of key.toPacketList()) {
    if (packet instanceof SignaturePacket) {
      if (packet.signatureType === enums.signature.key) candidates.push(packet);
    } else if (packet !== key.keyPacket) {
      break;
    }
  }
  let latest: SignaturePacket | null = null;
  for (const signature of candidates) {
    try {
      await signature.verify(
        key.keyPacket,
        enums.signature.key,
        { key: key.keyPacket },
        date,
        false,
        deltaChatProfile,
      );
    } catch {
      continue;
    }
    if (!latest || timeOf(signature) > timeOf(latest)) latest = signature;
  }
  return latest;
}

function timeOf(signature: SignaturePacket): number {
  return signature.created?.getTime() ?? 0;
}
