import { describe, expect, it } from 'vitest';
import { mergeProtected, parseMail } from '../../../main/core/mime/parse.ts';

const crlf = (text: string): Buffer => Buffer.from(text.replace(/\n/g, '\r\n'));

const OUTER = crlf(
  'From: Alice <alice@example.org>\nTo: bob@example.net\nSubject: Real subject outside\n' +
    'Date: Sun, 22 Nov 2026 18:00:00 +0000\nMessage-ID: <outer@example.org>\n' +
    'Chat-Version: 1.0\nChat-Group-ID: forged-outside\nAutocrypt: addr=alice@example.org; keydata=AAAA\n' +
    'Content-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary=b\n\n' +
    '--b\nContent-Type: application/pgp-encrypted\n\nVersion: 1\n' +
    '--b\nContent-Type: application/octet-stream\n\n-----BEGIN PGP MESSAGE-----\n\nx\n-----END PGP MESSAGE-----\n--b--\n',
);

describe('merging a decrypted payload with its container', () => {
  it('a payload with hp uses its own headers only, HP-Outer lines included as a record', async () => {
    const outer = await parseMail(OUTER);
    const inner = await parseMail(
      crlf(
        'Content-Type: text/plain; charset=utf-8; protected-headers="v1"; hp="cipher"\n' +
          'From: Alice Inside <alice@example.org>\nTo: Bob <bob@example.net>\nSubject: Inner subject\n' +
          'Date: Sun, 22 Nov 2026 19:00:00 +0000\nMessage-ID: <outer@example.org>\n' +
          'Chat-Version: 1.0\nHP-Outer: Subject: Real subject outside\nHP-Outer: Date: Sun, 22 Nov 2026 18:00:00 +0000\n\nhi\n',
      ),
    );
    const merged = mergeProtected(outer, inner);
    expect(merged.subject).toBe('Inner subject');
    expect(merged.date).toEqual(new Date('2026-11-22T19:00:00Z'));
    expect(merged.from).toEqual({ addr: 'alice@example.org', name: 'Alice Inside' });
    expect(merged.chat.groupId).toBeUndefined();
    expect(merged.autocrypt).toEqual([]);
    expect(merged.headers.has('chat-group-id')).toBe(false);
    expect(merged.headers.get('subject')).toEqual(['Inner subject']);
    expect(merged.text).toBe('hi');
  });

  it('a payload without header protection is filled from outside, except Chat-* and gossip', async () => {
    const outer = await parseMail(OUTER);
    const inner = await parseMail(
      crlf('Content-Type: text/plain; charset=utf-8\nChat-Version: 1.0\n\nlegacy body\n'),
    );
    const merged = mergeProtected(outer, inner);
    expect(merged.protectedHeaders).toBe(false);
    expect(merged.subject).toBe('Real subject outside');
    expect(merged.from).toEqual({ addr: 'alice@example.org', name: 'Alice' });
    expect(merged.messageId).toBe('outer@example.org');
    expect(merged.chat.version).toBe('1.0');
    expect(merged.chat.groupId).toBeUndefined();
    expect(merged.headers.get('chat-group-id')).toBeUndefined();
    expect(merged.autocrypt).toEqual(['addr=alice@example.org; keydata=AAAA']);
    expect(merged.text).toBe('legacy body');
  });

  it('notes when the sender inside differs from the sender outside', async () => {
    const outer = await parseMail(OUTER);
    const inner = await parseMail(
      crlf('Content-Type: text/plain; hp="cipher"\nFrom: mallory@example.com\n\nhi\n'),
    );
    expect(mergeProtected(outer, inner).problems).toContain(
      'The sender inside the encryption differs from the sender outside.',
    );
  });
});
