/** `MessageRepo.newest`, behind `getNewestMessages`: the count and the newest page in one read. */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import { beforeEach, describe, expect, it } from 'vitest';
import { ChatRepo } from '../../../main/core/chat/chats.ts';
import { ContactRepo } from '../../../main/core/chat/contacts.ts';
import { MessageRepo } from '../../../main/core/chat/messages.ts';
import { openDatabase } from '../../../main/core/store/db.ts';

let db: Database;
let messages: MessageRepo;
let chatId: number;
let otherChatId: number;
let bob: number;

beforeEach(async () => {
  db = openDatabase(join(await mkdtemp(join(tmpdir(), 'estafette-newest-')), 'db.sqlite'));
  const contacts = new ContactRepo(db);
  bob = contacts.upsert('bob@x.test', 'Bob', { known: true }).id;
  const carol = contacts.upsert('carol@x.test', 'Carol', { known: true }).id;
  const chats = new ChatRepo(db);
  chatId = chats.createSingle(bob, { isRequest: false, now: 1 });
  otherChatId = chats.createSingle(carol, { isRequest: false, now: 1 });
  messages = new MessageRepo(db);
});

let nextMid = 1;
/** Adds messages with these sender times (ms) to a chat. */
function add(chat: number, times: number[], attachment = false): void {
  for (const timestamp of times) {
    messages.insert({
      chatId: chat,
      fromId: bob,
      outgoing: false,
      kind: 'text',
      text: `at ${timestamp}`,
      timestamp,
      receivedAt: timestamp,
      state: 'seen',
      encryption: 'encrypted',
      rfc724Mid: `m${nextMid++}@x.test`,
      attachments: attachment
        ? [{ filename: 'a.png', contentType: 'image/png', size: 3, blob: 'b1' }]
        : [],
    });
  }
}

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('the newest messages of a chat', () => {
  it('is the page of the newest message, and the one before when that page is short', () => {
    add(chatId, range(0, 250));
    add(otherChatId, range(0, 30));
    const newest = messages.newest(chatId, 100);
    // 250 messages: pages 0–99, 100–199, 200–249; the last holds 50, so 100–249 come back.
    expect(newest.count).toBe(250);
    expect(newest.offset).toBe(100);
    expect(newest.messages.map((m) => m.text)).toEqual(range(100, 250).map((t) => `at ${t}`));
    // The same rows as paging from the start would give.
    expect(newest.messages).toEqual([
      ...messages.page(chatId, 100, 100),
      ...messages.page(chatId, 200, 100),
    ]);

    add(chatId, range(250, 300));
    const full = messages.newest(chatId, 100);
    expect(full).toMatchObject({ count: 300, offset: 200 });
    expect(full.messages).toHaveLength(100);
    expect(full.messages[99]?.text).toBe('at 299');
  });

  it('orders by sender time, not by arrival, like the pages', () => {
    add(chatId, [10, 30, 20, 40, 5]);
    const newest = messages.newest(chatId, 3);
    expect(newest).toMatchObject({ count: 5, offset: 0 });
    expect(newest.messages.map((m) => m.timestamp)).toEqual([5, 10, 20, 30, 40]);
    expect(newest.messages).toEqual(messages.page(chatId, 0, 5));
  });

  it('carries attachments, and answers a short or empty chat', () => {
    expect(messages.newest(chatId, 100)).toEqual({ count: 0, offset: 0, messages: [] });
    add(chatId, [1, 2], true);
    const newest = messages.newest(chatId, 100);
    expect(newest).toMatchObject({ count: 2, offset: 0 });
    expect(newest.messages[1]?.attachments).toMatchObject([
      { filename: 'a.png', contentType: 'image/png', isImage: true },
    ]);
    expect(messages.newest(chatId, 1)).toMatchObject({ count: 2, offset: 1 });
  });
});
