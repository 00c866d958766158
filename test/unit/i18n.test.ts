/**
 * The UI speaks English, French and German completely: every key the code uses exists in every
 * catalogue (with each plural form the language needs), no catalogue lacks or adds a key, the
 * placeholders match, and no key is left unused.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { de } from '../../renderer/i18n/de.ts';
import { en } from '../../renderer/i18n/en.ts';
import { fr } from '../../renderer/i18n/fr.ts';
import type { Catalogue } from '../../renderer/i18n/catalogue.ts';

const RENDERER = join(import.meta.dirname, '../../renderer');
const catalogues: Record<string, Catalogue> = { en, fr, de };
const PLURAL = /_(zero|one|two|few|many|other)$/;

function flatten(catalogue: Catalogue): Map<string, string> {
  const keys = new Map<string, string>();
  for (const [section, entries] of Object.entries(catalogue)) {
    for (const [key, value] of Object.entries(entries)) keys.set(`${section}.${key}`, value);
  }
  return keys;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|tsx)$/.test(name) && !/\/i18n\/(en|fr|de)\.ts$/.test(path) ? [path] : [];
  });
}

/** Keys the code passes to t(): only literal keys are allowed, so that this test sees them all. */
function usedKeys(): { keys: Set<string>; dynamic: string[] } {
  const keys = new Set<string>();
  const dynamic: string[] = [];
  for (const file of sourceFiles(RENDERER)) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/\bt\(\s*'([^']+)'/g)) keys.add(match[1] ?? '');
    for (const match of text.matchAll(/\bt\(\s*([^'\s)])/g)) {
      dynamic.push(`${file.slice(RENDERER.length)}: t(${match[1]}…`);
    }
  }
  return { keys, dynamic };
}

function baseKey(key: string): string {
  return key.replace(PLURAL, '');
}

function placeholders(value: string): string[] {
  return [...value.matchAll(/\{\{\s*(\w+)\s*\}\}/g)].map((m) => m[1] ?? '').sort();
}

describe('the UI text catalogues', () => {
  const english = flatten(en);
  const { keys: used, dynamic } = usedKeys();

  it('are used through literal keys only', () => {
    expect(dynamic).toEqual([]);
    expect(used.size).toBeGreaterThan(100);
  });

  for (const [language, catalogue] of Object.entries(catalogues)) {
    const flat = flatten(catalogue);
    const bases = new Set([...flat.keys()].map(baseKey));
    const categories = new Intl.PluralRules(language).resolvedOptions().pluralCategories;

    it(`${language}: has every key the code uses`, () => {
      expect([...used].filter((key) => !bases.has(key))).toEqual([]);
    });

    it(`${language}: has exactly the keys of English`, () => {
      const englishBases = new Set([...english.keys()].map(baseKey));
      expect([...bases].filter((k) => !englishBases.has(k))).toEqual([]);
      expect([...englishBases].filter((k) => !bases.has(k))).toEqual([]);
    });

    it(`${language}: has every plural form the language needs`, () => {
      const pluralBases = new Set([...flat.keys()].filter((k) => PLURAL.test(k)).map(baseKey));
      const missing: string[] = [];
      for (const base of pluralBases) {
        for (const category of categories) {
          if (!flat.has(`${base}_${category}`)) missing.push(`${base}_${category}`);
        }
      }
      expect(missing).toEqual([]);
    });

    it(`${language}: has no empty text and the same placeholders as English`, () => {
      const wrong: string[] = [];
      for (const [key, value] of flat) {
        if (!value.trim()) wrong.push(`${key} is empty`);
        const reference = english.get(key) ?? english.get(`${baseKey(key)}_other`);
        if (
          reference !== undefined &&
          placeholders(reference).join() !== placeholders(value).join()
        ) {
          wrong.push(`${key}: ${placeholders(value).join()} ≠ ${placeholders(reference).join()}`);
        }
      }
      expect(wrong).toEqual([]);
    });
  }

  it('have no key that the code no longer uses', () => {
    const unused = [...new Set([...english.keys()].map(baseKey))].filter((key) => !used.has(key));
    expect(unused).toEqual([]);
  });
});
