import { describe, expect, it } from 'vitest';
import {
  buildEncryptedOuter,
  composeEncryptedOuter,
  composeInner,
  composeMdn,
  newMessageId,
  randomizedOuterDate,
  writeEncryptedOuter,
} from '../../../main/core/mime/compose.ts';
import { mergeProtected, parseMail } from '../../../main/core/mime/parse.ts';
import type { OutgoingMessage } from '../../../main/core/mime/types.ts';
import { CoreError } from '../../../main/core/errors.ts';

// A made-up but realistically long base64 key: 10 KiB, the size of an RSA-4096 Autocrypt key.
const KEYDATA = Buffer.from(Array.from({ length: 7600 }, (_, i) => (i * 31 + 7) % 256)).toString(
  'base64',
);
const ARMORED =
  '-----BEGIN PGP MESSAGE-----\r\n\r\nwUcGABIBB0B1Q8EWxYMH0oL7i3wFoQyKU2pK6e9arsVCv2IrWOoYICBXSVh6Z5D9\r\n=RyPg\r\n-----END PGP MESSAGE-----\r\n';

function groupMessage(overrides: Partial<OutgoingMessage> = {}): OutgoingMessage {
  return {
    from: { addr: 'alice@chat.test', name: 'Alice Ünïcode' },
    to: [
      { addr: 'bob@chat.test', name: 'Bob "the builder"' },
      { addr: 'carol@chat.test', name: 'Кэрол' },
    ],
    subject: 'Grüße 👋 aus Köln',
    date: new Date('2026-11-22T18:58:12Z'),
    messageId: 'b1a2c3d4-0000-4000-8000-000000000001@localhost',
    inReplyTo: 'parent@localhost',
    references: ['root@localhost', 'parent@localhost'],
    text: "Hallo zusammen,\nwie geht's? 😀\n\nAlice",
    attachments: [
      {
        filename: 'Übersicht März.pdf',
        contentType: 'application/pdf',
        content: Buffer.from('%PDF-1.4 example'),
      },
      {
        filename: '写真.jpg',
        contentType: 'image/jpeg',
        content: Buffer.from([0xff, 0xd8, 0xff, 0]),
      },
    ],
    chatHeaders: {
      'Chat-Group-ID': 'aAcZPFNC9gaUsJ9Oz2D2Ipgl',
      'Chat-Group-Name': 'Grüppchen "Köln" 🎉',
      'Chat-Disposition-Notification-To': 'alice@chat.test',
      'Chat-Group-Member-Fpr':
        'D5C15B55F222D8369716312D255952C13816698C 1DE1554371F8F0F12B6E6F5A85263266CC6B8844',
    },
    autocrypt: `addr=alice@chat.test; prefer-encrypt=mutual; keydata=${KEYDATA}`,
    gossip: [`addr=bob@chat.test; keydata=${KEYDATA}`, `addr=carol@chat.test; keydata=${KEYDATA}`],
    ...overrides,
  };
}

function headerBlock(raw: Buffer): string {
  const text = raw.toString('latin1');
  return text.slice(0, text.indexOf('\r\n\r\n'));
}

function keydataOf(value: string): string {
  return (/keydata=([\s\S]*)$/.exec(value)?.[1] ?? '').replace(/\s+/g, '');
}

describe('composing a chat message', () => {
  it('round-trips names, subject, threading, attachments and chat headers', async () => {
    const m = groupMessage();
    const parsed = await parseMail(await composeInner(m, { protectedHeaders: true }));

    expect(parsed.problems).toEqual([]);
    expect(parsed.from).toEqual({ addr: 'alice@chat.test', name: 'Alice Ünïcode' });
    expect(parsed.to).toEqual(m.to);
    expect(parsed.subject).toBe(m.subject);
    expect(parsed.date).toEqual(m.date);
    expect(parsed.messageId).toBe(m.messageId);
    expect(parsed.inReplyTo).toBe('parent@localhost');
    expect(parsed.references).toEqual(['root@localhost', 'parent@localhost']);
    expect(parsed.text).toBe("Hallo zusammen,\nwie geht's? 😀\n\nAlice");
    expect(parsed.attachments.map((a) => [a.filename, a.contentType, a.size])).toEqual([
      ['Übersicht März.pdf', 'application/pdf', 16],
      ['写真.jpg', 'image/jpeg', 4],
    ]);
    expect(parsed.attachments[1]?.content).toEqual(Buffer.from([0xff, 0xd8, 0xff, 0]));
    expect(parsed.chat.version).toBe('1.0');
    expect(parsed.chat.groupId).toBe('aAcZPFNC9gaUsJ9Oz2D2Ipgl');
    expect(parsed.chat.groupName).toBe('Grüppchen "Köln" 🎉');
    expect(parsed.chat.headers['chat-group-member-fpr']).toBe(
      m.chatHeaders?.['Chat-Group-Member-Fpr'],
    );
  });

  it('keeps every Autocrypt-Gossip header and folds long keys without losing them', async () => {
    const raw = await composeInner(groupMessage(), { protectedHeaders: true });
    const parsed = await parseMail(raw);

    expect(parsed.autocrypt).toHaveLength(1);
    expect(keydataOf(parsed.autocrypt[0] ?? '')).toBe(KEYDATA);
    expect(parsed.autocrypt[0]).toMatch(/^addr=alice@chat\.test; prefer-encrypt=mutual;/);
    expect(parsed.gossip).toHaveLength(2);
    expect(parsed.gossip.map((g) => /^addr=([^;]+);/.exec(g)?.[1])).toEqual([
      'bob@chat.test',
      'carol@chat.test',
    ]);
    expect(parsed.gossip.every((g) => keydataOf(g) === KEYDATA)).toBe(true);
    // RFC 5322: CRLF line ends, no line longer than 998 octets.
    const lines = raw.toString('latin1').split('\r\n');
    expect(raw.toString('latin1')).not.toMatch(/[^\r]\n/);
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(998);
  });

  it('marks a protected root with hp="cipher" and copies the outer headers into HP-Outer', async () => {
    const m = groupMessage();
    const outerDate = randomizedOuterDate(m.date);
    const inner = await composeInner(m, { protectedHeaders: true, outerDate });
    const outer = await composeEncryptedOuter({
      from: m.from.addr,
      messageId: m.messageId,
      date: outerDate,
      armored: ARMORED,
    });
    const parsedInner = await parseMail(inner);
    const parsedOuter = await parseMail(outer);

    expect(parsedInner.protectedHeaders).toBe(true);
    expect(headerBlock(inner)).toMatch(/^Content-Type: multipart\/mixed;.*protected-headers=/m);
    expect(headerBlock(inner)).toMatch(/hp=("?)cipher\1/);
    const copies = parsedInner.headers.get('hp-outer') ?? [];
    expect(copies.map((c) => c.split(':')[0])).toEqual([
      'From',
      'To',
      'Subject',
      'Date',
      'Message-ID',
    ]);
    expect(headerBlock(inner)).toContain('\r\nHP-Outer: Subject: [...]');
    // Each copy is exactly the field the outer message carries.
    for (const copy of copies) {
      const colon = copy.indexOf(':');
      const name = copy.slice(0, colon).toLowerCase();
      expect(parsedOuter.headers.get(name)).toEqual([copy.slice(colon + 1).trim()]);
    }
    // HP-Outer lines are a record, never the message's own headers.
    expect(parsedInner.subject).toBe(m.subject);
    expect(parsedInner.date).toEqual(m.date);
  });

  it('writes a cleartext message as ordinary readable mail with Autocrypt at the top', async () => {
    const raw = await composeInner(groupMessage({ attachments: [], gossip: [] }), {
      protectedHeaders: false,
    });
    const head = headerBlock(raw);
    const parsed = await parseMail(raw);

    expect(head).toMatch(/^Content-Type: text\/plain; charset=utf-8$/m);
    expect(head).not.toMatch(/protected-headers|hp=|HP-Outer/i);
    expect(head).toMatch(/^Autocrypt: addr=alice@chat\.test; prefer-encrypt=mutual;/m);
    expect(head).toMatch(/^Chat-Version: 1\.0$/m);
    expect(parsed.protectedHeaders).toBe(false);
    expect(parsed.text).toContain("wie geht's? 😀");
    expect(parsed.autocrypt).toHaveLength(1);
  });

  it('puts an attachment without text into multipart/mixed', async () => {
    const raw = await composeInner(
      groupMessage({
        text: '',
        attachments: [
          { filename: 'a.bin', contentType: 'application/octet-stream', content: Buffer.from('x') },
        ],
      }),
      { protectedHeaders: false },
    );
    expect(headerBlock(raw)).toMatch(/^Content-Type: multipart\/mixed;/m);
    const parsed = await parseMail(raw);
    expect(parsed.text).toBe('');
    expect(parsed.attachments.map((a) => a.filename)).toEqual(['a.bin']);
  });

  it('writes the empty group when there is no recipient', async () => {
    const parsed = await parseMail(
      await composeInner(groupMessage({ to: [] }), { protectedHeaders: true }),
    );
    expect(parsed.to).toEqual([]);
    expect(parsed.headers.get('to')?.[0]).toMatch(/^"hidden-recipients": ?;$/);
  });

  it('refuses a chat header that would replace a header the composer owns', async () => {
    for (const name of ['From', 'subject', 'Chat-Version', 'HP-Outer', 'X Bad']) {
      await expect(
        composeInner(groupMessage({ chatHeaders: { [name]: 'x' } }), { protectedHeaders: false }),
      ).rejects.toMatchObject({ code: 'invalid_input' });
    }
  });
});

describe('the encrypted outer message', () => {
  it('shows nothing but the bare sender, hidden recipients and a placeholder subject', async () => {
    const m = groupMessage();
    const outer = await composeEncryptedOuter({
      from: m.from.addr,
      messageId: m.messageId,
      date: randomizedOuterDate(m.date),
      armored: ARMORED,
    });
    const text = outer.toString('utf8');
    const parsed = await parseMail(outer);

    expect([...parsed.headers.keys()].sort()).toEqual(
      ['content-type', 'date', 'from', 'message-id', 'mime-version', 'subject', 'to'].sort(),
    );
    expect(parsed.headers.get('from')).toEqual(['alice@chat.test']);
    expect(parsed.headers.get('to')?.[0]).toMatch(/^"hidden-recipients": ?;$/);
    expect(parsed.subject).toBe('[...]');
    for (const secret of [
      'Alice',
      'Ünïcode',
      'Bob',
      'bob@chat.test',
      'carol@chat.test',
      'Кэрол',
      'Grüße',
      'Gr=C3=BC',
      'Hallo',
      'Chat-Version',
      'Chat-Group',
      'Autocrypt',
      'Übersicht',
      'parent@localhost',
    ]) {
      expect(text).not.toContain(secret);
    }
  });

  it('is RFC 3156 and parses back to the same armored message', async () => {
    const outer = await composeEncryptedOuter({
      from: 'alice@chat.test',
      messageId: '<x1@localhost>',
      date: new Date('2026-11-20T16:19:20Z'),
      armored: ARMORED,
    });
    const head = headerBlock(outer);
    expect(head).toMatch(/multipart\/encrypted; protocol="application\/pgp-encrypted"/);
    expect(outer.toString()).toMatch(
      /Content-Type: application\/pgp-encrypted\r\n[^]*?\r\n\r\nVersion: 1\r\n/,
    );
    expect(outer.toString()).toMatch(
      /Content-Type: application\/octet-stream; name="?encrypted\.asc"?/,
    );
    expect(outer.toString()).toMatch(/Content-Disposition: inline; filename="?encrypted\.asc"?/);

    const parsed = await parseMail(outer);
    expect(parsed.encrypted?.armored.replace(/\r\n/g, '\n')).toBe(
      ARMORED.trim().replace(/\r\n/g, '\n'),
    );
    expect(parsed.messageId).toBe('x1@localhost');
    expect(parsed.attachments).toEqual([]);
    expect(parsed.problems).toEqual([]);
  });

  it('refuses a display name or an unarmored payload', async () => {
    const date = new Date();
    await expect(
      composeEncryptedOuter({
        from: 'Alice <alice@chat.test>',
        messageId: 'a@b',
        date,
        armored: ARMORED,
      }),
    ).rejects.toBeInstanceOf(CoreError);
    await expect(
      composeEncryptedOuter({ from: 'alice@chat.test', messageId: 'a@b', date, armored: 'hello' }),
    ).rejects.toMatchObject({ code: 'invalid_input' });
  });

  it('is written directly byte for byte as nodemailer builds it, or left to nodemailer', async () => {
    const lf = ARMORED.replace(/\r\n/g, '\n');
    const cases = [
      { from: 'alice@chat.test', messageId: 'x1@localhost', date: new Date(), armored: ARMORED },
      {
        from: "o'brien+chat@mail.example.org",
        messageId: '<b1a2c3d4-0000-4000-8000-000000000001@localhost>',
        date: new Date('2026-01-02T03:04:05Z'),
        armored: lf,
      },
      { from: 'a@b.c', messageId: 'q@r', date: new Date(0), armored: lf.trimEnd() },
    ];
    for (const params of cases) {
      const written = writeEncryptedOuter(params, '0123456789abcdef');
      expect(written).not.toBeNull();
      const built = await buildEncryptedOuter(params, '0123456789abcdef');
      expect(written?.toString('latin1')).toBe(built.toString('latin1'));
    }
    // Anything a header encoder would touch goes to nodemailer.
    const date = new Date();
    for (const odd of [
      { from: 'jörg@chat.test', messageId: 'x@y', date, armored: ARMORED },
      { from: 'alice@chat.test', messageId: 'x y@z', date, armored: ARMORED },
      { from: 'alice@chat.test', messageId: 'x@y', date, armored: `${ARMORED}trailer\r\n` },
    ]) {
      expect(writeEncryptedOuter(odd)).toBeNull();
      const outer = await parseMail(await composeEncryptedOuter(odd));
      expect(outer.encrypted?.armored).toContain('-----BEGIN PGP MESSAGE-----');
    }
  });

  it('merges with its decrypted payload into the protected view', async () => {
    const m = groupMessage();
    const outerDate = randomizedOuterDate(m.date);
    const inner = await parseMail(await composeInner(m, { protectedHeaders: true, outerDate }));
    const outer = await parseMail(
      await composeEncryptedOuter({
        from: m.from.addr,
        messageId: m.messageId,
        date: outerDate,
        armored: ARMORED,
      }),
    );
    const merged = mergeProtected(outer, inner);
    expect(merged.subject).toBe(m.subject);
    expect(merged.date).toEqual(m.date);
    expect(merged.from?.name).toBe('Alice Ünïcode');
    expect(merged.to.map((t) => t.addr)).toEqual(['bob@chat.test', 'carol@chat.test']);
    expect(merged.chat.groupId).toBe('aAcZPFNC9gaUsJ9Oz2D2Ipgl');
    expect(merged.gossip).toHaveLength(2);
    expect(merged.problems).toEqual([]);
  });
});

describe('ids and dates', () => {
  it('makes random Message-IDs that name no domain', () => {
    const ids = new Set(Array.from({ length: 100 }, () => newMessageId()));
    expect(ids.size).toBe(100);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f-]{36}@localhost$/);
  });

  it('moves the outer date up to six days into the past, in whole seconds', () => {
    const now = new Date('2026-11-22T18:58:12.345Z');
    for (let i = 0; i < 200; i++) {
      const d = randomizedOuterDate(now);
      expect(d.getTime() % 1000).toBe(0);
      expect(d.getTime()).toBeLessThanOrEqual(now.getTime());
      expect(now.getTime() - d.getTime()).toBeLessThanOrEqual(6 * 24 * 3600 * 1000 + 1000);
    }
  });
});

describe('read receipts', () => {
  it('reports displayed messages in the RFC 8098 form Delta Chat sends', async () => {
    const raw = await composeMdn(
      {
        from: { addr: 'bob@chat.test', name: 'Bob' },
        to: { addr: 'alice@chat.test' },
        date: new Date('2026-11-22T19:00:00Z'),
        messageId: newMessageId(),
        originalMessageIds: ['first@localhost', '<second@localhost>', 'third@localhost'],
      },
      { protectedHeaders: false },
    );
    const text = raw.toString();
    expect(headerBlock(raw)).toMatch(
      /^Content-Type: multipart\/report; report-type=disposition-notification;/m,
    );
    expect(text).toContain('Subject: Receipt Notification');
    expect(text).toContain('Auto-Submitted: auto-replied');
    expect(text).toContain('Original-Message-ID: <first@localhost>');
    expect(text).toContain('Additional-Message-IDs: <second@localhost> <third@localhost>');
    expect(text).toContain('Disposition: manual-action/MDN-sent-automatically; displayed');

    const parsed = await parseMail(raw);
    expect(parsed.isMdn).toEqual({
      originalMessageIds: ['first@localhost', 'second@localhost', 'third@localhost'],
    });
    expect(parsed.attachments).toEqual([]);
  });

  it('can be header-protected like any chat message', async () => {
    const raw = await composeMdn(
      {
        from: { addr: 'bob@chat.test' },
        to: { addr: 'alice@chat.test' },
        date: new Date(),
        messageId: newMessageId(),
        originalMessageIds: ['first@localhost'],
      },
      { protectedHeaders: true },
    );
    const parsed = await parseMail(raw);
    expect(parsed.protectedHeaders).toBe(true);
    expect(parsed.isMdn?.originalMessageIds).toEqual(['first@localhost']);
    expect(parsed.headers.get('hp-outer')).toHaveLength(5);
  });

  it('needs at least one message to report on', async () => {
    await expect(
      composeMdn(
        {
          from: { addr: 'b@c.d' },
          to: { addr: 'a@c.d' },
          date: new Date(),
          messageId: 'x@y',
          originalMessageIds: [],
        },
        { protectedHeaders: false },
      ),
    ).rejects.toMatchObject({ code: 'invalid_input' });
  });
});
