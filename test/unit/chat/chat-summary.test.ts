/** What the chat list learns from a summary alone: the group's image and whether we are in it. */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import { beforeEach, describe, expect, it } from 'vitest';
import { ChatRepo } from '../../../main/core/chat/chats.ts';
import { ContactRepo } from '../../../main/core/chat/contacts.ts';
import { openDatabase } from '../../../main/core/store/db.ts';
import { imageTypeOf } from '../../../main/core/store/image-type.ts';

let db: Database;
let chats: ChatRepo;
let self: number;
let bob: number;

beforeEach(async () => {
  db = openDatabase(join(await mkdtemp(join(tmpdir(), 'estafette-summary-')), 'db.sqlite'));
  const contacts = new ContactRepo(db);
  self = contacts.upsert('me@x.test', 'Me', { known: true, self: true }).id;
  bob = contacts.upsert('bob@x.test', 'Bob', { known: true }).id;
  chats = new ChatRepo(db);
});

describe('chat summary', () => {
  it('a group carries its image blob and our membership; leaving makes it read-only', () => {
    const chatId = chats.createGroup('G123456789012', 'Team', [self, bob], {
      isRequest: false,
      now: 1,
      encrypted: true,
    });
    expect(chats.summary(chatId)).toMatchObject({ image: null, selfIsMember: true });

    db.prepare('UPDATE chats SET avatar_blob = ? WHERE id = ?').run('abc123', chatId);
    expect(chats.summary(chatId).image).toBe('abc123');

    db.prepare('DELETE FROM chat_members WHERE chat_id = ? AND contact_id = ?').run(chatId, self);
    const [listed] = chats.list({ archived: false });
    expect(listed).toMatchObject({ id: chatId, selfIsMember: false, image: 'abc123' });
  });

  it('the preview of an incoming group message names its sender; our own and 1:1 do not', () => {
    const chatId = chats.createGroup('G123456789013', 'Team', [self, bob], {
      isRequest: false,
      now: 1,
      encrypted: true,
    });
    const insert = db.prepare(
      `INSERT INTO messages (chat_id, from_id, outgoing, kind, text, timestamp, received_at, state,
         encryption, rfc724_mid) VALUES (?, ?, ?, 'text', ?, ?, ?, ?, 'encrypted', ?)`,
    );
    insert.run(chatId, bob, 0, 'Hi team', 10, 10, 'received', 'a@x.test');
    expect(chats.summary(chatId).lastMessage).toMatchObject({ text: 'Hi team', senderName: 'Bob' });
    insert.run(chatId, self, 1, 'Hello', 20, 20, 'sent', 'b@x.test');
    expect(chats.summary(chatId).lastMessage).toMatchObject({ text: 'Hello', senderName: null });

    db.prepare(
      `INSERT INTO messages (chat_id, from_id, outgoing, kind, text, timestamp, received_at, state,
         encryption, rfc724_mid, system) VALUES (?, ?, 0, 'system', ?, 25, 25, 'seen', 'none', ?, ?)`,
    ).run(
      chatId,
      self,
      'Bob renamed the group to “Crew”.',
      'd@x.test',
      JSON.stringify({ code: 'group_renamed', args: { by: 'Bob', name: 'Crew' } }),
    );
    expect(chats.summary(chatId).lastMessage).toMatchObject({
      kind: 'system',
      senderName: null,
      system: { code: 'group_renamed', args: { by: 'Bob', name: 'Crew' } },
    });

    const single = chats.createSingle(bob, { isRequest: false, now: 1 });
    insert.run(single, bob, 0, 'Just us', 30, 30, 'received', 'c@x.test');
    expect(chats.summary(single).lastMessage?.senderName).toBeNull();
  });

  it('a 1:1 chat has no image and is always writable', () => {
    const chatId = chats.createSingle(bob, { isRequest: false, now: 1 });
    expect(chats.summary(chatId)).toMatchObject({ image: null, selfIsMember: true });
  });
});

describe('stored image type', () => {
  it('is read from the bytes, and unknown bytes are never called an image', () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]);
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0]);
    const webp = Buffer.from('RIFF\0\0\0\0WEBPVP8 ', 'latin1');
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>');
    expect(imageTypeOf(png)).toBe('image/png');
    expect(imageTypeOf(jpeg)).toBe('image/jpeg');
    expect(imageTypeOf(webp)).toBe('image/webp');
    expect(imageTypeOf(svg)).toBe('application/octet-stream');
  });
});
