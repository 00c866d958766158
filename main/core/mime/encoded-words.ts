/**
 * RFC 2047 encoded-word decoding for header values that mailparser leaves alone (Chat-Group-Name
 * and friends) and for the fallback path when mailparser cannot read a message at all.
 */

const WORD = /=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=/y;

/** Decodes the encoded words in a header value; anything undecodable is kept as written. */
export function decodeEncodedWords(value: string): string {
  if (!value.includes('=?')) return value;
  let out = '';
  let pos = 0;
  // Adjacent words are joined as bytes before charset decoding: senders split multibyte
  // characters across words, and the whitespace between words is not part of the text (§6.2).
  let pending: { charset: string; bytes: Buffer[]; raw: string } | undefined;
  let gap = '';
  const flush = (): void => {
    if (!pending) return;
    out += decodeBytes(pending.charset, Buffer.concat(pending.bytes)) ?? pending.raw;
    pending = undefined;
  };
  while (pos < value.length) {
    WORD.lastIndex = pos;
    const m = WORD.exec(value);
    if (m) {
      const [raw, rawCharset = '', encoding = '', text = ''] = m;
      // RFC 2231 allows a language after the charset: utf-8*en.
      const charset = rawCharset.split('*')[0]?.toLowerCase() ?? '';
      const bytes = encoding.toUpperCase() === 'B' ? fromBase64(text) : fromQ(text);
      if (pending && pending.charset === charset) {
        pending.bytes.push(bytes);
        pending.raw += gap + raw;
      } else {
        // A gap is only ever collected after a word, and between two words it is dropped.
        flush();
        pending = { charset, bytes: [bytes], raw };
      }
      gap = '';
      pos += raw.length;
      continue;
    }
    const ch = value.charAt(pos);
    if (pending && (ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n')) {
      gap += ch;
    } else {
      flush();
      out += gap + ch;
      gap = '';
    }
    pos += 1;
  }
  flush();
  return out + gap;
}

function decodeBytes(charset: string, bytes: Buffer): string | undefined {
  try {
    return new TextDecoder(charset).decode(bytes);
  } catch {
    // Unknown charset: keep the encoded form rather than guess.
    return undefined;
  }
}

function fromBase64(text: string): Buffer {
  return Buffer.from(text, 'base64');
}

function fromQ(text: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const ch = text.charAt(i);
    const hex = text.slice(i + 1, i + 3);
    if (ch === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else if (ch === '_') {
      bytes.push(0x20);
    } else {
      bytes.push(text.charCodeAt(i) & 0xff);
    }
  }
  return Buffer.from(bytes);
}
