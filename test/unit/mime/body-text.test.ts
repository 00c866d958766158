import { describe, expect, it } from 'vitest';
import { splitBodyText } from '../../../main/core/mime/body-text.ts';

const mail = { isChat: false };
const chat = { isChat: true };

describe('splitting a body into text, quoted history and signature', () => {
  it('leaves a plain body alone', () => {
    expect(splitBodyText('Hi!\r\n\r\nSee you.\r\n', mail)).toEqual({ text: 'Hi!\n\nSee you.' });
  });

  it('takes a quote at the top, with its headline, out of the text', () => {
    const body = 'On Mon, Bob wrote:\n> question?\n> more\n\nanswer\n';
    expect(splitBodyText(body, mail)).toEqual({
      text: 'answer',
      quotedText: 'On Mon, Bob wrote:\n> question?\n> more',
    });
  });

  it('takes a quote at the bottom, with its headline, out of the text', () => {
    const body = 'answer\n\nAm 21.11.2026 um 10:00 schrieb Bob:\n> question?\n>\n> Bob\n\n';
    expect(splitBodyText(body, mail)).toEqual({
      text: 'answer',
      quotedText: 'Am 21.11.2026 um 10:00 schrieb Bob:\n> question?\n>\n> Bob',
    });
  });

  it('keeps interleaved replies as they are, except the outer quotes', () => {
    const body = '> first\nreply one\n> second\nreply two';
    expect(splitBodyText(body, mail)).toEqual({
      text: 'reply one\n> second\nreply two',
      quotedText: '> first',
    });
  });

  it('does not empty a message that is nothing but a bottom quote', () => {
    const body = 'Bob wrote:\n\n> only a quote';
    expect(splitBodyText(body, mail).text).toBe('Bob wrote:\n\n> only a quote');
  });

  it('sets the signature aside at "-- ", also below a top-posted reply', () => {
    expect(splitBodyText('text\n-- \nAlice\nexample.org', mail)).toEqual({
      text: 'text',
      signature: 'Alice\nexample.org',
    });
    expect(splitBodyText('reply\n\n-- \nsig\n\nOn X wrote:\n> old', mail)).toEqual({
      text: 'reply',
      quotedText: 'On X wrote:\n> old',
      signature: 'sig',
    });
  });

  it('accepts "--" without the space only between a blank line and text', () => {
    expect(splitBodyText('text\n\n--\nsig', mail)).toEqual({ text: 'text', signature: 'sig' });
    expect(splitBodyText('a\n--\nb', mail)).toEqual({ text: 'a\n--\nb' });
  });

  it('for chat messages takes only the top quote and no headline', () => {
    expect(splitBodyText('> quoted message\n\nmy reply', chat)).toEqual({
      text: 'my reply',
      quotedText: '> quoted message',
    });
    expect(splitBodyText('Look:\n> this', chat)).toEqual({ text: 'Look:\n> this' });
    expect(splitBodyText('reply\n\n> bottom', chat)).toEqual({ text: 'reply\n\n> bottom' });
    expect(splitBodyText('status below\n-- \nmy status', chat)).toEqual({
      text: 'status below',
      signature: 'my status',
    });
  });
});
