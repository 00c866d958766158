import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  PublicKeyEncryptedSessionKeyPacket,
  readMessage,
  SymEncryptedIntegrityProtectedDataPacket,
  SymEncryptedSessionKeyPacket,
} from 'openpgp';
import type { AnyPacket, PrivateKey, PublicKey } from 'openpgp';
import { beforeAll, describe, expect, it } from 'vitest';
import { readPrivateKey, readPublicKey } from '../../../main/core/crypto/keys.ts';
import {
  decryptAndVerify,
  decryptWithPassword,
  encryptAndSign,
  encryptWithPassword,
} from '../../../main/core/crypto/pgp.ts';

// Real messages and keys captured from Delta Chat 2.57 (see test/fixtures/deltachat-2.57).
const fixtures = join(import.meta.dirname, '../../fixtures/deltachat-2.57');
const ALICE = '9872A45ABE1CF94C6919683A48C8C4FB3234DD7B';
const BOB = '1DE1554371F8F0F12B6E6F5A85263266CC6B8844';
const CAROL = 'D5C15B55F222D8369716312D255952C13816698C';

type Person = { secret: PrivateKey; public: PublicKey };

function fixture(name: string): Buffer {
  return readFileSync(join(fixtures, name));
}

async function person(who: string): Promise<Person> {
  const dir = join(fixtures, 'keys', who);
  const file = (kind: string) => {
    const name = readdirSync(dir).find((entry) => entry.startsWith(`${kind}-key`));
    if (!name) throw new Error(`no ${kind} key for ${who}`);
    return readFileSync(join(dir, name), 'utf8');
  };
  return {
    secret: await readPrivateKey(file('private')),
    public: await readPublicKey(file('public')),
  };
}

/**
 * The armored body of a multipart/encrypted message's second part, found with a deliberately
 * small parse (the real MIME parser lives elsewhere): split on the boundary, take the part whose
 * Content-Type is application/octet-stream, drop its headers.
 */
function armoredPartOf(eml: Buffer): string {
  const text = eml.toString('utf8');
  const boundary = /boundary="([^"]+)"/.exec(text)?.[1];
  if (!boundary) throw new Error('no boundary');
  const parts = text.split(`--${boundary}`).slice(1, -1);
  const part = parts.find((p) => /content-type:\s*application\/octet-stream/i.test(p));
  if (!part) throw new Error('no application/octet-stream part');
  const body = part.slice(part.search(/\r?\n\r?\n/)).trim();
  expect(body.startsWith('-----BEGIN PGP MESSAGE-----')).toBe(true);
  return body;
}

/** `securejoin/<inviter fingerprint>/<auth>` from the first invite link in qr.txt (PROTOCOL §8). */
function secureJoinPassword(): string {
  const link = fixture('qr.txt').toString('utf8').split('\n')[0] ?? '';
  const fragment = link.slice(link.indexOf('#') + 1);
  const fingerprint = fragment.slice(0, fragment.indexOf('&'));
  const auth = new URLSearchParams(fragment.slice(fragment.indexOf('&') + 1)).get('s');
  return `securejoin/${fingerprint}/${auth}`;
}

/** A short description of a message's outer packets, to compare ours with Delta Chat's. */
async function outerShape(armored: string): Promise<string[]> {
  const message = await readMessage({ armoredMessage: armored });
  return [...message.packets].map((packet: AnyPacket) => {
    const fields = packet as unknown as Record<string, unknown>;
    if (packet instanceof PublicKeyEncryptedSessionKeyPacket) {
      const keyID = fields.publicKeyID as { isWildcard(): boolean };
      return `PKESKv${String(fields.version)}${keyID.isWildcard() ? ' anonymous' : ''}`;
    }
    if (packet instanceof SymEncryptedSessionKeyPacket) {
      const s2k = fields.s2k as { type: string; algorithm: number };
      return `SKESKv${String(fields.version)} ${s2k.type} hash${s2k.algorithm} cipher${String(fields.sessionKeyEncryptionAlgorithm)} aead${String(fields.aeadAlgorithm)}`;
    }
    if (packet instanceof SymEncryptedIntegrityProtectedDataPacket) {
      return `SEIPDv${String(fields.version)} cipher${String(fields.cipherAlgorithm)} aead${String(fields.aeadAlgorithm)} chunk${String(fields.chunkSizeByte)}`;
    }
    return packet.constructor.name;
  });
}

let alice: Person;
let bob: Person;
let carol: Person;

beforeAll(async () => {
  [alice, bob, carol] = await Promise.all([person('Alice'), person('Bob'), person('Carol')]);
});

describe('reading what Delta Chat 2.57 sent', () => {
  it('bob decrypts alice’s 1:1 message, verifies her signature and gets the inner message', async () => {
    const result = await decryptAndVerify({
      armored: armoredPartOf(fixture('encrypted-1to1.eml')),
      decryptionKeys: [bob.secret],
      expectedSignerKeys: [alice.public],
    });
    expect(result.signature).toEqual({ status: 'valid', signerFingerprint: ALICE });
    expect(Buffer.from(result.data).equals(fixture('encrypted-1to1.inner.eml'))).toBe(true);
    expect(result.intendedRecipients).toEqual([ALICE, BOB]);
  });

  it('each group member decrypts alice’s group message; all members are intended recipients', async () => {
    const armored = armoredPartOf(fixture('encrypted-group.eml'));
    for (const member of [bob, carol, alice]) {
      const result = await decryptAndVerify({
        armored,
        decryptionKeys: [member.secret],
        expectedSignerKeys: [alice.public, bob.public],
      });
      expect(result.signature).toEqual({ status: 'valid', signerFingerprint: ALICE });
      expect(Buffer.from(result.data).equals(fixture('encrypted-group.inner.eml'))).toBe(true);
      expect(result.intendedRecipients).toEqual([ALICE, CAROL, BOB]);
    }
  });

  it('without alice’s key the signature is other-key and names her fingerprint', async () => {
    const result = await decryptAndVerify({
      armored: armoredPartOf(fixture('encrypted-1to1.eml')),
      decryptionKeys: [bob.secret],
      expectedSignerKeys: [carol.public],
    });
    expect(result.signature).toEqual({ status: 'other-key', signerFingerprint: ALICE });
  });

  it('carol cannot read alice’s 1:1 message to bob', async () => {
    await expect(
      decryptAndVerify({
        armored: armoredPartOf(fixture('encrypted-1to1.eml')),
        decryptionKeys: [carol.secret],
        expectedSignerKeys: [alice.public],
      }),
    ).rejects.toMatchObject({ code: 'decrypt_failed' });
  });

  it('alice opens bob’s SecureJoin vc-request-pubkey with the invite’s secret; it is unsigned', async () => {
    const result = await decryptWithPassword({
      armored: armoredPartOf(fixture('securejoin-vc-request-pubkey.eml')),
      password: secureJoinPassword(),
    });
    expect(result.signature).toEqual({ status: 'unsigned' });
    expect(Buffer.from(result.data).equals(fixture('securejoin-vc-request-pubkey.inner.eml'))).toBe(
      true,
    );
  });

  it('bob opens alice’s vc-pubkey with the same secret and verifies it with her key', async () => {
    const armored = armoredPartOf(fixture('securejoin-vc-pubkey.eml'));
    const result = await decryptWithPassword({
      armored,
      password: secureJoinPassword(),
      verificationKeys: [alice.public],
    });
    expect(result.signature).toEqual({ status: 'valid', signerFingerprint: ALICE });
    expect(Buffer.from(result.data).equals(fixture('securejoin-vc-pubkey.inner.eml'))).toBe(true);
    // Before bob has her key he learns who signed, and can check it against the invite.
    const early = await decryptWithPassword({ armored, password: secureJoinPassword() });
    expect(early.signature).toEqual({ status: 'other-key', signerFingerprint: ALICE });
  });

  it('a wrong invite secret cannot open a SecureJoin message', async () => {
    await expect(
      decryptWithPassword({
        armored: armoredPartOf(fixture('securejoin-vc-request-pubkey.eml')),
        password: `${secureJoinPassword()}-wrong`,
      }),
    ).rejects.toMatchObject({ code: 'decrypt_failed' });
  });
});

describe('writing what Delta Chat 2.57 reads', () => {
  it('our message to bob has the same packet shape as Delta Chat’s own', async () => {
    const ours = await encryptAndSign({
      data: fixture('encrypted-1to1.inner.eml'),
      encryptionKeys: [bob.public],
      signingKey: alice.secret,
    });
    const theirs = armoredPartOf(fixture('encrypted-1to1.eml'));
    expect(await outerShape(ours)).toEqual(await outerShape(theirs));
    expect(await outerShape(ours)).toEqual([
      'PKESKv6 anonymous',
      'PKESKv6 anonymous',
      'SEIPDv2 cipher7 aead2 chunk7',
    ]);
    // Delta Chat writes the CRC-24 line; so do we.
    expect(ours).toMatch(/\n=[A-Za-z0-9+/]{4}\n-----END PGP MESSAGE-----/);
  });

  it('bob, holding only Delta Chat’s key material, reads our message and sees his fingerprint', async () => {
    const armored = await encryptAndSign({
      data: 'Hello from Estafette',
      encryptionKeys: [bob.public, carol.public],
      signingKey: alice.secret,
    });
    for (const [member, fingerprint] of [
      [bob, BOB],
      [carol, CAROL],
    ] as const) {
      const result = await decryptAndVerify({
        armored,
        decryptionKeys: [member.secret],
        expectedSignerKeys: [alice.public],
      });
      expect(result.signature).toEqual({ status: 'valid', signerFingerprint: ALICE });
      // Delta Chat trashes a message whose intended recipients leave out the receiving key.
      expect(result.intendedRecipients).toContain(fingerprint);
      expect(new TextDecoder().decode(result.data)).toBe('Hello from Estafette');
    }
  });

  it('our SecureJoin request has the same packet shape as Delta Chat’s', async () => {
    const ours = await encryptWithPassword({
      data: fixture('securejoin-vc-request-pubkey.inner.eml'),
      password: secureJoinPassword(),
    });
    const theirs = armoredPartOf(fixture('securejoin-vc-request-pubkey.eml'));
    expect(await outerShape(ours)).toEqual(await outerShape(theirs));
    expect(await outerShape(ours)).toEqual([
      'SKESKv6 salted hash8 cipher7 aead2',
      'SEIPDv2 cipher7 aead2 chunk7',
    ]);
    const opened = await decryptWithPassword({ armored: ours, password: secureJoinPassword() });
    expect(Buffer.from(opened.data).equals(fixture('securejoin-vc-request-pubkey.inner.eml'))).toBe(
      true,
    );
  });
});
