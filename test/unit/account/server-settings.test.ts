import { describe, expect, it } from 'vitest';
import {
  parseEmailAddress,
  parseServerSettings,
} from '../../../main/core/account/server-settings.ts';
import { isLoopbackHost } from '../../../main/core/transport/connection.ts';
import { CoreError } from '../../../main/core/errors.ts';

const good = {
  imap: { host: 'imap.example.org', port: 993, security: 'tls', user: 'alice@example.org' },
  smtp: { host: 'smtp.example.org', port: 587, security: 'starttls', user: 'alice@example.org' },
  acceptInvalidCertificates: false,
};

function invalid(input: unknown): CoreError {
  try {
    parseServerSettings(input);
  } catch (e) {
    if (e instanceof CoreError) return e;
    throw e;
  }
  throw new Error('expected invalid_input');
}

describe('server settings', () => {
  it('accepts ordinary settings and normalizes host names', () => {
    const parsed = parseServerSettings({
      ...good,
      imap: { ...good.imap, host: ' IMAP.Bücher.Example. ' },
    });
    expect(parsed.imap.host).toBe('imap.xn--bcher-kva.example');
    expect(parsed.smtp).toEqual(good.smtp);
  });

  it('refuses plain (no TLS) for any host but loopback', () => {
    const e = invalid({ ...good, imap: { ...good.imap, security: 'plain', port: 143 } });
    expect(e.code).toBe('invalid_input');
    expect(e.sentence).toMatch(/imap\.security/);
    expect(e.sentence).toMatch(/never sends a password to imap\.example\.org without encryption/);
    for (const host of ['127.0.0.1', 'localhost', '::1', '[::1]', '127.0.0.53']) {
      const s = parseServerSettings({ ...good, smtp: { ...good.smtp, host, security: 'plain' } });
      expect(s.smtp.security).toBe('plain');
    }
  });

  it('knows what loopback is', () => {
    expect(isLoopbackHost('127.1.2.3')).toBe(true);
    expect(isLoopbackHost('128.0.0.1')).toBe(false);
    expect(isLoopbackHost('localhost.example.org')).toBe(false);
    expect(isLoopbackHost('127.0.0.1.evil.example')).toBe(false);
  });

  it('refuses hosts that are not host names, and bad ports', () => {
    expect(
      invalid({ ...good, imap: { ...good.imap, host: 'imap.example.org/x' } }).sentence,
    ).toMatch(/not a server name/);
    for (const host of ['a..b.org', '-a.org', 'x_y.org', 'a b.org', 'user@host.org', 'h.org:993']) {
      expect(invalid({ ...good, imap: { ...good.imap, host } }).code).toBe('invalid_input');
    }
    expect(invalid({ ...good, smtp: { ...good.smtp, port: 0 } }).sentence).toMatch(/smtp\.port/);
    expect(invalid({ ...good, acceptInvalidCertificates: 'yes' }).code).toBe('invalid_input');
  });

  it('splits an address and normalizes its domain', () => {
    expect(parseEmailAddress(' Bob.Smith@Example.ORG ')).toEqual({
      address: 'Bob.Smith@example.org',
      localPart: 'Bob.Smith',
      domain: 'example.org',
    });
    expect(() => parseEmailAddress('bob@')).toThrow(/not an email address/);
    expect(() => parseEmailAddress('bob@127.0.0.1')).toThrow(CoreError);
  });
});
