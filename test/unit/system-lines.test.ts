/**
 * The core's system lines and SecureJoin sentences in the UI's three languages: every code the
 * core can write has a sentence in English, French and German, the English one says what the
 * core's own English text says, names stay plain text, and what the UI cannot say falls back to
 * the core's text.
 */
import { describe, expect, it } from 'vitest';
import { SystemLineCode } from '../../shared/types.ts';
import { systemLine } from '../../main/core/securejoin/system-line.ts';
import { SYSTEM_LINES, systemLineText } from '../../renderer/features/chat/system-line.ts';
import { i18n } from '../../renderer/i18n/i18n.ts';
import { de } from '../../renderer/i18n/de.ts';
import { en } from '../../renderer/i18n/en.ts';
import { fr } from '../../renderer/i18n/fr.ts';

const SAMPLE: Record<string, string> = {
  name: 'Bob Example',
  by: 'Alice Example',
  who: 'Carol (carol@x.test)',
  addr: 'dave@x.test',
  group: 'Book club',
  oldName: 'Old club',
  newName: 'New club',
  got: 'AAAA BBBB',
  expected: 'CCCC DDDD',
  key: 'EEEE FFFF',
  date: '2026-11-30',
};

const languages = ['en', 'fr', 'de'] as const;
const catalogues = { en, fr, de };

function argsFor(code: SystemLineCode): Record<string, string> {
  const needs = SYSTEM_LINES[code].needs;
  return Object.fromEntries(needs.map((k) => [k, SAMPLE[k] ?? `value of ${k}`]));
}

describe('system lines in the UI language', () => {
  it('has a sentence for every code the core writes', () => {
    expect(Object.keys(SYSTEM_LINES).sort()).toEqual([...SystemLineCode.options].sort());
  });

  for (const language of languages) {
    it(`${language}: every code has its own sentence with every argument in it`, () => {
      const t = i18n.getFixedT(language);
      const keys = new Set(Object.keys(catalogues[language].system));
      const problems: string[] = [];
      for (const code of SystemLineCode.options) {
        for (const args of [argsFor(code), { ...argsFor(code), key: SAMPLE.key! }]) {
          const text = systemLineText(t, { code, args }, 'FALLBACK', language);
          if (text === 'FALLBACK' || text.startsWith('system.')) problems.push(`${code}: no text`);
          if (/\{\{|\}\}/.test(text)) problems.push(`${code}: unfilled placeholder in ${text}`);
          for (const [k, value] of Object.entries(args)) {
            if (k === 'date' || (k === 'key' && code !== 'unverified_sender_key')) continue;
            if (!text.includes(value)) problems.push(`${code}: ${k} missing in ${text}`);
          }
        }
      }
      expect(problems).toEqual([]);
      // Every sentence of the section is reachable from a code.
      expect(keys.size).toBe(SystemLineCode.options.length + 1);
    });
  }

  it('en: says what the core says in English (the fallback other UIs show)', () => {
    const t = i18n.getFixedT('en');
    const differ: string[] = [];
    for (const code of SystemLineCode.options) {
      if (code === 'invite_expired') continue; // the date is written out in the UI's language
      const args = argsFor(code);
      const core = systemLine(code, args).text;
      const ui = systemLineText(t, { code, args }, 'FALLBACK', 'en');
      if (core !== ui.replace('’s key', "'s key")) differ.push(`${code}: ${core} ≠ ${ui}`);
    }
    expect(differ).toEqual([]);
  });

  it('writes dates in the UI language', () => {
    const line = { code: 'invite_expired' as const, args: { who: 'Eve', date: '2026-11-30' } };
    expect(systemLineText(i18n.getFixedT('en'), line, '', 'en')).toContain('November 30, 2026');
    expect(systemLineText(i18n.getFixedT('fr'), line, '', 'fr')).toContain('30 novembre 2026');
    expect(systemLineText(i18n.getFixedT('de'), line, '', 'de')).toContain('30. November 2026');
  });

  it('inserts names as plain text: no markup, no templates, no nesting', () => {
    const hostile = '<img src=x onerror=alert(1)> {{by}} $t(app.loading) {{- name}}';
    for (const language of languages) {
      const text = systemLineText(
        i18n.getFixedT(language),
        { code: 'member_added', args: { by: hostile, name: 'Bob' } },
        'FALLBACK',
        language,
      );
      expect(text).toContain(hostile);
      expect(text).not.toContain('Loading Estafette');
    }
  });

  it('shows the core’s English text for unknown codes, missing arguments and old rows', () => {
    const t = i18n.getFixedT('fr');
    expect(systemLineText(t, null, 'Old line.', 'fr')).toBe('Old line.');
    expect(systemLineText(t, undefined, 'Old line.', 'fr')).toBe('Old line.');
    const unknown = { code: 'from_the_future', args: {} } as unknown as {
      code: SystemLineCode;
      args: Record<string, string>;
    };
    expect(systemLineText(t, unknown, 'Future line.', 'fr')).toBe('Future line.');
    const proto = { code: 'toString', args: {} } as unknown as typeof unknown;
    expect(systemLineText(t, proto, 'Odd line.', 'fr')).toBe('Odd line.');
    expect(systemLineText(t, { code: 'member_added', args: { by: 'A' } }, 'No name.', 'fr')).toBe(
      'No name.',
    );
    expect(
      systemLineText(t, { code: 'member_added', args: { by: 'Alice', name: 'Bob' } }, '', 'fr'),
    ).toBe('Alice a ajouté Bob.');
  });
});
