import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { composeEncryptedOuter } from '../../../main/core/mime/compose.ts';
import { parseMail, takesContainerFastPath } from '../../../main/core/mime/parse.ts';

// The encrypted containers Delta Chat 2.57 sent (stored with LF; IMAP delivers CRLF).
const dir = new URL('../../fixtures/deltachat-2.57/', import.meta.url);
const crlf = (b: Buffer): Buffer =>
  Buffer.from(b.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');
const deltaChat = readdirSync(dir)
  .filter((name) => name.endsWith('.eml') && !name.endsWith('.inner.eml'))
  .map((name) => ({ name, raw: crlf(readFileSync(new URL(name, dir))) }))
  .filter(({ raw }) => /^content-type:\s*multipart\/encrypted/im.test(raw.toString('latin1')));

const ARMORED = [
  '-----BEGIN PGP MESSAGE-----',
  '',
  'wV4D5hE1f8rgPAASAQdA1z5lO0hQm1xVFv0s2vJ9x3nTq1cQ3m1y0WwvX0y8FzEw',
  '=AbCd',
  '-----END PGP MESSAGE-----',
].join('\r\n');

async function ours(): Promise<Buffer> {
  return composeEncryptedOuter({
    from: 'alice@example.org',
    messageId: '<a1b2c3@example.org>',
    date: new Date('2026-11-22T10:00:00Z'),
    armored: ARMORED,
  });
}

async function same(raw: Buffer): Promise<void> {
  const fast = await parseMail(raw);
  const slow = await parseMail(raw, { containerFastPath: false });
  expect(fast).toEqual(slow);
}

describe('the encrypted container without mailparser', () => {
  it('reads every Delta Chat container as mailparser does', async () => {
    expect(deltaChat.length).toBeGreaterThanOrEqual(5);
    for (const { name, raw } of deltaChat) {
      expect(takesContainerFastPath(raw), name).toBe(true);
      await same(raw);
      expect((await parseMail(raw)).encrypted?.armored).toMatch(/^-----BEGIN PGP MESSAGE/);
    }
  });

  it('reads Estafette’s own container as mailparser does', async () => {
    const raw = await ours();
    expect(takesContainerFastPath(raw)).toBe(true);
    await same(raw);
    expect((await parseMail(raw)).encrypted?.armored).toBe(ARMORED);
  });

  it('gives the same problems for a container without the Version line', async () => {
    const raw = Buffer.from(
      (await ours()).toString('latin1').replace('\r\nVersion: 1', '\r\nVersion: 2'),
    );
    expect(takesContainerFastPath(raw)).toBe(true);
    await same(raw);
    expect((await parseMail(raw)).problems.join(' ')).toMatch(/Version: 1/);
  });

  it('leaves every other shape to mailparser', async () => {
    const text = (await ours()).toString('latin1');
    const boundary = /boundary="([^"]+)"/.exec(text)?.[1] ?? '';
    const variants = {
      lf: text.replace(/\r\n/g, '\n'),
      headerProtection: text.replace(
        'protocol="application/pgp-encrypted"',
        'hp="cipher"; protocol="application/pgp-encrypted"',
      ),
      base64: text.replace(
        /Content-Transfer-Encoding: 7bit(?![\s\S]*Content-Transfer)/,
        'Content-Transfer-Encoding: base64',
      ),
      thirdPart: text.replace(
        `--${boundary}--`,
        `--${boundary}\r\nContent-Type: text/plain\r\n\r\nhello\r\n--${boundary}--`,
      ),
      unclosed: text.replace(`--${boundary}--`, ''),
      // The close delimiter glued to the armor's last line: no delimiter for mailparser.
      midLine: ((i) => `${text.slice(0, i).replace(/(\r\n)+$/, '')}${text.slice(i)}`)(
        text.indexOf(`--${boundary}--`),
      ),
      eightBit: text.replace('Subject: ', 'Subject: \xe9'),
      twoTypes: text.replace('MIME-Version', 'Content-Type: text/plain\r\nMIME-Version'),
      noArmor: text.replace('-----BEGIN PGP MESSAGE-----', '-----BEGIN PGP SIGNATURE-----'),
    };
    for (const [name, variant] of Object.entries(variants)) {
      expect(variant, name).not.toBe(text);
      const raw = Buffer.from(variant, 'latin1');
      expect(takesContainerFastPath(raw), name).toBe(false);
      await same(raw);
    }
  });
});
