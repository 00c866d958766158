/**
 * vCards with an OpenPGP key, as Delta Chat writes and reads them
 * (deltachat-contact-tools/src/vcard.rs): `KEY:data:application/pgp-keys;base64\,…`,
 * `PHOTO:data:image/jpeg;base64\,…`, RFC 6350 escaping and line unfolding.
 */

/** One contact of a vCard. */
export interface VcardContact {
  addr: string;
  /** The name the contact gave itself ('' when none). */
  name: string;
  /** Base64 of the OpenPGP public key (Autocrypt keydata). */
  key: string | null;
  /** Base64 of a JPEG. */
  photo: string | null;
  note: string | null;
  /** When the card was made (ms since epoch). */
  timestamp: number | null;
}

function escape(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/,/g, '\\,').replace(/;/g, '\\;').replace(/\n/g, '\\n');
}

function unescape(s: string): string {
  return s.replace(/\\([\\,;nN])/g, (_, c: string) => (c === 'n' || c === 'N' ? '\n' : c));
}

function formatRev(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace('.000', '');
}

/** vCard 4.0 text of these contacts, byte for byte as Delta Chat's make_vcard. */
export function formatVcard(contacts: readonly VcardContact[]): string {
  let out = '';
  for (const c of contacts) {
    out += `BEGIN:VCARD\r\nVERSION:4.0\r\nEMAIL:${escape(c.addr)}\r\nFN:${escape(c.name || c.addr)}\r\n`;
    if (c.key) out += `KEY:data:application/pgp-keys;base64\\,${c.key}\r\n`;
    if (c.photo) out += `PHOTO:data:image/jpeg;base64\\,${c.photo}\r\n`;
    if (c.note) out += `NOTE:${escape(c.note)}\r\n`;
    if (c.timestamp !== null) out += `REV:${formatRev(c.timestamp)}\r\n`;
    out += 'END:VCARD\r\n';
  }
  return out;
}

/** The contacts of a vCard file; cards without an address are skipped. */
export function parseVcard(text: string): VcardContact[] {
  const lines = text.replace(/\r?\n[\t ]/g, '').split(/\r?\n/);
  const contacts: VcardContact[] = [];
  let card: Partial<Record<'addr' | 'name' | 'key' | 'photo' | 'note' | 'rev', string>> | null =
    null;
  for (const rawLine of lines) {
    const line = rawLine.replace(/^item1\./i, '');
    if (/^BEGIN:VCARD$/i.test(line)) {
      card = {};
      continue;
    }
    if (!card) continue;
    if (/^END:VCARD$/i.test(line)) {
      const addr = (card.addr ?? '').trim();
      if (/^[^\s@<>",;]+@[^\s@<>",;]+$/.test(addr)) {
        const name = (card.name ?? '').trim();
        contacts.push({
          addr: addr.toLowerCase(),
          name: name === addr ? '' : name,
          key: card.key ?? null,
          photo: card.photo ?? null,
          note: card.note ?? null,
          timestamp: card.rev ? parseRev(card.rev) : null,
        });
      }
      card = null;
      continue;
    }
    const prop = property(line);
    if (!prop) continue;
    const { name, params, value } = prop;
    if (name === 'EMAIL') card.addr ??= unescape(value);
    else if (name === 'FN') card.name ??= unescape(value);
    else if (name === 'NOTE') card.note ??= unescape(value);
    else if (name === 'REV') card.rev ??= value;
    else if (name === 'KEY') {
      const key = dataValue(params, value, 'application/pgp-keys', [
        'PGP;ENCODING=BASE64',
        'TYPE=PGP;ENCODING=b',
      ]);
      if (key) card.key ??= key.replace(/\s+/g, '');
    } else if (name === 'PHOTO') {
      const photo = dataValue(params, value, 'image/jpeg', [
        'JPEG;ENCODING=BASE64',
        'ENCODING=BASE64;JPEG',
        'TYPE=JPEG;ENCODING=b',
        'ENCODING=b;TYPE=JPEG',
        'ENCODING=BASE64;TYPE=JPEG',
        'TYPE=JPEG;ENCODING=BASE64',
      ]);
      if (photo) card.photo ??= photo.replace(/\s+/g, '');
    }
  }
  return contacts;
}

function property(line: string): { name: string; params: string; value: string } | null {
  const colon = line.indexOf(':');
  if (colon <= 0) return null;
  const head = line.slice(0, colon);
  const semi = head.indexOf(';');
  const name = (semi < 0 ? head : head.slice(0, semi)).toUpperCase();
  let params = semi < 0 ? '' : head.slice(semi + 1);
  params = params.replace(/^PREF=1;?/i, '');
  return { name, params, value: line.slice(colon + 1) };
}

/** A base64 payload given as `data:<type>;base64\,…` (or the vCard 3 ENCODING= forms). */
function dataValue(params: string, value: string, type: string, legacy: string[]): string | null {
  if (legacy.some((p) => p.toUpperCase() === params.toUpperCase())) return value;
  for (const prefix of [`data:${type};base64\\,`, `data:${type};base64,`]) {
    if (value.toLowerCase().startsWith(prefix.toLowerCase())) return value.slice(prefix.length);
  }
  return null;
}

function parseRev(rev: string): number | null {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(Z|[+-]\d{2}(?:\d{2})?)?$/.exec(
    rev.trim(),
  );
  if (!m) return null;
  const [, y, mo, d, h, mi, s, zone] = m;
  let ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (zone && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const hours = Number(zone.slice(1, 3));
    const minutes = zone.length > 3 ? Number(zone.slice(3, 5)) : 0;
    ms -= sign * (hours * 60 + minutes) * 60_000;
  }
  return ms;
}
