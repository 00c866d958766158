/**
 * Groups between Estafette cores over the real mail server: creation, every message encrypted to
 * every member with key gossip, membership changes with a line for each, rename, description,
 * image, leaving, and changes applied by their timestamps.
 */
import { describe, expect, it } from 'vitest';
import { mailServer } from '../mailserver/index.ts';
import type { Peer } from '../support/peer.ts';
import { eventually, inviterDone, memberAddrs, peerFactory } from '../support/steps.ts';
import type { CoreEvent } from '../../shared/events.ts';

const ms = mailServer();
const peer = peerFactory(ms);

/** `inviter` verifies `joiner` with an invite; returns the inviter's contact id of the joiner. */
async function verify(inviter: Peer, joiner: Peer): Promise<number> {
  const invite = await inviter.core.call('getInvite', { accountId: inviter.account.id });
  const since = inviter.events.length;
  await joiner.core.call('secureJoin', { accountId: joiner.account.id, invite: invite.link });
  return (await inviterDone(inviter, since)).contactId!;
}

const members = memberAddrs;

async function systemLines(p: Peer, chatId: number): Promise<string[]> {
  const all = await p.core.call('getMessages', {
    accountId: p.account.id,
    chatId,
    offset: 0,
    limit: 200,
  });
  return all.filter((m) => m.kind === 'system').map((m) => m.text);
}

describe('groups between Estafette cores', () => {
  it('create, talk, add, remove, rename, describe, set an image, leave', async () => {
    const alice = await peer('alice');
    const bob = await peer('bob');
    const carol = await peer('carol');
    const dave = await peer('dave');
    const bobId = await verify(alice, bob);
    const carolId = await verify(alice, carol);
    const daveId = await verify(alice, dave);

    // A stranger without a key cannot be in an encrypted group.
    const stranger = await alice.core.call('createChatByAddress', {
      accountId: alice.account.id,
      addr: `nobody-${Date.now()}@${ms.info.domain}`,
    });
    const refused = await alice.core
      .call('createGroup', {
        accountId: alice.account.id,
        name: 'Nope',
        contactIds: [stranger.contactIds[0]!],
      })
      .catch((e: { code?: string; message: string }) => e);
    expect(refused).toMatchObject({ code: 'encryption_required' });

    const group = await alice.core.call('createGroup', {
      accountId: alice.account.id,
      name: 'Hikers',
      contactIds: [bobId, carolId],
    });
    expect(group).toMatchObject({ kind: 'group', name: 'Hikers', encrypted: true, verified: true });
    await alice.core.call('sendMessage', {
      accountId: alice.account.id,
      chatId: group.id,
      text: 'first hike?',
    });
    const [atBob, atCarol] = await Promise.all([
      bob.receive('first hike?'),
      carol.receive('first hike?'),
    ]);
    expect(atBob.encryption).toBe('encrypted');
    expect(atCarol.encryption).toBe('encrypted');
    const everyone = [alice.account.addr, bob.account.addr, carol.account.addr].sort();
    expect(await members(bob, atBob.chatId)).toEqual(everyone);
    expect(await members(carol, atCarol.chatId)).toEqual(everyone);
    const bobGroup = await bob.core.call('getChat', {
      accountId: bob.account.id,
      chatId: atBob.chatId,
    });
    expect(bobGroup).toMatchObject({ kind: 'group', name: 'Hikers', isRequest: false });

    // Bob and carol never verified each other: alice's gossip gave them each other's keys.
    await bob.core.call('sendMessage', {
      accountId: bob.account.id,
      chatId: atBob.chatId,
      text: 'yes, sunday',
    });
    const [bAtAlice, bAtCarol] = await Promise.all([
      alice.receive('yes, sunday'),
      carol.receive('yes, sunday'),
    ]);
    expect(bAtAlice).toMatchObject({ chatId: group.id, encryption: 'encrypted' });
    expect(bAtCarol).toMatchObject({ chatId: atCarol.chatId, encryption: 'encrypted' });

    // Alice adds dave: everyone is told, dave gets the group and the others' keys.
    await alice.core.call('addChatMember', {
      accountId: alice.account.id,
      chatId: group.id,
      contactId: daveId,
    });
    const addedAtDave = await dave.waitFor(
      (e) =>
        e.type === 'messageAdded' &&
        e.message.kind === 'system' &&
        /added you/.test(e.message.text),
    );
    const daveGroup = (addedAtDave as Extract<CoreEvent, { type: 'messageAdded' }>).message.chatId;
    const withDave = [...everyone, dave.account.addr].sort();
    expect(await members(dave, daveGroup)).toEqual(withDave);
    // The group has no description yet: dave's is empty, not an encoded nothing.
    expect(
      (await dave.core.call('getGroup', { accountId: dave.account.id, chatId: daveGroup }))
        .description,
    ).toBe('');
    await eventually(
      () => members(bob, atBob.chatId),
      (m) => m.length === 4,
    );
    expect((await systemLines(bob, atBob.chatId)).some((t) => /Alice added Dave/.test(t))).toBe(
      true,
    );
    await dave.core.call('sendMessage', {
      accountId: dave.account.id,
      chatId: daveGroup,
      text: 'hi all, dave',
    });
    await Promise.all([
      alice.receive('hi all, dave'),
      bob.receive('hi all, dave'),
      carol.receive('hi all, dave'),
    ]);

    // Carol removes bob: every member's list follows, bob is told.
    const bobAtCarol = (
      await carol.core.call('getChatMembers', {
        accountId: carol.account.id,
        chatId: atCarol.chatId,
      })
    ).find((c) => c.addr === bob.account.addr)!;
    await carol.core.call('removeChatMember', {
      accountId: carol.account.id,
      chatId: atCarol.chatId,
      contactId: bobAtCarol.id,
    });
    const withoutBob = withDave.filter((a) => a !== bob.account.addr);
    await eventually(
      () => members(alice, group.id),
      (m) => !m.includes(bob.account.addr),
    );
    expect(await members(alice, group.id)).toEqual(withoutBob);
    await eventually(
      () => members(bob, atBob.chatId),
      (m) => !m.includes(bob.account.addr),
    );
    expect((await systemLines(bob, atBob.chatId)).some((t) => /Carol removed you/.test(t))).toBe(
      true,
    );
    expect(
      (await bob.core.call('getGroup', { accountId: bob.account.id, chatId: atBob.chatId }))
        .selfIsMember,
    ).toBe(false);
    const cannot = await bob.core
      .call('sendMessage', { accountId: bob.account.id, chatId: atBob.chatId, text: 'still here?' })
      .then(async (m) =>
        eventually(
          () => bob.core.call('getMessage', { accountId: bob.account.id, messageId: m.id }),
          (x) => x.state === 'failed',
        ),
      );
    expect(cannot.error).toMatch(/no longer a member/);

    // Rename, description and image reach every member.
    await alice.core.call('setChatName', {
      accountId: alice.account.id,
      chatId: group.id,
      name: 'Sunday hikers',
    });
    await alice.core.call('setChatDescription', {
      accountId: alice.account.id,
      chatId: group.id,
      description: 'Meet at 8.\nBring water.',
    });
    const png =
      'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
    await alice.core.call('setChatAvatar', {
      accountId: alice.account.id,
      chatId: group.id,
      avatar: png,
    });
    const info = await eventually(
      () => dave.core.call('getGroup', { accountId: dave.account.id, chatId: daveGroup }),
      (g) => g.name === 'Sunday hikers' && g.description !== '' && g.avatar !== null,
    );
    expect(info).toMatchObject({ description: 'Meet at 8.\nBring water.', avatar: png });
    // The chat list gets the image as a blob, typed by its own bytes.
    const summary = await dave.core.call('getChat', {
      accountId: dave.account.id,
      chatId: daveGroup,
    });
    expect(summary.image).not.toBeNull();
    const blob = await dave.core.call('getBlob', {
      accountId: dave.account.id,
      blob: summary.image!,
    });
    expect(`data:${blob.contentType};base64,${blob.dataBase64}`).toBe(png);
    expect(
      (await dave.core.call('getChat', { accountId: dave.account.id, chatId: daveGroup })).name,
    ).toBe('Sunday hikers');
    const lines = await systemLines(dave, daveGroup);
    expect(lines).toEqual(
      expect.arrayContaining([
        'Alice renamed the group to “Sunday hikers”.',
        'Alice changed the group description.',
        'Alice changed the group image.',
      ]),
    );
    // Each line also carries its code and arguments, for the UI to say it in its language.
    const coded = (
      await dave.core.call('getMessages', {
        accountId: dave.account.id,
        chatId: daveGroup,
        offset: 0,
        limit: 200,
      })
    ).flatMap((m) => (m.kind === 'system' && m.system ? [m.system] : []));
    expect(coded).toEqual(
      expect.arrayContaining([
        { code: 'group_renamed', args: { by: 'Alice', name: 'Sunday hikers' } },
        { code: 'description_changed', args: { by: 'Alice' } },
        { code: 'image_changed', args: { by: 'Alice' } },
      ]),
    );
    const own = (
      await alice.core.call('getMessages', {
        accountId: alice.account.id,
        chatId: group.id,
        offset: 0,
        limit: 200,
      })
    ).filter((m) => m.system?.code === 'self_renamed_group');
    expect(own.map((m) => [m.text, m.system?.args])).toEqual([
      [
        'You renamed the group from “Hikers” to “Sunday hikers”.',
        { oldName: 'Hikers', newName: 'Sunday hikers' },
      ],
    ]);
    // Clearing the description reaches dave as an empty one.
    await alice.core.call('setChatDescription', {
      accountId: alice.account.id,
      chatId: group.id,
      description: '',
    });
    await eventually(
      () => dave.core.call('getGroup', { accountId: dave.account.id, chatId: daveGroup }),
      (g) => g.description === '',
    );
    // Bob, removed, heard none of it.
    expect(
      (await bob.core.call('getChat', { accountId: bob.account.id, chatId: atBob.chatId })).name,
    ).toBe('Hikers');

    // Dave leaves: the others see it; he no longer can write.
    await dave.core.call('leaveGroup', { accountId: dave.account.id, chatId: daveGroup });
    await eventually(
      () => members(alice, group.id),
      (m) => !m.includes(dave.account.addr),
    );
    expect((await systemLines(alice, group.id)).some((t) => /Dave left the group/.test(t))).toBe(
      true,
    );
    expect(await members(alice, group.id)).toEqual([alice.account.addr, carol.account.addr].sort());
    // Carol hears of it from dave's own message, which may reach her after alice.
    expect(
      await eventually(
        () => members(carol, atCarol.chatId),
        (m) => !m.includes(dave.account.addr),
      ),
    ).toEqual([alice.account.addr, carol.account.addr].sort());
  });
});
