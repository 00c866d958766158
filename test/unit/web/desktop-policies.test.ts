/**
 * The desktop shell's decisions that do not need Electron to run: which links may leave the app
 * and when the user is asked, which deep links are accepted, where the window reopens, how
 * secrets are stored, and which scanner findings docs/security.md justifies.
 */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileSecretStore } from '../../../main/core/store/secrets.ts';
import { answerSecretRequest } from '../../../main/electron/core-messages.ts';
import { findDeepLink, isDeepLink } from '../../../main/electron/deep-links.ts';
import {
  KnownHosts,
  needsConfirmation,
  parseExternalLink,
} from '../../../main/electron/link-policy.ts';
import { EncryptedSecretStore } from '../../../main/electron/secret-file.ts';
import type { StringCipher } from '../../../main/electron/secret-file.ts';
import { parseJustifications } from '../../../main/electron/scripts/lint-electron.ts';
import {
  DEFAULT_WINDOW_STATE,
  fitToDisplays,
  loadWindowState,
  saveWindowState,
} from '../../../main/electron/window-state.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'estafette-desktop-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('links leaving the app', () => {
  it('lets only http, https and mailto out', () => {
    for (const ok of ['https://delta.chat/en/', 'http://example.org', 'mailto:bob@example.org']) {
      expect(parseExternalLink(ok), ok).not.toBeNull();
    }
    for (const bad of [
      'javascript:alert(1)',
      'file:///etc/passwd',
      'data:text/html,<script>',
      'smb://server/share',
      'openpgp4fpr:ABC',
      'vbscript:x',
      'https://exa\nmple.org/',
      `https://example.org/${'a'.repeat(5000)}`,
      'not a url',
      42,
    ]) {
      expect(parseExternalLink(bad), String(bad).slice(0, 40)).toBeNull();
    }
  });

  it('asks the first time a host is opened, and not again once confirmed', async () => {
    const known = new KnownHosts(path.join(dir, 'link-hosts.json'));
    const link = parseExternalLink('https://delta.chat/en/help');
    if (link === null) throw new Error('should parse');
    expect(needsConfirmation(link, await known.load())).toBe(true);
    await known.add('delta.chat');
    const again = new KnownHosts(path.join(dir, 'link-hosts.json'));
    expect(needsConfirmation(link, await again.load())).toBe(false);
    const mailto = parseExternalLink('mailto:bob@example.org');
    expect(mailto && needsConfirmation(mailto, new Set())).toBe(false);
  });

  it('always asks for a link that hides its host behind a user name, and shows look-alikes in ASCII', () => {
    const link = parseExternalLink('https://delta.chat@evil.example/login');
    expect(link?.host).toBe('evil.example');
    expect(link?.hidesHost).toBe(true);
    expect(link && needsConfirmation(link, new Set(['evil.example']))).toBe(true);
    expect(parseExternalLink('https://pаypal.com/')?.host).toBe('xn--pypal-4ve.com');
  });
});

describe('deep links', () => {
  it('finds an openpgp4fpr or mailto link among command-line arguments', () => {
    const invite =
      'OPENPGP4FPR:0123456789ABCDEF0123456789ABCDEF01234567#a=alice%40example.org&n=Alice&i=x&s=y';
    expect(findDeepLink(['/opt/Estafette/estafette', '--no-sandbox', invite])).toBe(invite);
    expect(findDeepLink(['estafette', 'mailto:bob@example.org?subject=hi'])).toBe(
      'mailto:bob@example.org?subject=hi',
    );
    expect(findDeepLink(['estafette', '--inspect', 'https://example.org'])).toBeNull();
  });

  it('refuses links with spaces, control characters or no content', () => {
    expect(isDeepLink('mailto:a@b c')).toBe(false);
    expect(isDeepLink('openpgp4fpr:ABC\n--flag')).toBe(false);
    expect(isDeepLink('mailto:')).toBe(false);
    expect(isDeepLink(`mailto:${'a'.repeat(5000)}`)).toBe(false);
    expect(isDeepLink({})).toBe(false);
  });
});

describe('the window’s place', () => {
  const screen = [{ x: 0, y: 0, width: 1920, height: 1080 }];

  it('reopens where it was, unless that screen is gone', () => {
    const state = { x: 100, y: 80, width: 900, height: 700, maximized: false };
    expect(fitToDisplays(state, screen)).toEqual(state);
    expect(fitToDisplays({ ...state, x: 3000 }, screen)).toEqual({
      width: 900,
      height: 700,
      maximized: false,
    });
  });

  it('remembers it in a file and falls back to the default when the file is damaged', async () => {
    const file = path.join(dir, 'window-state.json');
    expect(await loadWindowState(file)).toEqual(DEFAULT_WINDOW_STATE);
    await saveWindowState(file, { x: 10, y: 20, width: 800, height: 600, maximized: true });
    expect(await loadWindowState(file)).toEqual({
      x: 10,
      y: 20,
      width: 800,
      height: 600,
      maximized: true,
    });
    await writeFile(file, '{"width": "huge"');
    expect(await loadWindowState(file)).toEqual(DEFAULT_WINDOW_STATE);
  });
});

/** Stands in for the OS keychain: reversible, but never the plain text. */
function fakeKeychain(
  available = true,
): StringCipher & { available(): Promise<boolean>; on: boolean } {
  const k = {
    on: available,
    available: async () => k.on,
    encrypt: async (plain: string) => Buffer.from(`sealed:${Buffer.from(plain).toString('hex')}`),
    decrypt: async (data: Buffer) => ({
      text: Buffer.from(data.toString().replace('sealed:', ''), 'hex').toString(),
      reencrypt: false,
    }),
  };
  return k;
}

describe('secrets in the desktop app', () => {
  it('keeps a password only encrypted on disk, owner-readable', async () => {
    const file = path.join(dir, 'secrets.json');
    const store = new EncryptedSecretStore({ file, cipher: fakeKeychain() });
    await store.set('account-1.password', 'hunter2-correct-horse');
    expect(await readFile(file, 'utf8')).not.toContain('hunter2');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const reopened = new EncryptedSecretStore({ file, cipher: fakeKeychain() });
    expect(await reopened.get('account-1.password')).toBe('hunter2-correct-horse');
    await reopened.delete('account-1.password');
    expect(await reopened.get('account-1.password')).toBeNull();
    await expect(store.set('../escape', 'x')).rejects.toThrow(/not a valid secret name/);
  });

  it('without a keychain stores owner-only and encrypts once a keychain appears', async () => {
    const file = path.join(dir, 'secrets.json');
    const keychain = fakeKeychain(false);
    let warned = 0;
    const store = new EncryptedSecretStore({
      file,
      cipher: keychain,
      onPlainFallback: () => warned++,
    });
    await store.set('account-1.password', 'pw-one');
    await store.set('account-2.password', 'pw-two');
    expect(warned).toBe(1);
    expect(JSON.parse(await readFile(file, 'utf8')).secrets['account-1.password'].scheme).toBe(
      'plain',
    );
    keychain.on = true;
    expect(await store.get('account-1.password')).toBe('pw-one');
    expect(JSON.parse(await readFile(file, 'utf8')).secrets['account-1.password'].scheme).toBe(
      'os',
    );
  });

  it('moves what the web host stored in plain files into the keychain on first read', async () => {
    const legacy = new FileSecretStore(path.join(dir, 'secrets'));
    await legacy.set('account-1.password', 'from-the-web-host');
    const store = new EncryptedSecretStore({
      file: path.join(dir, 'secrets.json'),
      cipher: fakeKeychain(),
      legacy,
    });
    expect(await store.get('account-1.password')).toBe('from-the-web-host');
    expect(await legacy.get('account-1.password')).toBeNull();
    expect(await store.get('account-1.password')).toBe('from-the-web-host');
  });

  it('answers the core process’s requests, failures included', async () => {
    const store = new EncryptedSecretStore({
      file: path.join(dir, 's.json'),
      cipher: fakeKeychain(),
    });
    const ask = (op: 'get' | 'set' | 'delete', name: string, value?: string) =>
      answerSecretRequest(store, { type: 'secretRequest', requestId: 9, op, name, value });
    expect(await ask('set', 'k1', 'v1')).toEqual({
      type: 'secretResult',
      requestId: 9,
      value: null,
    });
    expect(await ask('get', 'k1')).toEqual({ type: 'secretResult', requestId: 9, value: 'v1' });
    expect((await ask('get', 'BAD NAME')).error).toMatch(/not a valid secret name/);
  });
});

describe('the Electronegativity allow-list', () => {
  it('is read from docs/security.md, and every row names a check, a file and a reason', async () => {
    const doc = await readFile(path.join(import.meta.dirname, '../../../docs/security.md'), 'utf8');
    const rows = parseJustifications(doc);
    expect(rows.map((r) => r.check)).toContain('PRELOAD_JS_CHECK');
    for (const r of rows) {
      expect(r.file).not.toBe('');
      expect(r.why.length).toBeGreaterThan(40);
    }
    expect(
      parseJustifications('# Other\n| X_CHECK | a.ts | some reason that is long enough |'),
    ).toEqual([]);
  });
});
