import { createCipheriv, createHash, getCiphers, hkdfSync, randomBytes } from 'node:crypto';
import { CoreError } from '../errors.ts';

// Octets of RFC 9580 that appear below.
const SKESK_TAG = 3;
const SKESK_VERSION = 6;
const AES_128 = 7;
const OCB = 2;
const S2K_SALTED = 1;
const SHA_256 = 8;
const SALT_BYTES = 8;
const OCB_NONCE_BYTES = 15;
const OCB_TAG_BYTES = 16;
const AES_128_KEY_BYTES = 16;

/**
 * Builds a v6 Symmetric-Key Encrypted Session Key packet (RFC 9580 §5.3.2) that wraps an
 * AES-128 session key under a password with the plain Salted S2K and AES-128-OCB.
 *
 * openpgp.js only writes Iterated or Argon2 S2K, and Delta Chat rejects both for SecureJoin v3, so
 * this one packet is written here; the data packet still comes from openpgp.js.
 */
export function saltedPasswordSessionKeyPacket(
  password: string,
  sessionKey: Uint8Array,
): Uint8Array {
  if (sessionKey.length !== AES_128_KEY_BYTES) {
    throw new CoreError('internal', 'A password-protected message needs an AES-128 session key.');
  }
  const salt = randomBytes(SALT_BYTES);
  const s2kSpecifier = Buffer.concat([Uint8Array.of(S2K_SALTED, SHA_256), salt]);
  // Salted S2K (§3.7.1.2): one SHA-256 over salt || password, cut to the key size.
  const s2kKey = createHash('sha256')
    .update(salt)
    .update(Buffer.from(password, 'utf8'))
    .digest()
    .subarray(0, AES_128_KEY_BYTES);
  // §5.3.2: the key-encryption key is HKDF-SHA256 of the S2K output, with the packet's header
  // octets as info; the same octets are the AEAD associated data.
  const info = Uint8Array.of(0xc0 | SKESK_TAG, SKESK_VERSION, AES_128, OCB);
  const kek = Buffer.from(hkdfSync('sha256', s2kKey, new Uint8Array(0), info, AES_128_KEY_BYTES));
  const nonce = randomBytes(OCB_NONCE_BYTES);
  const wrapped = ocbSeal(kek, nonce, info, sessionKey);
  const body = Buffer.concat([
    Uint8Array.of(
      SKESK_VERSION,
      3 + s2kSpecifier.length + nonce.length, // octets of cipher, AEAD, S2K length, S2K, nonce
      AES_128,
      OCB,
      s2kSpecifier.length,
    ),
    s2kSpecifier,
    nonce,
    wrapped,
  ]);
  // New-format header; the body (62 octets) fits the one-octet length form.
  return Buffer.concat([Uint8Array.of(0xc0 | SKESK_TAG, body.length), body]);
}

/** AES-128-OCB with a 128-bit tag: ciphertext || tag. Node's (OpenSSL's) where it has one. */
function ocbSeal(key: Buffer, nonce: Uint8Array, aad: Uint8Array, plain: Uint8Array): Buffer {
  if (!getCiphers().includes('aes-128-ocb')) return ocbSealWithBlockCipher(key, nonce, aad, plain);
  const cipher = createCipheriv('aes-128-ocb', key, nonce, { authTagLength: OCB_TAG_BYTES });
  cipher.setAAD(aad, { plaintextLength: plain.length });
  return Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
}

/**
 * OCB-ENCRYPT of RFC 7253 (TAGLEN 128) over the AES block cipher, for runtimes whose crypto
 * library has no OCB mode (Electron's BoringSSL): only AES-ECB of single blocks comes from Node.
 * Exported for its tests, which compare it with Node's OCB on random inputs and RFC 7253's vectors.
 */
export function ocbSealWithBlockCipher(
  key: Uint8Array,
  nonce: Uint8Array,
  aad: Uint8Array,
  plain: Uint8Array,
): Buffer {
  if (nonce.length < 1 || nonce.length > 15) throw new RangeError('OCB nonces are 1 to 15 bytes.');
  const aes = createCipheriv(`aes-${key.length * 8}-ecb`, key, null).setAutoPadding(false);
  const encipher = (block: Uint8Array): Buffer => aes.update(block);
  const lStar = encipher(Buffer.alloc(16));
  const lDollar = double(lStar);
  const l: Buffer[] = [double(lDollar)];
  const lAt = (i: number): Buffer => {
    while (l.length <= i) l.push(double(l[l.length - 1]!));
    return l[i]!;
  };
  // Nonce = zeros || 1 || N (the top seven bits, TAGLEN mod 128, are zero).
  const block = Buffer.alloc(16);
  block[15 - nonce.length] = 1;
  block.set(nonce, 16 - nonce.length);
  const bottom = block[15]! & 0x3f;
  block[15]! &= 0xc0;
  const kTop = encipher(block);
  const stretch = Buffer.concat([kTop, xor(kTop.subarray(0, 8), kTop.subarray(1, 9))]);
  const offset = bitsFrom(stretch, bottom);
  const checksum = Buffer.alloc(16);
  const out: Buffer[] = [];
  const full = Math.floor(plain.length / 16);
  for (let i = 1; i <= full; i++) {
    xorInto(offset, lAt(ntz(i)));
    const p = plain.subarray((i - 1) * 16, i * 16);
    out.push(xor(offset, encipher(xor(p, offset))));
    xorInto(checksum, p);
  }
  const rest = plain.subarray(full * 16);
  if (rest.length > 0) {
    xorInto(offset, lStar);
    const pad = encipher(offset);
    out.push(xor(rest, pad.subarray(0, rest.length)));
    xorInto(checksum, padded(rest));
  }
  const tag = xor(
    encipher(xor(xor(checksum, offset), lDollar)),
    ocbHash(encipher, lStar, lAt, aad),
  );
  return Buffer.concat([...out, tag]);
}

/** HASH(K, A) of RFC 7253. */
function ocbHash(
  encipher: (block: Uint8Array) => Buffer,
  lStar: Buffer,
  lAt: (i: number) => Buffer,
  aad: Uint8Array,
): Buffer {
  const sum = Buffer.alloc(16);
  const offset = Buffer.alloc(16);
  const full = Math.floor(aad.length / 16);
  for (let i = 1; i <= full; i++) {
    xorInto(offset, lAt(ntz(i)));
    xorInto(sum, encipher(xor(aad.subarray((i - 1) * 16, i * 16), offset)));
  }
  const rest = aad.subarray(full * 16);
  if (rest.length > 0) {
    xorInto(offset, lStar);
    xorInto(sum, encipher(xor(padded(rest), offset)));
  }
  return sum;
}

/** Multiplication by x in GF(2^128) as RFC 7253 writes it. */
function double(s: Buffer): Buffer {
  const out = Buffer.alloc(16);
  for (let i = 0; i < 16; i++) out[i] = ((s[i]! << 1) | (i < 15 ? s[i + 1]! >> 7 : 0)) & 0xff;
  if (s[0]! & 0x80) out[15]! ^= 0x87;
  return out;
}

/** The 128 bits of `s` starting at bit `start` (big-endian bit order). */
function bitsFrom(s: Buffer, start: number): Buffer {
  const bytes = start >> 3;
  const bits = start & 7;
  const out = Buffer.alloc(16);
  for (let i = 0; i < 16; i++) {
    const hi = s[i + bytes]! << bits;
    const lo = bits > 0 ? (s[i + bytes + 1] ?? 0) >> (8 - bits) : 0;
    out[i] = (hi | lo) & 0xff;
  }
  return out;
}

/** A partial block followed by a single 1 bit and zeros. */
function padded(rest: Uint8Array): Buffer {
  const out = Buffer.alloc(16);
  out.set(rest);
  out[rest.length] = 0x80;
  return out;
}

function ntz(n: number): number {
  let zeros = 0;
  while ((n & 1) === 0) {
    n >>= 1;
    zeros++;
  }
  return zeros;
}

/** a xor b over the length of a (b at least as long). */
function xor(a: Uint8Array, b: Uint8Array): Buffer {
  const out = Buffer.from(a);
  for (let i = 0; i < out.length; i++) out[i]! ^= b[i]!;
  return out;
}

function xorInto(target: Buffer, other: Uint8Array): void {
  for (let i = 0; i < target.length; i++) target[i]! ^= other[i]!;
}
