/**
 * SecureJoin invite codes as Delta Chat writes and reads them (PROTOCOL §5, chatmail/core
 * src/qr.rs): `https://i.delta.chat/#FPR&v=3&i=…&s=…&a=…&n=…[&x=…&g=…]` and the legacy
 * `OPENPGP4FPR:FPR#a=…&n=…&i=…&s=…`, also as an `openpgp4fpr:` deep link.
 */
import { randomBytes } from 'node:crypto';
import QRCode from 'qrcode';
import { CoreError } from '../errors.ts';

/** What an invite says: whose key, how to reach them, the secrets, and the group if any. */
export interface InviteCode {
  /** Uppercase hex fingerprint of the inviter's key. */
  fingerprint: string;
  /** The inviter's address, lowercase. */
  addr: string;
  /** The inviter's name as the invite carries it ('' when absent). */
  name: string;
  /** Asks for the inviter's key in the classic flow; '' for v3 invites without one. */
  invitenumber: string;
  /** The AUTH secret: proves the joiner saw this invite. */
  auth: string;
  /** SecureJoin v3: the first two steps are encrypted with a secret derived from AUTH. */
  v3: boolean;
  group: { id: string; name: string } | null;
}

const LINK_PREFIXES = ['https://i.delta.chat/#', 'https://i.delta.chat#'];
const OPENPGP4FPR = 'openpgp4fpr:';
const URL_SAFE_ID = /^[A-Za-z0-9_-]{11,32}$/;
const FINGERPRINT = /^[0-9A-F]{40}$/;
/** Delta Chat shortens names in invites so the QR code stays small. */
const CONTACT_NAME_CHARS = 25;
const GROUP_INVITER_NAME_CHARS = 16;
const GROUP_NAME_CHARS = 25;

/** A random token as Delta Chat makes them: 18 random bytes, URL-safe base64 (24 characters). */
export function newToken(): string {
  return randomBytes(18).toString('base64url');
}

/**
 * Reads an invite in any form Delta Chat understands; throws CoreError('invalid_input') with a
 * sentence saying what is wrong.
 */
export function parseInvite(text: string): InviteCode {
  const trimmed = text.trim();
  let rest: string | null = null;
  for (const prefix of LINK_PREFIXES) {
    if (trimmed.startsWith(prefix)) {
      // i.delta.chat links use '&' where OPENPGP4FPR uses '#' after the fingerprint.
      rest = trimmed.slice(prefix.length).replace('&', '#');
      break;
    }
  }
  if (rest === null && trimmed.toLowerCase().startsWith(OPENPGP4FPR)) {
    rest = trimmed.slice(OPENPGP4FPR.length).replace(/^\/\//, '');
  }
  if (rest === null) {
    throw new CoreError(
      'invalid_input',
      'This is not an invite: invites start with https://i.delta.chat/# or OPENPGP4FPR:.',
    );
  }
  // macOS and iOS sometimes percent-encode the '#'.
  const hash = rest.includes('#') ? rest.indexOf('#') : rest.indexOf('%23');
  const rawFingerprint = hash < 0 ? rest : rest.slice(0, hash);
  const fragment = hash < 0 ? '' : rest.slice(hash + (rest[hash] === '#' ? 1 : 3));
  const fingerprint = rawFingerprint.replace(/[\s:]/g, '').toUpperCase();
  if (!FINGERPRINT.test(fingerprint)) {
    throw new CoreError('invalid_input', 'The key fingerprint in this invite is not valid.');
  }
  const params = new Map<string, string>();
  for (const pair of fragment.split('&')) {
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const key = pair.slice(0, eq);
    if (!params.has(key)) params.set(key, pair.slice(eq + 1));
  }
  const addrParam = params.get('a');
  const addr = addrParam === undefined ? '' : decodeComponent(addrParam, 'address').trim();
  if (!/^[^\s@<>",;]+@[^\s@<>",;]+$/.test(addr)) {
    throw new CoreError('invalid_input', 'This invite does not say whose address it is for.');
  }
  const id = (key: string) => {
    const value = params.get(key);
    return value !== undefined && URL_SAFE_ID.test(value) ? value : null;
  };
  const auth = id('s');
  let invitenumber = id('i') ?? id('j');
  let v3 = params.get('v') === '3';
  if (auth !== null && invitenumber === null) {
    // v3 needs no invitenumber; Delta Chat accepts v3 codes without one.
    v3 = true;
    invitenumber = '';
  }
  if (auth === null || invitenumber === null) {
    throw new CoreError(
      'invalid_input',
      'This invite lacks its secret, so it cannot verify anyone. Ask for a new invite.',
    );
  }
  if (params.has('b')) {
    throw new CoreError(
      'invalid_input',
      'This invite is for a broadcast channel, which Estafette does not support yet.',
    );
  }
  const groupId = id('x');
  const groupName = params.get('g');
  const group =
    groupId !== null && groupName !== undefined
      ? { id: groupId, name: decodeName(groupName) }
      : null;
  return {
    fingerprint,
    addr: addr.toLowerCase(),
    name: params.has('n') ? decodeName(params.get('n') ?? '') : '',
    invitenumber,
    auth,
    v3,
    group,
  };
}

/** The `https://i.delta.chat/#…` link of an invite, exactly as Delta Chat 2.57 writes it. */
export function formatInviteLink(code: InviteCode): string {
  const parts = [`https://i.delta.chat/#${code.fingerprint}`, 'v=3'];
  if (code.group) parts.push(`x=${code.group.id}`);
  parts.push(`i=${code.invitenumber}`, `s=${code.auth}`, `a=${encodeComponent(code.addr)}`);
  if (code.group) {
    parts.push(`n=${encodeName(code.name, GROUP_INVITER_NAME_CHARS)}`);
    parts.push(`g=${encodeName(code.group.name, GROUP_NAME_CHARS)}`);
  } else {
    parts.push(`n=${encodeName(code.name, CONTACT_NAME_CHARS)}`);
  }
  return parts.join('&');
}

/** The legacy `OPENPGP4FPR:` form of the same invite (read by every Delta Chat version). */
export function formatOpenpgp4fpr(code: InviteCode): string {
  const parts = [`a=${encodeComponent(code.addr)}`];
  if (code.group) {
    parts.push(`n=${encodeName(code.name, GROUP_INVITER_NAME_CHARS)}`);
    parts.push(`g=${encodeName(code.group.name, GROUP_NAME_CHARS)}`, `x=${code.group.id}`);
  } else {
    parts.push(`n=${encodeName(code.name, CONTACT_NAME_CHARS)}`);
  }
  parts.push(`i=${code.invitenumber}`, `s=${code.auth}`, 'v=3');
  return `OPENPGP4FPR:${code.fingerprint}#${parts.join('&')}`;
}

/** The invite as a QR code in SVG, made locally (the link never leaves the machine). */
export async function inviteQrSvg(link: string): Promise<string> {
  return QRCode.toString(link, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
}

/** Percent-encodes all but letters, digits, '.' and '_', as Delta Chat does. */
function encodeComponent(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9._]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** A name shortened like Delta Chat's (a trailing '_' marks the cut), spaces as '+'. */
function encodeName(name: string, maxChars: number): string {
  const chars = [...name];
  const short = chars.length > maxChars ? `${chars.slice(0, maxChars - 1).join('')}_` : name;
  return encodeComponent(short).replace(/%20/g, '+');
}

function decodeName(value: string): string {
  const name = decodeComponent(value.replace(/\+/g, '%20'), 'name');
  return name.endsWith('_') ? `${name.slice(0, -1)}…` : name;
}

function decodeComponent(value: string, what: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw new CoreError('invalid_input', `The ${what} in this invite is not readable.`);
  }
}
