/**
 * Opening one fetched mail: parse the outer message, decrypt it with our key, parse the inner
 * message, and check its signatures. This is the CPU-heavy, order-independent part of receiving,
 * so it runs on worker threads (chat/open-pool.ts) while the main thread applies the results in
 * UID order (chat/mail-opening.ts, chat/receive.ts).
 *
 * Which keys a message must be signed with depends on the Autocrypt state left by the messages
 * before it in the same batch, which a worker cannot know. So a worker checks every signature
 * against a set of candidate keys: those the main thread passed and the key the message announces
 * in its own (encrypted) Autocrypt header. The main thread then judges the checks against the
 * keys it expects at that point; when an expected key was not among the candidates, it asks again
 * with that key (rare: a sender who does not announce the key we hold for them).
 *
 * Everything here is plain data in and out (structured-clone safe) and never throws.
 */
import type { Message, PrivateKey, PublicKey } from 'openpgp';
import { CoreError } from '../errors.ts';
import type { ErrorCode } from '../errors.ts';
import { parseMail, mergeProtected } from '../mime/parse.ts';
import type { ParsedMail } from '../mime/types.ts';
import { readHeaderKey, selectAutocryptHeader } from '../crypto/autocrypt.ts';
import { fingerprintOf, readPrivateKey, readPublicKey } from '../crypto/keys.ts';
import { decryptAndVerify, decryptArmoredMessage } from '../crypto/pgp.ts';
import { deltaChatProfile } from '../crypto/profile.ts';
import { intendedRecipientsOf } from '../crypto/signature.ts';
import { installSyncSubtle } from '../crypto/sync-subtle.ts';

/** One mail to open. Keys travel as binary transferable keys (`key.write()`). */
export interface OpenJob {
  source: Uint8Array;
  /** Our secret keys. */
  decryptionKeys: Uint8Array[];
  /** Keys to check signatures against besides the one the message announces. */
  signerKeys: Uint8Array[];
}

/** An error as data: enough to throw the same CoreError again on the other side. */
export interface ErrorData {
  code: ErrorCode | null;
  sentence: string;
  message: string;
}

/** The check of one signature against the candidate key that holds its issuer key ID. */
export interface CandidateCheck {
  candidate: number;
  /** Primary key fingerprint of the candidate, uppercase hex. */
  fingerprint: string;
  ok: boolean;
  reason: string;
}

/** One data signature of the decrypted message. */
export interface SignatureCheck {
  issuerFingerprint: string | null;
  intendedRecipients: string[];
  /** Indexes of the candidates that hold the signature's issuer key ID, in candidate order. */
  holders: number[];
  /** The check against the first holder (the key openpgp.js verifies with), if any. */
  check: CandidateCheck | null;
}

export interface OpenedMail {
  /** Opening itself failed (a bug, a worker that died): the batch fails and is tried again. */
  crashed?: ErrorData;
  /** Set when even the outer message could not be parsed (then nothing else is). */
  outerError?: ErrorData;
  outer?: ParsedMail;
  /** Opening with our key failed (CoreError decrypt_failed: a SecureJoin secret may still fit). */
  decryptError?: ErrorData;
  /** The decrypted payload could not be parsed. */
  innerError?: ErrorData;
  /** The decrypted payload, and the outer and inner message merged (mergeProtected). */
  data?: Uint8Array;
  merged?: ParsedMail;
  /** The candidate keys the signatures were checked against (binary). */
  candidates?: Uint8Array[];
  /** Index in `candidates` of the key the message announces, or -1. */
  announced?: number;
  signatures?: SignatureCheck[];
}

/** A sender's clock may run ahead of ours (the same allowance as crypto/pgp.ts). */
const SIGNATURE_CLOCK_SKEW_MS = 24 * 60 * 60 * 1000;

/** Opens one mail; never throws (failures are in the result). */
export async function openMail(job: OpenJob): Promise<OpenedMail> {
  await installSyncSubtle();
  const source = asBuffer(job.source);
  const keys = Promise.all(job.decryptionKeys.map(privateKeyOf));
  keys.catch(() => {});
  // Decryption starts from the armored block found in the raw bytes while MIME parsing runs;
  // it counts only if parsing finds the very same block (else it is done again).
  const early = armoredIn(source);
  const decrypting = early ? keys.then((k) => decryptArmored(early, k)) : null;
  decrypting?.catch(() => {});
  let outer: ParsedMail;
  try {
    outer = await parseMail(source);
  } catch (e) {
    return { outerError: errorData(e) };
  }
  // Mail without a sender becomes a placeholder before anything is decrypted.
  if (!outer.from || !outer.encrypted) return { outer };
  const armored = outer.encrypted.armored;
  let secretKeys: PrivateKey[] = [];
  try {
    secretKeys = await keys;
    const decrypted =
      decrypting && early === armored
        ? await decrypting
        : await decryptArmored(armored, secretKeys);
    return await openEncrypted(outer, outer.from.addr, decrypted, job.signerKeys);
  } catch {
    // Anything openpgp.js refused on the way; crypto/pgp.ts tells a damaged message from one
    // that is not for us, so let it say which.
    try {
      await decryptAndVerify({ armored, decryptionKeys: secretKeys, expectedSignerKeys: [] });
    } catch (e) {
      return { outer, decryptError: errorData(e) };
    }
    // It opens after all: only the outer message comes back, and the main thread takes the
    // one-thread path (crypto/pgp.ts) for it.
    return { outer };
  }
}

const ARMOR = /-----BEGIN PGP MESSAGE-----[\s\S]*?-----END PGP MESSAGE-----/;

/** The armored block of a multipart/encrypted message as its raw bytes carry it, if any. */
function armoredIn(source: Buffer): string | null {
  const head = source.subarray(0, Math.min(source.length, 16_384)).toString('latin1');
  if (!/^content-type:\s*multipart\/encrypted/im.test(head)) return null;
  return ARMOR.exec(source.toString('latin1'))?.[0] ?? null;
}

type Decrypted = Awaited<ReturnType<Message<string>['decrypt']>>;

async function decryptArmored(armored: string, secretKeys: PrivateKey[]): Promise<Decrypted> {
  return decryptArmoredMessage(armored, secretKeys, verificationDate());
}

function verificationDate(): Date {
  return new Date(Date.now() + SIGNATURE_CLOCK_SKEW_MS);
}

async function openEncrypted(
  outer: ParsedMail,
  fromAddr: string,
  decrypted: Decrypted,
  signerKeys: Uint8Array[],
): Promise<OpenedMail> {
  const date = verificationDate();
  const data = decrypted.getLiteralData();
  if (!(data instanceof Uint8Array)) throw new Error('no literal data');

  let merged: ParsedMail;
  try {
    merged = mergeProtected(outer, await parseMail(Buffer.from(data)));
  } catch (e) {
    // A broken packet structure counts as undecryptable (as in openpgp.decrypt) before the
    // payload's own problems.
    await decrypted.verify([], date, deltaChatProfile);
    return { outer, data, innerError: errorData(e) };
  }

  // Candidates in order: what the caller passed, then the key this message announces.
  const candidates: PublicKey[] = [];
  const candidateBytes: Uint8Array[] = [];
  const add = (key: PublicKey, bytes: Uint8Array): number => {
    const i = candidateBytes.findIndex((b) => sameBytes(b, bytes));
    if (i >= 0) return i;
    candidates.push(key);
    candidateBytes.push(bytes);
    return candidates.length - 1;
  };
  for (const bytes of signerKeys) {
    const key = await publicKeyOf(bytes).catch(() => null);
    if (key) add(key, bytes);
  }
  let announced = -1;
  const header = selectAutocryptHeader(merged.isMdn ? [] : merged.autocrypt, fromAddr);
  const headerKey = header ? await readHeaderKey(header) : null;
  if (headerKey) announced = add(headerKey.publicKey, headerKey.publicKey.write());

  // One verification pass (the packets are read once): openpgp.js checks each signature with
  // the first candidate holding its issuer key ID, as judgeSignatures picks the first expected.
  const results = await decrypted.verify(candidates, date, deltaChatProfile);
  const signatures: SignatureCheck[] = await Promise.all(
    results.map(async (r) => {
      const packet = await r.signature.then((sig) => sig.packets[0] ?? null).catch(() => null);
      const holders = candidates.flatMap((key, i) => (key.getKeys(r.keyID).length > 0 ? [i] : []));
      let check: CandidateCheck | null = null;
      const first = holders[0];
      if (first !== undefined) {
        let ok = true;
        let reason = '';
        try {
          await r.verified;
        } catch (e) {
          ok = false;
          reason = e instanceof Error ? e.message : String(e);
        }
        check = { candidate: first, fingerprint: fingerprintOf(candidates[first]!), ok, reason };
      }
      return {
        issuerFingerprint: packet?.issuerFingerprint ? hex(packet.issuerFingerprint) : null,
        intendedRecipients: packet ? intendedRecipientsOf(packet) : [],
        holders,
        check,
      };
    }),
  );
  return { outer, data, merged, candidates: candidateBytes, announced, signatures };
}

/** The result for a mail whose opening failed unexpectedly (a bug, or a worker that died). */
export function failedOpening(e: unknown): OpenedMail {
  return { crashed: errorData(e) };
}

/** The same error again, from its data. */
export function errorFrom(d: ErrorData): Error {
  return d.code ? new CoreError(d.code, d.sentence) : new Error(d.message);
}

function errorData(e: unknown): ErrorData {
  if (e instanceof CoreError) return { code: e.code, sentence: e.sentence, message: e.message };
  return { code: null, sentence: '', message: e instanceof Error ? e.message : String(e) };
}

/** Structured clone turns Buffers into plain Uint8Arrays; parsers want Buffers. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.byteLength === b.byteLength && Buffer.compare(asBuffer(a), asBuffer(b)) === 0;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex').toUpperCase();
}

// Parsed keys by their bytes: an account's key and its peers' keys come with every job.
const privateKeys = new Map<string, Promise<PrivateKey>>();
const publicKeys = new Map<string, Promise<PublicKey>>();
const KEY_CACHE_LIMIT = 256;

function privateKeyOf(bytes: Uint8Array): Promise<PrivateKey> {
  return cached(privateKeys, bytes, () => readPrivateKey(bytes));
}

function publicKeyOf(bytes: Uint8Array): Promise<PublicKey> {
  return cached(publicKeys, bytes, () => readPublicKey(bytes));
}

function cached<T>(cache: Map<string, Promise<T>>, bytes: Uint8Array, read: () => Promise<T>) {
  const id = asBuffer(bytes).toString('base64');
  let hit = cache.get(id);
  if (!hit) {
    if (cache.size >= KEY_CACHE_LIMIT) cache.delete(cache.keys().next().value ?? '');
    hit = read();
    cache.set(id, hit);
    hit.catch(() => cache.delete(id));
  }
  return hit;
}
