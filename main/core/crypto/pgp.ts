import { randomBytes } from 'node:crypto';
import {
  armor,
  createMessage,
  decrypt,
  decryptSessionKeys,
  encrypt,
  enums,
  LiteralDataPacket,
  Message,
  PacketList,
  readMessage,
} from 'openpgp';
import type { AnyPacket, DecryptMessageResult, PrivateKey, PublicKey, SessionKey } from 'openpgp';
import { CoreError } from '../errors.ts';
import { fingerprintOf } from './keys.ts';
import { saltedPasswordSessionKeyPacket } from './password-session-key.ts';
import { deltaChatProfile } from './profile.ts';
import { createDataSignature, judgeSignatures } from './signature.ts';
import { installSyncSubtle } from './sync-subtle.ts';
import type { SignatureOutcome } from './signature.ts';

export type { SignatureOutcome } from './signature.ts';
export { isIntendedRecipient } from './signature.ts';

/** A decrypted message with an explicit verdict on its signature. */
export type DecryptedMessage = {
  data: Uint8Array;
  signature: SignatureOutcome;
  /** Intended Recipient Fingerprints from the signature (uppercase hex); trust only if valid. */
  intendedRecipients: string[];
};

// The synchronous crypto paths check themselves once (≈ 30 ms); start that as this module loads.
void installSyncSubtle();

/** A sender's clock may run ahead of ours; accept signatures made up to this far in the future. */
const SIGNATURE_CLOCK_SKEW_MS = 24 * 60 * 60 * 1000;

/**
 * Signs and encrypts `data` into one armored OpenPGP message shaped like Delta Chat's: SHA-256
 * signature with Issuer and Intended Recipient Fingerprints, anonymous recipients, SEIPDv2
 * (AES-128-OCB) only if every key advertises it, else SEIPDv1; ZLIB when every key lists it and
 * `compress` is not false. The signer's own key is always a recipient, listed first.
 */
export async function encryptAndSign(options: {
  data: Uint8Array | string;
  encryptionKeys: readonly PublicKey[];
  signingKey: PrivateKey;
  compress?: boolean;
  date?: Date;
}): Promise<string> {
  await installSyncSubtle();
  const date = options.date ?? new Date();
  const recipients = recipientsWithSelf(options.signingKey, options.encryptionKeys);
  const literal = await literalPacketOf(options.data);
  const { onePass, signature } = await createDataSignature(
    literal,
    options.signingKey,
    recipients,
    date,
  );
  const packets = new PacketList<AnyPacket>();
  packets.push(onePass, literal, signature);
  let encrypted: Uint8Array;
  try {
    encrypted = await encrypt({
      message: new Message<Uint8Array>(packets),
      encryptionKeys: recipients,
      // Key IDs of zero: the ciphertext does not say who it is for (chatmail/core #6782).
      wildcard: true,
      date,
      format: 'binary',
      config: {
        ...deltaChatProfile,
        // openpgp.js compresses only when every recipient key lists this algorithm.
        preferredCompressionAlgorithm:
          options.compress === false ? enums.compression.uncompressed : enums.compression.zlib,
      },
    });
  } catch (cause) {
    throw new CoreError(
      'invalid_input',
      'A recipient’s key cannot be used for encryption; it may be expired or revoked.',
      { cause },
    );
  }
  return armorMessage(encrypted);
}

/**
 * Decrypts an armored message and checks its signature against the keys the sender may hold.
 * A bad or foreign signature is an outcome, not an error; failing to decrypt throws
 * CoreError('decrypt_failed').
 */
export async function decryptAndVerify(options: {
  armored: string;
  decryptionKeys: readonly PrivateKey[];
  expectedSignerKeys: readonly PublicKey[];
}): Promise<DecryptedMessage> {
  await installSyncSubtle();
  const message = await readEncryptedMessage(options.armored);
  let result: DecryptMessageResult & { data: Uint8Array };
  try {
    result = await decrypt({
      message,
      decryptionKeys: [...options.decryptionKeys],
      verificationKeys: [...options.expectedSignerKeys],
      format: 'binary',
      date: verificationDate(),
      config: deltaChatProfile,
    });
  } catch (cause) {
    const opens = await opensSessionKey(options.armored, {
      decryptionKeys: [...options.decryptionKeys],
    });
    throw decryptFailure(
      cause,
      opens,
      'This message was encrypted for a key Estafette does not have, so it cannot be read.',
    );
  }
  return {
    data: result.data,
    ...(await judgeSignatures(result.signatures, options.expectedSignerKeys)),
  };
}

/**
 * Decrypts an armored message as openpgp.js's `Message.decrypt` does, but opens the session key
 * one recipient at a time, the last first, and stops at the first that opens. Recipients are
 * anonymous (wildcard key IDs), so openpgp.js tries every one with every key; Delta Chat and
 * Estafette list the sender's own key first, so in a 1:1 chat the reader's is the last and one
 * X25519 agreement and key unwrap per message is saved. If that session key does not decrypt the
 * message, openpgp.js's own full path decides (with every session key it can open), so the
 * outcome is always the one openpgp.js gives.
 */
export async function decryptArmoredMessage(
  armored: string,
  decryptionKeys: PrivateKey[],
  date: Date,
): Promise<Message<Uint8Array | string>> {
  const message = await readMessage({ armoredMessage: armored, config: deltaChatProfile });
  const recipients = message.packets.filterByTag(enums.packet.publicKeyEncryptedSessionKey);
  if (recipients.length > 1) {
    for (let i = recipients.length - 1; i >= 0; i--) {
      const one = new Message(new PacketList<AnyPacket>());
      one.packets.push(recipients[i] as AnyPacket);
      let sessionKeys;
      try {
        sessionKeys = await decryptSessionKeys({
          message: one,
          decryptionKeys,
          date,
          config: deltaChatProfile,
        });
      } catch {
        continue; // not ours
      }
      try {
        // A v6 recipient packet carries no algorithm (SEIPDv2 names it): null is what
        // openpgp.js passes on itself, though its types do not say so.
        const keys = sessionKeys as SessionKey[];
        return await message.decrypt(undefined, undefined, keys, date, deltaChatProfile);
      } catch {
        break; // decrypting consumed the message: read it again below
      }
    }
    const again = await readMessage({ armoredMessage: armored, config: deltaChatProfile });
    return again.decrypt(decryptionKeys, undefined, undefined, date, deltaChatProfile);
  }
  return message.decrypt(decryptionKeys, undefined, undefined, date, deltaChatProfile);
}

/**
 * Encrypts `data` under a password as SecureJoin v3 does: v6 SKESK with the plain Salted S2K
 * (Delta Chat rejects the iterated one), SEIPDv2 AES-128-OCB, no compression, signed when a
 * signing key is given (without intended recipients, as Delta Chat does).
 */
export async function encryptWithPassword(options: {
  data: Uint8Array | string;
  password: string;
  signingKey?: PrivateKey;
  date?: Date;
}): Promise<string> {
  if (options.password === '') {
    throw new CoreError('invalid_input', 'A password-protected message needs a password.');
  }
  const date = options.date ?? new Date();
  const literal = await literalPacketOf(options.data);
  const packets = new PacketList<AnyPacket>();
  if (options.signingKey) {
    const { onePass, signature } = await createDataSignature(literal, options.signingKey, [], date);
    packets.push(onePass, literal, signature);
  } else {
    packets.push(literal);
  }
  const sessionKey = new Uint8Array(randomBytes(16));
  // No keys and no passwords: openpgp.js writes only the SEIPDv2 packet for this session key.
  const dataPacket = await encrypt({
    message: new Message<Uint8Array>(packets),
    sessionKey: { data: sessionKey, algorithm: 'aes128', aeadAlgorithm: 'ocb' },
    date,
    format: 'binary',
    config: { ...deltaChatProfile, preferredCompressionAlgorithm: enums.compression.uncompressed },
  });
  const sessionKeyPacket = saltedPasswordSessionKeyPacket(options.password, sessionKey);
  return armorMessage(Buffer.concat([sessionKeyPacket, dataPacket]));
}

/**
 * Decrypts a password-protected message (SecureJoin v3) and judges its signature against
 * `verificationKeys`; a wrong password throws CoreError('decrypt_failed').
 */
export async function decryptWithPassword(options: {
  armored: string;
  password: string;
  verificationKeys?: readonly PublicKey[];
}): Promise<DecryptedMessage> {
  const message = await readEncryptedMessage(options.armored);
  const verificationKeys = [...(options.verificationKeys ?? [])];
  let result: DecryptMessageResult & { data: Uint8Array };
  try {
    result = await decrypt({
      message,
      passwords: [options.password],
      verificationKeys,
      format: 'binary',
      date: verificationDate(),
      config: deltaChatProfile,
    });
  } catch (cause) {
    const opens = await opensSessionKey(options.armored, { passwords: [options.password] });
    throw decryptFailure(
      cause,
      opens,
      'This message was protected with a different secret, so it cannot be read.',
    );
  }
  return { data: result.data, ...(await judgeSignatures(result.signatures, verificationKeys)) };
}

/** The recipients with the signer's own public key first and duplicates dropped. */
function recipientsWithSelf(signingKey: PrivateKey, keys: readonly PublicKey[]): PublicKey[] {
  const self = signingKey.toPublic();
  const seen = new Set([fingerprintOf(self)]);
  const recipients = [self];
  for (const key of keys) {
    const fingerprint = fingerprintOf(key);
    if (seen.has(fingerprint)) continue;
    seen.add(fingerprint);
    recipients.push(key);
  }
  return recipients;
}

/** A binary literal packet with no file name and a zero date, as Delta Chat writes it. */
async function literalPacketOf(data: Uint8Array | string): Promise<LiteralDataPacket> {
  const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
  const message = await createMessage({ binary: bytes, format: 'binary', date: new Date(0) });
  const literal = message.packets.findPacket(enums.packet.literalData);
  if (!(literal instanceof LiteralDataPacket)) {
    throw new CoreError('internal', 'openpgp.js did not produce a literal data packet.');
  }
  return literal;
}

/** Armors with the CRC-24 line Delta Chat writes; RFC 9580 readers must accept it either way. */
function armorMessage(binary: Uint8Array): string {
  return armor(
    enums.armor.message,
    binary,
    undefined,
    undefined,
    undefined,
    true,
    deltaChatProfile,
  );
}

async function readEncryptedMessage(armored: string): Promise<Message<string>> {
  try {
    return await readMessage({ armoredMessage: armored, config: deltaChatProfile });
  } catch (cause) {
    throw new CoreError(
      'decrypt_failed',
      'The encrypted part of this message is damaged, so it cannot be read.',
      { cause },
    );
  }
}

function verificationDate(): Date {
  return new Date(Date.now() + SIGNATURE_CLOCK_SKEW_MS);
}

/**
 * Whether the session key opens with these keys or passwords. openpgp.js's error text does not
 * tell a foreign message from a damaged one (anonymous recipients turn "not for us" into key
 * unwrapping errors), so a failed decryption asks this once more.
 */
async function opensSessionKey(
  armored: string,
  secrets: { decryptionKeys?: PrivateKey[]; passwords?: string[] },
): Promise<boolean> {
  try {
    const message = await readMessage({ armoredMessage: armored, config: deltaChatProfile });
    const sessionKeys = await decryptSessionKeys({ message, ...secrets, config: deltaChatProfile });
    return sessionKeys.length > 0;
  } catch {
    return false;
  }
}

function decryptFailure(cause: unknown, sessionKeyOpens: boolean, notForUs: string): CoreError {
  const sentence = sessionKeyOpens
    ? 'This encrypted message is damaged or was altered on the way, so it cannot be read.'
    : notForUs;
  return new CoreError('decrypt_failed', sentence, { cause });
}
