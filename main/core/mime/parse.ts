/**
 * Reads incoming mail into ParsedMail with mailparser. Network input is hostile or broken often
 * enough that parsing never throws for a message that has any header field: what could not be
 * read is listed in `problems`. Only input without a single readable header field (empty,
 * garbage) throws CoreError('parse_failed'): there is nothing to file such a message under.
 */
import { parseAddressHeader, simpleParser } from 'mailparser';
import type {
  Attachment,
  EmailAddress,
  HeaderValue,
  ParsedMail as MailparserMail,
  SimpleParserOptions,
  StructuredHeader,
} from 'mailparser';
import { CoreError } from '../errors.ts';
import { splitBodyText } from './body-text.ts';
import { decodeEncodedWords } from './encoded-words.ts';
import { messageIds, rawBody, readHeaderLines, splitHeaderBlock } from './raw-headers.ts';
import type { ChatHeaders, MailAddress, ParsedAttachment, ParsedMail } from './types.ts';

const PARSER_OPTIONS: SimpleParserOptions = {
  // The HTML is kept raw and never rendered here; no link or image rewriting.
  keepCidLinks: true,
  skipImageLinks: true,
  skipTextToHtml: true,
  skipTextLinks: true,
  // html-to-text is slow on huge documents; past this the text stays empty and a problem says why.
  maxHtmlLengthToParse: 4_000_000,
  // A bounce's machine-readable part stays a part instead of being glued onto the text.
  keepDeliveryStatus: true,
  checksumAlgo: false,
};

const ARMOR = /-----BEGIN PGP MESSAGE-----[\s\S]*?-----END PGP MESSAGE-----/;

/**
 * Parses a raw message; throws CoreError('parse_failed') only when it has no header field.
 * `containerFastPath: false` always uses mailparser (tests compare the two).
 */
export async function parseMail(
  raw: Buffer,
  opts: { containerFastPath?: boolean } = {},
): Promise<ParsedMail> {
  const problems: string[] = [];
  const mail =
    (opts.containerFastPath !== false ? plainEncryptedContainer(raw) : undefined) ??
    (await runMailparser(raw, problems));
  const headers = readHeaderLines(mail?.headerLines ?? splitHeaderBlock(raw), problems);
  if (headers.size === 0) {
    throw new CoreError('parse_failed', 'The message is empty or has no readable header field.');
  }
  const contentType = structured(mail?.headers.get('content-type')) ?? {
    value: 'text/plain',
    params: {},
  };
  const special = takeSpecialParts(contentType, mail?.attachments ?? [], problems);
  // Chat-* outside an encrypted container could have been written by anyone on the way.
  const chat: ChatHeaders = special.encrypted ? { headers: {} } : chatHeaders(headers);
  const body = await readBody(raw, mail, contentType, special, problems);
  const sections = splitBodyText(body.text, { isChat: chat.version !== undefined });
  const params = contentType.params;

  return {
    headers,
    ...addressFields(headers, problems),
    ...optional('date', parseDate(first(headers, 'date'), problems)),
    ...optional('messageId', messageIdOf(headers, problems)),
    ...optional('inReplyTo', messageIds(first(headers, 'in-reply-to') ?? '')[0]),
    references: (headers.get('references') ?? []).flatMap(messageIds),
    ...optional('subject', decodedFirst(headers, 'subject')),
    ...sections,
    ...optional('html', body.html),
    attachments: special.parts.map(toAttachment),
    ...optional('encrypted', special.encrypted),
    ...optional('isMdn', special.isMdn),
    ...optional('reaction', special.reaction),
    protectedHeaders: 'hp' in params || params['protected-headers']?.toLowerCase() === 'v1',
    chat,
    autocrypt: headers.get('autocrypt') ?? [],
    gossip: headers.get('autocrypt-gossip') ?? [],
    problems,
    damaged: problems.some((p) => DAMAGE.some((d) => p.startsWith(d))),
  };
}

// Problems that mean the content itself is incomplete or unreadable (a missing Date is not).
const DAMAGE = [
  'The message structure could not be read',
  'The message ends before its last part',
  'The parts of the message could not be found',
];

type SpecialParts = Pick<ParsedMail, 'encrypted' | 'isMdn' | 'reaction'> & { parts: Attachment[] };

/** What parseMail reads of mailparser's answer. */
type MailparserResult = Pick<
  MailparserMail,
  'headerLines' | 'headers' | 'attachments' | 'text' | 'html' | 'textConversionError'
>;

async function runMailparser(
  raw: Buffer,
  problems: string[],
): Promise<MailparserResult | undefined> {
  try {
    return await simpleParser(raw, PARSER_OPTIONS);
  } catch (err) {
    // Limits (header size, part count) and broken streams: the header alone is still worth having.
    const reason = err instanceof Error ? err.message : String(err);
    problems.push(`The message structure could not be read (${reason}); only its header was used.`);
    return undefined;
  }
}

/** Takes the parts that are protocol rather than content out of the attachment list. */
function takeSpecialParts(
  contentType: StructuredHeader,
  all: Attachment[],
  problems: string[],
): SpecialParts {
  const mediaType = contentType.value.toLowerCase();
  const params = contentType.params;
  let parts = all;
  const special: SpecialParts = { parts };

  if (mediaType === 'multipart/encrypted') {
    const found = findEncrypted(params, parts, problems);
    if (found) {
      special.encrypted = { armored: found.armored };
      parts = parts.filter((p) => !found.parts.includes(p));
    }
  }
  if (
    mediaType === 'multipart/report' &&
    params['report-type']?.toLowerCase() === 'disposition-notification'
  ) {
    const report = parts.find((p) => partType(p) === 'message/disposition-notification');
    if (report) {
      special.isMdn = { originalMessageIds: reportedMessageIds(report.content) };
      parts = parts.filter((p) => p !== report && partType(p) !== 'text/rfc822-headers');
    } else {
      problems.push('The read receipt has no disposition-notification part.');
    }
  }
  const reaction = parts.find(
    (p) => p.contentDisposition?.toLowerCase() === 'reaction' && partType(p) === 'text/plain',
  );
  if (reaction) {
    special.reaction = reaction.content.toString('utf8').trim();
    parts = parts.filter((p) => p !== reaction);
  }
  special.parts = parts;
  return special;
}

/** The body as text (from HTML when there is no text) and the raw HTML. */
async function readBody(
  raw: Buffer,
  mail: MailparserResult | undefined,
  contentType: StructuredHeader,
  special: SpecialParts,
  problems: string[],
): Promise<{ text: string; html?: string }> {
  let text = mail?.text ?? '';
  const html = typeof mail?.html === 'string' ? mail.html : undefined;
  if (mail && contentType.value.toLowerCase().startsWith('multipart/')) {
    const boundary = contentType.params['boundary'];
    if (boundary && !raw.includes(`--${boundary}--`)) {
      problems.push('The message ends before its last part; it may have been cut off in transit.');
    }
    const nothingFound = text === '' && html === undefined && special.parts.length === 0;
    if (nothingFound && !special.encrypted && !special.isMdn) {
      // No part could be found (no boundary, or one that never occurs): the raw body is still
      // better than an empty message.
      text = new TextDecoder().decode(rawBody(raw)).trim();
      if (text !== '') {
        problems.push('The parts of the message could not be found; its raw body is shown.');
      }
    }
  }
  if (mail?.textConversionError) {
    problems.push(`The HTML could not be turned into text (${mail.textConversionError.message}).`);
  } else if (text.trim() === '' && html !== undefined) {
    text = await textFromHtml(html, problems);
  }
  return { text, ...optional('html', html) };
}

/**
 * Combines a decrypted payload with the container it came in (PROTOCOL §3 "On receipt"): with
 * header protection only the inner headers count; HP-Outer lines are a record of what was
 * visible, never headers; Chat-* from outside never count.
 */
export function mergeProtected(outer: ParsedMail, inner: ParsedMail): ParsedMail {
  const problems = [...outer.problems, ...inner.problems];
  if (outer.from && inner.from && outer.from.addr.toLowerCase() !== inner.from.addr.toLowerCase()) {
    problems.push('The sender inside the encryption differs from the sender outside.');
  }
  if (inner.protectedHeaders)
    return { ...inner, problems, damaged: outer.damaged || inner.damaged };

  // A payload without header protection (older clients): its own headers win, the outer ones
  // fill the gaps, except those that only count when encrypted.
  const headers = new Map<string, string[]>();
  for (const [key, values] of outer.headers) {
    if (!isChatHeader(key) && !key.startsWith('content-') && key !== 'autocrypt-gossip') {
      headers.set(key, values);
    }
  }
  for (const [key, values] of inner.headers) headers.set(key, values);
  const pick = <T>(a: T | undefined, b: T | undefined): T | undefined => a ?? b;
  return {
    ...inner,
    headers,
    ...optional('from', pick(inner.from, outer.from)),
    to: inner.to.length > 0 ? inner.to : outer.to,
    cc: inner.cc.length > 0 ? inner.cc : outer.cc,
    ...optional('replyTo', pick(inner.replyTo, outer.replyTo)),
    ...optional('date', pick(inner.date, outer.date)),
    ...optional('messageId', pick(inner.messageId, outer.messageId)),
    ...optional('inReplyTo', pick(inner.inReplyTo, outer.inReplyTo)),
    references: inner.references.length > 0 ? inner.references : outer.references,
    ...optional('subject', pick(inner.subject, outer.subject)),
    autocrypt: inner.autocrypt.length > 0 ? inner.autocrypt : outer.autocrypt,
    problems,
    damaged: outer.damaged || inner.damaged,
  };
}

function findEncrypted(
  params: Record<string, string>,
  parts: Attachment[],
  problems: string[],
): { armored: string; parts: Attachment[] } | undefined {
  if (params['protocol']?.toLowerCase() !== 'application/pgp-encrypted') {
    problems.push('The multipart/encrypted message does not name the OpenPGP protocol.');
    return undefined;
  }
  const top = parts.filter((p) => p.partId !== null && !p.partId.includes('.'));
  const control = top.find((p) => partType(p) === 'application/pgp-encrypted');
  const payload = top.find((p) => p !== control && ARMOR.test(p.content.toString('latin1')));
  if (!payload) {
    problems.push('The encrypted message carries no armored OpenPGP message.');
    return undefined;
  }
  if (!control || !/^\s*Version:\s*1\s*$/m.test(control.content.toString('latin1'))) {
    problems.push('The encrypted message lacks the "Version: 1" control part of RFC 3156.');
  }
  const armored = ARMOR.exec(payload.content.toString('latin1'))?.[0] ?? '';
  return { armored, parts: control ? [control, payload] : [payload] };
}

/** Original-Message-ID plus Delta Chat's Additional-Message-IDs, in that order. */
function reportedMessageIds(content: Buffer): string[] {
  const fields = readHeaderLines(splitHeaderBlock(content), []);
  return [
    ...(fields.get('original-message-id') ?? []).flatMap(messageIds),
    ...(fields.get('additional-message-ids') ?? []).flatMap(messageIds),
  ];
}

function chatHeaders(headers: Map<string, string[]>): ChatHeaders {
  const record: Record<string, string> = {};
  for (const [key, values] of headers) {
    const value = values[0];
    if (isChatHeader(key) && value !== undefined) record[key] = decodeEncodedWords(value).trim();
  }
  return {
    ...optional('version', record['chat-version']),
    ...optional('groupId', record['chat-group-id']),
    ...optional('groupName', record['chat-group-name']),
    ...optional('secureJoin', record['secure-join']),
    headers: record,
  };
}

function isChatHeader(key: string): boolean {
  return key.startsWith('chat-') || key.startsWith('secure-join') || key === 'ephemeral-timer';
}

function addressFields(
  headers: Map<string, string[]>,
  problems: string[],
): Pick<ParsedMail, 'from' | 'to' | 'cc' | 'replyTo'> {
  const from = mailboxes(headers.get('from'));
  if (from.length === 0) problems.push('The message names no sender.');
  if (from.length > 1) problems.push('The message names several senders; the first one is used.');
  const replyTo = mailboxes(headers.get('reply-to'))[0];
  return {
    ...optional('from', from[0]),
    to: mailboxes(headers.get('to')),
    cc: mailboxes(headers.get('cc')),
    ...optional('replyTo', replyTo),
  };
}

function mailboxes(values: string[] | undefined): MailAddress[] {
  if (!values) return [];
  // Keep punycode as written: addresses are identities and must compare equal to Autocrypt's.
  const parsed = parseAddressHeader(values, { decodePunycode: false });
  const out: MailAddress[] = [];
  const walk = (list: EmailAddress[]): void => {
    for (const entry of list) {
      if (entry.group) walk(entry.group);
      else if (entry.address && entry.address.includes('@')) {
        out.push(entry.name ? { addr: entry.address, name: entry.name } : { addr: entry.address });
      }
    }
  };
  walk(parsed.value);
  return out;
}

function parseDate(value: string | undefined, problems: string[]): Date | undefined {
  if (value === undefined) {
    problems.push('The message has no Date.');
    return undefined;
  }
  const date = new Date(value.replace(/\s*\([^)]*\)\s*$/, ''));
  if (Number.isNaN(date.getTime())) {
    problems.push('The Date of the message cannot be read.');
    return undefined;
  }
  return date;
}

function messageIdOf(headers: Map<string, string[]>, problems: string[]): string | undefined {
  const id = messageIds(first(headers, 'message-id') ?? '')[0];
  if (id === undefined) problems.push('The message has no Message-ID.');
  return id;
}

function toAttachment(part: Attachment, index: number): ParsedAttachment {
  return {
    filename: part.filename ?? `attachment-${index + 1}`,
    contentType: partType(part) ?? part.contentType,
    size: part.size,
    content: part.content,
    ...optional('contentId', part.cid),
    inline: part.contentDisposition?.toLowerCase() === 'inline' || part.related === true,
  };
}

/**
 * mailparser only converts HTML to text when it is the root part; an HTML-only body inside a
 * multipart gets the same converter by being parsed again as a root of its own.
 */
async function textFromHtml(html: string, problems: string[]): Promise<string> {
  const head =
    'Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n';
  const wrapped = Buffer.concat([
    Buffer.from(head),
    Buffer.from(Buffer.from(html, 'utf8').toString('base64')),
  ]);
  try {
    const converted = await simpleParser(wrapped, PARSER_OPTIONS);
    if (converted.textConversionError) {
      problems.push(
        `The HTML could not be turned into text (${converted.textConversionError.message}).`,
      );
    }
    return converted.text ?? '';
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    problems.push(`The HTML could not be turned into text (${reason}).`);
    return '';
  }
}

/** The declared media type of a part; mailparser guesses one from the name for octet-streams. */
function partType(part: Attachment): string | undefined {
  return structured(part.headers.get('content-type'))?.value.toLowerCase();
}

function structured(value: HeaderValue | undefined): StructuredHeader | undefined {
  if (!value || typeof value !== 'object' || !('value' in value) || !('params' in value)) {
    return undefined;
  }
  if (typeof value.value !== 'string') return undefined;
  const params: Record<string, string> = {};
  for (const [key, param] of Object.entries(value.params ?? {})) {
    if (typeof param === 'string') params[key.toLowerCase()] = param;
  }
  return { value: value.value, params };
}

function first(headers: Map<string, string[]>, key: string): string | undefined {
  return headers.get(key)?.[0];
}

function decodedFirst(headers: Map<string, string[]>, key: string): string | undefined {
  const value = first(headers, key);
  return value === undefined ? undefined : decodeEncodedWords(value);
}

/** Spreads `{ [key]: value }` only when the value exists, so optional fields stay absent. */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

/**
 * What mailparser reports for the plainest RFC 3156 container, the one that carries every chat
 * message (Estafette's and Delta Chat's alike): 7-bit CRLF text, one Content-Type naming only
 * the protocol and the boundary, and exactly a control part and a part with the armored message.
 * mailparser's stream machinery costs about 2 ms per message for it, as much as decrypting. Any
 * other shape returns undefined and goes to mailparser; a unit test checks that both give the
 * same ParsedMail.
 */
function plainEncryptedContainer(raw: Buffer): MailparserResult | undefined {
  if (raw.length > 262_144) return undefined;
  const text = raw.toString('latin1');
  // 7-bit text with CRLF line ends only.
  if (!/^[\t\r\n\x20-\x7e]*$/.test(text) || /\r(?!\n)|(?<!\r)\n/.test(text)) return undefined;
  const headerEnd = text.indexOf('\r\n\r\n');
  if (headerEnd <= 0) return undefined;
  const headerLines = splitHeaderBlock(raw);
  const contentTypes = headerLines.filter((h) => h.key === 'content-type');
  if (contentTypes.length !== 1 || headerLines.some((h) => h.key === '')) return undefined;
  const type = containerType(contentTypes[0]!.line);
  if (!type) return undefined;
  const delimiter = `--${type.boundary}`;
  const body = text.slice(headerEnd + 4);
  // The boundary occurs three times, each at the start of a line: two parts and the close.
  const at: number[] = [];
  for (let i = body.indexOf(delimiter); i >= 0; i = body.indexOf(delimiter, i + 1)) at.push(i);
  if (at.length !== 3) return undefined;
  const [first, second, close] = at as [number, number, number];
  const lineStart = (i: number) => i >= 2 && body.slice(i - 2, i) === '\r\n';
  if ((first !== 0 && !lineStart(first)) || !lineStart(second) || !lineStart(close)) {
    return undefined;
  }
  const after = (i: number) => body.slice(i + delimiter.length, i + delimiter.length + 2);
  if (after(first) !== '\r\n' || after(second) !== '\r\n' || after(close) !== '--') {
    return undefined;
  }
  const rest = body.slice(close + delimiter.length + 2);
  if (rest !== '' && !rest.startsWith('\r\n')) return undefined;
  const control = containerPart(body.slice(first + delimiter.length + 2, second - 2), '1');
  const payload = containerPart(body.slice(second + delimiter.length + 2, close - 2), '2');
  if (!control || !payload) return undefined;
  if (control.type !== 'application/pgp-encrypted' || payload.type !== 'application/octet-stream') {
    return undefined;
  }
  if (!ARMOR.test(payload.attachment.content.toString('latin1'))) return undefined;
  const headers: MailparserMail['headers'] = new Map();
  headers.set('content-type', { value: 'multipart/encrypted', params: type.params });
  return {
    headerLines,
    headers,
    attachments: [control.attachment, payload.attachment],
    text: undefined,
    html: false,
    textConversionError: undefined,
  };
}

const PARAM_VALUE = /^(?:"([\x20\x21\x23-\x5b\x5d-\x7e]*)"|([A-Za-z0-9'()+_,\-./:=?]+))$/;

/** The container's Content-Type: multipart/encrypted with a protocol and a boundary, nothing else. */
function containerType(line: string): { boundary: string; params: Record<string, string> } | null {
  const value = line.slice(line.indexOf(':') + 1).replace(/\r\n[ \t]+/g, ' ');
  const [media, ...rawParams] = value.split(';');
  if (media?.trim().toLowerCase() !== 'multipart/encrypted') return null;
  const params: Record<string, string> = {};
  for (const p of rawParams) {
    if (p.trim() === '') continue;
    const eq = p.indexOf('=');
    const name = p.slice(0, eq).trim().toLowerCase();
    const m = PARAM_VALUE.exec(p.slice(eq + 1).trim());
    if (eq < 0 || !m || (name !== 'protocol' && name !== 'boundary') || name in params) return null;
    params[name] = m[1] ?? m[2] ?? '';
  }
  const boundary = params['boundary'];
  if (params['protocol']?.toLowerCase() !== 'application/pgp-encrypted') return null;
  if (!boundary || !/^[A-Za-z0-9'()+_,\-./:=?]{1,70}$/.test(boundary)) return null;
  return { boundary, params };
}

/** One part of the container: its Content-Type, and at most 7-bit encoding, description, disposition. */
function containerPart(
  part: string,
  partId: string,
): { type: string; attachment: Attachment } | null {
  const end = part.indexOf('\r\n\r\n');
  if (end <= 0) return null;
  let type: string | null = null;
  for (const line of part.slice(0, end).split('\r\n')) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (colon <= 0) return null;
    if (name === 'content-type') {
      // Only the media type counts: these parts are protocol, never shown or stored.
      if (type !== null) return null;
      type = value.split(';')[0]!.trim().toLowerCase();
    } else if (name === 'content-transfer-encoding') {
      if (value.toLowerCase() !== '7bit') return null;
    } else if (name !== 'content-description' && name !== 'content-disposition') {
      return null;
    }
  }
  if (type === null) return null;
  const headers: Attachment['headers'] = new Map();
  headers.set('content-type', { value: type, params: {} });
  const content = Buffer.from(part.slice(end + 4), 'latin1');
  // Only what parseMail reads of a container part (it never becomes an attachment).
  const attachment = { partId, headers, content, size: content.length } as unknown as Attachment;
  return { type, attachment };
}

/** Whether parseMail reads this message without mailparser (for tests). */
export function takesContainerFastPath(raw: Buffer): boolean {
  return plainEncryptedContainer(raw) !== undefined;
}
