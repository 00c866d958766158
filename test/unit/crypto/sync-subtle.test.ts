import { describe, expect, it } from 'vitest';
import { installSyncSubtle } from '../../../main/core/crypto/sync-subtle.ts';
import { generateAccountKey, readPrivateKey } from '../../../main/core/crypto/keys.ts';
import { decryptAndVerify, encryptAndSign } from '../../../main/core/crypto/pgp.ts';

const subtle = crypto.subtle;
const original = Object.getPrototypeOf(subtle) as SubtleCrypto;
const bytes = (b: ArrayBuffer) => Buffer.from(b);

describe('synchronous WebCrypto paths for openpgp.js', () => {
  it('import an X25519 or Ed25519 key once for identical requests, and only for those', async () => {
    await installSyncSubtle();
    const pair = (await subtle.generateKey('Ed25519', true, ['sign', 'verify'])) as CryptoKeyPair;
    const { key_ops: _ops, ...jwk } = await subtle.exportKey('jwk', pair.privateKey);
    const signer = await subtle.importKey('jwk', jwk, 'Ed25519', false, ['sign']);
    expect(await subtle.importKey('jwk', { ...jwk }, 'Ed25519', false, ['sign'])).toBe(signer);
    // Anything that changes the import changes the key: extractability, the key itself.
    const extractable = await subtle.importKey('jwk', jwk, 'Ed25519', true, ['sign']);
    expect(extractable).not.toBe(signer);
    expect(extractable.extractable).toBe(true);
    const publicJwk = { kty: jwk.kty, crv: jwk.crv, x: jwk.x } as JsonWebKey;
    const verifier = await subtle.importKey('jwk', publicJwk, 'Ed25519', false, ['verify']);
    expect(verifier.type).toBe('public');
    const data = crypto.getRandomValues(new Uint8Array(32));
    const signature = await subtle.sign('Ed25519', signer, data);
    expect(await subtle.verify('Ed25519', verifier, signature, data)).toBe(true);
    // Other formats and algorithms are imported afresh each time.
    const raw = crypto.getRandomValues(new Uint8Array(16));
    const kw = await subtle.importKey('raw', raw, 'AES-KW', false, ['wrapKey']);
    expect(await subtle.importKey('raw', raw, 'AES-KW', false, ['wrapKey'])).not.toBe(kw);
    // A refused import is refused again, not remembered.
    const bad = { ...publicJwk, x: 'AAAA' };
    await expect(subtle.importKey('jwk', bad, 'Ed25519', false, ['verify'])).rejects.toThrow();
    await expect(subtle.importKey('jwk', bad, 'Ed25519', false, ['verify'])).rejects.toThrow();
  });

  it('replace the thread-pool calls openpgp.js makes, with the same results', async () => {
    await installSyncSubtle();
    for (const name of [
      'sign',
      'verify',
      'generateKey',
      'deriveBits',
      'wrapKey',
      'unwrapKey',
      'importKey',
    ]) {
      expect(Object.hasOwn(subtle, name), name).toBe(true);
    }
    const data = crypto.getRandomValues(new Uint8Array(100));
    const ed = (await subtle.generateKey('Ed25519', true, ['sign', 'verify'])) as CryptoKeyPair;
    const signature = await subtle.sign('Ed25519', ed.privateKey, data);
    expect(bytes(signature)).toEqual(
      bytes(await original.sign.call(subtle, 'Ed25519', ed.privateKey, data)),
    );
    expect(await subtle.verify('Ed25519', ed.publicKey, signature, data)).toBe(true);
    data[0] = (data[0] ?? 0) ^ 1;
    expect(await subtle.verify('Ed25519', ed.publicKey, signature, data)).toBe(false);

    const usages: KeyUsage[] = ['deriveBits'];
    const a = (await subtle.generateKey('X25519', true, usages)) as CryptoKeyPair;
    const b = (await original.generateKey.call(subtle, 'X25519', true, usages)) as CryptoKeyPair;
    expect(a.privateKey.usages).toEqual(['deriveBits']);
    expect(a.publicKey.usages).toEqual([]);
    const ab = await subtle.deriveBits({ name: 'X25519', public: b.publicKey }, a.privateKey, 256);
    const ba = await original.deriveBits.call(
      subtle,
      { name: 'X25519', public: a.publicKey },
      b.privateKey,
      256,
    );
    expect(bytes(ab)).toEqual(bytes(ba));
  });

  it('reject a wrong unwrapping key with the OperationError openpgp.js expects', async () => {
    await installSyncSubtle();
    const usages: KeyUsage[] = ['wrapKey', 'unwrapKey'];
    const kek = await subtle.importKey('raw', new Uint8Array(16).fill(1), 'AES-KW', false, usages);
    const other = await subtle.importKey(
      'raw',
      new Uint8Array(16).fill(2),
      'AES-KW',
      false,
      usages,
    );
    const hmac = { name: 'HMAC', hash: 'SHA-256' };
    const key = await subtle.importKey('raw', new Uint8Array(32).fill(3), hmac, true, ['sign']);
    const wrapped = await subtle.wrapKey('raw', key, kek, { name: 'AES-KW' });
    expect(bytes(wrapped)).toEqual(
      bytes(await original.wrapKey.call(subtle, 'raw', key, kek, { name: 'AES-KW' })),
    );
    const back = await subtle.unwrapKey('raw', wrapped, kek, 'AES-KW', hmac, true, ['sign']);
    expect(bytes(await subtle.exportKey('raw', back))).toEqual(Buffer.alloc(32, 3));
    await expect(
      subtle.unwrapKey('raw', wrapped, other, 'AES-KW', hmac, true, ['sign']),
    ).rejects.toMatchObject({ name: 'OperationError' });
  });

  it('leave what they do not cover, and what WebCrypto refuses, to WebCrypto', async () => {
    await installSyncSubtle();
    const ed = (await subtle.generateKey('Ed25519', false, ['verify', 'sign'])) as CryptoKeyPair;
    // A public key cannot sign: WebCrypto's own InvalidAccessError, not a result.
    await expect(subtle.sign('Ed25519', ed.publicKey, new Uint8Array(4))).rejects.toMatchObject({
      name: 'InvalidAccessError',
    });
    const hmac = await subtle.generateKey({ name: 'HMAC', hash: 'SHA-256' }, true, ['sign']);
    expect((await subtle.sign('HMAC', hmac as CryptoKey, new Uint8Array(4))).byteLength).toBe(32);
  });

  it('carry openpgp.js messages both ways', async () => {
    await installSyncSubtle();
    const alice = await readPrivateKey((await generateAccountKey('alice@chat.test')).secretArmored);
    const bob = await readPrivateKey((await generateAccountKey('bob@chat.test')).secretArmored);
    const armored = await encryptAndSign({
      data: 'hello',
      encryptionKeys: [bob.toPublic()],
      signingKey: alice,
    });
    for (const reader of [bob, alice]) {
      const opened = await decryptAndVerify({
        armored,
        decryptionKeys: [reader],
        expectedSignerKeys: [alice.toPublic()],
      });
      expect(Buffer.from(opened.data).toString()).toBe('hello');
      expect(opened.signature.status).toBe('valid');
    }
    const carol = await readPrivateKey((await generateAccountKey('carol@chat.test')).secretArmored);
    await expect(
      decryptAndVerify({ armored, decryptionKeys: [carol], expectedSignerKeys: [] }),
    ).rejects.toMatchObject({ code: 'decrypt_failed' });
  });
});

describe('synchronous zlib for small inputs', () => {
  const NativeDecompression = globalThis.DecompressionStream;

  async function through(stream: CompressionStream | DecompressionStream, data: Uint8Array) {
    const out = new Response(new Blob([new Uint8Array(data)]).stream().pipeThrough(stream));
    return Buffer.from(await out.arrayBuffer());
  }

  it('gives the same bytes back as Node’s streams, small, big and highly compressed', async () => {
    await installSyncSubtle();
    expect(globalThis.CompressionStream.name).toBe('SmallSync');
    expect(globalThis.DecompressionStream.name).toBe('SmallSync');
    const small = Buffer.from('a chat message, twice: a chat message');
    // 20 MB of zeros compress to about 20 KB: past the synchronous output limit.
    const bomb = Buffer.alloc(20 * 1024 * 1024);
    const big = Buffer.from(crypto.getRandomValues(new Uint8Array(65_536)));
    for (const data of [small, bomb, Buffer.concat([big, big, big])]) {
      for (const format of ['deflate', 'deflate-raw'] as const) {
        const packed = await through(new CompressionStream(format), data);
        expect((await through(new NativeDecompression(format), packed)).equals(data)).toBe(true);
        expect((await through(new DecompressionStream(format), packed)).equals(data)).toBe(true);
      }
    }
  });

  it('refuses damaged data as Node’s own stream does', async () => {
    await installSyncSubtle();
    const packed = await through(new CompressionStream('deflate'), Buffer.alloc(1000, 'x'));
    const cut = packed.subarray(0, packed.length - 6);
    await expect(through(new NativeDecompression('deflate'), cut)).rejects.toThrow();
    await expect(through(new DecompressionStream('deflate'), cut)).rejects.toThrow();
    expect(() => new DecompressionStream('x-unknown' as CompressionFormat)).toThrow(TypeError);
  });
});
