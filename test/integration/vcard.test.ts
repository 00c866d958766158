/**
 * vCards between two Estafette cores: your own card (`self`), the preview that shows what an
 * import would do without doing it, and the import it predicts (keys new, the same, replaced,
 * or ignored for a verified contact). Real Postfix + Dovecot for the SecureJoin part.
 */
import { describe, expect, it } from 'vitest';
import { mailServer } from '../mailserver/index.ts';
import { peerFactory } from '../support/steps.ts';
import type { CoreEvent } from '../../shared/events.ts';
import { generateAccountKey, keydataOf, readPrivateKey } from '../../main/core/crypto/keys.ts';
import { formatVcard } from '../../main/core/securejoin/vcard.ts';

const ms = mailServer();
const peer = peerFactory(ms);

/** A card for `addr` with a fresh key (someone else's key under that address). */
async function cardWithOtherKey(addr: string) {
  const other = await generateAccountKey(addr);
  const key = (await readPrivateKey(other.secretArmored)).toPublic();
  return {
    fingerprint: other.fingerprint,
    vcard: formatVcard([
      { addr, name: 'Someone', key: keydataOf(key, addr), photo: null, note: null, timestamp: 1 },
    ]),
  };
}

describe('vCards: own card, preview and import', () => {
  it('exports your own card, previews it elsewhere without change, then imports it', async () => {
    const alice = await peer('alice');
    const bob = await peer('bob');
    await expect(
      bob.core.call('exportVcard', { accountId: bob.account.id, contactIds: [] }),
    ).rejects.toThrow(/at least one contact/);

    const { vcard } = await bob.core.call('exportVcard', { accountId: bob.account.id, self: true });
    expect(vcard).toContain(`EMAIL:${bob.account.addr}\r\n`);
    expect(vcard).toContain('FN:Bob\r\n');
    expect(vcard).toContain('KEY:data:application/pgp-keys;base64\\,');

    const before = await alice.core.call('listContacts', { accountId: alice.account.id });
    const preview = await alice.core.call('previewVcard', { accountId: alice.account.id, vcard });
    expect(preview).toEqual([
      {
        addr: bob.account.addr.toLowerCase(),
        name: 'Bob',
        key: 'new',
        fingerprint: bob.account.fingerprint,
        contactId: null,
        verified: false,
        isSelf: false,
      },
    ]);
    // A preview changes nothing and announces nothing.
    expect(await alice.core.call('listContacts', { accountId: alice.account.id })).toEqual(before);
    expect(alice.events.some((e: CoreEvent) => e.type === 'contactChanged')).toBe(false);

    const [imported] = await alice.core.call('importVcard', { accountId: alice.account.id, vcard });
    expect(imported?.fingerprint).toBe(bob.account.fingerprint);
    expect(imported?.verified).toBe(false);
    // The chat with a contact whose key came in a card is encrypted from the start, and says so.
    const chat = await alice.core.call('createChatByAddress', {
      accountId: alice.account.id,
      addr: bob.account.addr,
    });
    expect(chat).toMatchObject({ encrypted: true, verified: false });
    const again = await alice.core.call('previewVcard', { accountId: alice.account.id, vcard });
    expect(again[0]).toMatchObject({ key: 'same', contactId: imported?.id });

    // Another key under bob's address would replace the one alice holds.
    const other = await cardWithOtherKey(bob.account.addr.toLowerCase());
    const replaced = await alice.core.call('previewVcard', {
      accountId: alice.account.id,
      vcard: other.vcard,
    });
    expect(replaced[0]).toMatchObject({ key: 'replaces', fingerprint: other.fingerprint });

    // Alice's own card, a card without key, one with a broken key, and one without address.
    const own = await alice.core.call('exportVcard', { accountId: alice.account.id, self: true });
    const mixed =
      own.vcard +
      'BEGIN:VCARD\r\nVERSION:4.0\r\nEMAIL:carol@example.org\r\nFN:Carol\r\nEND:VCARD\r\n' +
      'BEGIN:VCARD\r\nVERSION:4.0\r\nEMAIL:dave@example.org\r\nKEY:data:application/pgp-keys;base64\\,AAAA\r\nEND:VCARD\r\n' +
      'BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Nobody\r\nEND:VCARD\r\n';
    const four = await alice.core.call('previewVcard', {
      accountId: alice.account.id,
      vcard: mixed,
    });
    expect(four.map((p) => [p.addr, p.key, p.isSelf])).toEqual([
      [alice.account.addr.toLowerCase(), 'same', true],
      ['carol@example.org', 'none', false],
      ['dave@example.org', 'unreadable', false],
    ]);
    expect(
      await alice.core.call('previewVcard', { accountId: alice.account.id, vcard: 'hello' }),
    ).toEqual([]);
  });

  it('a contact verified by invite keeps its key: the preview says the card’s key is ignored', async () => {
    const alice = await peer('alice');
    const bob = await peer('bob');
    const invite = await bob.core.call('getInvite', { accountId: bob.account.id });
    await alice.core.call('secureJoin', { accountId: alice.account.id, invite: invite.link });
    await alice.waitFor(
      (e) => e.type === 'secureJoinProgress' && e.role === 'joiner' && e.step === 'done',
      30_000,
    );
    const other = await cardWithOtherKey(bob.account.addr.toLowerCase());
    const [seen] = await alice.core.call('previewVcard', {
      accountId: alice.account.id,
      vcard: other.vcard,
    });
    expect(seen).toMatchObject({ key: 'ignored', verified: true });
    // And the import does what the preview said: the verified key stays.
    const [kept] = await alice.core.call('importVcard', {
      accountId: alice.account.id,
      vcard: other.vcard,
    });
    expect(kept?.verified).toBe(true);
    expect(kept?.fingerprint).toBe(bob.account.fingerprint);
  });
});
