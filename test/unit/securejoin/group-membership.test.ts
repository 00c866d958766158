/** Group membership as Delta Chat keeps it: the newest change wins, whatever the arrival order. */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { CoreEvent } from '../../../shared/events.ts';
import type { AccountContext } from '../../../main/core/account/context.ts';
import { openDatabase } from '../../../main/core/store/db.ts';
import { ContactRepo } from '../../../main/core/chat/contacts.ts';
import { ChatRepo } from '../../../main/core/chat/chats.ts';
import { MessageRepo } from '../../../main/core/chat/messages.ts';
import { PeerRepo } from '../../../main/core/store/peers.ts';
import {
  applyAdd,
  applyRemove,
  fileGroupMessage,
  memberRows,
} from '../../../main/core/chat/groups.ts';
import type { IncomingGroup } from '../../../main/core/chat/groups.ts';

let ctx: AccountContext;
let ids: Record<'alice' | 'bob' | 'carol', number>;

beforeEach(async () => {
  const db = openDatabase(join(await mkdtemp(join(tmpdir(), 'estafette-groups-')), 'db.sqlite'));
  const contacts = new ContactRepo(db);
  const self = contacts.upsert('me@x.test', 'Me', { known: true, self: true });
  ctx = {
    id: 1,
    addr: 'me@x.test',
    selfContactId: self.id,
    db,
    contacts,
    chats: new ChatRepo(db),
    messages: new MessageRepo(db),
    peers: new PeerRepo(db),
    now: () => 1_000_000_000,
  } as unknown as AccountContext;
  ids = {
    alice: contacts.upsert('alice@x.test', 'Alice', { known: true }).id,
    bob: contacts.upsert('bob@x.test', 'Bob').id,
    carol: contacts.upsert('carol@x.test', 'Carol').id,
  };
});

function names(chatId: number): string[] {
  return memberRows(ctx, chatId)
    .map((m) => ctx.contacts.get(m.contactId).addr)
    .sort();
}

function message(p: Partial<IncomingGroup> & { sentTs: number }): IncomingGroup {
  return {
    grpid: 'G123456789012',
    name: 'Group',
    nameTs: null,
    nameChanged: false,
    memberTimestamps: null,
    memberFingerprints: [],
    pastMembers: [],
    added: null,
    removed: null,
    description: null,
    avatar: null,
    avatarChanged: false,
    trusted: true,
    fromChatClient: true,
    ...p,
  };
}

describe('group membership', () => {
  it('an older removal or re-addition never undoes a newer change', () => {
    const chatId = ctx.chats.createGroup('G123456789012', 'G', [], {
      isRequest: false,
      now: 0,
      encrypted: true,
    });
    expect(applyAdd(ctx, chatId, ids.bob, 100)).toBe(true);
    expect(applyRemove(ctx, chatId, ids.bob, 90)).toBe(false);
    expect(names(chatId)).toEqual(['bob@x.test']);
    expect(applyRemove(ctx, chatId, ids.bob, 110)).toBe(true);
    expect(applyAdd(ctx, chatId, ids.bob, 105)).toBe(false);
    expect(names(chatId)).toEqual([]);
    expect(applyAdd(ctx, chatId, ids.bob, 120)).toBe(true);
    expect(names(chatId)).toEqual(['bob@x.test']);
    // A removal of someone we never saw is remembered, so their older addition cannot win.
    applyRemove(ctx, chatId, ids.carol, 200);
    expect(applyAdd(ctx, chatId, ids.carol, 150)).toBe(false);
  });

  it('incoming messages: the first one seeds the list, later ones apply timestamps in any order', () => {
    const events: CoreEvent[] = [];
    const alice = ctx.contacts.get(ids.alice);
    const everyone = [{ addr: 'bob@x.test' }, { addr: 'carol@x.test' }, { addr: 'me@x.test' }];
    const first = fileGroupMessage(
      ctx,
      message({ sentTs: 100, memberTimestamps: [100, 100, 100] }),
      { sender: alice, recipients: everyone, timestamp: 100_000 },
      events,
    );
    expect(first.isNewChat).toBe(true);
    const chatId = first.chatId;
    expect(names(chatId)).toEqual(['alice@x.test', 'bob@x.test', 'carol@x.test', 'me@x.test']);

    // Carol removed at 300 arrives first; then a stale message of 200 still listing her.
    const removal = fileGroupMessage(
      ctx,
      message({
        sentTs: 300,
        removed: 'carol@x.test',
        memberTimestamps: [100, 100, 300],
        pastMembers: [{ addr: 'carol@x.test' }],
      }),
      {
        sender: alice,
        recipients: [{ addr: 'bob@x.test' }, { addr: 'me@x.test' }],
        timestamp: 300_000,
      },
      events,
    );
    expect(removal.systemText?.text).toBe('Alice removed Carol.');
    expect(removal.systemText?.system).toEqual({
      code: 'member_removed',
      args: { by: 'Alice', name: 'Carol' },
    });
    expect(names(chatId)).toEqual(['alice@x.test', 'bob@x.test', 'me@x.test']);
    fileGroupMessage(
      ctx,
      message({ sentTs: 200, memberTimestamps: [100, 100, 100] }),
      { sender: alice, recipients: everyone, timestamp: 200_000 },
      events,
    );
    expect(names(chatId)).toEqual(['alice@x.test', 'bob@x.test', 'me@x.test']);

    // A rename older than the one we hold does not win either.
    fileGroupMessage(
      ctx,
      message({ sentTs: 400, name: 'New', nameTs: 400, nameChanged: true }),
      {
        sender: alice,
        recipients: [{ addr: 'bob@x.test' }, { addr: 'me@x.test' }],
        timestamp: 400_000,
      },
      events,
    );
    fileGroupMessage(
      ctx,
      message({ sentTs: 350, name: 'Old', nameTs: 350, nameChanged: true }),
      {
        sender: alice,
        recipients: [{ addr: 'bob@x.test' }, { addr: 'me@x.test' }],
        timestamp: 350_000,
      },
      events,
    );
    expect(ctx.chats.summary(chatId).name).toBe('New');
  });

  it('changes from someone outside the group, or in clear, do not count', () => {
    const events: CoreEvent[] = [];
    const alice = ctx.contacts.get(ids.alice);
    const bob = ctx.contacts.get(ids.bob);
    const { chatId } = fileGroupMessage(
      ctx,
      message({ sentTs: 100 }),
      { sender: alice, recipients: [{ addr: 'me@x.test' }], timestamp: 100_000 },
      events,
    );
    expect(names(chatId)).toEqual(['alice@x.test', 'me@x.test']);
    const outsider = fileGroupMessage(
      ctx,
      message({ sentTs: 200, removed: 'alice@x.test' }),
      { sender: bob, recipients: [{ addr: 'me@x.test' }], timestamp: 200_000 },
      events,
    );
    expect(outsider.drop).toBe(true);
    fileGroupMessage(
      ctx,
      message({ sentTs: 300, removed: 'alice@x.test', trusted: false }),
      { sender: alice, recipients: [{ addr: 'me@x.test' }], timestamp: 300_000 },
      events,
    );
    expect(names(chatId)).toEqual(['alice@x.test', 'me@x.test']);
  });
});
