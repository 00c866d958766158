/** vCards with keys, exchanged with the real Delta Chat core (makeVcard / importVcardContents). */
import { afterAll, describe, expect, it } from 'vitest';
import { mailServer } from '../mailserver/index.ts';
import type { Peer } from '../support/peer.ts';
import { peerFactory } from '../support/steps.ts';
import { newDeltaChatPeer } from './deltachat-peer.ts';
import type { DeltaChatPeer } from './deltachat-peer.ts';

const ms = mailServer();
const estafette = peerFactory(ms);
const deltas: DeltaChatPeer[] = [];
afterAll(async () => {
  for (const d of deltas) await d.close();
});

describe('vCards with Delta Chat 2.57', () => {
  it('each imports the other’s vCard and both write encrypted from the first message', async () => {
    const alice: Peer = await estafette('alice');
    const bob = await newDeltaChatPeer(ms, 'bob');
    deltas.push(bob);

    // Delta Chat's card of itself, into Estafette.
    const dcCard = await bob.dc.rpc.makeVcard(bob.acc, [1]);
    expect(dcCard).toMatch(/^BEGIN:VCARD\r\nVERSION:4\.0\r\nEMAIL:/);
    const [imported] = await alice.core.call('importVcard', {
      accountId: alice.account.id,
      vcard: dcCard,
    });
    expect(imported).toMatchObject({ addr: bob.user.address, peerName: 'Bob', verified: false });
    expect(imported!.fingerprint).toMatch(/^[0-9A-F]{40}$/);

    // Estafette's card of itself, into Delta Chat.
    const chat = await alice.core.call('createChatByAddress', {
      accountId: alice.account.id,
      addr: bob.user.address,
    });
    const first = await alice.core.call('sendMessage', {
      accountId: alice.account.id,
      chatId: chat.id,
      text: 'hello Delta Chat, from a vCard',
    });
    const { vcard } = await alice.core.call('exportVcard', {
      accountId: alice.account.id,
      contactIds: [first.fromId],
    });
    expect(vcard).toContain(`EMAIL:${alice.account.addr}\r\n`);
    expect(vcard).toContain('KEY:data:application/pgp-keys;base64\\,');
    const [dcContact] = await bob.dc.rpc.importVcardContents(bob.acc, vcard);
    const contact = await bob.dc.rpc.getContact(bob.acc, dcContact!);
    expect(contact).toMatchObject({ address: alice.account.addr, isKeyContact: true });

    // Estafette's message went out encrypted (it had Delta Chat's key from the card).
    const sent = await alice.waitFor(
      (e) => e.type === 'messageChanged' && e.message.id === first.id && e.message.state === 'sent',
    );
    expect(sent.type === 'messageChanged' && sent.message.encryption).toBe('encrypted');
    const atDc = await bob.receive('hello Delta Chat, from a vCard');
    expect(atDc.showPadlock).toBe(true);

    const dcChat = await bob.dc.rpc.createChatByContactId(bob.acc, dcContact!);
    await bob.dc.rpc.miscSendTextMessage(bob.acc, dcChat, 'hello Estafette, from a vCard');
    const atAlice = await alice.receive('hello Estafette, from a vCard', 30_000);
    expect(atAlice).toMatchObject({ chatId: chat.id, encryption: 'encrypted' });
  });
});
