/** Row heights before measuring: what positions the rows of a chat the list has not rendered. */
import { describe, expect, it } from 'vitest';
import type { Message } from '../../../shared/types.ts';
import {
  SKELETON_PX,
  UNLOADED_ROW_PX,
  charsPerLine,
  estimateRow,
} from '../../../renderer/features/chat/row-estimate.ts';

const base: Message = {
  id: 1,
  chatId: 1,
  fromId: 2,
  outgoing: false,
  kind: 'text',
  text: 'Hello',
  quotedText: null,
  subject: null,
  attachments: [],
  timestamp: 0,
  receivedAt: 0,
  state: 'seen',
  encryption: 'encrypted',
  error: null,
  classicEmail: false,
  rfc724Mid: 'a@x.test',
};
const plain = { charsPerLine: 70, newDay: false, showSender: false };
const height = (extra: Partial<Message>, context = plain) =>
  estimateRow({ ...base, ...extra }, context);

describe('row estimates', () => {
  it('fit the bubble’s width: wider lists hold more characters a line, up to the bubble’s cap', () => {
    expect(charsPerLine(400)).toBeLessThan(charsPerLine(700));
    expect(charsPerLine(860)).toBe(charsPerLine(2000));
    expect(charsPerLine(0)).toBeGreaterThan(0);
  });

  it('grow by a line per wrapped or broken line, and the time shares the last line', () => {
    const one = height({ text: 'Seeded message 1.' });
    // What Chromium renders for a one-line bubble (test/e2e, 15 px system font).
    expect(one).toBe(38);
    expect(height({ text: 'x'.repeat(60) })).toBe(one);
    expect(height({ text: 'x'.repeat(120) })).toBe(one + 21);
    expect(height({ text: 'a\nb\nc' })).toBe(one + 42);
    // Text that would fit without the time wraps with it.
    expect(height({ text: 'x'.repeat(68) })).toBe(one + 21);
    expect(height({ text: 'x'.repeat(1_000_000) })).toBeLessThan(1_000_000);
  });

  it('count the day separator, the sender, attachments and notes', () => {
    const one = height({});
    expect(height({}, { ...plain, newDay: true })).toBeGreaterThan(one + 30);
    expect(height({}, { ...plain, showSender: true })).toBeGreaterThan(one);
    expect(height({ outgoing: true }, { ...plain, showSender: true })).toBe(one);
    const image = { id: 1, filename: 'a.png', contentType: 'image/png', size: 1, blob: 'b' };
    expect(height({ attachments: [{ ...image, isImage: true }] })).toBeGreaterThan(one + 150);
    expect(height({ attachments: [{ ...image, isImage: false }] })).toBeGreaterThan(one);
    expect(height({ outgoing: true, state: 'failed' })).toBeGreaterThan(one);
    expect(height({ encryption: 'encrypted-unverified-sender' })).toBeGreaterThan(one);
  });

  it('give a row without its message yet the height of its skeleton', () => {
    expect(estimateRow(undefined, plain)).toBe(UNLOADED_ROW_PX);
    // .message-row pads 2 px each side, .message-skeleton has 4 px margins.
    expect(SKELETON_PX + 4 + 8).toBe(UNLOADED_ROW_PX);
  });
});
