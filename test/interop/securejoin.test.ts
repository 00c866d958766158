/**
 * Issue 4's "Must show" against the real Delta Chat core (2.57, npm @deltachat/stdio-rpc-server)
 * and the real Postfix + Dovecot: SecureJoin both ways, groups both ways, and a forged message.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mailServer } from '../mailserver/index.ts';
import type { Peer } from '../support/peer.ts';
import {
  contactOf,
  eventually,
  inviterDone,
  memberAddrs,
  peerFactory,
  secureJoinStep,
} from '../support/steps.ts';
import type { Progress } from '../support/steps.ts';
import { newDeltaChatPeer } from './deltachat-peer.ts';
import { forgedMessage } from './forged-mail.ts';
import { publicKeyFromKeydata } from '../../main/core/crypto/keys.ts';
import { parseVcard } from '../../main/core/securejoin/vcard.ts';
import type { DeltaChatPeer } from './deltachat-peer.ts';

const ms = mailServer();
/** A 1×1 PNG for group images. */
const PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
const estafette = peerFactory(ms);
const deltas: DeltaChatPeer[] = [];
afterAll(async () => {
  for (const d of deltas) await d.close();
});
async function deltaChat(name: string): Promise<DeltaChatPeer> {
  const d = await newDeltaChatPeer(ms, name);
  deltas.push(d);
  return d;
}

/** SecureJoin with Delta Chat takes a few push hops (0.5 s each in Dovecot): generous limits. */
const progress = (p: Peer, role: Progress['role'], step: Progress['step']) =>
  secureJoinStep(p, role, step, 60_000);

/** Time a step and print it, so the report can quote real numbers. */
async function timed<T>(label: string, work: () => Promise<T>): Promise<T> {
  const started = performance.now();
  const result = await work();
  console.log(`${label}: ${Math.round(performance.now() - started)} ms`);
  return result;
}

describe('SecureJoin with Delta Chat 2.57', () => {
  it('Delta Chat shows an invite, Estafette joins: both verified, text both ways', async () => {
    const alice = await deltaChat('alice');
    const bob = await estafette('bob');
    const link = await alice.dc.rpc.getChatSecurejoinQrCode(alice.acc, null);
    const check = await bob.core.call('checkInvite', { accountId: bob.account.id, invite: link });
    expect(check.question).toBe('Verify Alice and start a chat?');

    const chat = await bob.core.call('secureJoin', { accountId: bob.account.id, invite: link });
    const [done, atAlice] = await timed('DC invites, Estafette joins', () =>
      Promise.all([
        progress(bob, 'joiner', 'done'),
        alice.waitFor('SecurejoinInviterProgress', (e) => e.progress === 1000),
      ]),
    );
    expect(done.chatId).toBe(chat.id);
    expect((await alice.dc.rpc.getContact(alice.acc, atAlice.contactId)).isVerified).toBe(true);
    expect(await contactOf(bob, alice.user.address)).toMatchObject({ verified: true });
    expect(
      (await bob.core.call('getChat', { accountId: bob.account.id, chatId: chat.id })).verified,
    ).toBe(true);

    await alice.dc.rpc.miscSendTextMessage(alice.acc, atAlice.chatId, 'hello from Delta Chat');
    const fromDc = await bob.receive('hello from Delta Chat', 30_000);
    expect(fromDc).toMatchObject({ chatId: chat.id, encryption: 'encrypted' });

    await bob.core.call('sendMessage', {
      accountId: bob.account.id,
      chatId: chat.id,
      text: 'hello from Estafette',
    });
    const atDc = await alice.receive('hello from Estafette');
    expect(atDc.showPadlock).toBe(true);
    expect(atDc.chatId).toBe(atAlice.chatId);
    expect((await alice.dc.rpc.getContact(alice.acc, atDc.fromId)).isVerified).toBe(true);
  });

  it('Estafette shows an invite, Delta Chat joins: both verified, text both ways', async () => {
    const alice = await estafette('alice');
    const bob = await deltaChat('bob');
    const invite = await alice.core.call('getInvite', { accountId: alice.account.id });
    const qr = await bob.dc.rpc.checkQr(bob.acc, invite.link);
    expect(qr.kind).toBe('askVerifyContact');

    const dcChatId = await bob.dc.rpc.secureJoin(bob.acc, invite.link);
    const [atBob, done] = await timed('Estafette invites, DC joins', () =>
      Promise.all([
        bob.waitFor('SecurejoinJoinerProgress', (e) => e.progress === 1000),
        progress(alice, 'inviter', 'done'),
      ]),
    );
    expect((await bob.dc.rpc.getContact(bob.acc, atBob.contactId)).isVerified).toBe(true);
    expect(await contactOf(alice, bob.user.address)).toMatchObject({ verified: true });
    const aChat = done.chatId!;
    expect(
      (await alice.core.call('getChat', { accountId: alice.account.id, chatId: aChat })).verified,
    ).toBe(true);

    await bob.dc.rpc.miscSendTextMessage(bob.acc, dcChatId, 'hi Estafette, Delta Chat here');
    const fromDc = await alice.receive('hi Estafette, Delta Chat here', 30_000);
    expect(fromDc).toMatchObject({ chatId: aChat, encryption: 'encrypted' });

    await alice.core.call('sendMessage', {
      accountId: alice.account.id,
      chatId: aChat,
      text: 'hi Delta Chat',
    });
    const atDc = await bob.receive('hi Delta Chat');
    expect(atDc.showPadlock).toBe(true);
    expect(atDc.chatId).toBe(dcChatId);
    expect((await bob.dc.rpc.getContact(bob.acc, atDc.fromId)).isVerified).toBe(true);
  });
});

/** Estafette `e` verifies Delta Chat `d` with an Estafette invite; returns both sides' ids. */
async function verifyWithEstafetteInvite(e: Peer, d: DeltaChatPeer) {
  const invite = await e.core.call('getInvite', { accountId: e.account.id });
  const before = e.events.length;
  const dcChatId = await d.dc.rpc.secureJoin(d.acc, invite.link);
  const joined = await d.waitFor('SecurejoinJoinerProgress', (ev) => ev.progress === 1000, 60_000);
  const done = await inviterDone(e, before, 60_000);
  return { dcChatId, dcContactOfE: joined.contactId, eContactId: done.contactId! };
}

/** Members of a Delta Chat chat as addresses (its own address included). */
async function dcMembers(d: DeltaChatPeer, chatId: number): Promise<string[]> {
  const ids = await d.dc.rpc.getChatContacts(d.acc, chatId);
  const out: string[] = [];
  for (const id of ids) out.push((await d.dc.rpc.getContact(d.acc, id)).address);
  return out.sort();
}

/** The group chat a Delta Chat message arrived in, accepted if it came as a contact request. */
async function acceptedChat(d: DeltaChatPeer, chatId: number) {
  const info = await d.dc.rpc.getBasicChatInfo(d.acc, chatId);
  if (info.isContactRequest) await d.dc.rpc.acceptChat(d.acc, chatId);
  return info;
}

describe('groups with Delta Chat 2.57', () => {
  it('a group created by Estafette with two Delta Chat members', async () => {
    const alice = await estafette('alice');
    const bob = await deltaChat('bob');
    const carol = await deltaChat('carol');
    const atBob = await verifyWithEstafetteInvite(alice, bob);
    const atCarol = await verifyWithEstafetteInvite(alice, carol);

    const group = await alice.core.call('createGroup', {
      accountId: alice.account.id,
      name: 'Interop group',
      contactIds: [atBob.eContactId, atCarol.eContactId],
    });
    expect(group).toMatchObject({ kind: 'group', encrypted: true, verified: true });
    await alice.core.call('sendMessage', {
      accountId: alice.account.id,
      chatId: group.id,
      text: 'hello group, Estafette here',
    });
    const [mBob, mCarol] = await timed('Estafette group message reaches both Delta Chats', () =>
      Promise.all([
        bob.receive('hello group, Estafette here'),
        carol.receive('hello group, Estafette here'),
      ]),
    );
    expect(mBob.showPadlock && mCarol.showPadlock).toBe(true);
    const bobGroup = mBob.chatId;
    const carolGroup = mCarol.chatId;
    const infoAtBob = await acceptedChat(bob, bobGroup);
    await acceptedChat(carol, carolGroup);
    expect(infoAtBob).toMatchObject({ name: 'Interop group', chatType: 'Group' });
    const everyone = [alice.account.addr, bob.user.address, carol.user.address].sort();
    expect(await dcMembers(bob, bobGroup)).toEqual(everyone);
    expect(await dcMembers(carol, carolGroup)).toEqual(everyone);

    // Every member sees every message.
    await bob.dc.rpc.miscSendTextMessage(bob.acc, bobGroup, 'bob (Delta Chat) to the group');
    const [fromBobAtAlice, fromBobAtCarol] = await Promise.all([
      alice.receive('bob (Delta Chat) to the group', 30_000),
      carol.receive('bob (Delta Chat) to the group'),
    ]);
    expect(fromBobAtAlice).toMatchObject({ chatId: group.id, encryption: 'encrypted' });
    expect(fromBobAtCarol).toMatchObject({ chatId: carolGroup, showPadlock: true });
    await carol.dc.rpc.miscSendTextMessage(
      carol.acc,
      carolGroup,
      'carol (Delta Chat) to the group',
    );
    const [fromCarolAtAlice, fromCarolAtBob] = await Promise.all([
      alice.receive('carol (Delta Chat) to the group', 30_000),
      bob.receive('carol (Delta Chat) to the group'),
    ]);
    expect(fromCarolAtAlice).toMatchObject({ chatId: group.id, encryption: 'encrypted' });
    expect(fromCarolAtBob).toMatchObject({ chatId: bobGroup, showPadlock: true });

    // Delta Chat removes a member: Estafette's member list follows.
    let carolId = 0;
    for (const id of await bob.dc.rpc.getChatContacts(bob.acc, bobGroup)) {
      if ((await bob.dc.rpc.getContact(bob.acc, id)).address === carol.user.address) carolId = id;
    }
    await bob.dc.rpc.removeContactFromChat(bob.acc, bobGroup, carolId);
    await timed('Delta Chat removes a member, Estafette follows', () =>
      eventually(
        () => memberAddrs(alice, group.id),
        (m) => !m.includes(carol.user.address),
      ),
    );
    expect(await memberAddrs(alice, group.id)).toEqual(
      [alice.account.addr, bob.user.address].sort(),
    );

    // Estafette renames the group: Delta Chat shows the new name.
    await alice.core.call('setChatName', {
      accountId: alice.account.id,
      chatId: group.id,
      name: 'Renamed by Estafette',
    });
    await timed('Estafette renames, Delta Chat shows it', () =>
      eventually(
        () => bob.dc.rpc.getBasicChatInfo(bob.acc, bobGroup),
        (c) => c.name === 'Renamed by Estafette',
      ),
    );
    // Description and image too.
    await alice.core.call('setChatDescription', {
      accountId: alice.account.id,
      chatId: group.id,
      description: 'Where Estafette and Delta Chat meet',
    });
    await alice.core.call('setChatAvatar', {
      accountId: alice.account.id,
      chatId: group.id,
      avatar: `data:image/png;base64,${PNG}`,
    });
    await eventually(
      () => bob.dc.rpc.getChatDescription(bob.acc, bobGroup),
      (d) => d === 'Where Estafette and Delta Chat meet',
    );
    await eventually(
      () => bob.dc.rpc.getBasicChatInfo(bob.acc, bobGroup),
      (c) => c.profileImage !== null,
    );
  });

  it('a group created by Delta Chat, joined by Estafette with a group invite', async () => {
    const alice = await deltaChat('alice');
    const carol = await deltaChat('carol');
    const bob = await estafette('bob');
    const dcGroup = await alice.dc.rpc.createGroupChat(alice.acc, 'Delta group', false);
    const link = await alice.dc.rpc.getChatSecurejoinQrCode(alice.acc, dcGroup);
    await carol.dc.rpc.secureJoin(carol.acc, link);
    await carol.waitFor('SecurejoinJoinerProgress', (e) => e.progress === 1000, 60_000);

    const check = await bob.core.call('checkInvite', { accountId: bob.account.id, invite: link });
    expect(check).toMatchObject({ kind: 'group', groupName: 'Delta group' });
    const bGroup = await bob.core.call('secureJoin', { accountId: bob.account.id, invite: link });
    await timed('Estafette joins a Delta Chat group', () => progress(bob, 'joiner', 'done'));
    await alice.waitFor(
      'SecurejoinInviterProgress',
      (e) => e.progress === 1000 && e.chatId === dcGroup,
    );
    const everyone = [alice.user.address, bob.account.addr, carol.user.address].sort();
    expect(await memberAddrs(bob, bGroup.id)).toEqual(everyone);
    const info = await bob.core.call('getGroup', { accountId: bob.account.id, chatId: bGroup.id });
    expect(info).toMatchObject({ name: 'Delta group', selfIsMember: true });
    expect(await contactOf(bob, alice.user.address)).toMatchObject({ verified: true });
    expect(await dcMembers(alice, dcGroup)).toEqual(everyone);

    // Every member sees every message.
    await alice.dc.rpc.miscSendTextMessage(alice.acc, dcGroup, 'alice (Delta Chat) says hi');
    const [aAtBob, aAtCarol] = await Promise.all([
      bob.receive('alice (Delta Chat) says hi', 30_000),
      carol.receive('alice (Delta Chat) says hi'),
    ]);
    expect(aAtBob).toMatchObject({ chatId: bGroup.id, encryption: 'encrypted' });
    const carolGroup = aAtCarol.chatId;
    await bob.core.call('sendMessage', {
      accountId: bob.account.id,
      chatId: bGroup.id,
      text: 'bob (Estafette) says hi',
    });
    const [bAtAlice, bAtCarol] = await Promise.all([
      alice.receive('bob (Estafette) says hi'),
      carol.receive('bob (Estafette) says hi'),
    ]);
    expect(bAtAlice).toMatchObject({ chatId: dcGroup, showPadlock: true });
    expect(bAtCarol).toMatchObject({ chatId: carolGroup, showPadlock: true });
    await carol.dc.rpc.miscSendTextMessage(carol.acc, carolGroup, 'carol (Delta Chat) says hi');
    const [cAtBob, cAtAlice] = await Promise.all([
      bob.receive('carol (Delta Chat) says hi', 30_000),
      alice.receive('carol (Delta Chat) says hi'),
    ]);
    expect(cAtBob).toMatchObject({ chatId: bGroup.id, encryption: 'encrypted' });
    expect(cAtAlice.chatId).toBe(dcGroup);

    // Delta Chat removes a member: Estafette's member list follows.
    let carolId = 0;
    for (const id of await alice.dc.rpc.getChatContacts(alice.acc, dcGroup)) {
      if ((await alice.dc.rpc.getContact(alice.acc, id)).address === carol.user.address)
        carolId = id;
    }
    await alice.dc.rpc.removeContactFromChat(alice.acc, dcGroup, carolId);
    await eventually(
      () => memberAddrs(bob, bGroup.id),
      (m) => !m.includes(carol.user.address),
    );
    expect(await memberAddrs(bob, bGroup.id)).toEqual(
      [alice.user.address, bob.account.addr].sort(),
    );

    // Estafette renames the group: Delta Chat shows the new name.
    await bob.core.call('setChatName', {
      accountId: bob.account.id,
      chatId: bGroup.id,
      name: 'Renamed in Estafette',
    });
    await eventually(
      () => alice.dc.rpc.getBasicChatInfo(alice.acc, dcGroup),
      (c) => c.name === 'Renamed in Estafette',
    );

    // And the other way: Delta Chat's rename, description and image reach Estafette.
    await alice.dc.rpc.setChatName(alice.acc, dcGroup, 'Renamed in Delta Chat');
    await alice.dc.rpc.setChatDescription(alice.acc, dcGroup, 'Plans for the weekend');
    const image = join(await mkdtemp(join(tmpdir(), 'estafette-avatar-')), 'group.png');
    await writeFile(image, Buffer.from(PNG, 'base64'));
    await alice.dc.rpc.setChatProfileImage(alice.acc, dcGroup, image);
    const changed = await eventually(
      () => bob.core.call('getGroup', { accountId: bob.account.id, chatId: bGroup.id }),
      (g) =>
        g.name === 'Renamed in Delta Chat' &&
        g.description === 'Plans for the weekend' &&
        g.avatar !== null,
    );
    expect(changed.avatar).toMatch(/^data:image\/(jpeg|png);base64,/);
    const lines = (
      await bob.core.call('getMessages', {
        accountId: bob.account.id,
        chatId: bGroup.id,
        offset: 0,
        limit: 100,
      })
    )
      .filter((m) => m.kind === 'system')
      .map((m) => m.text);
    expect(lines).toEqual(
      expect.arrayContaining([
        'Alice removed Carol.',
        'Alice renamed the group to “Renamed in Delta Chat”.',
        'Alice changed the group description.',
        'Alice changed the group image.',
      ]),
    );
  });
});

describe('older peers: the classic vc- flow (invites without v=3)', () => {
  it('Delta Chat joins with a classic invite of Estafette', async () => {
    const alice = await estafette('alice');
    const bob = await deltaChat('bob');
    const invite = await alice.core.call('getInvite', { accountId: alice.account.id });
    const classic = invite.openpgp4fpr.replace('&v=3', '');
    await bob.dc.rpc.secureJoin(bob.acc, classic);
    const [atBob] = await Promise.all([
      bob.waitFor('SecurejoinJoinerProgress', (e) => e.progress === 1000, 60_000),
      progress(alice, 'inviter', 'done'),
    ]);
    expect((await bob.dc.rpc.getContact(bob.acc, atBob.contactId)).isVerified).toBe(true);
    expect(await contactOf(alice, bob.user.address)).toMatchObject({ verified: true });
  });

  it('Estafette joins with a classic invite of Delta Chat', async () => {
    const alice = await deltaChat('alice');
    const bob = await estafette('bob');
    const link = await alice.dc.rpc.getChatSecurejoinQrCode(alice.acc, null);
    const classic = link
      .replace('https://i.delta.chat/#', 'OPENPGP4FPR:')
      .replace('&', '#')
      .replace('#v=3&', '#');
    expect(classic).not.toContain('v=3');
    await bob.core.call('secureJoin', { accountId: bob.account.id, invite: classic });
    const [, atAlice] = await Promise.all([
      progress(bob, 'joiner', 'done'),
      alice.waitFor('SecurejoinInviterProgress', (e) => e.progress === 1000, 60_000),
    ]);
    expect((await alice.dc.rpc.getContact(alice.acc, atAlice.contactId)).isVerified).toBe(true);
    expect(await contactOf(bob, alice.user.address)).toMatchObject({ verified: true });
  });
});

describe('forged messages', () => {
  it('a message From a verified contact signed by another key is never shown as theirs', async () => {
    const alice = await deltaChat('alice');
    const bob = await estafette('bob');
    const link = await alice.dc.rpc.getChatSecurejoinQrCode(alice.acc, null);
    const chat = await bob.core.call('secureJoin', { accountId: bob.account.id, invite: link });
    const [, atAlice] = await Promise.all([
      progress(bob, 'joiner', 'done'),
      alice.waitFor('SecurejoinInviterProgress', (e) => e.progress === 1000),
    ]);
    const aliceAtBob = await contactOf(bob, alice.user.address);
    expect(aliceAtBob.verified).toBe(true);

    // The keys Mallory needs are public: bob's and alice's, here taken from bob's vCard export.
    const keyOf = async (contactId: number) => {
      const { vcard } = await bob.core.call('exportVcard', {
        accountId: bob.account.id,
        contactIds: [contactId],
      });
      return publicKeyFromKeydata(parseVcard(vcard)[0]!.key!);
    };
    const selfId = (
      await bob.core.call('sendMessage', {
        accountId: bob.account.id,
        chatId: chat.id,
        text: 'ping',
      })
    ).fromId;
    await alice.receive('ping');

    // To Estafette, as the verified Delta Chat contact.
    await ms.inject(
      await forgedMessage({
        from: { addr: alice.user.address, name: 'Alice' },
        to: bob.user.address,
        toKey: await keyOf(selfId),
        text: 'forged: send me the keys',
      }),
      { from: alice.user.address, to: [bob.user.address] },
    );
    const forged = await bob.receive('forged: send me the keys', 30_000);
    expect(forged.encryption).toBe('encrypted-unverified-sender');
    expect(forged.error).toMatch(/not signed with their verified key/);
    expect(await contactOf(bob, alice.user.address)).toMatchObject({
      verified: true,
      fingerprint: aliceAtBob.fingerprint,
    });
    const lines = await bob.core.call('getMessages', {
      accountId: bob.account.id,
      chatId: chat.id,
      offset: 0,
      limit: 100,
    });
    expect(lines.some((m) => m.kind === 'system' && /verified key/.test(m.text))).toBe(true);
    // The real alice still counts as herself, and bob still encrypts to her real key.
    await alice.dc.rpc.miscSendTextMessage(alice.acc, atAlice.chatId, 'the real alice');
    expect((await bob.receive('the real alice', 30_000)).encryption).toBe('encrypted');

    // To Delta Chat, as the verified Estafette contact.
    await ms.inject(
      await forgedMessage({
        from: { addr: bob.user.address, name: 'Bob' },
        to: alice.user.address,
        toKey: await keyOf(aliceAtBob.id),
        text: 'forged: I am bob',
      }),
      { from: bob.user.address, to: [alice.user.address] },
    );
    await bob.core.call('sendMessage', {
      accountId: bob.account.id,
      chatId: chat.id,
      text: 'the real bob',
    });
    const real = await alice.receive('the real bob');
    expect(real.showPadlock).toBe(true);
    const verifiedBob = real.fromId;
    expect((await alice.dc.rpc.getContact(alice.acc, verifiedBob)).isVerified).toBe(true);
    // Delta Chat processed the forged message first (it arrived first); it is not bob's.
    for (const e of alice.events) {
      if (e.kind !== 'IncomingMsg') continue;
      const m = await alice.dc.rpc.getMessage(alice.acc, e.msgId);
      if (m.text !== 'forged: I am bob') continue;
      console.log(
        `Delta Chat filed the forged message in chat ${m.chatId} from contact ${m.fromId}`,
      );
      expect(m.fromId).not.toBe(verifiedBob);
      expect(m.chatId).not.toBe(real.chatId);
      expect((await alice.dc.rpc.getContact(alice.acc, m.fromId)).isVerified).toBe(false);
    }
    const inVerifiedChat = await alice.dc.rpc.getMessageIds(alice.acc, real.chatId, false, false);
    for (const id of inVerifiedChat) {
      expect((await alice.dc.rpc.getMessage(alice.acc, id)).text).not.toBe('forged: I am bob');
    }
  });
});
