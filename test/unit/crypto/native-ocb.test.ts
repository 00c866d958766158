/**
 * patches/openpgp+6.3.2.patch makes openpgp.js run AES-OCB (SEIPDv2, v6 SKESK, AEAD-protected
 * keys) through Node's OpenSSL instead of its JavaScript AES. These tests check that the patch is
 * in place (an `npm install` that skipped `postinstall` would silently lose it) and that the
 * chunked SEIPDv2 construction around it still holds: several chunks and a partial last one
 * round-trip, and any change to the ciphertext is refused. Real Delta Chat messages (decrypted
 * in deltachat-interop.test.ts) are the known answers from an independent implementation.
 */
import { createCipheriv, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  config as defaults,
  enums,
  LiteralDataPacket,
  PacketList,
  SymEncryptedIntegrityProtectedDataPacket,
} from 'openpgp';
import { describe, expect, it } from 'vitest';
import { ocbSealWithBlockCipher } from '../../../main/core/crypto/password-session-key.ts';

// Methods openpgp.js has at runtime but its type declarations keep private or leave out.
type LiteralView = {
  setText(text: string): void;
  getText(): string;
};
type SeipdClass = {
  fromObject(o: { version: number; aeadAlgorithm: number }): Seipd;
};
type Seipd = SymEncryptedIntegrityProtectedDataPacket & {
  version: number;
  aeadAlgorithm: number;
  encrypted: Uint8Array | null;
  packets: PacketList<LiteralDataPacket>;
  encrypt(algo: number, key: Uint8Array, config?: object): Promise<boolean>;
  decrypt(algo: number, key: Uint8Array, config?: object): Promise<boolean>;
};

// 64-byte chunks: many of them for a small text.
const config = { ...defaults, aeadChunkSizeByte: 0 };

async function sealed(text: string, key: Uint8Array, algo: number): Promise<Uint8Array> {
  const literal = new LiteralDataPacket();
  (literal as unknown as LiteralView).setText(text);
  const seipd = (SymEncryptedIntegrityProtectedDataPacket as unknown as SeipdClass).fromObject({
    version: 2,
    aeadAlgorithm: enums.aead.ocb,
  });
  seipd.packets = new PacketList<LiteralDataPacket>();
  seipd.packets.push(literal);
  await seipd.encrypt(algo, key, config);
  return bytesOf(seipd.write());
}

/** openpgp.js writes an encrypted packet as its own array stream; this collects the bytes. */
async function bytesOf(written: unknown): Promise<Uint8Array> {
  if (written instanceof Uint8Array) return written;
  const reader = (written as ReadableStream<Uint8Array>).getReader();
  const parts: Uint8Array[] = [];
  for (let r = await reader.read(); !r.done; r = await reader.read()) parts.push(r.value);
  return Buffer.concat(parts);
}

async function opened(body: Uint8Array, key: Uint8Array, algo: number): Promise<string> {
  const seipd = new SymEncryptedIntegrityProtectedDataPacket() as Seipd;
  await seipd.read(body);
  await seipd.decrypt(algo, key, config);
  const literal = seipd.packets[0] as unknown as LiteralView | undefined;
  if (!literal) throw new Error('no literal packet');
  return literal.getText();
}

describe('AES-OCB through OpenSSL (patches/openpgp+6.3.2.patch)', () => {
  it('is applied to the openpgp.js that Node loads', () => {
    const file = fileURLToPath(import.meta.resolve('openpgp'));
    expect(readFileSync(file, 'utf8')).toContain('function nodeOCB(cipher, key)');
  });

  it.each([
    ['AES-128', enums.symmetric.aes128, 16],
    ['AES-256', enums.symmetric.aes256, 32],
  ])('round-trips many chunks and a partial last one with %s', async (_name, algo, size) => {
    const key = crypto.getRandomValues(new Uint8Array(size));
    for (const text of ['', 'a', 'x'.repeat(64 * 5), 'Grüße 👋 '.repeat(97)]) {
      expect(await opened(await sealed(text, key, algo), key, algo)).toBe(text);
    }
  });

  it('refuses a changed byte anywhere, a missing final tag and the wrong key', async () => {
    const key = crypto.getRandomValues(new Uint8Array(16));
    const algo = enums.symmetric.aes128;
    const body = await sealed('a message of a few chunks '.repeat(12), key, algo);
    // Version, algorithms, chunk size and salt are authenticated too (they feed the key and AD).
    for (const at of [
      1,
      3,
      20,
      40,
      Math.floor(body.length / 2),
      body.length - 20,
      body.length - 1,
    ]) {
      const changed = Uint8Array.from(body);
      changed[at] = (changed[at] ?? 0) ^ 0x01;
      await expect(opened(changed, key, algo)).rejects.toThrow();
    }
    await expect(opened(body.subarray(0, body.length - 16), key, algo)).rejects.toThrow();
    const other = crypto.getRandomValues(new Uint8Array(16));
    await expect(opened(body, other, algo)).rejects.toThrow(/Authentication tag mismatch/);
  });
});

describe('OCB over the AES block cipher, for runtimes without OCB (password-session-key.ts)', () => {
  const hex = (s: string) => Buffer.from(s, 'hex');
  const key = hex('000102030405060708090a0b0c0d0e0f');

  it('gives the RFC 7253 sample results', () => {
    const vectors = [
      ['bbaa99887766554433221100', '', '', '785407bfffc8ad9edcc5520ac9111ee6'],
      [
        'bbaa99887766554433221101',
        '0001020304050607',
        '0001020304050607',
        '6820b3657b6f615a5725bda0d3b4eb3a257c9af1f8f03009',
      ],
      [
        'bbaa99887766554433221104',
        '000102030405060708090a0b0c0d0e0f',
        '000102030405060708090a0b0c0d0e0f',
        '571d535b60b277188be5147170a9a22c3ad7a4ff3835b8c5701c1ccec8fc3358',
      ],
    ] as const;
    for (const [nonce, aad, plain, sealed] of vectors) {
      expect(ocbSealWithBlockCipher(key, hex(nonce), hex(aad), hex(plain)).toString('hex')).toBe(
        sealed,
      );
    }
  });

  it('equals OpenSSL’s AES-OCB for random keys, nonces, data and lengths', () => {
    for (let i = 0; i < 300; i++) {
      const k = randomBytes(i % 3 === 0 ? 32 : 16);
      const nonce = randomBytes(1 + (i % 15));
      const aad = randomBytes(i % 41);
      const plain = randomBytes((i * 7) % 83);
      const cipher = createCipheriv(k.length === 32 ? 'aes-256-ocb' : 'aes-128-ocb', k, nonce, {
        authTagLength: 16,
      });
      cipher.setAAD(aad, { plaintextLength: plain.length });
      const openssl = Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      expect(ocbSealWithBlockCipher(k, nonce, aad, plain).equals(openssl)).toBe(true);
    }
  });
});
