import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CoreError } from '../../../main/core/errors.ts';
import { checkImapLogin, checkSmtpLogin } from '../../../main/core/account/login-check.ts';
import { classifyConnectionError } from '../../../main/core/transport/connection-error.ts';
import { assertReadableCertificates } from '../../../main/core/transport/connection.ts';
import type { ServerEndpoint } from '../../../main/core/account/server-settings.ts';
import {
  closedPort,
  makeSelfSignedCertificate,
  startFakeImap,
  startFakeSmtp,
  startSilentServer,
} from './fake-mail-servers.ts';
import type { FakeServer, KeyPair } from './fake-mail-servers.ts';

const PASSWORD = 'correct horse';
const USER = 'alice@example.org';

async function failure(work: Promise<unknown>): Promise<CoreError> {
  const error: unknown = await work.then(
    () => new Error('expected a failure'),
    (e: unknown) => e,
  );
  if (!(error instanceof CoreError)) throw error;
  return error;
}

function endpoint(port: number, security: ServerEndpoint['security']): ServerEndpoint {
  return { host: '127.0.0.1', port, security, user: USER };
}

let loopbackCert: KeyPair;
let otherNameCert: KeyPair;
const servers: FakeServer[] = [];
async function started(server: Promise<FakeServer>): Promise<FakeServer> {
  const s = await server;
  servers.push(s);
  return s;
}

beforeAll(() => {
  loopbackCert = makeSelfSignedCertificate('IP:127.0.0.1,DNS:localhost');
  otherNameCert = makeSelfSignedCertificate('DNS:other.example');
});
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

describe('IMAP login check against local servers', () => {
  it('a closed port is connection_refused, naming host and port', async () => {
    const port = await closedPort();
    const e = await failure(checkImapLogin(endpoint(port, 'tls'), PASSWORD));
    expect(e.code).toBe('connection_refused');
    expect(e.sentence).toContain('127.0.0.1');
    expect(e.sentence).toContain(`port ${port}`);
  });

  it('a self-signed certificate is certificate_untrusted and mentions the last resort', async () => {
    const s = await started(startFakeImap({ password: PASSWORD, implicitTls: loopbackCert }));
    const e = await failure(checkImapLogin(endpoint(s.port, 'tls'), PASSWORD));
    expect(e.code).toBe('certificate_untrusted');
    expect(e.sentence).toMatch(/not signed by an authority/);
    expect(e.sentence).toMatch(/last resort/);
    expect(s.logins).toEqual([]);
  });

  it('the same server works once its certificate is trusted, and reports capabilities', async () => {
    const s = await started(startFakeImap({ password: PASSWORD, implicitTls: loopbackCert }));
    const info = await checkImapLogin(endpoint(s.port, 'tls'), PASSWORD, {
      trustedCertificates: [loopbackCert.cert],
    });
    expect(info.secure).toBe(true);
    expect(info.capabilities).toContain('IDLE');
    expect(info.capabilities).toContain('MOVE');
    expect(info.greeting).toContain('FakeIMAP ready');
    expect(info.serverInfo?.name).toBe('FakeIMAP');
    expect(s.logins).toEqual([`${USER}:${PASSWORD}`]);
  });

  it('accepting invalid certificates lets the login through', async () => {
    const s = await started(startFakeImap({ password: PASSWORD, implicitTls: loopbackCert }));
    const info = await checkImapLogin(endpoint(s.port, 'tls'), PASSWORD, {
      acceptInvalidCertificates: true,
    });
    expect(info.secure).toBe(true);
  });

  it('a trusted certificate for another name is certificate_untrusted (name mismatch)', async () => {
    const s = await started(startFakeImap({ password: PASSWORD, implicitTls: otherNameCert }));
    const e = await failure(
      checkImapLogin(endpoint(s.port, 'tls'), PASSWORD, {
        trustedCertificates: [otherNameCert.cert],
      }),
    );
    expect(e.code).toBe('certificate_untrusted');
    expect(e.sentence).toMatch(/different server name/);
  });

  it('a wrong password is auth_failed with a sentence naming the user and host', async () => {
    const s = await started(startFakeImap({ password: PASSWORD, implicitTls: loopbackCert }));
    const e = await failure(
      checkImapLogin(endpoint(s.port, 'tls'), 'wrong', {
        trustedCertificates: [loopbackCert.cert],
      }),
    );
    expect(e.code).toBe('auth_failed');
    expect(e.sentence).toBe(
      `The IMAP server 127.0.0.1 rejected the password for ${USER}. Check the password; some providers require an app password for mail programs.`,
    );
  });

  it('STARTTLS upgrades and logs in when offered', async () => {
    const s = await started(startFakeImap({ password: PASSWORD, starttls: loopbackCert }));
    const info = await checkImapLogin(endpoint(s.port, 'starttls'), PASSWORD, {
      trustedCertificates: [loopbackCert.cert],
    });
    expect(info.secure).toBe(true);
    expect(s.logins).toHaveLength(1);
  });

  it('an untrusted certificate behind STARTTLS is certificate_untrusted', async () => {
    const s = await started(startFakeImap({ password: PASSWORD, starttls: loopbackCert }));
    const e = await failure(checkImapLogin(endpoint(s.port, 'starttls'), PASSWORD));
    expect(e.code).toBe('certificate_untrusted');
    expect(s.logins).toEqual([]);
  });

  it('a server without STARTTLS is tls_unavailable and never sees the password', async () => {
    const s = await started(startFakeImap({ password: PASSWORD }));
    const e = await failure(checkImapLogin(endpoint(s.port, 'starttls'), PASSWORD));
    expect(e.code).toBe('tls_unavailable');
    expect(e.sentence).toMatch(/does not offer STARTTLS/);
    expect(s.logins).toEqual([]);
  });

  it('TLS against a plaintext port is tls_unavailable', async () => {
    const s = await started(startFakeImap({ password: PASSWORD, starttls: loopbackCert }));
    const e = await failure(checkImapLogin(endpoint(s.port, 'tls'), PASSWORD, { timeoutMs: 3000 }));
    expect(e.code).toBe('tls_unavailable');
    expect(s.logins).toEqual([]);
  });

  it('a server that never answers is a timeout', async () => {
    const s = await started(startSilentServer());
    const started_ = Date.now();
    const e = await failure(
      checkImapLogin(endpoint(s.port, 'starttls'), PASSWORD, { timeoutMs: 300 }),
    );
    expect(e.code).toBe('timeout');
    expect(Date.now() - started_).toBeLessThan(5000);
  });

  it('a silent server on a TLS port is a timeout too', async () => {
    const s = await started(startSilentServer());
    const e = await failure(checkImapLogin(endpoint(s.port, 'tls'), PASSWORD, { timeoutMs: 300 }));
    expect(e.code).toBe('timeout');
  });

  it('plain is refused for a remote host before any connection', async () => {
    const e = await failure(
      checkImapLogin(
        { host: 'imap.example.org', port: 143, security: 'plain', user: USER },
        PASSWORD,
      ),
    );
    expect(e.code).toBe('tls_unavailable');
    expect(e.sentence).toMatch(/never sends a password/);
  });

  it('plain is allowed on loopback', async () => {
    const s = await started(startFakeImap({ password: PASSWORD }));
    const info = await checkImapLogin(endpoint(s.port, 'plain'), PASSWORD);
    expect(info.secure).toBe(false);
  });
});

describe('SMTP login check against local servers', () => {
  it('a closed port is connection_refused', async () => {
    const port = await closedPort();
    const e = await failure(checkSmtpLogin(endpoint(port, 'starttls'), PASSWORD));
    expect(e.code).toBe('connection_refused');
    expect(e.sentence).toContain(`port ${port}`);
    expect(e.sentence).toMatch(/SMTP/);
  });

  it('a self-signed certificate is certificate_untrusted (TLS and STARTTLS)', async () => {
    const tlsServer = await started(
      startFakeSmtp({ password: PASSWORD, implicitTls: loopbackCert }),
    );
    const starttls = await started(startFakeSmtp({ password: PASSWORD, starttls: loopbackCert }));
    expect((await failure(checkSmtpLogin(endpoint(tlsServer.port, 'tls'), PASSWORD))).code).toBe(
      'certificate_untrusted',
    );
    expect(
      (await failure(checkSmtpLogin(endpoint(starttls.port, 'starttls'), PASSWORD))).code,
    ).toBe('certificate_untrusted');
    expect([...tlsServer.logins, ...starttls.logins]).toEqual([]);
  });

  it('logs in over TLS and STARTTLS with a trusted certificate', async () => {
    const tlsServer = await started(
      startFakeSmtp({ password: PASSWORD, implicitTls: loopbackCert }),
    );
    const starttls = await started(startFakeSmtp({ password: PASSWORD, starttls: loopbackCert }));
    const trust = { trustedCertificates: [loopbackCert.cert] };
    expect(await checkSmtpLogin(endpoint(tlsServer.port, 'tls'), PASSWORD, trust)).toEqual({
      secure: true,
    });
    expect(await checkSmtpLogin(endpoint(starttls.port, 'starttls'), PASSWORD, trust)).toEqual({
      secure: true,
    });
    expect(starttls.logins).toEqual([`${USER}:${PASSWORD}`]);
  });

  it('a wrong password is auth_failed', async () => {
    const s = await started(startFakeSmtp({ password: PASSWORD, implicitTls: loopbackCert }));
    const e = await failure(
      checkSmtpLogin(endpoint(s.port, 'tls'), 'wrong', {
        trustedCertificates: [loopbackCert.cert],
      }),
    );
    expect(e.code).toBe('auth_failed');
    expect(e.sentence).toContain(USER);
    expect(e.sentence).toContain('127.0.0.1');
  });

  it('a server without STARTTLS is tls_unavailable and never sees the password', async () => {
    const s = await started(startFakeSmtp({ password: PASSWORD }));
    const e = await failure(checkSmtpLogin(endpoint(s.port, 'starttls'), PASSWORD));
    expect(e.code).toBe('tls_unavailable');
    expect(e.sentence).toMatch(/does not offer STARTTLS/);
    expect(s.logins).toEqual([]);
  });

  it('a server that never answers is a timeout', async () => {
    const s = await started(startSilentServer());
    const e = await failure(
      checkSmtpLogin(endpoint(s.port, 'starttls'), PASSWORD, { timeoutMs: 300 }),
    );
    expect(e.code).toBe('timeout');
    expect(e.sentence).toMatch(/did not answer/);
  });
});

describe('error classification', () => {
  const server = endpoint(993, 'tls');
  const sys = (code: string): Error => Object.assign(new Error(`connect ${code}`), { code });

  it('maps DNS failures to host_not_found', () => {
    expect(classifyConnectionError(sys('ENOTFOUND'), 'IMAP', server).code).toBe('host_not_found');
    const again = classifyConnectionError(sys('EAI_AGAIN'), 'IMAP', server);
    expect(again.code).toBe('host_not_found');
    expect(again.sentence).toMatch(/right now/);
    // nodemailer wraps DNS errors and keeps the system code as originalCode
    const wrapped = Object.assign(new Error('x'), { code: 'EDNS', originalCode: 'ENOTFOUND' });
    expect(classifyConnectionError(wrapped, 'SMTP', server).code).toBe('host_not_found');
  });

  it('finds certificate codes in a cause chain', () => {
    const inner = sys('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    const outer = new Error('Connection failed', { cause: inner });
    expect(classifyConnectionError(outer, 'IMAP', server).code).toBe('certificate_untrusted');
    expect(classifyConnectionError(sys('CERT_HAS_EXPIRED'), 'IMAP', server).sentence).toMatch(
      /expired/,
    );
  });

  it('tells a temporarily unavailable IMAP server from a wrong password', () => {
    const e = Object.assign(new Error('NO'), {
      authenticationFailed: true,
      serverResponseCode: 'UNAVAILABLE',
      response: '[UNAVAILABLE] Maintenance\u0007 until noon',
    });
    const classified = classifyConnectionError(e, 'IMAP', server);
    expect(classified.code).toBe('server_rejected');
    expect(classified.sentence).toContain('"[UNAVAILABLE] Maintenance until noon"');
  });

  it('keeps an unknown failure as network, without internals in the sentence', () => {
    const e = classifyConnectionError(sys('ECONNRESET'), 'SMTP', server);
    expect(e.code).toBe('network');
    expect(e.sentence).not.toContain('ECONNRESET');
  });

  it('refuses a trusted certificate that is not PEM', async () => {
    expect(() => assertReadableCertificates(['not a cert'])).toThrow(/PEM/);
    const e = await failure(
      checkImapLogin(server, PASSWORD, { trustedCertificates: ['not a cert'] }),
    );
    expect(e.code).toBe('invalid_input');
    expect(e.sentence).toMatch(/PEM/);
  });
});
