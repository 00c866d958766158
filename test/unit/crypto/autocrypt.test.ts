import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  formatAutocryptHeader,
  formatGossipHeader,
  parseAutocryptHeader,
  parseGossipHeader,
  readHeaderKey,
  selectAutocryptHeader,
} from '../../../main/core/crypto/autocrypt.ts';
import { generateAccountKey, keydataOf, readPublicKey } from '../../../main/core/crypto/keys.ts';

const fixtures = join(import.meta.dirname, '../../fixtures/deltachat-2.57');

/** Raw (still folded) values of one header field in a fixture message's header block. */
function headerValues(file: string, name: string): string[] {
  const text = readFileSync(join(fixtures, file), 'utf8');
  const head = text.slice(0, text.search(/\r?\n\r?\n/));
  const fields = head.split(/\r?\n(?=\S)/);
  const prefix = `${name.toLowerCase()}:`;
  return fields
    .filter((field) => field.toLowerCase().startsWith(prefix))
    .map((field) => field.slice(prefix.length).replace(/^ /, ''));
}

const ALICE_FPR = '9872A45ABE1CF94C6919683A48C8C4FB3234DD7B';

let keydata: string;

beforeAll(async () => {
  const generated = await generateAccountKey('alice@example.org');
  keydata = keydataOf(await readPublicKey(generated.publicArmored));
});

describe('the Autocrypt header', () => {
  it('Delta Chat’s folded header parses and its key is Alice’s', async () => {
    const [value] = headerValues('encrypted-1to1.inner.eml', 'Autocrypt');
    expect(value).toContain('\r\n\t ');
    const header = parseAutocryptHeader(value ?? '', 'Alice@Chat.test');
    expect(header).toMatchObject({ addr: 'alice@chat.test', preferEncrypt: 'mutual' });
    expect(header?.keydata).not.toMatch(/\s/);
    const withKey = header && (await readHeaderKey(header));
    expect(withKey?.fingerprint).toBe(ALICE_FPR);
  });

  it('what we format parses back to the same key, with prefer-encrypt=mutual', () => {
    const value = formatAutocryptHeader({ addr: 'alice@example.org', keydata });
    expect(value).toMatch(/^addr=alice@example\.org; prefer-encrypt=mutual; keydata=/);
    // The key data is split by spaces so a header writer can fold it under 78 columns.
    expect(value.split(' ').every((word) => word.length <= 85)).toBe(true);
    expect(parseAutocryptHeader(value, 'alice@example.org')).toEqual({
      addr: 'alice@example.org',
      preferEncrypt: 'mutual',
      keydata,
    });
    const folded = value.replace(/ (?=[A-Za-z0-9+/=]{20})/g, '\r\n\t');
    expect(parseAutocryptHeader(folded, 'alice@example.org')?.keydata).toBe(keydata);
  });

  it('without prefer-encrypt, or with a value other than mutual, the preference is nopreference', () => {
    const plain = formatAutocryptHeader({
      addr: 'alice@example.org',
      keydata,
      preferEncrypt: 'nopreference',
    });
    expect(plain).not.toContain('prefer-encrypt');
    expect(parseAutocryptHeader(plain, 'alice@example.org')?.preferEncrypt).toBe('nopreference');
    const odd = `addr=alice@example.org; prefer-encrypt=always; keydata=${keydata}`;
    expect(parseAutocryptHeader(odd, 'alice@example.org')?.preferEncrypt).toBe('nopreference');
  });

  it('unknown attributes starting with an underscore are ignored', () => {
    const value = `addr=alice@example.org; _future=yes; keydata=${keydata}`;
    expect(parseAutocryptHeader(value, 'alice@example.org')?.addr).toBe('alice@example.org');
  });

  const invalid: [string, () => string][] = [
    ['addr differs from From', () => `addr=mallory@example.org; keydata=${keydata}`],
    ['addr is missing', () => `prefer-encrypt=mutual; keydata=${keydata}`],
    ['keydata is missing', () => 'addr=alice@example.org; prefer-encrypt=mutual'],
    ['keydata is not last', () => `keydata=${keydata}; addr=alice@example.org`],
    [
      'a critical attribute is unknown',
      () => `addr=alice@example.org; future=1; keydata=${keydata}`,
    ],
    [
      'an attribute repeats',
      () => `addr=alice@example.org; addr=alice@example.org; keydata=${keydata}`,
    ],
    ['an attribute has no value', () => `addr=alice@example.org; mutual; keydata=${keydata}`],
    ['addr has a display name', () => `addr=Alice <alice@example.org>; keydata=${keydata}`],
    ['keydata is not base64', () => 'addr=alice@example.org; keydata=!!not-base64!!'],
    ['keydata is empty', () => 'addr=alice@example.org; keydata='],
    [
      'the header is above 10 KiB',
      () => `addr=alice@example.org; _pad=${'x'.repeat(10 * 1024)}; keydata=${keydata}`,
    ],
    ['the value is empty', () => ''],
  ];
  for (const [why, value] of invalid) {
    it(`is invalid when ${why}`, () => {
      expect(parseAutocryptHeader(value(), 'alice@example.org')).toBeNull();
    });
  }

  it('keydata that is base64 but not a usable key is dropped when the key is read', async () => {
    const header = parseAutocryptHeader(
      'addr=alice@example.org; keydata=aGVsbG8gd29ybGQ=',
      'alice@example.org',
    );
    expect(header).not.toBeNull();
    expect(header && (await readHeaderKey(header))).toBeNull();
  });

  it('a message with two valid Autocrypt headers has none', () => {
    const one = formatAutocryptHeader({ addr: 'alice@example.org', keydata });
    expect(selectAutocryptHeader([one], 'alice@example.org')?.addr).toBe('alice@example.org');
    expect(selectAutocryptHeader([one, 'garbage'], 'alice@example.org')).not.toBeNull();
    expect(selectAutocryptHeader([one, one], 'alice@example.org')).toBeNull();
    expect(selectAutocryptHeader([], 'alice@example.org')).toBeNull();
  });
});

describe('the Autocrypt-Gossip header', () => {
  const recipients = ['carol@chat.test', 'Bob@chat.test'];

  it('Delta Chat’s gossip for each group member parses when the member is a recipient', async () => {
    const values = headerValues('securejoin-vg-member-added.inner.eml', 'Autocrypt-Gossip');
    expect(values).toHaveLength(2);
    const parsed = values.map((value) => parseGossipHeader(value, recipients));
    expect(parsed.map((gossip) => gossip?.addr)).toEqual(['carol@chat.test', 'bob@chat.test']);
    expect(parsed.every((gossip) => gossip?.verified === false)).toBe(true);
    const bob = parsed[1] && (await readHeaderKey(parsed[1]));
    expect(bob?.fingerprint).toBe('1DE1554371F8F0F12B6E6F5A85263266CC6B8844');
  });

  it('gossip about someone who is not a recipient is ignored', () => {
    const [carol] = headerValues('securejoin-vg-member-added.inner.eml', 'Autocrypt-Gossip');
    expect(parseGossipHeader(carol ?? '', ['bob@chat.test'])).toBeNull();
  });

  it('we format gossip without prefer-encrypt, and _verified=1 is understood', () => {
    const value = formatGossipHeader({ addr: 'Bob@Example.org', keydata });
    expect(value).not.toContain('prefer-encrypt');
    expect(parseGossipHeader(value, ['bob@example.org'])).toEqual({
      addr: 'bob@example.org',
      keydata,
      verified: false,
    });
    const verified = formatGossipHeader({ addr: 'bob@example.org', keydata, verified: true });
    expect(verified).toContain('_verified=1; keydata=');
    expect(parseGossipHeader(verified, ['bob@example.org'])?.verified).toBe(true);
  });

  it('gossip follows the same syntax rules as the Autocrypt header', () => {
    const recipientsOfBob = ['bob@example.org'];
    expect(
      parseGossipHeader(
        `addr=bob@example.org; prefer-encrypt=mutual; keydata=${keydata}`,
        recipientsOfBob,
      ),
    ).not.toBeNull();
    expect(
      parseGossipHeader(`addr=bob@example.org; critical=1; keydata=${keydata}`, recipientsOfBob),
    ).toBeNull();
    expect(
      parseGossipHeader(`keydata=${keydata}; addr=bob@example.org`, recipientsOfBob),
    ).toBeNull();
  });
});
