import { createCipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
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
  const cipher = createCipheriv('aes-128-ocb', kek, nonce, { authTagLength: OCB_TAG_BYTES });
  cipher.setAAD(info, { plaintextLength: sessionKey.length });
  const wrapped = Buffer.concat([cipher.update(sessionKey), cipher.final(), cipher.getAuthTag()]);
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
