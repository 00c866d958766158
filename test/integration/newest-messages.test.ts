/**
 * `getNewestMessages` through a real core: what opening a chat asks for in one call (the count
 * and the newest page) matches `getMessageCount` + `getMessages`, follows new messages, and
 * refuses bad input like every method.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Core } from '../../main/core/core.ts';
import { mailServer } from '../mailserver/index.ts';
import { seedMessages } from '../e2e/seed.ts';
import { newPeer } from '../support/peer.ts';

const ms = mailServer();
const cores: Core[] = [];
afterAll(async () => {
  for (const c of cores) await c.close();
});

describe('getNewestMessages', () => {
  it('returns the count and the newest page, as paging from the start would', async () => {
    const alice = await newPeer(ms, 'alice');
    cores.push(alice.core);
    const accountId = alice.account.id;
    // A user of the test bed's own server: sending never leaves it.
    const dave = await ms.addUser(`dave-${Math.random().toString(36).slice(2, 8)}`);
    const chat = await alice.core.call('createChatByAddress', {
      accountId,
      addr: dave.address,
      name: 'Dave',
    });
    const chatId = chat.id;

    expect(
      await alice.core.call('getNewestMessages', { accountId, chatId, pageSize: 100 }),
    ).toEqual({ count: 0, offset: 0, messages: [] });

    const last = seedMessages(alice.dataDir, accountId, chatId, 1_234);
    const newest = await alice.core.call('getNewestMessages', { accountId, chatId, pageSize: 100 });
    expect(newest.count).toBe(1_234);
    // The last page (1,200–1,233) is short: the one before comes too.
    expect(newest.offset).toBe(1_100);
    expect(newest.messages).toHaveLength(134);
    expect(newest.messages.at(-1)?.text).toBe(last);
    expect(newest.count).toBe(
      (await alice.core.call('getMessageCount', { accountId, chatId })).count,
    );
    expect(newest.messages).toEqual(
      await alice.core.call('getMessages', { accountId, chatId, offset: 1_100, limit: 134 }),
    );

    const sent = await alice.core.call('sendMessage', { accountId, chatId, text: 'One more.' });
    const after = await alice.core.call('getNewestMessages', { accountId, chatId, pageSize: 50 });
    expect(after).toMatchObject({ count: 1_235, offset: 1_150 });
    expect(after.messages).toHaveLength(85);
    expect(after.messages.at(-1)).toMatchObject({ id: sent.id, text: 'One more.' });
  });

  it('refuses a bad page size and a chat that does not exist', async () => {
    const bob = await newPeer(ms, 'bob');
    cores.push(bob.core);
    const accountId = bob.account.id;
    await expect(
      bob.core.call('getNewestMessages', { accountId, chatId: 999_999, pageSize: 100 }),
    ).rejects.toMatchObject({ code: 'not_found' });
    for (const pageSize of [0, 501, 1.5, -1]) {
      await expect(
        bob.core.call('getNewestMessages', { accountId, chatId: 1, pageSize }),
      ).rejects.toMatchObject({ code: 'invalid_input' });
    }
  });
});
