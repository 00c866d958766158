import {
  enums,
  OnePassSignaturePacket,
  SecretKeyPacket,
  SecretSubkeyPacket,
  SignaturePacket,
} from 'openpgp';
import type {
  AnySecretKeyPacket,
  Config,
  DecryptMessageResult,
  LiteralDataPacket,
  PrivateKey,
  PublicKey,
} from 'openpgp';
import { CoreError } from '../errors.ts';
import { fingerprintOf } from './keys.ts';
import { deltaChatProfile } from './profile.ts';

/** What a message's signature says about its sender; never an exception. */
export type SignatureOutcome =
  | { status: 'valid'; signerFingerprint: string }
  | { status: 'unsigned' }
  | { status: 'other-key'; signerFingerprint?: string }
  | { status: 'invalid'; reason: string };

/** RFC 9580 §5.2.3.36. openpgp.js 6 neither writes nor interprets it. */
const INTENDED_RECIPIENT_SUBPACKET = 35;

/** What openpgp.js does at runtime but its type declarations leave out or describe wrongly. */
type SignaturePacketRuntime = {
  writeHashedSubPackets(): Uint8Array;
  sign(
    key: AnySecretKeyPacket,
    data: LiteralDataPacket,
    date: Date,
    detached: boolean,
    config: Config,
  ): Promise<void>;
};
type OnePassSignatureFactory = {
  fromSignaturePacket(signature: SignaturePacket, isLast: boolean): OnePassSignaturePacket;
};

type VerificationResult = DecryptMessageResult['signatures'][number];

/**
 * Signs a literal data packet the way Delta Chat does: a v4 binary signature with SHA-256, Issuer
 * Fingerprint, and one Intended Recipient Fingerprint per recipient key (none for symmetric
 * messages). Returns the one-pass header and the trailing signature.
 */
export async function createDataSignature(
  literal: LiteralDataPacket,
  signingKey: PrivateKey,
  intendedRecipients: readonly PublicKey[],
  date: Date,
): Promise<{ onePass: OnePassSignaturePacket; signature: SignaturePacket }> {
  const keyPacket = await signingKeyPacketOf(signingKey, date);
  const signature = new SignaturePacket();
  signature.signatureType = enums.signature.binary;
  signature.publicKeyAlgorithm = keyPacket.algorithm;
  // Delta Chat signs with SHA-256; Ed448 needs a 512-bit hash (RFC 9580 §5.2.3.5).
  signature.hashAlgorithm =
    keyPacket.algorithm === enums.publicKey.ed448 ? enums.hash.sha512 : enums.hash.sha256;
  const runtime = signature as unknown as SignaturePacketRuntime;
  if (intendedRecipients.length > 0) {
    // openpgp.js has no option for this subpacket, so extend the hashed area it writes: sign()
    // hashes and serializes whatever this returns.
    const writeOwnArea = runtime.writeHashedSubPackets.bind(signature);
    const extra = intendedRecipients.map(intendedRecipientSubpacket);
    const lengthBytes = keyPacket.version === 6 ? 4 : 2;
    runtime.writeHashedSubPackets = () => appendSubpackets(writeOwnArea(), extra, lengthBytes);
  }
  await runtime.sign(keyPacket, literal, date, false, deltaChatProfile);
  const onePass = (
    OnePassSignaturePacket as unknown as OnePassSignatureFactory
  ).fromSignaturePacket(signature, true);
  return { onePass, signature };
}

/**
 * Turns openpgp.js's verification results into one outcome: valid if any signature by an expected
 * key verifies; invalid if one by an expected key does not; other-key if only unknown keys signed.
 * Intended recipients come from the deciding signature; trust them only when the status is valid.
 */
export async function judgeSignatures(
  results: readonly VerificationResult[],
  expectedSignerKeys: readonly PublicKey[],
): Promise<{ signature: SignatureOutcome; intendedRecipients: string[] }> {
  if (results.length === 0) return { signature: { status: 'unsigned' }, intendedRecipients: [] };
  let invalid: { reason: string; packet: SignaturePacket | null } | null = null;
  let other: { packet: SignaturePacket | null } | null = null;
  for (const result of results) {
    const packet = await signaturePacketOf(result);
    const signer = expectedSignerKeys.find((key) => key.getKeys(result.keyID).length > 0);
    if (!signer) {
      other ??= { packet };
      continue;
    }
    try {
      await result.verified;
      return {
        signature: { status: 'valid', signerFingerprint: fingerprintOf(signer) },
        intendedRecipients: packet ? intendedRecipientsOf(packet) : [],
      };
    } catch (error) {
      invalid ??= { reason: error instanceof Error ? error.message : String(error), packet };
    }
  }
  if (invalid) {
    return {
      signature: { status: 'invalid', reason: invalid.reason },
      intendedRecipients: invalid.packet ? intendedRecipientsOf(invalid.packet) : [],
    };
  }
  const packet = other?.packet ?? null;
  const issuer = packet?.issuerFingerprint;
  return {
    signature: issuer
      ? { status: 'other-key', signerFingerprint: hex(issuer) }
      : { status: 'other-key' },
    intendedRecipients: packet ? intendedRecipientsOf(packet) : [],
  };
}

/** The Intended Recipient Fingerprints in a signature's hashed area, as uppercase hex. */
export function intendedRecipientsOf(signature: SignaturePacket): string[] {
  // openpgp.js files hashed subpackets it does not know under unknownSubpackets; unhashed ones
  // (which anyone could add) never land there.
  return signature.unknownSubpackets
    .filter((subpacket) => subpacket.type === INTENDED_RECIPIENT_SUBPACKET)
    .filter((subpacket) => subpacket.body.length > 1)
    .map((subpacket) => hex(subpacket.body.subarray(1)));
}

/**
 * Whether a message whose signature names these intended recipients may be shown to the holder of
 * `fingerprint`. Delta Chat trashes a message that names recipients but not the receiving key.
 */
export function isIntendedRecipient(
  intendedRecipients: readonly string[],
  fingerprint: string,
): boolean {
  return intendedRecipients.length === 0 || intendedRecipients.includes(fingerprint.toUpperCase());
}

async function signingKeyPacketOf(key: PrivateKey, date: Date): Promise<AnySecretKeyPacket> {
  let keyPacket;
  try {
    keyPacket = (await key.getSigningKey(undefined, date, undefined, deltaChatProfile)).keyPacket;
  } catch (cause) {
    throw new CoreError(
      'invalid_input',
      'Your key cannot sign right now; it may be expired or revoked.',
      { cause },
    );
  }
  if (
    !(keyPacket instanceof SecretKeyPacket || keyPacket instanceof SecretSubkeyPacket) ||
    !keyPacket.isDecrypted()
  ) {
    throw new CoreError('invalid_input', 'Your secret key is not available for signing.');
  }
  return keyPacket;
}

function intendedRecipientSubpacket(key: PublicKey): Uint8Array {
  const fingerprint = key.keyPacket.getFingerprintBytes();
  if (!fingerprint) throw new CoreError('internal', 'A recipient key has no fingerprint.');
  // Length (type octet + body) < 192, so it fits the one-octet form: 1 + 1 + 32 at most.
  return Uint8Array.of(
    2 + fingerprint.length,
    INTENDED_RECIPIENT_SUBPACKET,
    key.keyPacket.version,
    ...fingerprint,
  );
}

/** Appends subpackets to a hashed area written as a big-endian length followed by subpackets. */
function appendSubpackets(
  area: Uint8Array,
  extra: readonly Uint8Array[],
  lengthBytes: number,
): Uint8Array {
  const body = area.subarray(lengthBytes);
  const total = body.length + extra.reduce((sum, subpacket) => sum + subpacket.length, 0);
  const out = new Uint8Array(lengthBytes + total);
  for (let i = 0; i < lengthBytes; i++) {
    out[i] = Math.floor(total / 256 ** (lengthBytes - 1 - i)) % 256;
  }
  out.set(body, lengthBytes);
  let offset = lengthBytes + body.length;
  for (const subpacket of extra) {
    out.set(subpacket, offset);
    offset += subpacket.length;
  }
  return out;
}

async function signaturePacketOf(result: VerificationResult): Promise<SignaturePacket | null> {
  try {
    return (await result.signature).packets[0] ?? null;
  } catch {
    return null;
  }
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex').toUpperCase();
}
