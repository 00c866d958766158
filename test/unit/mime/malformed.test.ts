import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseMail } from '../../../main/core/mime/parse.ts';
import type { ParsedMail } from '../../../main/core/mime/types.ts';

const dir = new URL('../../fixtures/mime/', import.meta.url);
const fixture = (name: string): Buffer => readFileSync(new URL(name, dir));
const crlf = (text: string): Buffer => Buffer.from(text.replace(/\n/g, '\r\n'));

/** Parses within a time limit: broken input must neither crash nor hang the receive loop. */
async function parseQuickly(raw: Buffer): Promise<ParsedMail> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('parseMail took longer than 5 s')), 5000);
  });
  try {
    return await Promise.race([parseMail(raw), limit]);
  } finally {
    clearTimeout(timer);
  }
}

describe('input without a single readable header field is refused with parse_failed', () => {
  const cases: Record<string, Buffer> = {
    'an empty file': Buffer.alloc(0),
    'blank lines only': Buffer.from('\r\n\r\n  \n'),
    'garbage bytes': Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256)),
    'NUL bytes': Buffer.alloc(1000),
    'text without any header': Buffer.from('hello there\n\nno headers here\n'),
  };
  for (const [name, raw] of Object.entries(cases)) {
    it(name, async () => {
      await expect(parseQuickly(raw)).rejects.toMatchObject({
        name: 'CoreError',
        code: 'parse_failed',
      });
    });
  }
});

describe('broken messages still give a result, with the problems listed', () => {
  it('a truncated multipart keeps what arrived and says it was cut off', async () => {
    const mail = await parseQuickly(fixture('malformed-truncated.eml'));
    expect(mail.subject).toBe('Truncated in transit');
    expect(mail.text).toBe('The attachment below was cut off.');
    expect(mail.attachments.map((a) => a.filename)).toEqual(['cut.pdf']);
    expect(mail.problems.join(' ')).toMatch(/cut off/);
  });

  it('a multipart without boundary shows its raw body instead of nothing', async () => {
    const mail = await parseQuickly(fixture('malformed-no-boundary.eml'));
    expect(mail.from?.addr).toBe('broken@example.com');
    expect(mail.text).toContain('Can anyone read this?');
    expect(mail.problems.join(' ')).toMatch(/parts of the message could not be found/);
  });

  it('raw 8-bit headers are read as UTF-8, other 8-bit bytes as Latin-1, junk lines skipped', async () => {
    const mail = await parseQuickly(fixture('malformed-8bit-headers.eml'));
    expect(mail.subject).toBe('Grüße ohne Kodierung');
    expect(mail.from).toEqual({ addr: 'zoe@example.com', name: 'Zoë' });
    expect(mail.to).toEqual([{ addr: 'bjorn@example.net', name: 'Björn' }]);
    expect(mail.headers.get('x-legacy')).toEqual(['café']);
    expect(mail.text).toBe('Hej Björn!');
    expect(mail.problems).toHaveLength(2);
  });

  it('a header bigger than mailparser accepts still yields the sender', async () => {
    const raw = Buffer.concat([
      crlf('From: Alice <alice@example.org>\nSubject: big\nX-Big: '),
      Buffer.alloc(2_000_000, 0x41),
      crlf('\n\nbody\n'),
    ]);
    const mail = await parseQuickly(raw);
    expect(mail.from).toEqual({ addr: 'alice@example.org', name: 'Alice' });
    expect(mail.subject).toBe('big');
    expect(mail.problems.join(' ')).toMatch(/structure could not be read/);
  });

  it('too many parts fall back to the header', async () => {
    const parts = Array.from(
      { length: 3000 },
      () => '--b\nContent-Type: application/octet-stream\n\nx\n',
    );
    const raw = crlf(
      `From: a@example.org\nContent-Type: multipart/mixed; boundary=b\n\n${parts.join('')}--b--\n`,
    );
    const mail = await parseQuickly(raw);
    expect(mail.from?.addr).toBe('a@example.org');
    expect(mail.attachments).toEqual([]);
    expect(mail.problems.join(' ')).toMatch(/structure could not be read/);
  });

  it('deep nesting, a missing Date, bad encodings and broken HTML do not stop parsing', async () => {
    const nested = Array.from(
      { length: 300 },
      (_, i) => `--b${i}\nContent-Type: multipart/mixed; boundary=b${i + 1}\n\n`,
    ).join('');
    const inputs = [
      crlf(`From: a@example.org\nContent-Type: multipart/mixed; boundary=b0\n\n${nested}x`),
      crlf('From: a@example.org\nContent-Transfer-Encoding: base64\n\n!!!@@@###\n'),
      crlf(
        'From: =?utf-8?B?@@@?= <a@example.org>\nSubject: =?x-unknown?Q?abc?= =?utf-8?Q?open\n\nbody',
      ),
      crlf(`From: a@example.org\nContent-Type: text/html\n\n${'<div>'.repeat(5000)}deep`),
      crlf('From: a@example.org\nContent-Type: multipart/mixed; boundary=""\n\n--\n\nhi\n----\n'),
      crlf('From: a@example.org\nDate: yesterday-ish\nMessage-ID: bare@host\n\nbody'),
      Buffer.from('From: a@example.org\rSubject: old mac\r\rbody\r'),
      Buffer.concat([crlf('From: a@example.org\n\n'), Buffer.alloc(5_000_000, 0x41)]),
    ];
    for (const raw of inputs) {
      const mail = await parseQuickly(raw);
      expect(Array.isArray(mail.problems)).toBe(true);
      expect(typeof mail.text).toBe('string');
    }
    const dated = await parseQuickly(inputs[5] ?? Buffer.alloc(0));
    expect(dated.date).toBeUndefined();
    expect(dated.messageId).toBe('bare@host');
    expect(dated.problems).toContain('The Date of the message cannot be read.');
    const html = await parseQuickly(inputs[3] ?? Buffer.alloc(0));
    expect(html.problems.join(' ')).toMatch(/HTML could not be turned into text/);
  });

  it('an encrypted container without an armored message is not reported as encrypted', async () => {
    const raw = crlf(
      'From: a@example.org\nContent-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary=b\n\n' +
        '--b\nContent-Type: application/pgp-encrypted\n\nVersion: 1\n' +
        '--b\nContent-Type: application/octet-stream\n\nnot armored\n--b--\n',
    );
    const mail = await parseQuickly(raw);
    expect(mail.encrypted).toBeUndefined();
    expect(mail.attachments).toHaveLength(2);
    expect(mail.problems.join(' ')).toMatch(/no armored OpenPGP message/);
  });

  it('Chat-* headers outside an encrypted container count for nothing', async () => {
    const raw = crlf(
      'From: a@example.org\nChat-Version: 1.0\nChat-Group-ID: forged-group-id\n' +
        'Content-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary=b\n\n' +
        '--b\nContent-Type: application/pgp-encrypted\n\nVersion: 1\n' +
        '--b\nContent-Type: application/octet-stream\n\n-----BEGIN PGP MESSAGE-----\n\nabc\n-----END PGP MESSAGE-----\n--b--\n',
    );
    const mail = await parseQuickly(raw);
    expect(mail.encrypted?.armored).toBe(
      '-----BEGIN PGP MESSAGE-----\r\n\r\nabc\r\n-----END PGP MESSAGE-----',
    );
    expect(mail.chat).toEqual({ headers: {} });
    expect(mail.headers.get('chat-group-id')).toEqual(['forged-group-id']);
  });
});
