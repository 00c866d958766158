/**
 * The SecureJoin steps Delta Chat 2.57 really sent (test/fixtures/deltachat-2.57), decrypted and
 * classified as the receive pipeline does, and ours composed with the same keys and invite and
 * read back the way Delta Chat reads them.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { PrivateKey, PublicKey } from 'openpgp';
import { beforeAll, describe, expect, it } from 'vitest';
import { readPrivateKey, readPublicKey, keydataOf } from '../../../main/core/crypto/keys.ts';
import { decryptAndVerify, decryptWithPassword } from '../../../main/core/crypto/pgp.ts';
import { parseMail, mergeProtected } from '../../../main/core/mime/parse.ts';
import type { ParsedMail } from '../../../main/core/mime/types.ts';
import type { AccountContext } from '../../../main/core/account/context.ts';
import { parseInvite } from '../../../main/core/securejoin/invite.ts';
import { secureJoinPassword } from '../../../main/core/securejoin/shared-secrets.ts';
import { stepOf } from '../../../main/core/securejoin/steps.ts';
import { gossipsOwnKey } from '../../../main/core/securejoin/step-checks.ts';
import { announcedKey } from '../../../main/core/securejoin/verification.ts';
import {
  composeKeyEncryptedStep,
  composePasswordStep,
} from '../../../main/core/securejoin/handshake-mail.ts';
import { readIncomingGroup } from '../../../main/core/chat/groups.ts';
import { formatVcard, parseVcard } from '../../../main/core/securejoin/vcard.ts';

const fixtures = join(import.meta.dirname, '../../fixtures/deltachat-2.57');
const ALICE = '9872A45ABE1CF94C6919683A48C8C4FB3234DD7B';
const BOB = '1DE1554371F8F0F12B6E6F5A85263266CC6B8844';
const CAROL = 'D5C15B55F222D8369716312D255952C13816698C';
const [contactLink, groupLink] = readFileSync(join(fixtures, 'qr.txt'), 'utf8').trim().split('\n');

type Person = { secret: PrivateKey; public: PublicKey; addr: string; fingerprint: string };
const people: Record<string, Person> = {};

async function person(who: string, fingerprint: string): Promise<Person> {
  const dir = join(fixtures, 'keys', who);
  const file = (kind: string) =>
    readFileSync(
      join(
        dir,
        readdirSync(dir).find((f) => f.startsWith(`${kind}-key`))!,
      ),
      'utf8',
    );
  return {
    secret: await readPrivateKey(file('private')),
    public: await readPublicKey(file('public')),
    addr: `${who.toLowerCase()}@chat.test`,
    fingerprint,
  };
}

/** Just what the composing and checking functions read of an account. */
function contextOf(p: Person, name: string): AccountContext {
  return {
    addr: p.addr,
    keys: { secret: p.secret, public: p.public, fingerprint: p.fingerprint },
    displayName: () => name,
    now: () => Date.now(),
  } as unknown as AccountContext;
}

async function opened(eml: Buffer, open: (armored: string) => Promise<Uint8Array>) {
  const outer = await parseMail(eml);
  return mergeProtected(outer, await parseMail(Buffer.from(await open(outer.encrypted!.armored))));
}

const fixture = (name: string) => readFileSync(join(fixtures, name));

beforeAll(async () => {
  people.alice = await person('Alice', ALICE);
  people.bob = await person('Bob', BOB);
  people.carol = await person('Carol', CAROL);
});

describe("Delta Chat's SecureJoin steps", () => {
  it('vc-request-pubkey opens with the invite secret and is the v3 first step', async () => {
    const invite = parseInvite(contactLink!);
    const password = secureJoinPassword(invite.fingerprint, invite.auth);
    const outer = await parseMail(fixture('securejoin-vc-request-pubkey.eml'));
    expect(stepOf(outer)).toBeNull();
    const m = await opened(fixture('securejoin-vc-request-pubkey.eml'), async (armored) => {
      const r = await decryptWithPassword({ armored, password });
      expect(r.signature.status).toBe('unsigned');
      return r.data;
    });
    expect(stepOf(m)).toEqual({ step: 'request-pubkey', header: 'vc-request-pubkey' });
    expect(m.chat.headers['secure-join-auth']).toBe(invite.auth);
    expect(m.autocrypt).toEqual([]);
  });

  it("vc-pubkey opens with the same secret and is signed by the key it carries, the invite's", async () => {
    const invite = parseInvite(contactLink!);
    const password = secureJoinPassword(invite.fingerprint, invite.auth);
    const m = await opened(fixture('securejoin-vc-pubkey.eml'), async (armored) => {
      const r = await decryptWithPassword({
        armored,
        password,
        verificationKeys: [people.alice!.public],
      });
      expect(r.signature).toEqual({ status: 'valid', signerFingerprint: ALICE });
      return r.data;
    });
    expect(stepOf(m)?.step).toBe('pubkey');
    expect((await announcedKey(m.autocrypt, 'alice@chat.test'))?.fingerprint).toBe(
      invite.fingerprint,
    );
  });

  it('vc-request-with-auth: signed by Bob, names his fingerprint, gossips the inviter’s key', async () => {
    const m = await opened(fixture('securejoin-vc-request-with-auth.eml'), async (armored) => {
      const r = await decryptAndVerify({
        armored,
        decryptionKeys: [people.alice!.secret],
        expectedSignerKeys: [people.bob!.public],
      });
      expect(r.signature).toEqual({ status: 'valid', signerFingerprint: BOB });
      return r.data;
    });
    expect(stepOf(m)?.step).toBe('request-with-auth');
    expect(m.chat.headers['secure-join-fingerprint']).toBe(BOB);
    expect(m.chat.headers['secure-join-auth']).toBe(parseInvite(contactLink!).auth);
    expect(await gossipsOwnKey(contextOf(people.alice!, 'Alice'), m)).toBe(true);
    expect(await gossipsOwnKey(contextOf(people.carol!, 'Carol'), m)).toBe(false);
  });

  it('vg-request-with-auth names the group; vc-contact-confirm gossips the joiner’s key', async () => {
    const vg = await opened(
      fixture('securejoin-vg-request-with-auth.eml'),
      async (armored) =>
        (
          await decryptAndVerify({
            armored,
            decryptionKeys: [people.alice!.secret],
            expectedSignerKeys: [],
          })
        ).data,
    );
    expect(stepOf(vg)).toEqual({ step: 'request-with-auth', header: 'vg-request-with-auth' });
    expect(vg.chat.headers['secure-join-group']).toBe(parseInvite(groupLink!).group?.id);
    const confirm = await opened(
      fixture('securejoin-vc-contact-confirm.eml'),
      async (armored) =>
        (
          await decryptAndVerify({
            armored,
            decryptionKeys: [people.bob!.secret],
            expectedSignerKeys: [people.alice!.public],
          })
        ).data,
    );
    expect(stepOf(confirm)?.step).toBe('contact-confirm');
    expect(await gossipsOwnKey(contextOf(people.bob!, 'Bob'), confirm)).toBe(true);
  });

  it('vg-member-added is a group change with member timestamps and fingerprints', async () => {
    const m: ParsedMail = await opened(
      fixture('securejoin-vg-member-added.eml'),
      async (armored) =>
        (
          await decryptAndVerify({
            armored,
            decryptionKeys: [people.bob!.secret],
            expectedSignerKeys: [],
          })
        ).data,
    );
    expect(stepOf(m)?.step).toBe('member-added');
    const ctx = { blobs: { put: async () => 'blob' } } as unknown as AccountContext;
    const g = await readIncomingGroup(ctx, m, { encryption: 'encrypted', timestamp: Date.now() });
    expect(g).toMatchObject({
      grpid: 'aAcZPFNC9gaUsJ9Oz2D2Ipgl',
      name: 'dc interop group',
      nameTs: 1795373924,
      memberTimestamps: [1795373924, 1795373922],
      memberFingerprints: [CAROL, BOB],
      added: 'carol@chat.test',
      removed: null,
      description: { text: '', ts: 1795373924, changed: false },
      trusted: true,
    });
    expect(m.to.map((t) => t.addr)).toEqual(['carol@chat.test', 'bob@chat.test']);
  });
});

describe('our SecureJoin steps, read as Delta Chat reads them', () => {
  it('vc-request-pubkey: password-encrypted, unsigned, no key, hidden recipients', async () => {
    const invite = parseInvite(contactLink!);
    const bob = contextOf(people.bob!, 'Bob');
    const password = secureJoinPassword(invite.fingerprint, invite.auth);
    const mail = await composePasswordStep(bob, {
      step: 'vc-request-pubkey',
      to: invite.addr,
      auth: invite.auth,
      password,
    });
    expect(mail.recipients).toEqual(['alice@chat.test']);
    const outer = await parseMail(mail.raw);
    expect(outer.headers.get('to')?.[0]).toMatch(/^"hidden-recipients": ?;$/);
    expect(outer.subject).toBe('[...]');
    const m = await opened(mail.raw, async (armored) => {
      const r = await decryptWithPassword({ armored, password });
      expect(r.signature.status).toBe('unsigned');
      return r.data;
    });
    expect(m.protectedHeaders).toBe(true);
    expect(stepOf(m)?.step).toBe('request-pubkey');
    expect(m.chat.headers['secure-join-auth']).toBe(invite.auth);
    expect(m.autocrypt).toEqual([]);
    expect(m.from).toEqual({ addr: 'bob@chat.test' });
  });

  it('vc-request-with-auth: to the inviter’s key, signed, with our fingerprint and gossip', async () => {
    const invite = parseInvite(groupLink!);
    const bob = contextOf(people.bob!, 'Bob');
    const mail = await composeKeyEncryptedStep(bob, {
      step: 'vg-request-with-auth',
      to: { addr: invite.addr, name: invite.name },
      toKey: people.alice!.public,
      headers: {
        'Secure-Join-Auth': invite.auth,
        'Secure-Join-Fingerprint': BOB,
        'Secure-Join-Group': invite.group!.id,
      },
    });
    const m = await opened(mail.raw, async (armored) => {
      const r = await decryptAndVerify({
        armored,
        decryptionKeys: [people.alice!.secret],
        expectedSignerKeys: [people.bob!.public],
      });
      expect(r.signature).toEqual({ status: 'valid', signerFingerprint: BOB });
      expect(r.intendedRecipients).toContain(ALICE);
      return r.data;
    });
    expect(stepOf(m)).toEqual({ step: 'request-with-auth', header: 'vg-request-with-auth' });
    expect(m.chat.headers['secure-join-group']).toBe('aAcZPFNC9gaUsJ9Oz2D2Ipgl');
    expect(await gossipsOwnKey(contextOf(people.alice!, 'Alice'), m)).toBe(true);
    expect((await announcedKey(m.autocrypt, 'bob@chat.test'))?.fingerprint).toBe(BOB);
  });
});

describe('vCards', () => {
  it('writes what Delta Chat writes and reads it back', () => {
    const key = keydataOf(people.alice!.public);
    const text = formatVcard([
      {
        addr: 'alice@chat.test',
        name: 'Alice, the; first',
        key,
        photo: null,
        note: 'line one\nline two',
        timestamp: Date.UTC(2026, 10, 22, 18, 58, 12),
      },
    ]);
    expect(text).toBe(
      'BEGIN:VCARD\r\nVERSION:4.0\r\nEMAIL:alice@chat.test\r\nFN:Alice\\, the\\; first\r\n' +
        `KEY:data:application/pgp-keys;base64\\,${key}\r\n` +
        'NOTE:line one\\nline two\r\nREV:20261122T185812Z\r\nEND:VCARD\r\n',
    );
    expect(parseVcard(text)).toEqual([
      {
        addr: 'alice@chat.test',
        name: 'Alice, the; first',
        key,
        photo: null,
        note: 'line one\nline two',
        timestamp: Date.UTC(2026, 10, 22, 18, 58, 12),
      },
    ]);
  });

  it('reads vCard 3 keys, folded lines and several cards; skips cards without an address', () => {
    const key = keydataOf(people.bob!.public);
    const folded = `KEY;TYPE=PGP;ENCODING=b:${key.slice(0, 60)}\r\n ${key.slice(60)}`;
    const text = [
      'BEGIN:VCARD',
      'VERSION:3.0',
      'FN:Bob',
      'item1.EMAIL;TYPE=INTERNET:Bob@Chat.Test',
      folded,
      'END:VCARD',
      'BEGIN:VCARD',
      'FN:Nobody',
      'END:VCARD',
    ].join('\r\n');
    expect(parseVcard(text)).toEqual([
      { addr: 'bob@chat.test', name: 'Bob', key, photo: null, note: null, timestamp: null },
    ]);
  });
});
