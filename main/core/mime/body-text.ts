/**
 * Splits a plain-text body into what is new, the quoted history and the signature, the way chat
 * clients show mail: a reply's "On … wrote:" + `>` block collapses, a `-- ` footer moves aside.
 * Follows Delta Chat's rules (quote at the top for everyone; at the bottom only for mail from
 * classic clients, whose chat-unaware quoting would otherwise fill the chat).
 */

export type BodySections = { text: string; quotedText?: string; signature?: string };

/** Splits a body into new text, quoted history and signature. */
export function splitBodyText(body: string, opts: { isChat: boolean }): BodySections {
  let lines = body.replace(/\r\n?/g, '\n').split('\n');
  const quotes: string[] = [];

  const top = takeTopQuote(lines, opts.isChat);
  if (top) {
    quotes.push(top.quote);
    lines = top.rest;
  }
  if (!opts.isChat) {
    // Before the footer: a top-posted reply's signature sits above the quoted history, and
    // splitting at "-- " first would file the whole history as signature.
    const bottom = takeBottomQuote(lines);
    if (bottom && !isBlank(bottom.rest)) {
      quotes.push(bottom.quote);
      lines = bottom.rest;
    }
  }
  const footer = splitFooter(lines);
  const text = trimLines(footer.body);
  const signature = footer.signature ? trimLines(footer.signature) : '';
  return {
    text,
    ...(quotes.length > 0 ? { quotedText: quotes.join('\n\n') } : {}),
    ...(signature ? { signature } : {}),
  };
}

function isQuote(line: string): boolean {
  return line.startsWith('>');
}

function isEmpty(line: string): boolean {
  return line.trim() === '';
}

function isBlank(lines: string[]): boolean {
  return lines.every(isEmpty);
}

/** "On 22.11.26 18:58, Alice wrote:" — any short line ending in a colon, in any language. */
function isHeadline(line: string): boolean {
  const trimmed = line.trimEnd();
  return trimmed.endsWith(':') && trimmed.length <= 120 && !isQuote(trimmed);
}

function takeTopQuote(
  lines: string[],
  isChat: boolean,
): { quote: string; rest: string[] } | undefined {
  let start = 0;
  // Chat clients never write a headline; for them a colon line is just text.
  if (!isChat && lines[0] !== undefined && isHeadline(lines[0]) && isQuote(lines[1] ?? '')) {
    start = 1;
  }
  let end = start;
  while (end < lines.length && isQuote(lines[end] ?? '')) end += 1;
  if (end === start) return undefined;
  return { quote: lines.slice(0, end).join('\n'), rest: lines.slice(end) };
}

function takeBottomQuote(lines: string[]): { quote: string; rest: string[] } | undefined {
  let last = lines.length - 1;
  while (last >= 0 && isEmpty(lines[last] ?? '')) last -= 1;
  if (last < 0 || !isQuote(lines[last] ?? '')) return undefined;
  // Walk up over the quote block; blank lines inside it belong to it.
  let first = last;
  for (let i = last; i >= 0; i--) {
    const line = lines[i] ?? '';
    if (isQuote(line)) first = i;
    else if (!isEmpty(line)) break;
  }
  let cut = first;
  if (cut > 0 && isEmpty(lines[cut - 1] ?? '')) cut -= 1;
  if (cut > 0 && isHeadline(lines[cut - 1] ?? '')) {
    cut -= 1;
    first = cut;
  }
  return { quote: lines.slice(first, last + 1).join('\n'), rest: lines.slice(0, cut) };
}

/** RFC 3676 §4.3 signature separator, with the mangled forms some providers produce. */
function splitFooter(lines: string[]): { body: string[]; signature?: string[] } {
  const standard = lines.findIndex((line) => line === '-- ' || line === '--  ');
  if (standard >= 0)
    return { body: lines.slice(0, standard), signature: lines.slice(standard + 1) };
  // "-- " encoded as "=2D-" loses its space; accept a bare "--" only between a blank line and text.
  for (let i = lines.length - 1; i >= 0; i--) {
    if (
      lines[i] === '--' &&
      (i === 0 || isEmpty(lines[i - 1] ?? '')) &&
      !isEmpty(lines[i + 1] ?? '')
    ) {
      return { body: lines.slice(0, i), signature: lines.slice(i + 1) };
    }
  }
  return { body: lines };
}

function trimLines(lines: string[]): string {
  return lines
    .map((line) => line.trimEnd())
    .join('\n')
    .replace(/^\n+/, '')
    .replace(/\n+$/, '');
}
