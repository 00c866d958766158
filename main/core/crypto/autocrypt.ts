import { fingerprintOf, publicKeyFromKeydata } from './keys.ts';
import { deltaChatProfile } from './profile.ts';

/** Autocrypt's encryption preference; anything but `mutual` means `nopreference`. */
export type PreferEncrypt = 'mutual' | 'nopreference';

/** A valid `Autocrypt:` header whose key has been read and checked. */
export type AutocryptHeader = {
  /** Lowercased address, equal to the From address. */
  addr: string;
  preferEncrypt: PreferEncrypt;
  /** The key as received: base64 without whitespace. */
  keydata: string;
  fingerprint: string;
};

/** A valid `Autocrypt-Gossip:` header about one of the message's recipients. */
export type AutocryptGossipHeader = {
  addr: string;
  keydata: string;
  fingerprint: string;
  /** Delta Chat's `_verified=1`: the sender says it verified this key. */
  verified: boolean;
};

/** Autocrypt Level 1 caps a header, name and folding whitespace included, at 10 KiB. */
const MAX_HEADER_BYTES = 10 * 1024;

type Attribute = { name: string; value: string };

/**
 * Parses an `Autocrypt:` header value strictly (Autocrypt Level 1). Returns null when the header
 * is invalid, including when `addr` differs from the From address; never throws.
 */
export async function parseAutocryptHeader(
  value: string,
  fromAddr: string,
): Promise<AutocryptHeader | null> {
  try {
    const attributes = splitAttributes(value, 'Autocrypt');
    if (!attributes) return null;
    let preferEncrypt: PreferEncrypt = 'nopreference';
    for (const { name, value: attributeValue } of attributes) {
      if (name === 'prefer-encrypt') {
        preferEncrypt = attributeValue === 'mutual' ? 'mutual' : 'nopreference';
      } else if (!isKnownOrNonCritical(name)) {
        return null;
      }
    }
    const core = await readCore(attributes);
    if (!core || core.addr !== canonicalAddress(fromAddr)) return null;
    return { ...core, preferEncrypt };
  } catch {
    return null;
  }
}

/**
 * Picks the one valid `Autocrypt:` header of a message; several valid ones make all of them
 * invalid (Autocrypt Level 1).
 */
export async function selectAutocryptHeader(
  values: readonly string[],
  fromAddr: string,
): Promise<AutocryptHeader | null> {
  const parsed = await Promise.all(values.map((value) => parseAutocryptHeader(value, fromAddr)));
  const valid = parsed.filter((header) => header !== null);
  return valid.length === 1 ? (valid[0] ?? null) : null;
}

/**
 * Parses an `Autocrypt-Gossip:` header value. It is valid only when its address is one of the
 * message's recipients (To, Cc, Reply-To); `prefer-encrypt` is ignored. Returns null when
 * invalid; never throws.
 */
export async function parseAutocryptGossip(
  value: string,
  recipientAddrs: readonly string[],
): Promise<AutocryptGossipHeader | null> {
  try {
    const attributes = splitAttributes(value, 'Autocrypt-Gossip');
    if (!attributes) return null;
    let verified = false;
    for (const { name, value: attributeValue } of attributes) {
      if (name === '_verified') {
        verified = attributeValue === '1';
      } else if (name !== 'prefer-encrypt' && !isKnownOrNonCritical(name)) {
        return null;
      }
    }
    const core = await readCore(attributes);
    if (!core) return null;
    if (!recipientAddrs.some((addr) => canonicalAddress(addr) === core.addr)) return null;
    return { ...core, verified };
  } catch {
    return null;
  }
}

/**
 * Formats our `Autocrypt:` header value. We always send `prefer-encrypt=mutual`, as Delta Chat
 * does. Spaces split the key data so a header writer can fold it; readers drop them.
 */
export function formatAutocryptHeader(addr: string, keydata: string): string {
  return `addr=${addr}; prefer-encrypt=mutual; keydata=${foldableKeydata(keydata)}`;
}

/** Formats an `Autocrypt-Gossip:` header value: no `prefer-encrypt`, optionally `_verified=1`. */
export function formatAutocryptGossip(
  addr: string,
  keydata: string,
  options: { verified?: boolean } = {},
): string {
  const verified = options.verified ? '_verified=1; ' : '';
  return `addr=${addr}; ${verified}keydata=${foldableKeydata(keydata)}`;
}

/** Autocrypt's canonical form of an address: trimmed and lowercased. */
export function canonicalAddress(addr: string): string {
  return addr.trim().toLowerCase();
}

/** Splits `name=value; …` into attributes, or null if the syntax or size is wrong. */
function splitAttributes(raw: string, headerName: string): Attribute[] | null {
  if (Buffer.byteLength(`${headerName}: ${raw}`, 'utf8') > MAX_HEADER_BYTES) return null;
  const unfolded = raw.replace(/\r?\n/g, '');
  const attributes: Attribute[] = [];
  const seen = new Set<string>();
  for (const part of unfolded.split(';')) {
    if (part.trim() === '') continue;
    const equals = part.indexOf('=');
    if (equals <= 0) return null;
    const name = part.slice(0, equals).trim();
    if (name === '' || seen.has(name)) return null;
    seen.add(name);
    attributes.push({ name, value: part.slice(equals + 1).trim() });
  }
  // "For ease of parsing, the keydata attribute MUST be the last attribute in this header."
  if (attributes.at(-1)?.name !== 'keydata') return null;
  return attributes;
}

function isKnownOrNonCritical(name: string): boolean {
  return name === 'addr' || name === 'keydata' || name.startsWith('_');
}

/** Reads `addr` and `keydata`; the key must parse and have a usable encryption key today. */
async function readCore(
  attributes: Attribute[],
): Promise<{ addr: string; keydata: string; fingerprint: string } | null> {
  const addr = attributes.find((attribute) => attribute.name === 'addr')?.value;
  const rawKeydata = attributes.find((attribute) => attribute.name === 'keydata')?.value;
  if (!addr || !rawKeydata || !addr.includes('@') || /\s/.test(addr)) return null;
  const keydata = rawKeydata.replace(/\s+/g, '');
  const key = await publicKeyFromKeydata(keydata);
  // Throws when the key is revoked, expired or has no encryption key: such a header is useless.
  await key.getEncryptionKey(undefined, new Date(), undefined, deltaChatProfile);
  return { addr: canonicalAddress(addr), keydata, fingerprint: fingerprintOf(key) };
}

function foldableKeydata(keydata: string): string {
  const compact = keydata.replace(/\s+/g, '');
  return (compact.match(/.{1,76}/g) ?? []).join(' ');
}
