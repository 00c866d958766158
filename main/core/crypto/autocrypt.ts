import type { PublicKey } from 'openpgp';
import { fingerprintOf } from './keys.ts';
import { publicKeyFromKeydataCached } from './keydata-cache.ts';

/** Autocrypt's encryption preference; anything but `mutual` means `nopreference`. */
export type PreferEncrypt = 'mutual' | 'nopreference';

/** A syntactically valid `Autocrypt:` header (Autocrypt Level 1). */
export type AutocryptHeader = {
  /** Lowercased address, equal to the From address. */
  addr: string;
  preferEncrypt: PreferEncrypt;
  /** The key as received: base64 without whitespace. */
  keydata: string;
};

/** A syntactically valid `Autocrypt-Gossip:` header about one of the message's recipients. */
export type GossipHeader = {
  /** Lowercased address of the recipient the key belongs to. */
  addr: string;
  keydata: string;
  /** Delta Chat's `_verified=1`: the sender says it verified this key. */
  verified: boolean;
};

/** A header whose key has been read and can be encrypted to today. */
export type WithKey<T> = T & { publicKey: PublicKey; fingerprint: string };

/** Autocrypt Level 1 caps a header, name and folding whitespace included, at 10 KiB. */
const MAX_HEADER_BYTES = 10 * 1024;

type Attribute = { name: string; value: string };

/**
 * Parses an `Autocrypt:` header value strictly (Autocrypt Level 1): `addr` must equal the From
 * address, `keydata` must come last and be base64, unknown attributes without a leading `_` make
 * the header invalid, and so does a size above 10 KiB. Returns null when invalid; never throws.
 * The key itself is read by `readHeaderKey`.
 */
export function parseAutocryptHeader(value: string, fromAddr: string): AutocryptHeader | null {
  try {
    const attributes = splitAttributes(value, 'Autocrypt');
    if (!attributes) return null;
    let preferEncrypt: PreferEncrypt = 'nopreference';
    for (const { name, value: attributeValue } of attributes) {
      if (name === 'prefer-encrypt') {
        // Level 1: any other value counts as nopreference, not as an error.
        preferEncrypt = attributeValue === 'mutual' ? 'mutual' : 'nopreference';
      } else if (!isKnownOrNonCritical(name)) {
        return null;
      }
    }
    const core = readAddrAndKeydata(attributes);
    if (!core || core.addr !== canonicalAddress(fromAddr)) return null;
    return { ...core, preferEncrypt };
  } catch {
    return null;
  }
}

/**
 * The single valid `Autocrypt:` header among a message's headers; several valid ones make all of
 * them invalid (Autocrypt Level 1).
 */
export function selectAutocryptHeader(
  values: readonly string[],
  fromAddr: string,
): AutocryptHeader | null {
  const valid = values
    .map((value) => parseAutocryptHeader(value, fromAddr))
    .filter((header) => header !== null);
  return valid.length === 1 ? (valid[0] ?? null) : null;
}

/**
 * Parses an `Autocrypt-Gossip:` header value. It is valid only when its address is one of the
 * message's recipients (To, Cc, Reply-To); `prefer-encrypt` is ignored and `_verified=1` noted.
 * Returns null when invalid; never throws.
 */
export function parseGossipHeader(
  value: string,
  recipientAddrs: readonly string[],
): GossipHeader | null {
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
    const core = readAddrAndKeydata(attributes);
    if (!core) return null;
    if (!recipientAddrs.some((addr) => canonicalAddress(addr) === core.addr)) return null;
    return { ...core, verified };
  } catch {
    return null;
  }
}

/**
 * Reads the key of a parsed header. Null when it is not an OpenPGP public key one can encrypt to
 * today (revoked, expired, no encryption key): Autocrypt treats such a header as absent.
 */
export async function readHeaderKey<T extends { keydata: string }>(
  header: T,
): Promise<WithKey<T> | null> {
  try {
    // Cached: the same key arrives with every message of a peer (crypto/keydata-cache.ts).
    const publicKey = await publicKeyFromKeydataCached(header.keydata);
    return { ...header, publicKey, fingerprint: fingerprintOf(publicKey) };
  } catch {
    return null;
  }
}

/**
 * Formats an `Autocrypt:` header value. We send `prefer-encrypt=mutual`, as Delta Chat always
 * does. Spaces split the key data so a header writer can fold it; readers drop them.
 */
export function formatAutocryptHeader(header: {
  addr: string;
  keydata: string;
  preferEncrypt?: PreferEncrypt;
}): string {
  const prefer = (header.preferEncrypt ?? 'mutual') === 'mutual' ? 'prefer-encrypt=mutual; ' : '';
  return `addr=${header.addr}; ${prefer}keydata=${foldableKeydata(header.keydata)}`;
}

/** Formats an `Autocrypt-Gossip:` header value: never `prefer-encrypt`, optionally `_verified=1`. */
export function formatGossipHeader(header: {
  addr: string;
  keydata: string;
  verified?: boolean;
}): string {
  const verified = header.verified ? '_verified=1; ' : '';
  return `addr=${header.addr}; ${verified}keydata=${foldableKeydata(header.keydata)}`;
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

function readAddrAndKeydata(attributes: Attribute[]): { addr: string; keydata: string } | null {
  const addr = attributes.find((attribute) => attribute.name === 'addr')?.value;
  const rawKeydata = attributes.find((attribute) => attribute.name === 'keydata')?.value;
  if (!addr || !rawKeydata) return null;
  // One bare address: no display name, brackets, spaces or lists.
  if (!/^[^\s<>,;@]+@[^\s<>,;@]+$/.test(addr)) return null;
  const keydata = rawKeydata.replace(/\s+/g, '');
  if (keydata.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(keydata)) return null;
  return { addr: canonicalAddress(addr), keydata };
}

function foldableKeydata(keydata: string): string {
  const compact = keydata.replace(/\s+/g, '');
  return (compact.match(/.{1,76}/g) ?? []).join(' ');
}
