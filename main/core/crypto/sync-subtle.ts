/**
 * openpgp.js does its X25519, Ed25519, HKDF and AES key-wrap work through WebCrypto, and Node runs
 * every such call as a job on libuv's thread pool: a round trip of 0.2–1 ms each, about a dozen
 * per encrypted message on each side, for work that takes microseconds. This routes exactly
 * those calls to Node's synchronous crypto API (the same OpenSSL primitives), so they finish on
 * the calling thread and the promise openpgp.js awaits is already settled.
 *
 * Narrow on purpose: a call is taken only when its algorithm, key type and usages are the ones
 * openpgp.js uses and WebCrypto would accept; anything else, or anything the synchronous API
 * refuses, goes to the original method, which gives the answer (or the error) WebCrypto gives.
 * A failed AES key unwrap (a wrong key: openpgp.js tries each anonymous recipient in turn) is
 * rejected with the OperationError WebCrypto rejects it with. Each path is checked against
 * WebCrypto itself once, at installation, and stays off where the two disagree (e.g. a crypto
 * library without AES key wrap).
 */
import {
  KeyObject,
  createCipheriv,
  createHash,
  createDecipheriv,
  diffieHellman,
  generateKeyPairSync,
  getCiphers,
  hkdfSync,
  randomBytes,
  sign,
  verify,
} from 'node:crypto';

import { installSyncZlib } from './sync-zlib.ts';

type Algorithm = string | { name: string; [key: string]: unknown };
type Subtle = SubtleCrypto & Record<string, unknown>;

const KW_IV = Buffer.from('a6a6a6a6a6a6a6a6', 'hex');
/** Imported X25519/Ed25519 keys kept for reuse: an account's own and its peers' keys recur. */
const IMPORT_CACHE_SIZE = 64;
const HASHES: Record<string, string> = {
  'SHA-1': 'sha1',
  'SHA-256': 'sha256',
  'SHA-384': 'sha384',
  'SHA-512': 'sha512',
};

let installed: Promise<void> | null = null;

/**
 * Installs the synchronous paths on this thread's `crypto.subtle`, and those of sync-zlib.ts for
 * openpgp.js's compression (once; every path is checked first). openpgp.js calls made before the
 * returned promise settles use plain WebCrypto and streams.
 */
export function installSyncSubtle(): Promise<void> {
  installed ??= install().catch(() => {});
  return installed;
}

async function install(): Promise<void> {
  await installSyncZlib();
  const subtle = globalThis.crypto?.subtle as Subtle | undefined;
  if (!subtle || typeof KeyObject.from !== 'function') return;
  const original = {
    sign: subtle.sign.bind(subtle),
    verify: subtle.verify.bind(subtle),
    generateKey: subtle.generateKey.bind(subtle),
    deriveBits: subtle.deriveBits.bind(subtle),
    wrapKey: subtle.wrapKey.bind(subtle),
    unwrapKey: subtle.unwrapKey.bind(subtle),
    importKey: subtle.importKey.bind(subtle),
  };
  const paths = makePaths(original);
  for (const [name, path] of Object.entries(paths)) {
    if (!(await agrees(name, path, original))) continue;
    subtle[name] = path;
  }
}

type Original = {
  sign: SubtleCrypto['sign'];
  verify: SubtleCrypto['verify'];
  generateKey: SubtleCrypto['generateKey'];
  deriveBits: SubtleCrypto['deriveBits'];
  wrapKey: SubtleCrypto['wrapKey'];
  unwrapKey: SubtleCrypto['unwrapKey'];
  importKey: SubtleCrypto['importKey'];
};

/* eslint-disable @typescript-eslint/no-explicit-any -- WebCrypto's overloads, passed through */
function makePaths(o: Original): Record<string, (...args: any[]) => Promise<any>> {
  // Keyed by a digest of everything the import depends on; newest use last (an LRU).
  const imported = new Map<string, CryptoKey>();
  return {
    importKey(
      format: string,
      keyData: unknown,
      algorithm: Algorithm,
      extractable: boolean,
      usages: KeyUsage[],
    ) {
      const fallback = () =>
        o.importKey(
          format as 'jwk',
          keyData as JsonWebKey,
          algorithm as AlgorithmIdentifier,
          extractable,
          usages,
        );
      const name = nameOf(algorithm);
      if (
        format !== 'jwk' ||
        (name !== 'X25519' && name !== 'ED25519') ||
        typeof algorithm !== 'string' ||
        !isOkpJwk(keyData) ||
        !Array.isArray(usages)
      ) {
        return fallback();
      }
      // A CryptoKey is immutable, so one import serves every identical request.
      const id = createHash('sha256')
        .update(JSON.stringify([name, sortedEntries(keyData), extractable, [...usages].sort()]))
        .digest('base64');
      const hit = imported.get(id);
      if (hit) {
        imported.delete(id);
        imported.set(id, hit);
        return Promise.resolve(hit);
      }
      return fallback().then((key) => {
        imported.set(id, key);
        if (imported.size > IMPORT_CACHE_SIZE) {
          const oldest = imported.keys().next().value;
          if (oldest !== undefined) imported.delete(oldest);
        }
        return key;
      });
    },
    sign(algorithm: Algorithm, key: CryptoKey, data: BufferSource) {
      if (nameOf(algorithm) !== 'ED25519' || !usable(key, 'Ed25519', 'private', 'sign')) {
        return o.sign(algorithm, key, data);
      }
      return attempt(
        () => arrayBuffer(sign(null, bytes(data), KeyObject.from(key))),
        () => o.sign(algorithm, key, data),
      );
    },
    verify(algorithm: Algorithm, key: CryptoKey, signature: BufferSource, data: BufferSource) {
      if (nameOf(algorithm) !== 'ED25519' || !usable(key, 'Ed25519', 'public', 'verify')) {
        return o.verify(algorithm, key, signature, data);
      }
      return attempt(
        () => verify(null, bytes(data), KeyObject.from(key), bytes(signature)),
        () => o.verify(algorithm, key, signature, data),
      );
    },
    generateKey(algorithm: Algorithm, extractable: boolean, usages: KeyUsage[]) {
      const derive = usages.filter((u) => u === 'deriveBits' || u === 'deriveKey');
      if (
        nameOf(algorithm) !== 'X25519' ||
        derive.length === 0 ||
        derive.length !== usages.length
      ) {
        return o.generateKey(algorithm as AlgorithmIdentifier, extractable, usages);
      }
      return attempt(
        () => {
          const pair = generateKeyPairSync('x25519');
          return {
            publicKey: pair.publicKey.toCryptoKey('X25519', true, []),
            privateKey: pair.privateKey.toCryptoKey('X25519', extractable, derive),
          };
        },
        () => o.generateKey(algorithm as AlgorithmIdentifier, extractable, usages),
      );
    },
    deriveBits(algorithm: Algorithm, key: CryptoKey, length?: number | null) {
      const name = nameOf(algorithm);
      const params = typeof algorithm === 'object' ? algorithm : { name: String(algorithm) };
      const fallback = () => o.deriveBits(algorithm as AlgorithmIdentifier, key, length);
      if (name === 'X25519') {
        const peer = params['public'];
        if (
          !usable(key, 'X25519', 'private', 'deriveBits') ||
          !(peer instanceof CryptoKey) ||
          !usable(peer, 'X25519', 'public') ||
          (length !== 256 && length !== null && length !== undefined)
        ) {
          return fallback();
        }
        const shared = (): ArrayBuffer =>
          arrayBuffer(
            diffieHellman({ privateKey: KeyObject.from(key), publicKey: KeyObject.from(peer) }),
          );
        return attempt(shared, fallback);
      }
      if (name === 'HKDF') {
        const hash = HASHES[nameOf(params['hash'] as Algorithm) ?? ''];
        const salt = params['salt'];
        const info = params['info'];
        if (
          !hash ||
          !usable(key, 'HKDF', 'secret', 'deriveBits') ||
          typeof length !== 'number' ||
          length <= 0 ||
          length % 8 !== 0 ||
          !isBufferSource(salt) ||
          !isBufferSource(info)
        ) {
          return fallback();
        }
        return attempt(
          () => hkdfSync(hash, KeyObject.from(key), bytes(salt), bytes(info), length / 8),
          fallback,
        );
      }
      return fallback();
    },
    wrapKey(format: string, key: CryptoKey, wrappingKey: CryptoKey, algorithm: Algorithm) {
      const fallback = () =>
        o.wrapKey(format as 'raw', key, wrappingKey, algorithm as AlgorithmIdentifier);
      if (
        format !== 'raw' ||
        nameOf(algorithm) !== 'AES-KW' ||
        !usable(wrappingKey, 'AES-KW', 'secret', 'wrapKey') ||
        key.type !== 'secret' ||
        !key.extractable
      ) {
        return fallback();
      }
      return attempt(() => {
        const kek = KeyObject.from(wrappingKey).export();
        const cipher = createCipheriv(`id-aes${kek.length * 8}-wrap`, kek, KW_IV);
        const plain = KeyObject.from(key).export();
        return arrayBuffer(Buffer.concat([cipher.update(plain), cipher.final()]));
      }, fallback);
    },
    unwrapKey(
      format: string,
      wrapped: BufferSource,
      unwrappingKey: CryptoKey,
      algorithm: Algorithm,
      unwrappedAlgorithm: Algorithm,
      extractable: boolean,
      usages: KeyUsage[],
    ) {
      const fallback = () =>
        o.unwrapKey(
          format as 'raw',
          wrapped,
          unwrappingKey,
          algorithm as AlgorithmIdentifier,
          unwrappedAlgorithm as AlgorithmIdentifier,
          extractable,
          usages,
        );
      if (
        format !== 'raw' ||
        nameOf(algorithm) !== 'AES-KW' ||
        !usable(unwrappingKey, 'AES-KW', 'secret', 'unwrapKey') ||
        !isBufferSource(wrapped)
      ) {
        return fallback();
      }
      const input = bytes(wrapped);
      // RFC 3394 input is whole 64-bit blocks, at least three; anything else is WebCrypto's to refuse.
      if (input.length < 24 || input.length % 8 !== 0) return fallback();
      let plain: Buffer;
      try {
        const kek = KeyObject.from(unwrappingKey).export();
        const decipher = createDecipheriv(`id-aes${kek.length * 8}-wrap`, kek, KW_IV);
        plain = Buffer.concat([decipher.update(input), decipher.final()]);
      } catch {
        // The integrity check failed: the wrong key, as WebCrypto reports it.
        return Promise.reject(
          new DOMException(
            'The operation failed for an operation-specific reason',
            'OperationError',
          ),
        );
      }
      return o.importKey(
        'raw',
        new Uint8Array(arrayBuffer(plain)),
        unwrappedAlgorithm as AlgorithmIdentifier,
        extractable,
        usages,
      );
    },
  };
}

/**
 * Whether a path gives what WebCrypto gives, on a fresh key: the same signature bytes, the same
 * shared secret, the same derived and wrapped bytes, and the same refusal of a wrong key.
 */
async function agrees(
  name: string,
  path: (...args: any[]) => Promise<any>,
  o: Original,
): Promise<boolean> {
  try {
    const data = randomBytes(48);
    switch (name) {
      case 'sign':
      case 'verify': {
        const pair = (await o.generateKey('Ed25519', true, ['sign', 'verify'])) as CryptoKeyPair;
        const theirs = Buffer.from(await o.sign('Ed25519', pair.privateKey, data));
        if (name === 'sign') {
          return Buffer.from(await path('Ed25519', pair.privateKey, data)).equals(theirs);
        }
        const bad = Buffer.from(theirs);
        bad[0] = (bad[0] ?? 0) ^ 1;
        return (
          (await path('Ed25519', pair.publicKey, theirs, data)) === true &&
          (await path('Ed25519', pair.publicKey, bad, data)) === false
        );
      }
      case 'generateKey':
      case 'deriveBits': {
        const usages: KeyUsage[] = ['deriveBits'];
        const gen = name === 'generateKey' ? path : o.generateKey;
        const a = (await gen('X25519', true, usages)) as CryptoKeyPair;
        const b = (await o.generateKey('X25519', true, usages)) as CryptoKeyPair;
        const derive = name === 'deriveBits' ? path : o.deriveBits;
        const ab = Buffer.from(
          await derive({ name: 'X25519', public: b.publicKey }, a.privateKey, 256),
        );
        const ba = Buffer.from(
          await o.deriveBits({ name: 'X25519', public: a.publicKey }, b.privateKey, 256),
        );
        if (!ab.equals(ba)) return false;
        if (name === 'generateKey') return true;
        const ikm = await o.importKey('raw', data, 'HKDF', false, ['deriveBits']);
        const params = { name: 'HKDF', hash: 'SHA-256', salt: data.subarray(0, 16), info: data };
        const mine = Buffer.from(await path(params, ikm, 256));
        const theirs = Buffer.from(await o.deriveBits(params, ikm, 256));
        return mine.equals(theirs);
      }
      case 'wrapKey':
      case 'unwrapKey': {
        const usages: KeyUsage[] = ['wrapKey', 'unwrapKey'];
        const kek = await o.importKey('raw', data.subarray(0, 16), 'AES-KW', false, usages);
        const other = await o.importKey('raw', data.subarray(16, 32), 'AES-KW', false, usages);
        const hmac = { name: 'HMAC', hash: 'SHA-256' };
        const key = await o.importKey('raw', data.subarray(8, 40), hmac, true, ['sign']);
        const theirs = Buffer.from(await o.wrapKey('raw', key, kek, 'AES-KW'));
        if (name === 'wrapKey') {
          const wrapped = Buffer.from(await path('raw', key, kek, { name: 'AES-KW' }));
          return wrapped.equals(theirs) && getCiphers().includes('id-aes128-wrap');
        }
        const back = (await path('raw', theirs, kek, { name: 'AES-KW' }, hmac, true, [
          'sign',
        ])) as CryptoKey;
        const raw = Buffer.from(await crypto.subtle.exportKey('raw', back));
        if (!raw.equals(data.subarray(8, 40))) return false;
        const refused = await path('raw', theirs, other, { name: 'AES-KW' }, hmac, true, [
          'sign',
        ]).then(
          () => false,
          (e: unknown) => e instanceof DOMException && e.name === 'OperationError',
        );
        return refused && getCiphers().includes('id-aes128-wrap');
      }
      case 'importKey': {
        // The same import twice gives one key that works as the original does; other usages or
        // another key give another import.
        const pair = (await o.generateKey('X25519', true, ['deriveBits'])) as CryptoKeyPair;
        const peer = (await o.generateKey('X25519', true, ['deriveBits'])) as CryptoKeyPair;
        // As openpgp.js builds them: no key_ops, so that other usages may be asked for.
        const { key_ops: _ops, ...jwk } = await crypto.subtle.exportKey('jwk', pair.privateKey);
        const first = (await path('jwk', jwk, 'X25519', false, ['deriveBits'])) as CryptoKey;
        const again = (await path('jwk', { ...jwk }, 'X25519', false, ['deriveBits'])) as CryptoKey;
        const other = (await path('jwk', jwk, 'X25519', false, ['deriveKey'])) as CryptoKey;
        const params = { name: 'X25519', public: peer.publicKey };
        const mine = Buffer.from(await o.deriveBits(params, first, 256));
        const theirs = Buffer.from(await o.deriveBits(params, pair.privateKey, 256));
        return first === again && other !== first && mine.equals(theirs);
      }
      default:
        return false;
    }
  } catch {
    return false;
  }
}

type JwkValue = string | boolean | string[];

/** A JSON Web Key of an OKP curve (X25519, Ed25519) with only plain fields (as openpgp.js makes). */
function isOkpJwk(value: unknown): value is Record<string, JwkValue> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const jwk = value as Record<string, unknown>;
  return (
    jwk['kty'] === 'OKP' &&
    Object.values(jwk).every(
      (v) =>
        typeof v === 'string' ||
        typeof v === 'boolean' ||
        (Array.isArray(v) && v.every((e) => typeof e === 'string')),
    )
  );
}

function sortedEntries(record: Record<string, JwkValue>): [string, JwkValue][] {
  return Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
/* eslint-enable @typescript-eslint/no-explicit-any */

/** Runs `fast` and settles with its result; if it throws, the original method answers. */
function attempt<T>(fast: () => T, fallback: () => Promise<unknown>): Promise<unknown> {
  let result: T;
  try {
    result = fast();
  } catch {
    return fallback();
  }
  return Promise.resolve(result);
}

function nameOf(algorithm: Algorithm | undefined): string | null {
  const name = typeof algorithm === 'string' ? algorithm : algorithm?.name;
  return typeof name === 'string' ? name.toUpperCase() : null;
}

function usable(key: unknown, algorithm: string, type: KeyType, usage?: KeyUsage): boolean {
  return (
    key instanceof CryptoKey &&
    key.type === type &&
    key.algorithm.name.toUpperCase() === algorithm.toUpperCase() &&
    (usage === undefined || key.usages.includes(usage))
  );
}

function isBufferSource(value: unknown): value is BufferSource {
  return value instanceof ArrayBuffer || ArrayBuffer.isView(value);
}

function bytes(data: BufferSource): Buffer {
  if (data instanceof ArrayBuffer) return Buffer.from(data);
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

function arrayBuffer(buf: Buffer): ArrayBuffer {
  return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
}
