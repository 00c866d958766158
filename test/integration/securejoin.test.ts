/**
 * SecureJoin between two Estafette cores over the real Postfix + Dovecot: invites, the v3 and
 * the classic handshake, group invites, revoked invites, a key that does not match the invite,
 * and a forged message in a verified chat.
 */
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { mailServer } from '../mailserver/index.ts';
import { manualSettings, observe, openCore } from '../support/peer.ts';
import type { Peer } from '../support/peer.ts';
import { contactOf, peerFactory, secureJoinStep } from '../support/steps.ts';
import type { Core, CoreOptions } from '../../main/core/core.ts';
import {
  generateAccountKey,
  keydataOf,
  publicKeyFromKeydata,
  readPrivateKey,
} from '../../main/core/crypto/keys.ts';
import { formatAutocryptHeader } from '../../main/core/crypto/autocrypt.ts';
import { encryptAndSign } from '../../main/core/crypto/pgp.ts';
import { composeEncryptedOuter, composeInner, newMessageId } from '../../main/core/mime/compose.ts';
import { parseVcard } from '../../main/core/securejoin/vcard.ts';

const ms = mailServer();
const cores: Core[] = [];
afterAll(async () => {
  for (const c of cores) await c.close();
});
const peer = peerFactory(ms);
const progress = secureJoinStep;

async function texts(p: Peer, chatId: number) {
  const all = await p.core.call('getMessages', {
    accountId: p.account.id,
    chatId,
    offset: 0,
    limit: 100,
  });
  return all.map((m) => `${m.kind}:${m.text}`);
}

/** Alice shows an invite, Bob joins; resolves when both sides are done. */
async function verify(alice: Peer, bob: Peer, link?: string) {
  const invite = link ?? (await alice.core.call('getInvite', { accountId: alice.account.id })).link;
  const chat = await bob.core.call('secureJoin', { accountId: bob.account.id, invite });
  await Promise.all([progress(bob, 'joiner', 'done'), progress(alice, 'inviter', 'done')]);
  return chat;
}

/** A clock that can jump ahead, for a core's `now`. */
function jumpingClock() {
  let ahead = 0;
  return {
    now: () => Date.now() + ahead,
    jump(ms: number) {
      ahead += ms;
    },
  };
}

/** Close a peer's core and open its data directory again (the app restarted). */
async function restart(p: Peer, opts: Partial<CoreOptions>): Promise<Peer> {
  await p.core.close();
  const { core } = await openCore(ms, p.dataDir, opts);
  cores.push(core);
  return { ...p, core, ...observe(core) };
}

/** Rows of one table in a peer's account database (read beside the running core). */
function rows(p: Peer, sql: string): Record<string, unknown>[] {
  const db = new BetterSqlite3(join(p.dataDir, 'accounts', String(p.account.id), 'db.sqlite'), {
    readonly: true,
  });
  try {
    db.pragma('busy_timeout = 5000');
    return db.prepare(sql).all() as Record<string, unknown>[];
  } finally {
    db.close();
  }
}

async function until(check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting for a condition');
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('SecureJoin between two Estafette cores', () => {
  it('v3: an invite verifies both sides; the chat is encrypted and verified both ways', async () => {
    const alice = await peer('alice');
    const bob = await peer('bob');
    const invite = await alice.core.call('getInvite', { accountId: alice.account.id });
    expect(invite.link).toMatch(
      new RegExp(
        `^https://i\\.delta\\.chat/#${alice.account.fingerprint}&v=3&i=[\\w-]{24}&s=[\\w-]{24}&a=`,
      ),
    );
    expect(invite.openpgp4fpr.startsWith(`OPENPGP4FPR:${alice.account.fingerprint}#a=`)).toBe(true);
    expect(invite.qrSvg).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
    expect(invite.expiresAt - invite.createdAt).toBe(7 * 24 * 3600 * 1000);
    // It is forgotten 30 days after it stops verifying (the housekeeping's rule).
    expect(invite.usableUntil - invite.expiresAt).toBe(30 * 24 * 3600 * 1000);
    const again = await alice.core.call('getInvite', { accountId: alice.account.id });
    expect(new URL(again.link).hash).not.toBe(new URL(invite.link).hash);

    const check = await bob.core.call('checkInvite', {
      accountId: bob.account.id,
      invite: invite.link,
    });
    expect(check).toMatchObject({
      kind: 'contact',
      addr: alice.user.address,
      name: 'Alice',
      question: 'Verify Alice and start a chat?',
      own: false,
      alreadyVerified: false,
    });
    const own = await alice.core.call('checkInvite', {
      accountId: alice.account.id,
      invite: invite.link,
    });
    expect(own.own).toBe(true);

    const started = Date.now();
    const bChat = await verify(alice, bob, invite.link);
    const took = Date.now() - started;
    expect(took).toBeLessThan(20_000);

    const aliceAtBob = await contactOf(bob, alice.user.address);
    const bobAtAlice = await contactOf(alice, bob.user.address);
    expect(aliceAtBob).toMatchObject({ verified: true, fingerprint: alice.account.fingerprint });
    expect(bobAtAlice).toMatchObject({ verified: true, fingerprint: bob.account.fingerprint });
    expect(
      (await bob.core.call('getChat', { accountId: bob.account.id, chatId: bChat.id })).verified,
    ).toBe(true);

    await bob.core.call('sendMessage', {
      accountId: bob.account.id,
      chatId: bChat.id,
      text: 'hi verified alice',
    });
    const atAlice = await alice.receive('hi verified alice');
    expect(atAlice.encryption).toBe('encrypted');
    const aChat = await alice.core.call('getChat', {
      accountId: alice.account.id,
      chatId: atAlice.chatId,
    });
    expect(aChat).toMatchObject({ verified: true, encrypted: true, isRequest: false });
    await alice.core.call('sendMessage', {
      accountId: alice.account.id,
      chatId: aChat.id,
      text: 'hi verified bob',
    });
    expect((await bob.receive('hi verified bob')).encryption).toBe('encrypted');

    // The handshake itself is never shown; the chats say what happened.
    const atBob = await texts(bob, bChat.id);
    expect(atBob.some((t) => t.startsWith('system:') && /is verified/.test(t))).toBe(true);
    expect(atBob.some((t) => /Secure-Join/i.test(t))).toBe(false);
    expect((await texts(alice, aChat.id)).some((t) => /Secure-Join/i.test(t))).toBe(false);
  });

  it('classic vc- flow (an invite without v=3) verifies both sides too', async () => {
    const alice = await peer('alice');
    const bob = await peer('bob');
    const invite = await alice.core.call('getInvite', { accountId: alice.account.id });
    const classic = invite.openpgp4fpr.replace('&v=3', '');
    await verify(alice, bob, classic);
    expect((await contactOf(bob, alice.user.address)).verified).toBe(true);
    expect((await contactOf(alice, bob.user.address)).verified).toBe(true);
    // The first step went in clear (that is the classic flow) and carried bob's key.
    const raw = (await ms.mailbox(alice.user.address)).map((f) => f.raw.toString('latin1'));
    expect(raw.some((r) => /^Secure-Join: vc-request$/m.test(r) && /^Autocrypt: /m.test(r))).toBe(
      true,
    );
  });

  it('a group invite adds the joiner; both see the same members and talk encrypted', async () => {
    const alice = await peer('alice');
    const bob = await peer('bob');
    const group = await alice.core.call('createGroup', {
      accountId: alice.account.id,
      name: 'Relay team',
      contactIds: [],
    });
    const invite = await alice.core.call('getInvite', {
      accountId: alice.account.id,
      chatId: group.id,
    });
    expect(invite.link).toMatch(/&x=[\w-]{24}&i=.*&g=Relay\+team$/);
    const check = await bob.core.call('checkInvite', {
      accountId: bob.account.id,
      invite: invite.link,
    });
    expect(check).toMatchObject({ kind: 'group', groupName: 'Relay team' });
    expect(check.question).toBe(
      "Join the group “Relay team” with Alice's invite? This also verifies Alice.",
    );

    const bGroup = await bob.core.call('secureJoin', {
      accountId: bob.account.id,
      invite: invite.link,
    });
    expect(bGroup.kind).toBe('group');
    await Promise.all([progress(bob, 'joiner', 'done'), progress(alice, 'inviter', 'done')]);

    const atAlice = await alice.core.call('getGroup', {
      accountId: alice.account.id,
      chatId: group.id,
    });
    const atBob = await bob.core.call('getGroup', { accountId: bob.account.id, chatId: bGroup.id });
    expect(atBob.groupId).toBe(atAlice.groupId);
    expect(atBob.name).toBe('Relay team');
    const addrs = (g: typeof atAlice) => g.members.map((m) => (m.isSelf ? 'self' : m.addr)).sort();
    expect(addrs(atAlice)).toEqual([bob.user.address, 'self'].sort());
    expect(addrs(atBob)).toEqual([alice.user.address, 'self'].sort());
    expect(atBob.selfIsMember).toBe(true);
    expect((await contactOf(bob, alice.user.address)).verified).toBe(true);
    expect((await contactOf(alice, bob.user.address)).verified).toBe(true);

    await bob.core.call('sendMessage', {
      accountId: bob.account.id,
      chatId: bGroup.id,
      text: 'bob in the group',
    });
    const m1 = await alice.receive('bob in the group');
    expect(m1).toMatchObject({ chatId: group.id, encryption: 'encrypted' });
    await alice.core.call('sendMessage', {
      accountId: alice.account.id,
      chatId: group.id,
      text: 'welcome bob',
    });
    const m2 = await bob.receive('welcome bob');
    expect(m2).toMatchObject({ chatId: bGroup.id, encryption: 'encrypted' });
    expect((await texts(bob, bGroup.id)).some((t) => /added you/.test(t))).toBe(true);
  });

  it('a revoked invite is not answered: the inviter is told, the joiner times out', async () => {
    const alice = await peer('alice');
    const bob = await peer('bob', { secureJoinTimeoutMs: 8_000 });
    const invite = await alice.core.call('getInvite', { accountId: alice.account.id });
    expect(await alice.core.call('listInvites', { accountId: alice.account.id })).toHaveLength(1);
    await alice.core.call('revokeInvite', { accountId: alice.account.id, inviteId: invite.id });
    expect(await alice.core.call('listInvites', { accountId: alice.account.id })).toHaveLength(0);
    const chat = await bob.core.call('secureJoin', {
      accountId: bob.account.id,
      invite: invite.link,
    });
    const refused = await progress(alice, 'inviter', 'failed');
    expect(refused.sentence).toMatch(/withdrew/);
    expect(refused.system?.code).toBe('invite_withdrawn_unanswered');
    const late = await progress(bob, 'joiner', 'timeout', 20_000);
    expect(late.sentence).toMatch(/has not answered yet/);
    expect(late.system).toEqual({
      code: 'join_timeout',
      args: { who: `Alice (${alice.user.address})` },
    });
    expect((await texts(bob, chat.id)).some((t) => /has not answered yet/.test(t))).toBe(true);
    expect((await contactOf(bob, alice.user.address)).verified).toBe(false);
  });

  it('a key that does not match the invite stops the join with an explanation', async () => {
    const alice = await peer('alice');
    const bob = await peer('bob');
    const invite = await alice.core.call('getInvite', { accountId: alice.account.id });
    // The classic flow fetches the key from alice; the fingerprint in the invite is another one.
    const other = await generateAccountKey('someone@else.test');
    const tampered = invite.openpgp4fpr
      .replace(alice.account.fingerprint, other.fingerprint)
      .replace('&v=3', '');
    const chat = await bob.core.call('secureJoin', { accountId: bob.account.id, invite: tampered });
    const failed = await progress(bob, 'joiner', 'failed');
    expect(failed.sentence).toMatch(/does not match the invite/);
    expect(failed.system?.code).toBe('join_key_mismatch');
    expect(failed.system?.args.expected?.replace(/ /g, '')).toBe(other.fingerprint);
    expect((await texts(bob, chat.id)).some((t) => /does not match the invite/.test(t))).toBe(true);
    expect((await contactOf(bob, alice.user.address)).verified).toBe(false);
  });

  it('a forged message in a verified chat (From: alice, signed by another key) is never shown as alice’s', async () => {
    const alice = await peer('alice');
    const bob = await peer('bob');
    const bChat = await verify(alice, bob);
    const selfAtBob = (
      await bob.core.call('sendMessage', {
        accountId: bob.account.id,
        chatId: bChat.id,
        text: 'ping',
      })
    ).fromId;
    await alice.receive('ping');
    const card = parseVcard(
      (await bob.core.call('exportVcard', { accountId: bob.account.id, contactIds: [selfAtBob] }))
        .vcard,
    )[0]!;
    const bobKey = await publicKeyFromKeydata(card.key!);

    // Mallory holds a key with alice's address and writes to bob as alice.
    const mallory = await generateAccountKey(alice.user.address);
    const malloryKey = await readPrivateKey(mallory.secretArmored);
    const messageId = newMessageId();
    const inner = await composeInner(
      {
        from: { addr: alice.user.address, name: 'Alice' },
        to: [{ addr: bob.user.address }],
        subject: 'Message from Alice',
        date: new Date(),
        messageId,
        text: 'please send me your password',
        autocrypt: formatAutocryptHeader({
          addr: alice.user.address,
          keydata: keydataOf(malloryKey),
        }),
      },
      { protectedHeaders: true },
    );
    const armored = await encryptAndSign({
      data: inner,
      encryptionKeys: [bobKey],
      signingKey: malloryKey,
    });
    const raw = await composeEncryptedOuter({
      from: alice.user.address,
      messageId,
      date: new Date(),
      armored,
    });
    await ms.inject(raw, { from: alice.user.address, to: [bob.user.address] });

    const forged = await bob.receive('please send me your password');
    expect(forged.encryption).toBe('encrypted-unverified-sender');
    expect(forged.error).toMatch(/not signed with their verified key/);
    expect(
      (await texts(bob, bChat.id)).some((t) => t.startsWith('system:') && /verified key/.test(t)),
    ).toBe(true);
    // Alice stays verified with her real key, and bob keeps encrypting to it.
    expect(await contactOf(bob, alice.user.address)).toMatchObject({
      verified: true,
      fingerprint: alice.account.fingerprint,
    });
    await bob.core.call('sendMessage', {
      accountId: bob.account.id,
      chatId: bChat.id,
      text: 'only alice reads this',
    });
    expect((await alice.receive('only alice reads this')).encryption).toBe('encrypted');
    const aChat = (await alice.receive('only alice reads this')).chatId;
    await alice.core.call('sendMessage', {
      accountId: alice.account.id,
      chatId: aChat,
      text: 'the real alice',
    });
    expect((await bob.receive('the real alice')).encryption).toBe('encrypted');
  });

  it('an invite older than 7 days lets the joiner in but does not verify them', async () => {
    const alice = await peer('alice');
    const bob = await peer('bob');
    const invite = await alice.core.call('getInvite', { accountId: alice.account.id });
    // Seven days pass for this invite.
    const db = new BetterSqlite3(
      join(alice.dataDir, 'accounts', String(alice.account.id), 'db.sqlite'),
    );
    db.pragma('busy_timeout = 5000');
    db.prepare('UPDATE invites SET created_at = created_at - ?, expires_at = ? WHERE id = ?').run(
      8 * 24 * 3600 * 1000,
      Date.now() - 24 * 3600 * 1000,
      invite.id,
    );
    db.close();
    await bob.core.call('secureJoin', { accountId: bob.account.id, invite: invite.link });
    const [, atAlice] = await Promise.all([
      progress(bob, 'joiner', 'done'),
      progress(alice, 'inviter', 'done'),
    ]);
    expect(atAlice.sentence).toMatch(/expired on \d{4}-\d{2}-\d{2}, so they are not verified/);
    expect((await contactOf(alice, bob.user.address)).verified).toBe(false);
    // The invite itself still pinned alice's key for bob.
    expect((await contactOf(bob, alice.user.address)).verified).toBe(true);
    expect((await texts(alice, atAlice.chatId!)).some((t) => /expired/.test(t))).toBe(true);
  });

  it('a verified contact with a new key is not trusted until a new invite verifies the new key', async () => {
    const alice = await peer('alice');
    const bob = await peer('bob');
    await verify(alice, bob);
    const oldFingerprint = bob.account.fingerprint;

    // Bob reinstalls: same mailbox, new key.
    await bob.core.close();
    const { core } = await openCore(ms);
    cores.push(core);
    const obs = observe(core);
    const account = await core.call('addAccountManual', {
      addr: bob.user.address,
      password: bob.user.password,
      displayName: 'Bob',
      settings: manualSettings(ms, bob.user),
    });
    expect(account.fingerprint).not.toBe(oldFingerprint);
    const newBob: Peer = { ...bob, core, account, ...obs };
    const chat = await newBob.core.call('createChatByAddress', {
      accountId: account.id,
      addr: alice.user.address,
    });
    await newBob.core.call('sendMessage', {
      accountId: account.id,
      chatId: chat.id,
      text: 'it is me, new phone',
    });
    const suspicious = await alice.receive('it is me, new phone');
    expect(suspicious.encryption).not.toBe('encrypted');
    expect(await contactOf(alice, bob.user.address)).toMatchObject({
      verified: true,
      fingerprint: oldFingerprint,
    });

    // A fresh invite verifies the new key; from then on bob's mail counts as his again.
    const invite = await alice.core.call('getInvite', { accountId: alice.account.id });
    const since = alice.events.length;
    await newBob.core.call('secureJoin', { accountId: account.id, invite: invite.link });
    await progress(newBob, 'joiner', 'done');
    await alice.waitFor(
      (e) =>
        e.type === 'secureJoinProgress' && e.step === 'done' && alice.events.indexOf(e) >= since,
    );
    expect(await contactOf(alice, bob.user.address)).toMatchObject({
      verified: true,
      fingerprint: account.fingerprint,
    });
    await newBob.core.call('sendMessage', {
      accountId: account.id,
      chatId: chat.id,
      text: 'verified again',
    });
    expect((await alice.receive('verified again')).encryption).toBe('encrypted');
  });

  it('a join whose time ran out while the app was closed says so at start, once', async () => {
    const alice = await peer('alice');
    const invite = await alice.core.call('getInvite', { accountId: alice.account.id });
    await alice.core.close(); // alice is offline: nobody answers
    const clock = jumpingClock();
    const opts = { now: clock.now, secureJoinTimeoutMs: 60_000 };
    let bob = await peer('bob', opts);
    const chat = await bob.core.call('secureJoin', {
      accountId: bob.account.id,
      invite: invite.link,
    });
    await progress(bob, 'joiner', 'started');

    clock.jump(2 * 60_000); // closed for two minutes
    bob = await restart(bob, opts);
    const late = await progress(bob, 'joiner', 'timeout', 10_000);
    expect(late).toMatchObject({ chatId: chat.id, system: { code: 'join_timeout' } });
    const timeoutLines = async () =>
      (
        await bob.core.call('getMessages', {
          accountId: bob.account.id,
          chatId: chat.id,
          offset: 0,
          limit: 100,
        })
      ).filter((m) => m.system?.code === 'join_timeout');
    expect(await timeoutLines()).toHaveLength(1);
    expect((await timeoutLines())[0]!.text).toMatch(/has not answered yet/);

    // Told once: the next start does not say it again.
    clock.jump(60_000);
    bob = await restart(bob, opts);
    await new Promise((r) => setTimeout(r, 2_500)); // past the start-up housekeeping
    expect(bob.events.some((e) => e.type === 'secureJoinProgress')).toBe(false);
    expect(await timeoutLines()).toHaveLength(1);
  });

  it('a join still waiting at a restart gets the rest of its time, then times out', async () => {
    const alice = await peer('alice');
    const invite = await alice.core.call('getInvite', { accountId: alice.account.id });
    await alice.core.close();
    const clock = jumpingClock();
    const opts = { now: clock.now, secureJoinTimeoutMs: 60_000 };
    let bob = await peer('bob', opts);
    await bob.core.call('secureJoin', { accountId: bob.account.id, invite: invite.link });
    await progress(bob, 'joiner', 'started');

    clock.jump(52_000); // closed for 52 of its 60 seconds
    const reopened = Date.now();
    bob = await restart(bob, opts);
    await progress(bob, 'joiner', 'timeout', 20_000);
    // It waited for the rest (8 s minus the time the restart took), not for a whole new minute.
    const waited = Date.now() - reopened;
    expect(waited).toBeGreaterThan(3_000);
    expect(waited).toBeLessThan(12_000);
  });

  it('old finished joins, withdrawn and long-expired invites are pruned; recent ones are kept', async () => {
    const clock = jumpingClock();
    let alice = await peer('alice', { now: clock.now });
    let bob = await peer('bob', { now: clock.now });
    await verify(alice, bob); // bob: one finished join; alice: one used invite
    const withdrawn = await alice.core.call('getInvite', { accountId: alice.account.id });
    await alice.core.call('revokeInvite', { accountId: alice.account.id, inviteId: withdrawn.id });
    const carol = await peer('carol');
    const unanswered = await carol.core.call('getInvite', { accountId: carol.account.id });
    await carol.core.close();
    await bob.core.call('secureJoin', { accountId: bob.account.id, invite: unanswered.link });
    expect(rows(alice, 'SELECT id FROM invites')).toHaveLength(2);
    expect(rows(bob, 'SELECT step FROM securejoin_joins ORDER BY id')).toEqual([
      { step: 'done' },
      { step: 'request-sent' },
    ]);

    // An invite withdrawn 25 days ago (written beside the running core).
    const db = new BetterSqlite3(
      join(alice.dataDir, 'accounts', String(alice.account.id), 'db.sqlite'),
    );
    db.pragma('busy_timeout = 5000');
    const longAgo = Date.now() - 25 * 24 * 3600_000;
    db.prepare(
      `INSERT INTO invites (invitenumber, auth, created_at, expires_at, revoked_at)
       VALUES ('old-number', 'old-auth', ?, ?, ?)`,
    ).run(longAgo - 3_600_000, longAgo + 7 * 24 * 3600_000, longAgo);
    db.close();
    expect(rows(alice, 'SELECT id FROM invites')).toHaveLength(3);

    // Eight days on: the finished join goes, the unanswered one still waits for an answer; the
    // invite withdrawn 33 days ago goes, the others stay (the one withdrawn today still gets its
    // refusal sentence, the used one still admits, unverified).
    clock.jump(8 * 24 * 3600_000);
    bob = await restart(bob, { now: clock.now });
    await until(() => rows(bob, 'SELECT 1 FROM securejoin_joins').length === 1);
    expect(rows(bob, 'SELECT step FROM securejoin_joins')).toEqual([{ step: 'request-sent' }]);
    alice = await restart(alice, { now: clock.now });
    await until(() => rows(alice, 'SELECT id FROM invites').length === 2);
    expect(rows(alice, "SELECT id FROM invites WHERE auth = 'old-auth'")).toEqual([]);

    // 31 days on: the withdrawn invite is forgotten, the used one (expired for 24 days) is kept.
    clock.jump(23 * 24 * 3600_000);
    alice = await restart(alice, { now: clock.now });
    await until(() => rows(alice, 'SELECT id FROM invites').length === 1);
    expect(rows(alice, 'SELECT id, revoked_at FROM invites')[0]!.revoked_at).toBeNull();
    bob = await restart(bob, { now: clock.now });
    await until(() => rows(bob, 'SELECT 1 FROM securejoin_joins').length === 0);

    // 38 days on: its verification ended 31 days ago, so it goes too.
    clock.jump(7 * 24 * 3600_000);
    alice = await restart(alice, { now: clock.now });
    await until(() => rows(alice, 'SELECT id FROM invites').length === 0);
  });
});
