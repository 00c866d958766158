import {
  armor,
  CompressedDataPacket,
  createMessage,
  encrypt,
  encryptSessionKey,
  enums,
  generateKey,
  LiteralDataPacket,
  Message,
  OnePassSignaturePacket,
  PacketList,
  PublicKeyEncryptedSessionKeyPacket,
  readMessage,
  SymEncryptedIntegrityProtectedDataPacket,
  SymEncryptedSessionKeyPacket,
} from 'openpgp';
import type { AnyPacket, PrivateKey, PublicKey, SignaturePacket } from 'openpgp';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateAccountKey, readPrivateKey } from '../../../main/core/crypto/keys.ts';
import {
  decryptAndVerify,
  decryptArmoredMessage,
  decryptWithPassword,
  encryptAndSign,
  encryptWithPassword,
  isIntendedRecipient,
} from '../../../main/core/crypto/pgp.ts';
import { createDataSignature } from '../../../main/core/crypto/signature.ts';

// Fields openpgp.js packets have at runtime but its type declarations do not list.
type PkeskView = { version: number; publicKeyID: { isWildcard(): boolean } };
type SkeskView = {
  version: number;
  s2k: { type: string; algorithm: number };
  sessionKeyEncryptionAlgorithm: number;
  aeadAlgorithm: number;
};
type SeipdView = {
  version: number;
  cipherAlgorithm: number;
  aeadAlgorithm: number;
  chunkSizeByte: number;
};
type LiteralView = { format: number; date: Date; filename: string };
type OnePassView = { version: number; hashAlgorithm: number };

type Account = { secret: PrivateKey; public: PublicKey; fingerprint: string };

async function account(addr: string): Promise<Account> {
  const generated = await generateAccountKey(addr);
  const secret = await readPrivateKey(generated.secretArmored);
  return { secret, public: secret.toPublic(), fingerprint: generated.fingerprint };
}

/** A key as openpgp.js makes it by default: it does not advertise SEIPDv2. */
async function legacyAccount(addr: string): Promise<Account> {
  const { privateKey } = await generateKey({
    type: 'ecc',
    curve: 'ed25519Legacy',
    userIDs: [{ email: addr }],
    format: 'object',
  });
  return {
    secret: privateKey,
    public: privateKey.toPublic(),
    fingerprint: privateKey.getFingerprint().toUpperCase(),
  };
}

/** Opens a message layer by layer and describes what is inside. */
async function layersOf(armored: string, open: { keys?: PrivateKey[]; passwords?: string[] }) {
  const message = await readMessage({ armoredMessage: armored });
  const outer = [...message.packets];
  const decrypted = await message.decrypt(open.keys, open.passwords);
  const top = decrypted.packets[0];
  const compression =
    top instanceof CompressedDataPacket
      ? (top as unknown as { algorithm: number }).algorithm
      : null;
  const inner: AnyPacket[] = [...decrypted.unwrapCompressed().packets];
  // openpgp.js parses the signature after the literal data only while verifying.
  const verification = (await decrypted.verify([]))[0];
  const signature = verification ? (await verification.signature).packets[0] : undefined;
  const onePass = inner.find((packet) => packet instanceof OnePassSignaturePacket) as
    OnePassView | undefined;
  const literal = inner.find((packet) => packet instanceof LiteralDataPacket) as unknown as
    LiteralView | undefined;
  return {
    pkesks: outer
      .filter((packet) => packet instanceof PublicKeyEncryptedSessionKeyPacket)
      .map((packet) => packet as unknown as PkeskView),
    skesks: outer
      .filter((packet) => packet instanceof SymEncryptedSessionKeyPacket)
      .map((packet) => packet as unknown as SkeskView),
    seipd: outer.find((packet) => packet instanceof SymEncryptedIntegrityProtectedDataPacket) as
      SeipdView | undefined,
    compression,
    innerKinds: inner.map((packet) => packet.constructor.name),
    onePass,
    literal,
    signature,
  };
}

function intendedRecipientsIn(signature: SignaturePacket | undefined): string[] {
  return (signature?.unknownSubpackets ?? [])
    .filter((subpacket) => subpacket.type === 35)
    .map((subpacket) => Buffer.from(subpacket.body.subarray(1)).toString('hex').toUpperCase());
}

let alice: Account;
let bob: Account;
let carol: Account;

beforeAll(async () => {
  [alice, bob, carol] = await Promise.all([
    account('alice@example.org'),
    account('bob@example.org'),
    account('carol@example.org'),
  ]);
});

describe('encrypting and signing to keys', () => {
  it('bob reads alice’s message and sees it is validly signed by her', async () => {
    const armored = await encryptAndSign({
      data: 'Hi Bob 👋',
      encryptionKeys: [bob.public],
      signingKey: alice.secret,
    });
    expect(armored).toMatch(/^-----BEGIN PGP MESSAGE-----\n\n/);
    const result = await decryptAndVerify({
      armored,
      decryptionKeys: [bob.secret],
      expectedSignerKeys: [alice.public],
    });
    expect(new TextDecoder().decode(result.data)).toBe('Hi Bob 👋');
    expect(result.signature).toEqual({ status: 'valid', signerFingerprint: alice.fingerprint });
    expect(result.intendedRecipients).toEqual([alice.fingerprint, bob.fingerprint]);
    expect(isIntendedRecipient(result.intendedRecipients, bob.fingerprint)).toBe(true);
    expect(isIntendedRecipient(result.intendedRecipients, carol.fingerprint)).toBe(false);
  });

  it('alice can read her own copy: her key is always a recipient', async () => {
    const bytes = new Uint8Array([0, 1, 2, 254, 255, 13, 10]);
    const armored = await encryptAndSign({
      data: bytes,
      encryptionKeys: [bob.public, alice.public, bob.public],
      signingKey: alice.secret,
    });
    const own = await decryptAndVerify({
      armored,
      decryptionKeys: [alice.secret],
      expectedSignerKeys: [alice.public],
    });
    expect(own.data).toEqual(bytes); // binary stays binary: no line-ending conversion
    expect(own.intendedRecipients).toEqual([alice.fingerprint, bob.fingerprint]);
    expect((await layersOf(armored, { keys: [alice.secret] })).pkesks).toHaveLength(2);
  });

  it('the format matches Delta Chat: wildcard v6 PKESKs, SEIPDv2 AES-128-OCB, ZLIB, SHA-256', async () => {
    const armored = await encryptAndSign({
      data: 'group message',
      encryptionKeys: [bob.public, carol.public],
      signingKey: alice.secret,
    });
    const layers = await layersOf(armored, { keys: [carol.secret] });
    expect(layers.pkesks).toHaveLength(3);
    for (const pkesk of layers.pkesks) {
      expect(pkesk.version).toBe(6);
      expect(pkesk.publicKeyID.isWildcard()).toBe(true);
    }
    expect(layers.seipd).toMatchObject({
      version: 2,
      cipherAlgorithm: enums.symmetric.aes128,
      aeadAlgorithm: enums.aead.ocb,
      chunkSizeByte: 7,
    });
    expect(layers.compression).toBe(enums.compression.zlib);
    expect(layers.innerKinds).toEqual(['OnePassSignaturePacket', 'LiteralDataPacket']);
    expect(layers.onePass).toMatchObject({ version: 3, hashAlgorithm: enums.hash.sha256 });
    expect(layers.literal).toMatchObject({ format: enums.literal.binary, filename: '' });
    expect(layers.literal?.date.getTime()).toBe(0);
    const signature = layers.signature;
    expect(signature?.version).toBe(4);
    expect(signature?.signatureType).toBe(enums.signature.binary);
    expect(signature?.hashAlgorithm).toBe(enums.hash.sha256);
    expect(
      Buffer.from(signature?.issuerFingerprint ?? [])
        .toString('hex')
        .toUpperCase(),
    ).toBe(alice.fingerprint);
    expect(intendedRecipientsIn(signature)).toEqual([
      alice.fingerprint,
      bob.fingerprint,
      carol.fingerprint,
    ]);
    expect(signature?.unknownSubpackets.every((subpacket) => !subpacket.critical)).toBe(true);
    expect(signature?.rawNotations).toEqual([]); // no openpgp.js salt notation
  });

  it('one recipient key without SEIPDv2 makes the whole message SEIPDv1 with v3 PKESKs', async () => {
    const dave = await legacyAccount('dave@example.org');
    const armored = await encryptAndSign({
      data: 'mixed group',
      encryptionKeys: [bob.public, dave.public],
      signingKey: alice.secret,
    });
    const layers = await layersOf(armored, { keys: [dave.secret] });
    expect(layers.seipd?.version).toBe(1);
    expect(layers.pkesks.map((pkesk) => pkesk.version)).toEqual([3, 3, 3]);
    expect(layers.pkesks.every((pkesk) => pkesk.publicKeyID.isWildcard())).toBe(true);
    const result = await decryptAndVerify({
      armored,
      decryptionKeys: [dave.secret],
      expectedSignerKeys: [alice.public],
    });
    expect(result.signature.status).toBe('valid');
  });

  it('compress: false leaves the signed data uncompressed', async () => {
    const armored = await encryptAndSign({
      data: 'securejoin step',
      encryptionKeys: [bob.public],
      signingKey: alice.secret,
      compress: false,
    });
    const layers = await layersOf(armored, { keys: [bob.secret] });
    expect(layers.compression).toBeNull();
    expect(layers.innerKinds).toEqual(['OnePassSignaturePacket', 'LiteralDataPacket']);
  });
});

describe('signature outcomes', () => {
  it('a message signed by someone bob does not expect is other-key, with the signer named', async () => {
    const armored = await encryptAndSign({
      data: 'who am I',
      encryptionKeys: [bob.public],
      signingKey: carol.secret,
    });
    const result = await decryptAndVerify({
      armored,
      decryptionKeys: [bob.secret],
      expectedSignerKeys: [alice.public],
    });
    expect(result.signature).toEqual({ status: 'other-key', signerFingerprint: carol.fingerprint });
    expect(new TextDecoder().decode(result.data)).toBe('who am I');
  });

  it('an unsigned message says so', async () => {
    const armored = await encrypt({
      message: await createMessage({ text: 'anonymous' }),
      encryptionKeys: [bob.public],
    });
    const result = await decryptAndVerify({
      armored,
      decryptionKeys: [bob.secret],
      expectedSignerKeys: [alice.public],
    });
    expect(result.signature).toEqual({ status: 'unsigned' });
    expect(result.intendedRecipients).toEqual([]);
  });

  it('a signature by the expected key over other data is invalid, and the data still arrives', async () => {
    const signed = await createMessage({ binary: new TextEncoder().encode('what alice said') });
    const swapped = await createMessage({ binary: new TextEncoder().encode('what mallory says') });
    const signedLiteral = signed.packets[0] as LiteralDataPacket;
    const swappedLiteral = swapped.packets[0] as LiteralDataPacket;
    const { onePass, signature } = await createDataSignature(
      signedLiteral,
      alice.secret,
      [bob.public],
      new Date(),
    );
    const packets = new PacketList<AnyPacket>();
    packets.push(onePass, swappedLiteral, signature);
    const armored = await encrypt({
      message: new Message<Uint8Array>(packets),
      encryptionKeys: [bob.public],
    });
    const result = await decryptAndVerify({
      armored,
      decryptionKeys: [bob.secret],
      expectedSignerKeys: [alice.public],
    });
    expect(result.signature.status).toBe('invalid');
    expect(new TextDecoder().decode(result.data)).toBe('what mallory says');
  });

  it('a sender whose clock runs an hour ahead still verifies', async () => {
    const armored = await encryptAndSign({
      data: 'from the future',
      encryptionKeys: [bob.public],
      signingKey: alice.secret,
      date: new Date(Date.now() + 60 * 60 * 1000),
    });
    const result = await decryptAndVerify({
      armored,
      decryptionKeys: [bob.secret],
      expectedSignerKeys: [alice.public],
    });
    expect(result.signature.status).toBe('valid');
  });
});

describe('decryption failures', () => {
  it('a message for other people cannot be read, and the sentence says why', async () => {
    const armored = await encryptAndSign({
      data: 'not for carol',
      encryptionKeys: [bob.public],
      signingKey: alice.secret,
    });
    await expect(
      decryptAndVerify({ armored, decryptionKeys: [carol.secret], expectedSignerKeys: [] }),
    ).rejects.toMatchObject({
      code: 'decrypt_failed',
      sentence: expect.stringContaining('key Estafette does not have'),
    });
  });

  it('a damaged message or one that is not OpenPGP is decrypt_failed', async () => {
    const armored = await encryptAndSign({
      data: 'x'.repeat(200),
      encryptionKeys: [bob.public],
      signingKey: alice.secret,
    });
    const lines = armored.split('\n');
    const target = lines.length - 5;
    const line = lines[target] ?? '';
    lines[target] = (line[0] === 'A' ? 'B' : 'A') + line.slice(1);
    await expect(
      decryptAndVerify({
        armored: lines.join('\n'),
        decryptionKeys: [bob.secret],
        expectedSignerKeys: [],
      }),
    ).rejects.toMatchObject({
      code: 'decrypt_failed',
      sentence: expect.stringContaining('damaged'),
    });
    await expect(
      decryptAndVerify({ armored: 'hello', decryptionKeys: [bob.secret], expectedSignerKeys: [] }),
    ).rejects.toMatchObject({
      code: 'decrypt_failed',
      sentence: expect.stringContaining('damaged'),
    });
  });
});

describe('password encryption (SecureJoin v3)', () => {
  const password = 'securejoin/9872A45ABE1CF94C6919683A48C8C4FB3234DD7B/hg7mBZ7uJWPodqp2kChA-mt5';

  it('an unsigned request round-trips and uses SKESKv6 with the plain Salted S2K', async () => {
    const armored = await encryptWithPassword({ data: 'vc-request-pubkey', password });
    const layers = await layersOf(armored, { passwords: [password] });
    expect(layers.skesks).toHaveLength(1);
    expect(layers.skesks[0]).toMatchObject({
      version: 6,
      s2k: { type: 'salted', algorithm: enums.hash.sha256 },
      sessionKeyEncryptionAlgorithm: enums.symmetric.aes128,
      aeadAlgorithm: enums.aead.ocb,
    });
    expect(layers.seipd).toMatchObject({ version: 2, cipherAlgorithm: 7, aeadAlgorithm: 2 });
    expect(layers.compression).toBeNull();
    expect(layers.innerKinds).toEqual(['LiteralDataPacket']);
    const result = await decryptWithPassword({ armored, password });
    expect(new TextDecoder().decode(result.data)).toBe('vc-request-pubkey');
    expect(result.signature).toEqual({ status: 'unsigned' });
  });

  it('a signed reply verifies with the inviter’s key and carries no intended recipients', async () => {
    const armored = await encryptWithPassword({
      data: 'vc-pubkey',
      password,
      signingKey: alice.secret,
    });
    const layers = await layersOf(armored, { passwords: [password] });
    expect(layers.innerKinds).toEqual(['OnePassSignaturePacket', 'LiteralDataPacket']);
    expect(layers.signature?.hashAlgorithm).toBe(enums.hash.sha256);
    expect(intendedRecipientsIn(layers.signature)).toEqual([]);
    const verified = await decryptWithPassword({
      armored,
      password,
      verificationKeys: [alice.public],
    });
    expect(verified.signature).toEqual({ status: 'valid', signerFingerprint: alice.fingerprint });
    const unverified = await decryptWithPassword({ armored, password });
    expect(unverified.signature).toEqual({
      status: 'other-key',
      signerFingerprint: alice.fingerprint,
    });
  });

  it('the wrong secret cannot open it', async () => {
    const armored = await encryptWithPassword({ data: 'secret', password });
    await expect(decryptWithPassword({ armored, password: `${password}x` })).rejects.toMatchObject({
      code: 'decrypt_failed',
      sentence: expect.stringContaining('different secret'),
    });
  });

  it('an empty password is refused', async () => {
    await expect(encryptWithPassword({ data: 'x', password: '' })).rejects.toMatchObject({
      code: 'invalid_input',
    });
  });
});

/** openpgp.js armors a packet list holding read packets as its own stream; this joins it. */
async function textOf(armored: unknown): Promise<string> {
  if (typeof armored === 'string') return armored;
  const reader = (armored as ReadableStream<string>).getReader();
  let text = '';
  for (let r = await reader.read(); !r.done; r = await reader.read()) text += r.value;
  return text;
}

describe('decryptArmoredMessage (recipients tried one at a time, the last first)', () => {
  let sender: PrivateKey;
  let reader: PrivateKey;
  let stranger: PrivateKey;
  beforeAll(async () => {
    const keys = await Promise.all(
      ['sender@x.test', 'reader@x.test', 'stranger@x.test'].map(async (addr) =>
        readPrivateKey((await generateAccountKey(addr)).secretArmored),
      ),
    );
    [sender, reader, stranger] = keys as [PrivateKey, PrivateKey, PrivateKey];
  });
  const literal = async (m: Message<Uint8Array | string>) =>
    new TextDecoder().decode((await m.getLiteralData()) as Uint8Array);

  it('opens for the reader (last recipient) and for the sender (first)', async () => {
    const armored = await encryptAndSign({
      data: 'hello',
      encryptionKeys: [reader.toPublic()],
      signingKey: sender,
    });
    const date = new Date();
    expect(await literal(await decryptArmoredMessage(armored, [reader], date))).toBe('hello');
    expect(await literal(await decryptArmoredMessage(armored, [sender], date))).toBe('hello');
    // Not for this key: the same refusal as openpgp.js's own Message.decrypt.
    const plain = await readMessage({ armoredMessage: armored });
    const refusal = await plain.decrypt([stranger]).then(
      () => 'opened',
      (e: unknown) => (e as Error).message,
    );
    expect(refusal).not.toBe('opened');
    await expect(decryptArmoredMessage(armored, [stranger], date)).rejects.toThrow(refusal);
  });

  it('falls back to every session key when the first one that opens is not the right one', async () => {
    const armored = await encryptAndSign({
      data: 'the real text',
      encryptionKeys: [reader.toPublic()],
      signingKey: sender,
    });
    const message = await readMessage({ armoredMessage: armored });
    // A forged extra recipient packet for the reader, last, with some other session key.
    const forged = await encryptSessionKey({
      data: crypto.getRandomValues(new Uint8Array(16)),
      algorithm: 'aes128',
      aeadAlgorithm: 'ocb',
      encryptionKeys: reader.toPublic(),
      format: 'object',
    });
    const packets = new PacketList<AnyPacket>();
    const recipients = message.packets.filterByTag(enums.packet.publicKeyEncryptedSessionKey);
    for (const p of recipients) packets.push(p as AnyPacket);
    packets.push(...(forged.packets as unknown as AnyPacket[]));
    for (const p of message.packets) {
      if (!recipients.includes(p as never)) packets.push(p as AnyPacket);
    }
    const tampered = await textOf(armor(enums.armor.message, packets.write()));
    const opened = await decryptArmoredMessage(tampered, [reader], new Date());
    expect(await literal(opened)).toBe('the real text');
  });
});
