import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { encryptKey, enums, generateKey, readKey, SignaturePacket, UserIDPacket } from 'openpgp';
import type { AnyPacket } from 'openpgp';
import { describe, expect, it } from 'vitest';
import { CoreError } from '../../../main/core/errors.ts';
import {
  fingerprintOf,
  generateAccountKey,
  keydataOf,
  publicKeyFromKeydata,
  readPrivateKey,
  readPublicKey,
  supportsSeipdv2,
} from '../../../main/core/crypto/keys.ts';

const fixtures = join(import.meta.dirname, '../../fixtures/deltachat-2.57');

function fixtureKey(who: string, kind: 'public' | 'private'): string {
  const dir = join(fixtures, 'keys', who);
  const file = readdirSync(dir).find((name) => name.startsWith(`${kind}-key`));
  if (!file) throw new Error(`no ${kind} key for ${who}`);
  return readFileSync(join(dir, file), 'utf8');
}

/** The keydata Delta Chat 2.57 put into Alice's Autocrypt header (it has a direct-key signature). */
function aliceAutocryptKeydata(): string {
  const inner = readFileSync(join(fixtures, 'encrypted-1to1.inner.eml'), 'utf8');
  const match = /keydata=([\s\S]*?)\r?\n(?=\S)/.exec(inner);
  if (!match?.[1]) throw new Error('no keydata in fixture');
  return match[1].replace(/\s+/g, '');
}

async function packetsOf(keydata: string): Promise<AnyPacket[]> {
  const key = await readKey({ binaryKey: Buffer.from(keydata, 'base64') });
  return [...key.toPacketList()];
}

describe('account keys', () => {
  it('a new account key is a v4 Ed25519 key with a Cv25519 subkey and user ID <addr>', async () => {
    const generated = await generateAccountKey('alice@example.org');
    expect(generated.fingerprint).toMatch(/^[0-9A-F]{40}$/);

    const secret = await readPrivateKey(generated.secretArmored);
    const publicKey = await readPublicKey(generated.publicArmored);
    expect(fingerprintOf(secret)).toBe(generated.fingerprint);
    expect(fingerprintOf(publicKey)).toBe(generated.fingerprint);
    expect(publicKey.isPrivate()).toBe(false);
    expect(publicKey.keyPacket.version).toBe(4);
    expect(publicKey.getAlgorithmInfo()).toEqual({
      algorithm: 'eddsaLegacy',
      curve: 'ed25519Legacy',
    });
    expect(publicKey.subkeys).toHaveLength(1);
    expect(publicKey.subkeys[0]?.getAlgorithmInfo()).toEqual({
      algorithm: 'ecdh',
      curve: 'curve25519Legacy',
    });
    expect(publicKey.getUserIDs()).toEqual(['<alice@example.org>']);
  });

  it('its self-signature advertises SEIPDv2 with AES-128/OCB first, SHA-256 and ZLIB', async () => {
    const generated = await generateAccountKey('alice@example.org');
    const key = await readPublicKey(generated.publicArmored);
    const { selfCertification } = await key.getPrimaryUser();
    expect(selfCertification.features?.[0]).toBe(0x09); // MDC + SEIPDv2, as Delta Chat's keys
    const suites = (selfCertification as unknown as { preferredCipherSuites: number[][] })
      .preferredCipherSuites;
    expect(suites[0]).toEqual([enums.symmetric.aes128, enums.aead.ocb]);
    expect(selfCertification.preferredSymmetricAlgorithms?.[0]).toBe(enums.symmetric.aes128);
    expect(selfCertification.preferredHashAlgorithms?.[0]).toBe(enums.hash.sha256);
    expect(selfCertification.preferredCompressionAlgorithms?.[0]).toBe(enums.compression.zlib);
    expect(selfCertification.keyFlags?.[0]).toBe(
      enums.keyFlags.certifyKeys | enums.keyFlags.signData,
    );
    // openpgp.js certifies Ed25519 keys with SHA-512 (Delta Chat uses SHA-256); verifiers accept
    // both, and message signatures are SHA-256 (see pgp.test.ts).
    // No openpgp.js salt notation: Delta Chat's signatures carry none.
    expect(selfCertification.rawNotations).toEqual([]);
    const binding = await key.subkeys[0]?.verify();
    expect(binding?.keyFlags?.[0]).toBe(
      enums.keyFlags.encryptCommunication | enums.keyFlags.encryptStorage,
    );
    expect(await supportsSeipdv2(key)).toBe(true);
  });

  it('a display name goes into the user ID only when one is given', async () => {
    const named = await readPublicKey(
      (await generateAccountKey('bob@example.org', 'Bob B')).publicArmored,
    );
    expect(named.getUserIDs()).toEqual(['Bob B <bob@example.org>']);
  });

  it('an address that is not one is refused', async () => {
    await expect(generateAccountKey('not an address')).rejects.toMatchObject({
      code: 'invalid_input',
    });
  });

  it('keys are read armored or binary, and a secret key is read as its public part', async () => {
    const generated = await generateAccountKey('carol@example.org');
    const secret = await readPrivateKey(generated.secretArmored);
    const fromBinary = await readPrivateKey(secret.write());
    expect(fingerprintOf(fromBinary)).toBe(generated.fingerprint);
    const publicFromSecret = await readPublicKey(generated.secretArmored);
    expect(publicFromSecret.isPrivate()).toBe(false);
    expect(fingerprintOf(await readPublicKey(publicFromSecret.write()))).toBe(
      generated.fingerprint,
    );
  });

  it('garbage, public keys as secret keys and locked secret keys are refused', async () => {
    await expect(readPublicKey('hello')).rejects.toBeInstanceOf(CoreError);
    const generated = await generateAccountKey('dave@example.org');
    await expect(readPrivateKey(generated.publicArmored)).rejects.toMatchObject({
      code: 'invalid_input',
    });
    const locked = await encryptKey({
      privateKey: await readPrivateKey(generated.secretArmored),
      passphrase: 'secret',
    });
    await expect(readPrivateKey(locked.armor())).rejects.toMatchObject({
      code: 'invalid_input',
      sentence: expect.stringContaining('passphrase'),
    });
  });

  it('Delta Chat’s fixture keys read with the fingerprints in their file names', async () => {
    const alice = await readPublicKey(fixtureKey('Alice', 'public'));
    expect(fingerprintOf(alice)).toBe('9872A45ABE1CF94C6919683A48C8C4FB3234DD7B');
    const bob = await readPrivateKey(fixtureKey('Bob', 'private'));
    expect(fingerprintOf(bob)).toBe('1DE1554371F8F0F12B6E6F5A85263266CC6B8844');
    expect(await supportsSeipdv2(alice)).toBe(true);
  });
});

describe('Autocrypt keydata', () => {
  it('our keydata is exactly the five packets Autocrypt asks for', async () => {
    const generated = await generateAccountKey('alice@example.org');
    const keydata = keydataOf(await readPrivateKey(generated.secretArmored));
    const packets = await packetsOf(keydata);
    expect(packets.map((packet) => packet.constructor.name)).toEqual([
      'PublicKeyPacket',
      'UserIDPacket',
      'SignaturePacket',
      'PublicSubkeyPacket',
      'SignaturePacket',
    ]);
    const key = await publicKeyFromKeydata(keydata);
    expect(fingerprintOf(key)).toBe(generated.fingerprint);
  });

  it('Delta Chat’s keydata keeps its direct-key signature when we pass it on', async () => {
    const dcKeydata = aliceAutocryptKeydata();
    const key = await publicKeyFromKeydata(dcKeydata);
    expect(fingerprintOf(key)).toBe('9872A45ABE1CF94C6919683A48C8C4FB3234DD7B');
    const again = keydataOf(key);
    expect(again).toBe(dcKeydata);
    const packets = await packetsOf(again);
    expect(packets).toHaveLength(6);
    const direct = packets[1];
    expect(direct instanceof SignaturePacket && direct.signatureType).toBe(enums.signature.key);
  });

  it('of several user IDs, only the one matching addr is shipped', async () => {
    const { privateKey } = await generateKey({
      type: 'ecc',
      curve: 'ed25519Legacy',
      userIDs: [{ email: 'work@example.org' }, { email: 'Home@Example.org' }],
      format: 'object',
    });
    const packets = await packetsOf(keydataOf(privateKey, 'home@example.org'));
    const userIDs = packets.filter((packet) => packet instanceof UserIDPacket);
    expect(userIDs.map((packet) => packet.userID)).toEqual(['<Home@Example.org>']);
    const primaryOnly = await packetsOf(keydataOf(privateKey));
    expect(
      primaryOnly.filter((packet) => packet instanceof UserIDPacket).map((p) => p.userID),
    ).toEqual(['<work@example.org>']);
  });

  it('keydata written once per key and addr gives the same answers as the first time', async () => {
    const { privateKey } = await generateKey({
      type: 'ecc',
      curve: 'ed25519Legacy',
      userIDs: [{ email: 'work@example.org' }, { email: 'home@example.org' }],
      format: 'object',
    });
    const primary = keydataOf(privateKey);
    const home = keydataOf(privateKey, 'home@example.org');
    expect(home).not.toBe(primary);
    expect(keydataOf(privateKey, 'home@example.org')).toBe(home);
    expect(keydataOf(privateKey)).toBe(primary);
    // An address no user ID has falls back to the primary user, as without the cache.
    expect(keydataOf(privateKey, 'nobody@example.org')).toBe(primary);
    // Another key object (even of the same key) has its own answer, from its own packets.
    const copy = privateKey.toPublic();
    expect(keydataOf(copy, 'home@example.org')).toBe(home);
  });

  it('keydata that is not base64, not a key, or a secret key is refused', async () => {
    await expect(publicKeyFromKeydata('not base64!')).rejects.toMatchObject({
      code: 'invalid_input',
    });
    await expect(publicKeyFromKeydata('aGVsbG8gd29ybGQ=')).rejects.toMatchObject({
      code: 'invalid_input',
    });
    const generated = await generateAccountKey('eve@example.org');
    const secretBinary = (await readPrivateKey(generated.secretArmored)).write();
    await expect(
      publicKeyFromKeydata(Buffer.from(secretBinary).toString('base64')),
    ).rejects.toMatchObject({ code: 'invalid_input' });
  });

  it('an expired key cannot be encrypted to, so its keydata is refused', async () => {
    const { publicKey } = await generateKey({
      type: 'ecc',
      curve: 'ed25519Legacy',
      userIDs: [{ email: 'old@example.org' }],
      date: new Date(Date.now() - 10 * 24 * 3600 * 1000),
      keyExpirationTime: 24 * 3600,
      format: 'object',
    });
    const keydata = Buffer.from(publicKey.write()).toString('base64');
    await expect(publicKeyFromKeydata(keydata)).rejects.toMatchObject({
      code: 'invalid_input',
    });
  });

  it('a key made by openpgp.js defaults does not advertise SEIPDv2', async () => {
    const { publicKey } = await generateKey({
      type: 'ecc',
      curve: 'ed25519Legacy',
      userIDs: [{ email: 'legacy@example.org' }],
      format: 'object',
    });
    expect(await supportsSeipdv2(await readKey({ armoredKey: publicKey.armor() }))).toBe(false);
  });
});
