import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { discoverSettings } from '../../main/core/account/discovery.ts';
import type { DiscoveryProgress } from '../../main/core/account/discovery.ts';
import { checkImapLogin, checkSmtpLogin } from '../../main/core/account/login-check.ts';
import { parseServerSettings } from '../../main/core/account/server-settings.ts';
import type { ServerEndpoint } from '../../main/core/account/server-settings.ts';
import { CoreError } from '../../main/core/errors.ts';
import { mailServer } from '../mailserver/index.ts';

const ms = mailServer();
const { host, ports, caCertPem } = ms.info;
const trusted = { trustedCertificates: [caCertPem] };

async function failure(work: Promise<unknown>): Promise<CoreError> {
  const e: unknown = await work.then(
    () => new Error('expected a failure'),
    (x: unknown) => x,
  );
  if (e instanceof CoreError) return e;
  throw e;
}

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function at(port: number, security: ServerEndpoint['security'], user: string): ServerEndpoint {
  return { host, port, security, user };
}

describe('account setup against the real Postfix + Dovecot', () => {
  let autoconfig: http.Server;
  let autoconfigBase: string;
  let deadPort: number;
  const requests: string[] = [];

  beforeAll(async () => {
    deadPort = await closedPort();
    // The provider's autoconfig file, as a domain would publish it: the first IMAP entry points
    // at a port where nothing listens, so discovery must move on to the second.
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="${ms.info.domain}">
    <domain>${ms.info.domain}</domain>
    <displayName>Estafette test server</displayName>
    <incomingServer type="imap">
      <hostname>${host}</hostname><port>${deadPort}</port><socketType>SSL</socketType>
      <username>%EMAILADDRESS%</username><authentication>password-cleartext</authentication>
    </incomingServer>
    <incomingServer type="imap">
      <hostname>${host}</hostname><port>${ports.imap}</port><socketType>STARTTLS</socketType>
      <username>%EMAILLOCALPART%@%EMAILDOMAIN%</username><authentication>password-cleartext</authentication>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>${host}</hostname><port>${ports.smtps}</port><socketType>SSL</socketType>
      <username>%EMAILADDRESS%</username><authentication>password-cleartext</authentication>
    </outgoingServer>
  </emailProvider>
</clientConfig>`;
    autoconfig = http.createServer((req, res) => {
      requests.push(req.url ?? '');
      if ((req.url ?? '').startsWith('/mail/config-v1.1.xml')) {
        res.writeHead(200, { 'content-type': 'application/xml' });
        res.end(xml);
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((resolve) => autoconfig.listen(0, '127.0.0.1', resolve));
    autoconfigBase = `http://127.0.0.1:${(autoconfig.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    autoconfig.closeAllConnections();
    await new Promise<void>((resolve) => autoconfig.close(() => resolve()));
  });

  const urlsFor = (addr: string): string[] => [
    `${autoconfigBase}/missing.xml`,
    `${autoconfigBase}/mail/config-v1.1.xml?emailaddress=${encodeURIComponent(addr)}`,
  ];

  it('discovers working settings through autoconfig when the test CA is trusted', async () => {
    const alice = await ms.addUser();
    const progress: DiscoveryProgress[] = [];
    const result = await discoverSettings(alice.address, alice.password, {
      autoconfigUrls: urlsFor,
      ...trusted,
      timeoutMs: 10_000,
      onProgress: (p) => progress.push(p),
    });
    expect(result.source).toBe('autoconfig');
    expect(result.autoconfigUrl).toBe(urlsFor(alice.address)[1]);
    expect(result.settings).toEqual({
      imap: at(ports.imap, 'starttls', alice.address),
      smtp: at(ports.smtps, 'tls', alice.address),
      acceptInvalidCertificates: false,
    });
    expect(result.imap.secure).toBe(true);
    expect(result.imap.capabilities).toEqual(expect.arrayContaining(['IDLE', 'CONDSTORE', 'MOVE']));
    expect(progress.map((p) => p.step)).toEqual([
      'autoconfig',
      'autoconfig',
      'imap-login',
      'imap-login',
      'smtp-login',
    ]);
    expect(requests.some((r) => r.includes(encodeURIComponent(alice.address)))).toBe(true);
  });

  it('discovery with a wrong password ends in auth_failed, not in the dead port', async () => {
    const bob = await ms.addUser();
    const e = await failure(
      discoverSettings(bob.address, 'not the password', {
        autoconfigUrls: urlsFor,
        ...trusted,
        timeoutMs: 10_000,
      }),
    );
    expect(e.code).toBe('auth_failed');
    expect(e.sentence).toBe(
      `The IMAP server ${host} rejected the password for ${bob.address}. Check the password; some providers require an app password for mail programs.`,
    );
  });

  it('manual settings work on every port: IMAP STARTTLS and TLS, submission and SMTPS', async () => {
    const carol = await ms.addUser();
    const settings = parseServerSettings({
      imap: at(ports.imap, 'starttls', carol.address),
      smtp: at(ports.submission, 'starttls', carol.address),
      acceptInvalidCertificates: false,
    });
    expect((await checkImapLogin(settings.imap, carol.password, trusted)).secure).toBe(true);
    expect(await checkSmtpLogin(settings.smtp, carol.password, trusted)).toEqual({ secure: true });
    const imaps = await checkImapLogin(
      at(ports.imaps, 'tls', carol.address),
      carol.password,
      trusted,
    );
    expect(imaps.capabilities).toContain('IDLE');
    await checkSmtpLogin(at(ports.smtps, 'tls', carol.address), carol.password, trusted);
  });

  it('a wrong password is auth_failed for IMAP and SMTP, with a sentence naming the server', async () => {
    const dave = await ms.addUser();
    const imap = await failure(
      checkImapLogin(at(ports.imaps, 'tls', dave.address), 'wrong', trusted),
    );
    expect(imap.code).toBe('auth_failed');
    expect(imap.sentence).toContain(`${host} rejected the password for ${dave.address}`);
    const smtp = await failure(
      checkSmtpLogin(at(ports.submission, 'starttls', dave.address), 'wrong', trusted),
    );
    expect(smtp.code).toBe('auth_failed');
    expect(smtp.sentence).toBe(
      `The outgoing mail (SMTP) server ${host} rejected the password for ${dave.address}. Check the password; some providers require an app password for mail programs.`,
    );
  });

  it('a closed port is connection_refused', async () => {
    const erin = await ms.addUser();
    const e = await failure(
      checkImapLogin(at(deadPort, 'tls', erin.address), erin.password, trusted),
    );
    expect(e.code).toBe('connection_refused');
    expect(e.sentence).toContain(`port ${deadPort}`);
  });

  it('the private test CA is not trusted by default', async () => {
    const frank = await ms.addUser();
    // One at a time: a check started early would reject while an earlier one is awaited.
    const attempts = [
      () => checkImapLogin(at(ports.imaps, 'tls', frank.address), frank.password),
      () => checkImapLogin(at(ports.imap, 'starttls', frank.address), frank.password),
      () => checkSmtpLogin(at(ports.smtps, 'tls', frank.address), frank.password),
      () => checkSmtpLogin(at(ports.submission, 'starttls', frank.address), frank.password),
    ];
    for (const attempt of attempts) {
      const e = await failure(attempt());
      expect(e.code).toBe('certificate_untrusted');
      expect(e.sentence).toMatch(/last resort/);
    }
    const discovery = await failure(
      discoverSettings(frank.address, frank.password, {
        autoconfigUrls: urlsFor,
        timeoutMs: 10_000,
      }),
    );
    expect(discovery.code).toBe('certificate_untrusted');
  });

  it('accepting invalid certificates (an explicit choice) lets the logins through', async () => {
    const grace = await ms.addUser();
    const accept = { acceptInvalidCertificates: true };
    const imap = await checkImapLogin(
      at(ports.imaps, 'tls', grace.address),
      grace.password,
      accept,
    );
    expect(imap.secure).toBe(true);
    await checkImapLogin(at(ports.imap, 'starttls', grace.address), grace.password, accept);
    await checkSmtpLogin(at(ports.smtps, 'tls', grace.address), grace.password, accept);
    await checkSmtpLogin(at(ports.submission, 'starttls', grace.address), grace.password, accept);
  });

  it('the plain submission port is never used without TLS, even on request, for a remote name', async () => {
    const heidi = await ms.addUser();
    const e = await failure(
      checkSmtpLogin(
        {
          host: 'mail.example.org',
          port: ports.submission,
          security: 'plain',
          user: heidi.address,
        },
        heidi.password,
      ),
    );
    expect(e.code).toBe('tls_unavailable');
  });
});
