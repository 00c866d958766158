import {
  enums,
  generateKey,
  PacketList,
  readKey,
  readPrivateKey as readOpenpgpPrivateKey,
  SignaturePacket,
} from 'openpgp';
import type { AnyPacket, Key, PrivateKey, PublicKey, Subkey, User } from 'openpgp';
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
 * one user ID with its newest self-signature, the encryption subkey with its newest binding
 * signature). The newest direct-key self-signature is kept when there is one, as Delta Chat does:
 * it can carry preferences and the relay list. Packets are chosen by structure, not re-verified:
 * pass keys that were validated when they were read.
 */
export function keydataOf(key: Key, addr?: string): string {
  // Every outgoing message carries the account's key: written once per key object (the key
  // objects are never changed in place), not once per message (≈ 0.4 ms).
  const slot = addr === undefined ? '' : `=${addr}`;
  let byAddr = keydataCache.get(key);
  const known = byAddr?.get(slot);
  if (known !== undefined) return known;
  const keydata = writeKeydata(key, addr);
  if (!byAddr) {
    byAddr = new Map();
    keydataCache.set(key, byAddr);
  }
  if (byAddr.size < 64) byAddr.set(slot, keydata);
  return keydata;
}

const keydataCache = new WeakMap<Key, Map<string, string>>();

function writeKeydata(key: Key, addr?: string): string {
  const publicKey = key.isPrivate() ? key.toPublic() : key;
  const user = userFor(publicKey, addr);
  const certification = user && newest(user.selfCertifications);
  if (!user?.userID || !certification) {
    throw new CoreError(
      'invalid_input',
      'This key has no self-signed user ID, so it cannot be shared.',
    );
  }
  const subkey = encryptionSubkeyOf(publicKey);
  const binding = subkey && newest(subkey.bindingSignatures);
  if (!subkey && !canEncrypt(certification)) {
    throw new CoreError('invalid_input', 'This key has no encryption key, so it cannot be shared.');
  }
  const packets = new PacketList<AnyPacket>();
  packets.push(publicKey.keyPacket);
  const direct = newest(directKeySignaturesOf(publicKey));
  if (direct) packets.push(direct);
  packets.push(user.userID, certification);
  if (subkey && binding) packets.push(subkey.keyPacket, binding);
  return Buffer.from(packets.write()).toString('base64');
}

/**
 * Reads Autocrypt `keydata` (base64, whitespace allowed) into a public key one can encrypt to
 * today; a revoked or expired key, or one without an encryption key, is refused.
 */
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
  try {
    await key.getEncryptionKey(undefined, new Date(), undefined, deltaChatProfile);
  } catch (cause) {
    throw new CoreError(
      'invalid_input',
      'This key cannot be encrypted to; it may be expired or revoked.',
      { cause },
    );
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
        ? newest(directKeySignaturesOf(key))
        : (await key.getPrimaryUser(undefined, undefined, deltaChatProfile)).selfCertification;
    const features = selfSignature?.features;
    return (
      features !== null && features !== undefined && ((features[0] ?? 0) & SEIPDV2_FEATURE) !== 0
    );
  } catch {
    return false;
  }
}

/** The user ID to ship: the one matching addr, else the one marked primary, else the first. */
function userFor(key: Key, addr?: string): User | undefined {
  const usable = key.users.filter(
    (user) =>
      user.userID && user.selfCertifications.length > 0 && user.revocationSignatures.length === 0,
  );
  const wanted = addr?.toLowerCase();
  return (
    usable.find((user) => wanted !== undefined && user.userID?.email.toLowerCase() === wanted) ??
    usable.find((user) => newest(user.selfCertifications)?.isPrimaryUserID) ??
    usable[0]
  );
}

/** The newest unrevoked subkey whose newest binding allows encryption, as openpgp.js picks it. */
function encryptionSubkeyOf(key: Key): Subkey | undefined {
  return key.subkeys
    .filter((subkey) => subkey.revocationSignatures.length === 0)
    .filter((subkey) => {
      const binding = newest(subkey.bindingSignatures);
      return binding !== undefined && canEncrypt(binding);
    })
    .sort((a, b) => b.getCreationTime().getTime() - a.getCreationTime().getTime())[0];
}

function canEncrypt(signature: SignaturePacket): boolean {
  const flags = signature.keyFlags?.[0] ?? 0;
  return (flags & (enums.keyFlags.encryptCommunication | enums.keyFlags.encryptStorage)) !== 0;
}

/** Direct-key signatures sit between the primary key and the first user ID. */
function directKeySignaturesOf(key: Key): SignaturePacket[] {
  const found: SignaturePacket[] = [];
  for (const packet of key.toPacketList()) {
    if (packet instanceof SignaturePacket) {
      if (packet.signatureType === enums.signature.key) found.push(packet);
    } else if (packet !== key.keyPacket) {
      break;
    }
  }
  return found;
}

function newest(signatures: readonly SignaturePacket[]): SignaturePacket | undefined {
  let latest: SignaturePacket | undefined;
  for (const signature of signatures) {
    if (!latest || timeOf(signature) > timeOf(latest)) latest = signature;
  }
  return latest;
}

function timeOf(signature: SignaturePacket): number {
  return signature.created?.getTime() ?? 0;
}
