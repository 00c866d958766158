import { describe, expect, it } from 'vitest';
import { decodeEncodedWords } from '../../../main/core/mime/encoded-words.ts';

describe('RFC 2047 encoded words', () => {
  it('decodes B and Q words in any charset TextDecoder knows', () => {
    expect(decodeEncodedWords('=?utf-8?B?0J7RgtGH0ZHRgg==?=')).toBe('Отчёт');
    expect(decodeEncodedWords('=?UTF-8?Q?Gr=C3=BC=C3=9Fe_aus_K=C3=B6ln?=')).toBe('Grüße aus Köln');
    expect(decodeEncodedWords('=?iso-8859-1?q?caf=E9?= au lait')).toBe('café au lait');
    expect(decodeEncodedWords('=?utf-8*en?Q?hi?=')).toBe('hi');
    expect(decodeEncodedWords('=?utf-8?B??=')).toBe('');
  });

  it('joins adjacent words, even when a character is split between them', () => {
    // "ü" is C3 BC; the sender cut it in half.
    expect(decodeEncodedWords('=?utf-8?Q?Gr=C3?= =?utf-8?Q?=BC=C3=9Fe?=')).toBe('Grüße');
    expect(decodeEncodedWords('=?utf-8?Q?a?=  \t =?iso-8859-1?Q?=E9?= b')).toBe('aé b');
  });

  it('keeps plain text and anything it cannot decode as written', () => {
    expect(decodeEncodedWords('plain = text? yes')).toBe('plain = text? yes');
    expect(decodeEncodedWords('=?x-unknown?Q?abc?= ok')).toBe('=?x-unknown?Q?abc?= ok');
    expect(decodeEncodedWords('=?utf-8?Q?open')).toBe('=?utf-8?Q?open');
  });
});
