/**
 * Builds outgoing MIME with nodemailer's composer: the chat message (the payload that gets
 * encrypted, or a cleartext mail), the RFC 3156 container around an armored message, and read
 * receipts. Everything follows what Delta Chat 2.57 sends (see test/fixtures/deltachat-2.57).
 */
import { randomBytes, randomInt, randomUUID } from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer';
import MimeNode from 'nodemailer/lib/mime-node';
import type { MimeNodeAddress } from 'nodemailer/lib/mime-node';
import { CoreError } from '../errors.ts';
import type { ComposeOptions, MailAddress, OutgoingMdn, OutgoingMessage } from './types.ts';

/** The only Subject an encrypted message shows outside (RFC 9788 / Delta Chat). */
const HIDDEN_SUBJECT = '[...]';
// A string: nodemailer's address encoder only understands groups it parsed itself.
const HIDDEN_RECIPIENTS = '"hidden-recipients": ;';
const OUTER_DATE_SPREAD_SECONDS = 6 * 24 * 60 * 60;
const MDN_SUBJECT = 'Receipt Notification';
const MDN_TEXT =
  'This is a read receipt.\r\n\r\n' +
  "It means the message was shown on the recipient's device,\r\n" +
  'not necessarily that it was read.\r\n';

// Headers the composer owns; a chat header must not replace them.
const RESERVED_HEADERS = new Set([
  'from',
  'sender',
  'to',
  'cc',
  'bcc',
  'reply-to',
  'subject',
  'date',
  'message-id',
  'in-reply-to',
  'references',
  'mime-version',
  'autocrypt',
  'autocrypt-gossip',
  'hp-outer',
  'chat-version',
]);

// Values whose long base64 runs may be folded anywhere: their readers drop all whitespace
// (Autocrypt keydata per Autocrypt Level 1, avatars in Delta Chat).
const BASE64_FOLDED_HEADERS = new Set([
  'autocrypt',
  'autocrypt-gossip',
  'chat-user-avatar',
  'chat-group-avatar',
]);

/** A fresh random Message-ID (without angle brackets) that names neither domain nor group. */
export function newMessageId(): string {
  return `${randomUUID()}@localhost`;
}

/** A Date for the outer headers: `now` moved back by up to six days, as Delta Chat does. */
export function randomizedOuterDate(now: Date = new Date()): Date {
  const seconds = Math.floor(now.getTime() / 1000) - randomInt(0, OUTER_DATE_SPREAD_SECONDS + 1);
  return new Date(seconds * 1000);
}

/** The complete chat message: the payload to encrypt, or a readable cleartext mail. */
export async function composeInner(m: OutgoingMessage, opts: ComposeOptions): Promise<Buffer> {
  const attachments = m.attachments ?? [];
  const composer = new MailComposer({
    from: toComposerAddress(m.from),
    // An empty recipient list still needs a To (RFC 5322 allows the empty group).
    to: m.to.length > 0 ? m.to.map(toComposerAddress) : HIDDEN_RECIPIENTS,
    subject: m.subject,
    date: m.date,
    messageId: bareId(m.messageId),
    inReplyTo: m.inReplyTo ? bareId(m.inReplyTo) : undefined,
    references: m.references && m.references.length > 0 ? m.references.map(bareId) : undefined,
    // Given as an alternative rather than `text` so that an empty text still yields a text part:
    // with attachments the root is then always multipart/mixed.
    alternatives: [{ contentType: 'text/plain; charset=utf-8', content: m.text }],
    attachments: attachments.map((a) => ({
      filename: a.filename,
      contentType: a.contentType,
      content: a.content,
      contentDisposition: 'attachment',
    })),
    ...composerDefaults(),
  });
  const root = composer.compile();
  addCommonHeaders(root, m.chatHeaders, m.autocrypt, m.gossip);
  if (opts.protectedHeaders) protectRoot(root, m.from.addr, m.messageId, opts.outerDate ?? m.date);
  return respellHeaderNames(await root.build());
}

/** The RFC 3156 container that carries an armored OpenPGP message, with nothing else outside. */
export async function composeEncryptedOuter(params: {
  from: string;
  messageId: string;
  date: Date;
  armored: string;
}): Promise<Buffer> {
  return writeEncryptedOuter(params) ?? buildEncryptedOuter(params);
}

// What the written container takes as it is: plain ASCII that no header encoder would change.
const PLAIN_ADDRESS = /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]{1,64}@[A-Za-z0-9.-]{1,190}$/;
const PLAIN_ARMOR =
  /^-----BEGIN PGP MESSAGE-----\r?\n[A-Za-z0-9+/=:\r\n -]*-----END PGP MESSAGE-----\r?\n?$/;

/**
 * The container written directly, byte for byte what buildEncryptedOuter (nodemailer) writes
 * for the same boundary: the common case (a plain address and Message-ID, an armored block)
 * without a MIME builder. Null for anything else, which nodemailer then builds.
 */
export function writeEncryptedOuter(
  params: { from: string; messageId: string; date: Date; armored: string },
  baseBoundary: string = randomBytes(8).toString('hex'),
): Buffer | null {
  const id = bareId(params.messageId);
  if (
    !PLAIN_ADDRESS.test(params.from) ||
    !PLAIN_ADDRESS.test(id) ||
    !PLAIN_ARMOR.test(params.armored) ||
    Number.isNaN(params.date.getTime()) ||
    !/^[0-9a-f]{16}$/.test(baseBoundary)
  ) {
    return null;
  }
  const boundary = `--_NmP-${baseBoundary}-Part_1`;
  const armored = params.armored.replace(/\r?\n/g, '\r\n');
  return Buffer.from(
    `From: ${params.from}\r\n` +
      // HIDDEN_RECIPIENTS as nodemailer's address encoder writes it.
      'To: "hidden-recipients":;\r\n' +
      `Subject: ${HIDDEN_SUBJECT}\r\n` +
      `Date: ${params.date.toUTCString().replace(/GMT/, '+0000')}\r\n` +
      `Message-ID: <${id}>\r\n` +
      'MIME-Version: 1.0\r\n' +
      'Content-Type: multipart/encrypted; protocol="application/pgp-encrypted";\r\n' +
      ` boundary="${boundary}"\r\n` +
      '\r\n' +
      `--${boundary}\r\n` +
      'Content-Type: application/pgp-encrypted\r\n' +
      'Content-Transfer-Encoding: 7bit\r\n' +
      '\r\n' +
      'Version: 1\r\n' +
      '\r\n' +
      `--${boundary}\r\n` +
      'Content-Type: application/octet-stream; name=encrypted.asc\r\n' +
      'Content-Disposition: inline; filename=encrypted.asc\r\n' +
      'Content-Transfer-Encoding: 7bit\r\n' +
      '\r\n' +
      (armored.endsWith('\r\n') ? armored : `${armored}\r\n`) +
      '\r\n' +
      `--${boundary}--\r\n`,
    'latin1',
  );
}

/** The container built by nodemailer's MIME builder (see writeEncryptedOuter). */
export async function buildEncryptedOuter(
  params: {
    from: string;
    messageId: string;
    date: Date;
    armored: string;
  },
  baseBoundary?: string,
): Promise<Buffer> {
  if (!/^\S+@\S+$/.test(params.from) || /[<>"]/.test(params.from)) {
    throw new CoreError(
      'invalid_input',
      'The sender of an encrypted message must be a bare address.',
    );
  }
  if (!params.armored.includes('-----BEGIN PGP MESSAGE-----')) {
    throw new CoreError(
      'invalid_input',
      'The encrypted payload is not an armored OpenPGP message.',
    );
  }
  const root = new MimeNode('multipart/encrypted; protocol="application/pgp-encrypted"', {
    ...composerDefaults(),
    ...(baseBoundary ? { baseBoundary } : {}),
  });
  for (const [key, value] of outerHeaders(params.from, params.messageId, params.date)) {
    root.setHeader(key, value);
  }
  const version = root.createChild('application/pgp-encrypted');
  // A non-text part would otherwise be base64'd; RFC 3156 readers expect the line as it is.
  version.setHeader('Content-Transfer-Encoding', '7bit');
  version.setContent('Version: 1\r\n');
  const payload = root.createChild('application/octet-stream', { filename: 'encrypted.asc' });
  payload.setHeader('Content-Disposition', 'inline');
  payload.setHeader('Content-Transfer-Encoding', '7bit');
  payload.setContent(params.armored.endsWith('\n') ? params.armored : `${params.armored}\r\n`);
  return root.build();
}

/** A read receipt (RFC 8098, Delta Chat style); encrypt it like any chat message. */
export async function composeMdn(m: OutgoingMdn, opts: ComposeOptions): Promise<Buffer> {
  const [original, ...additional] = m.originalMessageIds.map(bareId);
  if (!original) {
    throw new CoreError('invalid_input', 'A read receipt needs the message it reports on.');
  }
  // MailComposer only knows mixed/alternative/related trees, so the report is built from nodes.
  const root = new MimeNode('multipart/report; report-type=disposition-notification', {
    ...composerDefaults(),
  });
  root.setHeader('From', toComposerAddress(m.from));
  root.setHeader('To', toComposerAddress(m.to));
  root.setHeader('Subject', MDN_SUBJECT);
  root.setHeader('Date', m.date);
  root.setHeader('Message-ID', bareId(m.messageId));
  root.setHeader('Auto-Submitted', 'auto-replied');
  addCommonHeaders(root, undefined, m.autocrypt, undefined);

  root.createChild('text/plain; charset=utf-8').setContent(MDN_TEXT);
  const fields = [
    `Original-Recipient: rfc822;${m.from.addr}`,
    `Final-Recipient: rfc822;${m.from.addr}`,
    `Original-Message-ID: <${original}>`,
    'Disposition: manual-action/MDN-sent-automatically; displayed',
  ];
  if (additional.length > 0) {
    fields.push(`Additional-Message-IDs: ${additional.map((id) => `<${id}>`).join(' ')}`);
  }
  root.createChild('message/disposition-notification').setContent(`${fields.join('\r\n')}\r\n`);

  if (opts.protectedHeaders) protectRoot(root, m.from.addr, m.messageId, opts.outerDate ?? m.date);
  return respellHeaderNames(await root.build());
}

function composerDefaults(): {
  newline: string;
  disableFileAccess: boolean;
  disableUrlAccess: boolean;
} {
  return {
    // SMTP wants CRLF everywhere, including inside 7bit text the caller wrote with \n.
    newline: 'windows',
    // Content is always given as bytes; a string must never be read as a path or URL.
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}

function addCommonHeaders(
  root: MimeNode,
  chatHeaders: Record<string, string> | undefined,
  autocrypt: string | undefined,
  gossip: string[] | undefined,
): void {
  root.setHeader('Chat-Version', '1.0');
  for (const [name, value] of Object.entries(chatHeaders ?? {})) {
    if (!/^[A-Za-z][A-Za-z0-9-]*$/.test(name) || RESERVED_HEADERS.has(name.toLowerCase())) {
      throw new CoreError('invalid_input', `"${name}" cannot be sent as a chat header.`);
    }
    root.addHeader(name, headerValue(name, value));
  }
  if (autocrypt) root.setHeader('Autocrypt', headerValue('Autocrypt', autocrypt));
  for (const value of gossip ?? []) {
    root.addHeader('Autocrypt-Gossip', headerValue('Autocrypt-Gossip', value));
  }
}

/** Marks the root as header-protected and records what the outer message will show. */
function protectRoot(root: MimeNode, fromAddr: string, messageId: string, outerDate: Date): void {
  const contentType = String(root.getHeader('Content-Type') ?? 'text/plain');
  root.setHeader('Content-Type', `${contentType}; protected-headers="v1"; hp="cipher"`);
  for (const [key, value] of outerHeaders(fromAddr, messageId, outerDate)) {
    // Prepared: the copy must match the outer field byte for byte, and nodemailer would turn
    // the quotes of "hidden-recipients" into an encoded word.
    const copy = `${key}: ${MimeNode.encodeHeaderValue(key, value)}`;
    root.addHeader('HP-Outer', { prepared: true, value: copy });
  }
}

/**
 * nodemailer spells header names its own way ("Hp-Outer") and applies its key hook only to
 * headers it encodes itself, so the root header block is respelled after building.
 */
function respellHeaderNames(message: Buffer): Buffer {
  const end = message.indexOf('\r\n\r\n');
  if (end < 0) return message;
  // latin1 maps bytes 1:1, so the rest of the header block round-trips unchanged.
  const head = message
    .subarray(0, end)
    .toString('latin1')
    .replace(/^Hp-Outer:/gm, 'HP-Outer:');
  return Buffer.concat([Buffer.from(head, 'latin1'), message.subarray(end)]);
}

/** The outer header fields of an encrypted message, shared by the container and HP-Outer. */
function outerHeaders(fromAddr: string, messageId: string, date: Date): [string, string | Date][] {
  return [
    ['From', fromAddr],
    ['To', HIDDEN_RECIPIENTS],
    ['Subject', HIDDEN_SUBJECT],
    ['Date', date],
    ['Message-ID', bareId(messageId)],
  ];
}

/**
 * nodemailer folds only at whitespace, so a key of several KiB would become one over-long line
 * (RFC 5322 caps lines at 998). Base64 runs of the headers whose readers ignore whitespace are
 * cut into 76-character pieces and handed over pre-folded.
 */
function headerValue(name: string, value: string): string | { prepared: true; value: string } {
  const flat = value.replace(/\s+/g, ' ').trim();
  if (!BASE64_FOLDED_HEADERS.has(name.toLowerCase()) || !/^[\x20-\x7e]*$/.test(flat)) return flat;
  const folded = flat.replace(/[A-Za-z0-9+/=]{77,}/g, (run) =>
    (run.match(/.{1,76}/g) ?? [run]).join('\r\n '),
  );
  // The first physical line also carries "Name: ", so fold before the long run starts there.
  return { prepared: true, value: folded.replace(/ ?(keydata=|base64:)/, '\r\n $1') };
}

function toComposerAddress(a: MailAddress): MimeNodeAddress {
  return a.name ? { name: a.name, address: a.addr } : { address: a.addr };
}

function bareId(id: string): string {
  return id.trim().replace(/^<|>$/g, '');
}
