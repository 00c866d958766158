import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseMail } from '../../../main/core/mime/parse.ts';

const dir = new URL('../../fixtures/mime/', import.meta.url);
const parse = (name: string) => parseMail(readFileSync(new URL(name, dir)));

describe('mail from ordinary clients', () => {
  it('a Thunderbird mail: flowed text joined, signature set aside', async () => {
    const mail = await parse('thunderbird-plain.eml');
    expect(mail.from).toEqual({ addr: 'juergen@example.org', name: 'Jürgen Müller' });
    expect(mail.to).toEqual([{ addr: 'bob@example.net', name: 'Bob Builder' }]);
    expect(mail.subject).toBe('Treffen nächste Woche');
    expect(mail.date).toEqual(new Date('2026-11-21T09:02:33Z'));
    expect(mail.text).toBe(
      'Hallo Bob,\n\nwollen wir uns nächste Woche treffen? Dienstag oder Mittwoch würde mir gut ' +
        'passen, am liebsten nach 15 Uhr.\n\nViele Grüße\nJürgen',
    );
    expect(mail.signature).toBe('Jürgen Müller\nBeispielstraße 1, 12345 Musterstadt');
    expect(mail.quotedText).toBeUndefined();
    expect(mail.chat).toEqual({ headers: {} });
    expect(mail.problems).toEqual([]);
  });

  it('a Thunderbird reply: the "On … wrote:" block collapses into quotedText', async () => {
    const mail = await parse('thunderbird-reply.eml');
    expect(mail.text).toBe('Tuesday at 16:00 works for me. See you then!\n\nBob');
    expect(mail.quotedText?.split('\n')[0]).toBe('On 21.11.26 10:02, Jürgen Müller wrote:');
    expect(mail.quotedText).toContain('> Hallo Bob,');
    expect(mail.quotedText).toContain('> Beispielstraße 1, 12345 Musterstadt');
    expect(mail.signature).toBe('Bob Builder | Can we fix it?');
    expect(mail.inReplyTo).toBe('4c1d2e7a-8f0b-4b6e-9d3a-1f2e3d4c5b6a@example.org');
    expect(mail.references).toEqual(['4c1d2e7a-8f0b-4b6e-9d3a-1f2e3d4c5b6a@example.org']);
  });

  it('a top-posted reply: the quoted history below the text collapses too', async () => {
    const mail = await parse('gmail-reply-bottom-quote.eml');
    expect(mail.text).toBe('Sounds good, count me in.');
    expect(mail.quotedText).toBe(
      'On Sat, 21 Nov 2026 at 11:15, Bob Builder <bob@example.net> wrote:\n\n' +
        '> Lunch on Tuesday at 12?\n>\n> Bob\n>',
    );
    expect(mail.cc).toEqual([
      { addr: 'dave@example.com' },
      { addr: 'eve@example.com', name: 'Eve, the second' },
    ]);
    // The HTML alternative is kept raw, never used for the text.
    expect(mail.html).toContain('gmail_quote');
  });

  it('multipart/alternative: the text part is the text, the HTML is kept raw', async () => {
    const mail = await parse('alternative.eml');
    expect(mail.text).toBe('Plain version: meet at 7pm.');
    expect(mail.html).toBe('<p>HTML version: meet at <b>7pm</b>.</p>');
  });

  it('an HTML-only mail gets its text from the HTML, scripts and styles dropped', async () => {
    const mail = await parse('html-only.eml');
    // &nbsp; stays a no-break space; the Latin-1 é arrives as é.
    expect(mail.text).toContain('Café beans are 20\u00a0% off this week.');
    expect(mail.text).toContain('our shop [https://shop.example/offers] & save.');
    expect(mail.text).not.toMatch(/<|alert|color: red/);
    expect(mail.html).toContain('<script>');
    expect(mail.problems).toEqual([]);
  });

  it('an HTML-only body inside multipart/mixed is converted as well', async () => {
    const mail = await parse('html-only-mixed.eml');
    expect(mail.text).toBe('Here is the photo from Saturday.\n\nDave');
    expect(mail.attachments.map((a) => [a.filename, a.contentType, a.size])).toEqual([
      ['saturday.png', 'image/png', 70],
    ]);
  });

  it('attachments are listed with decoded non-ASCII names; an inline image keeps its cid', async () => {
    const mail = await parse('attachments.eml');
    expect(mail.text).toBe('Three files attached, the logo is inline.');
    expect(
      mail.attachments.map(({ filename, contentType, size, contentId, inline }) => ({
        filename,
        contentType,
        size,
        contentId,
        inline,
      })),
    ).toEqual([
      {
        filename: 'logo.png',
        contentType: 'image/png',
        size: 70,
        contentId: 'logo@example.org',
        inline: true,
      },
      {
        filename: 'Übersicht 2026.pdf',
        contentType: 'application/pdf',
        size: 45,
        contentId: undefined,
        inline: false,
      },
      {
        filename: 'Отчёт.txt',
        contentType: 'text/plain',
        size: 29,
        contentId: undefined,
        inline: false,
      },
      {
        filename: '日本語のファイル.bin',
        contentType: 'application/octet-stream',
        size: 6,
        contentId: undefined,
        inline: false,
      },
    ]);
    expect(mail.attachments[2]?.content.toString('utf8')).toBe('Отчёт за ноябрь\n');
    expect(mail.attachments[1]?.content.subarray(0, 8).toString()).toBe('%PDF-1.4');
  });

  it('a read receipt names every message it reports on and lists no attachments', async () => {
    const mail = await parse('mdn-report.eml');
    expect(mail.isMdn).toEqual({
      originalMessageIds: ['first@localhost', 'second@localhost', 'third@localhost'],
    });
    expect(mail.attachments).toEqual([]);
    expect(mail.text).toBe('This is a read receipt.');
  });

  it('a reaction is its emoji, not text and not an attachment', async () => {
    const mail = await parse('reaction.eml');
    expect(mail.reaction).toBe('👍');
    expect(mail.text).toBe('');
    expect(mail.attachments).toEqual([]);
    expect(mail.inReplyTo).toBe('first@localhost');
  });
});
