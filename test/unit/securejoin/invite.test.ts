import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  formatInviteLink,
  formatOpenpgp4fpr,
  inviteQrSvg,
  newToken,
  parseInvite,
} from '../../../main/core/securejoin/invite.ts';
import { CoreError } from '../../../main/core/errors.ts';

// The invites Delta Chat 2.57 showed when the fixtures were captured (test/fixtures/deltachat-2.57).
const [contactLink, groupLink] = readFileSync(
  join(import.meta.dirname, '../../fixtures/deltachat-2.57/qr.txt'),
  'utf8',
)
  .trim()
  .split('\n') as [string, string];
const ALICE = '9872A45ABE1CF94C6919683A48C8C4FB3234DD7B';

function refusal(text: string): string {
  try {
    parseInvite(text);
  } catch (e) {
    expect(e).toBeInstanceOf(CoreError);
    return (e as CoreError).sentence;
  }
  throw new Error('accepted');
}

describe('invites', () => {
  it("reads Delta Chat's contact invite", () => {
    expect(parseInvite(contactLink)).toEqual({
      fingerprint: ALICE,
      addr: 'alice@chat.test',
      name: 'Alice',
      invitenumber: 'k-MiiqR84holwOmHUj0CnJdM',
      auth: 'hg7mBZ7uJWPodqp2kChA-mt5',
      v3: true,
      group: null,
    });
  });

  it("reads Delta Chat's group invite, + as space", () => {
    expect(parseInvite(groupLink)).toEqual({
      fingerprint: ALICE,
      addr: 'alice@chat.test',
      name: 'Alice',
      invitenumber: 'eExd-8JVW1t6AWbfakVC-DrT',
      auth: 'S2zXKuCj7FDIFa_3_eEzZqao',
      v3: true,
      group: { id: 'aAcZPFNC9gaUsJ9Oz2D2Ipgl', name: 'dc interop group' },
    });
  });

  it('writes links byte for byte as Delta Chat does', () => {
    expect(formatInviteLink(parseInvite(contactLink))).toBe(contactLink);
    expect(formatInviteLink(parseInvite(groupLink))).toBe(groupLink);
  });

  it('reads the OPENPGP4FPR form it writes, and the variants Delta Chat accepts', () => {
    for (const link of [contactLink, groupLink]) {
      const code = parseInvite(link);
      const legacy = formatOpenpgp4fpr(code);
      expect(legacy.startsWith(`OPENPGP4FPR:${ALICE}#a=alice%40chat.test&`)).toBe(true);
      expect(parseInvite(legacy)).toEqual(code);
      expect(parseInvite(legacy.replace('OPENPGP4FPR:', 'openpgp4fpr:'))).toEqual(code);
      expect(parseInvite(legacy.replace('#', '%23'))).toEqual(code);
      expect(parseInvite(link.replace('https://i.delta.chat/#', 'https://i.delta.chat#'))).toEqual(
        code,
      );
      expect(parseInvite(`  ${link}\n`)).toEqual(code);
    }
  });

  it('classic invites (no v=3) use the vc-request flow; v3 needs no invitenumber', () => {
    const classic = formatOpenpgp4fpr(parseInvite(contactLink)).replace('&v=3', '');
    expect(parseInvite(classic).v3).toBe(false);
    const noNumber = contactLink.replace(/&v=3&i=[^&]+/, '');
    expect(parseInvite(noNumber)).toMatchObject({ v3: true, invitenumber: '' });
  });

  it('percent-encodes names like Delta Chat and shortens them with a trailing _', () => {
    const code = {
      ...parseInvite(groupLink),
      name: 'Élise-Marie de la Montagne',
      group: { id: 'aAcZPFNC9gaUsJ9Oz2D2Ipgl', name: 'Les randonneurs du dimanche matin' },
    };
    const link = formatInviteLink(code);
    expect(link).toContain('&n=%C3%89lise%2DMarie+de+_');
    expect(link).toContain('&g=Les+randonneurs+du+diman_');
    expect(parseInvite(link)).toMatchObject({
      name: 'Élise-Marie de …',
      group: { name: 'Les randonneurs du diman…' },
    });
  });

  it('refuses what is not a usable invite, with a sentence', () => {
    expect(refusal('https://example.org/#abc')).toMatch(/not an invite/);
    expect(refusal(contactLink.replace(ALICE, 'XYZ'))).toMatch(/fingerprint/);
    expect(refusal(contactLink.replace(/&s=[^&]+/, ''))).toMatch(/secret/);
    expect(refusal(contactLink.replace(/&a=[^&]+/, ''))).toMatch(/address/);
    expect(refusal(`${contactLink}&b=channel`)).toMatch(/broadcast/);
  });

  it('makes fresh 24-character URL-safe tokens and an SVG QR code', async () => {
    const tokens = new Set(Array.from({ length: 100 }, newToken));
    expect(tokens.size).toBe(100);
    for (const t of tokens) expect(t).toMatch(/^[A-Za-z0-9_-]{24}$/);
    const svg = await inviteQrSvg(contactLink);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('viewBox');
  });
});
