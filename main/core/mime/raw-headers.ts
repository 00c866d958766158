/**
 * Header fields as they were written: unfolded but not decoded. mailparser reports the root
 * header lines as byte strings with their folding; when it cannot read a message at all the
 * header block is split here instead, so the caller still learns who sent what.
 */

/** One header line as mailparser reports it: lowercase name, the line as a byte string. */
export type HeaderLine = { key: string; line: string };

// RFC 5322 field name: printable ASCII except the colon.
const FIELD_NAME = /^[\x21-\x39\x3b-\x7e]+$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Turns header lines into lowercase name → unfolded raw values, noting what was wrong. */
export function readHeaderLines(
  lines: ReadonlyArray<HeaderLine>,
  problems: string[],
): Map<string, string[]> {
  const headers = new Map<string, string[]>();
  let malformed = 0;
  let latin1 = false;
  for (const { line } of lines) {
    const bytes = Buffer.from(line, 'latin1');
    let text: string;
    try {
      // RFC 6532 allows UTF-8 in header fields; anything else 8-bit is a guess.
      text = utf8.decode(bytes);
    } catch {
      text = bytes.toString('latin1');
      latin1 = true;
    }
    const colon = text.indexOf(':');
    const name = colon > 0 ? text.slice(0, colon).replace(/[ \t]+$/, '') : '';
    if (!FIELD_NAME.test(name)) {
      malformed += 1;
      continue;
    }
    const value = text
      .slice(colon + 1)
      .replace(/\r?\n(?=[ \t])/g, '')
      .trim();
    const key = name.toLowerCase();
    const list = headers.get(key);
    if (list) list.push(value);
    else headers.set(key, [value]);
  }
  if (malformed > 0) {
    problems.push(`${malformed} malformed header line(s) were ignored.`);
  }
  if (latin1) {
    problems.push('Some header fields contain 8-bit bytes that are not UTF-8; read as Latin-1.');
  }
  return headers;
}

/** Where the header block ends and where the body starts, in bytes. */
function headerEnd(raw: Buffer): { end: number; body: number } {
  const match = /\r?\n\r?\n/.exec(raw.toString('latin1'));
  return match
    ? { end: match.index, body: match.index + match[0].length }
    : { end: raw.length, body: raw.length };
}

/** The raw body of a message, everything after the first empty line. */
export function rawBody(raw: Buffer): Buffer {
  return raw.subarray(headerEnd(raw).body);
}

/** Splits the header block off a raw message without any MIME parsing (the fallback path). */
export function splitHeaderBlock(raw: Buffer): HeaderLine[] {
  const block = raw.subarray(0, headerEnd(raw).end).toString('latin1');
  const lines: HeaderLine[] = [];
  for (const physical of block.split(/\r?\n/)) {
    const last = lines[lines.length - 1];
    if (last && /^[ \t]/.test(physical)) {
      last.line += `\r\n${physical}`;
    } else if (physical.length > 0 && !/^From /.test(physical)) {
      const colon = physical.indexOf(':');
      lines.push({
        key: colon > 0 ? physical.slice(0, colon).trim().toLowerCase() : '',
        line: physical,
      });
    }
  }
  return lines;
}

/** The message ids in a header value, without angle brackets. */
export function messageIds(value: string): string[] {
  const bracketed = [...value.matchAll(/<([^<>\s]+)>/g)].map((m) => m[1] ?? '');
  if (bracketed.length > 0) return bracketed.filter((id) => id.length > 0);
  // Some senders omit the brackets; a bare token is still an id.
  return value.split(/[\s,]+/).filter((id) => id.length > 0 && !/[<>()]/.test(id));
}
