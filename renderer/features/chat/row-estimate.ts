/**
 * The height of a message row before it is measured (styles/app.css, `.message-row` and
 * `.bubble`). The list positions every row it has not rendered yet from these, so the closer
 * they are, the less moves when rows are measured: a chat opens without a second layout pass
 * and scrolling up through history does not jump.
 */
import type { Message } from '../../../shared/types.ts';

/** A row whose message is not loaded yet (a one-line message, the most common). */
export const UNLOADED_ROW_PX = 40;
/** The skeleton shown in such a row, so that it is as tall as the estimate. */
export const SKELETON_PX = UNLOADED_ROW_PX - 12;

const ROW_PADDING_PX = 4;
const BUBBLE_PADDING_PX = 13;
const LINE_PX = 21;
/** Average advance of a character of the 15 px UI font. */
const CHAR_PX = 7.4;
/** The time and marks floated at the end of the last line take about this many characters. */
const META_CHARS = 9;
const SENDER_PX = 19;
const DAY_SEPARATOR_PX = 44;
const SUBJECT_PX = 24;
const QUOTED_PX = 26;
const IMAGE_PX = 220;
const FILE_PX = 50;
const NOTE_PX = 26;
const SYSTEM_LINE_PX = 18;
const SYSTEM_MARGIN_PX = 16;
/** Longer texts are not worth counting exactly: they are measured when they show. */
const MAX_COUNTED_CHARS = 20_000;

/** Characters on one line of a bubble in a list this wide (px). */
export function charsPerLine(listWidth: number): number {
  // .message-list: at most 860 px wide, rows padded 20 px each side; .bubble: at most
  // min(76 %, 560 px), padded 11 px each side.
  const content = Math.min(listWidth, 860) - 40;
  const bubble = Math.min(content * 0.76, 560) - 22;
  return Math.max(8, Math.floor(bubble / CHAR_PX));
}

/** Lines a pre-wrapped text takes at `perLine` characters a line; `tail` more on the last. */
function lines(text: string, perLine: number, tail = 0): number {
  const counted = text.length > MAX_COUNTED_CHARS ? text.slice(0, MAX_COUNTED_CHARS) : text;
  let total = 0;
  let start = 0;
  for (;;) {
    const end = counted.indexOf('\n', start);
    const length = (end === -1 ? counted.length : end) - start + (end === -1 ? tail : 0);
    total += Math.max(1, Math.ceil(length / perLine));
    if (end === -1) return total;
    start = end + 1;
  }
}

export interface RowContext {
  charsPerLine: number;
  /** The row starts a new day (a separator above the bubble). */
  newDay: boolean;
  /** The sender's name shows above the text (groups). */
  showSender: boolean;
}

export function estimateRow(message: Message | undefined, context: RowContext): number {
  if (!message) return UNLOADED_ROW_PX;
  let height = ROW_PADDING_PX + (context.newDay ? DAY_SEPARATOR_PX : 0);
  if (message.kind === 'system') {
    // 13 px text centred in 80 % of the row: about twice as many characters a line.
    return (
      height + SYSTEM_MARGIN_PX + lines(message.text, context.charsPerLine * 2) * SYSTEM_LINE_PX
    );
  }
  height += BUBBLE_PADDING_PX;
  if (context.showSender && !message.outgoing) height += SENDER_PX;
  if (message.classicEmail && message.subject) height += SUBJECT_PX;
  for (const attachment of message.attachments) height += attachment.isImage ? IMAGE_PX : FILE_PX;
  if (message.kind === 'placeholder') height += 2 * LINE_PX;
  else if (message.text) height += lines(message.text, context.charsPerLine, META_CHARS) * LINE_PX;
  else height += LINE_PX / 2;
  if (message.quotedText) height += QUOTED_PX;
  const sendProblem =
    message.outgoing &&
    (message.state === 'failed' || (message.state === 'pending' && Boolean(message.error)));
  if (sendProblem) height += NOTE_PX;
  if (message.encryption === 'encrypted-unverified-sender' && !message.outgoing) height += NOTE_PX;
  return Math.round(height);
}

/**
 * Each row's estimate, fixed the first time it is asked for. The virtualizer recomputes
 * positions from its estimates whenever it measures a row, and expects them not to change: a
 * row estimated before its page loaded, then estimated again from its message, would move the
 * rows after it (the view included) without the scroll correction a measurement gets. Frozen,
 * the estimate is corrected by that row's own measurement, which keeps the view in place.
 */
export class FrozenEstimates {
  private heights = new Float64Array(0);

  get(index: number, estimate: () => number): number {
    if (index >= this.heights.length) {
      const grown = new Float64Array(Math.max(1024, index + 1, this.heights.length * 2));
      grown.set(this.heights);
      this.heights = grown;
    }
    const known = this.heights[index] ?? 0;
    if (known > 0) return known;
    const height = Math.max(1, estimate());
    this.heights[index] = height;
    return height;
  }
}
