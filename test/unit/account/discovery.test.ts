import { describe, expect, it } from 'vitest';
import { discoverSettings, guessCandidates } from '../../../main/core/account/discovery.ts';
import type { DiscoveryProgress, LoginChecker } from '../../../main/core/account/discovery.ts';
import type { ServerEndpoint } from '../../../main/core/account/server-settings.ts';
import { CoreError } from '../../../main/core/errors.ts';
import type { ErrorCode } from '../../../main/core/errors.ts';

const ADDR = 'alice@example.org';
const PASSWORD = 'secret';

function config(imap: string, smtp = ''): string {
  return `<clientConfig version="1.1"><emailProvider id="example.org">${imap}${smtp}</emailProvider></clientConfig>`;
}
function entry(
  kind: 'incomingServer' | 'outgoingServer',
  host: string,
  port: number,
  socket: string,
) {
  const type = kind === 'incomingServer' ? 'imap' : 'smtp';
  return `<${kind} type="${type}"><hostname>${host}</hostname><port>${port}</port><socketType>${socket}</socketType><username>%EMAILADDRESS%</username></${kind}>`;
}

/** A fetch that serves the given documents and answers 404 for everything else. */
function servingFetch(documents: Record<string, string>, calls: string[] = []) {
  return async (url: string): Promise<Response> => {
    calls.push(url);
    const body = documents[url];
    return body === undefined ? new Response('no', { status: 404 }) : new Response(body);
  };
}

type Outcome = 'ok' | ErrorCode;
/** A login checker whose answer depends on host:port, recording every attempt. */
function scriptedChecker(outcomes: Record<string, Outcome>, attempts: string[] = []): LoginChecker {
  const run = async (protocol: string, server: ServerEndpoint, password: string) => {
    const key = `${server.host}:${server.port}`;
    attempts.push(`${protocol} ${key} ${server.security} ${server.user} ${password}`);
    const outcome = outcomes[key] ?? 'host_not_found';
    if (outcome !== 'ok') throw new CoreError(outcome, `${outcome} at ${key}.`);
  };
  return {
    imap: async (server, password) => {
      await run('imap', server, password);
      return { capabilities: ['IMAP4REV1'], greeting: null, serverInfo: null, secure: true };
    },
    smtp: async (server, password) => {
      await run('smtp', server, password);
      return { secure: true };
    },
  };
}

async function failure(work: Promise<unknown>): Promise<CoreError> {
  const e: unknown = await work.then(
    () => new Error('expected a failure'),
    (x: unknown) => x,
  );
  if (e instanceof CoreError) return e;
  throw e;
}

const noAutoconfig = servingFetch({});

describe('guessCandidates', () => {
  it("follows chatmail core's order: imap./smtp., mail., bare domain; TLS before STARTTLS", () => {
    const { imap, smtp } = guessCandidates(ADDR);
    expect(imap.map((s) => `${s.host}:${s.port}:${s.security}`)).toEqual([
      'imap.example.org:993:tls',
      'imap.example.org:143:starttls',
      'mail.example.org:993:tls',
      'mail.example.org:143:starttls',
      'example.org:993:tls',
      'example.org:143:starttls',
    ]);
    expect(smtp.map((s) => `${s.host}:${s.port}:${s.security}`)).toEqual([
      'smtp.example.org:465:tls',
      'smtp.example.org:587:starttls',
      'mail.example.org:465:tls',
      'mail.example.org:587:starttls',
      'example.org:465:tls',
      'example.org:587:starttls',
    ]);
    expect(new Set([...imap, ...smtp].map((s) => s.user))).toEqual(new Set([ADDR]));
  });
});

describe('discoverSettings', () => {
  it('uses the first autoconfig document that has settings, and reports progress', async () => {
    const urls = [
      'https://autoconfig.example.org/mail/config-v1.1.xml?emailaddress=alice%40example.org',
      'https://example.org/.well-known/autoconfig/mail/config-v1.1.xml',
    ];
    const fetchCalls: string[] = [];
    const progress: DiscoveryProgress[] = [];
    const result = await discoverSettings(ADDR, PASSWORD, {
      fetch: servingFetch(
        {
          [urls[0] ?? '']: config(
            entry('incomingServer', 'in.example.org', 993, 'SSL'),
            entry('outgoingServer', 'out.example.org', 465, 'SSL'),
          ),
          [urls[1] ?? '']: config(
            entry('incomingServer', 'second.example.org', 993, 'SSL'),
            entry('outgoingServer', 'second.example.org', 465, 'SSL'),
          ),
        },
        fetchCalls,
      ),
      loginChecker: scriptedChecker({
        'in.example.org:993': 'ok',
        'out.example.org:465': 'ok',
        'second.example.org:993': 'ok',
        'second.example.org:465': 'ok',
      }),
      onProgress: (p) => progress.push(p),
    });
    expect(result.source).toBe('autoconfig');
    expect(result.autoconfigUrl).toBe(urls[0]);
    expect(result.settings).toEqual({
      imap: { host: 'in.example.org', port: 993, security: 'tls', user: ADDR },
      smtp: { host: 'out.example.org', port: 465, security: 'tls', user: ADDR },
      acceptInvalidCertificates: false,
    });
    expect(progress.map((p) => `${p.step} ${p.detail}`)).toEqual([
      `autoconfig ${urls[0]}`,
      'imap-login in.example.org:993 (TLS)',
      'smtp-login out.example.org:465 (TLS)',
    ]);
    // The ISPDB is a third party: never asked by default.
    expect(fetchCalls.some((u) => u.includes('thunderbird.net'))).toBe(false);
  });

  it('skips an unusable document and takes the next URL in order', async () => {
    const first =
      'https://autoconfig.example.org/mail/config-v1.1.xml?emailaddress=alice%40example.org';
    const second = 'https://example.org/.well-known/autoconfig/mail/config-v1.1.xml';
    const result = await discoverSettings(ADDR, PASSWORD, {
      fetch: servingFetch({
        [first]: '<html>parked domain</html>',
        [second]: config(entry('incomingServer', 'in.example.org', 143, 'STARTTLS')),
      }),
      loginChecker: scriptedChecker({
        'in.example.org:143': 'ok',
        'smtp.example.org:465': 'connection_refused',
        'smtp.example.org:587': 'ok',
      }),
    });
    expect(result.autoconfigUrl).toBe(second);
    expect(result.settings.imap.security).toBe('starttls');
    // The document had no SMTP server: SMTP was guessed (465 refused, then 587).
    expect(result.settings.smtp).toEqual({
      host: 'smtp.example.org',
      port: 587,
      security: 'starttls',
      user: ADDR,
    });
  });

  it('asks the ISPDB last, and only with useIspdb', async () => {
    const ispdb = 'https://autoconfig.thunderbird.net/v1.1/example.org';
    const calls: string[] = [];
    const result = await discoverSettings(ADDR, PASSWORD, {
      useIspdb: true,
      fetch: servingFetch(
        {
          [ispdb]: config(
            entry('incomingServer', 'in.example.org', 993, 'SSL'),
            entry('outgoingServer', 'out.example.org', 465, 'SSL'),
          ),
        },
        calls,
      ),
      loginChecker: scriptedChecker({ 'in.example.org:993': 'ok', 'out.example.org:465': 'ok' }),
    });
    expect(result.autoconfigUrl).toBe(ispdb);
    expect(calls.at(-1)).toBe(ispdb);
  });

  it('guesses when nothing is published, in order, stopping at the first working server', async () => {
    const attempts: string[] = [];
    const progress: DiscoveryProgress[] = [];
    const result = await discoverSettings(ADDR, PASSWORD, {
      fetch: noAutoconfig,
      smtpPassword: 'smtp-secret',
      loginChecker: scriptedChecker(
        {
          'imap.example.org:993': 'connection_refused',
          'imap.example.org:143': 'timeout',
          'mail.example.org:993': 'ok',
          'mail.example.org:465': 'ok',
        },
        attempts,
      ),
      onProgress: (p) => progress.push(p),
    });
    expect(result.source).toBe('guess');
    expect(result.autoconfigUrl).toBeNull();
    expect(attempts).toEqual([
      `imap imap.example.org:993 tls ${ADDR} secret`,
      `imap imap.example.org:143 starttls ${ADDR} secret`,
      `imap mail.example.org:993 tls ${ADDR} secret`,
      // smtp.example.org does not exist: its second port is not tried
      `smtp smtp.example.org:465 tls ${ADDR} smtp-secret`,
      `smtp mail.example.org:465 tls ${ADDR} smtp-secret`,
    ]);
    expect(progress.filter((p) => p.step === 'guess')).toHaveLength(2);
  });

  it('an auth failure beats "host not found", and the password is not tried again', async () => {
    const attempts: string[] = [];
    const e = await failure(
      discoverSettings(ADDR, PASSWORD, {
        fetch: noAutoconfig,
        loginChecker: scriptedChecker({ 'mail.example.org:993': 'auth_failed' }, attempts),
      }),
    );
    expect(e.code).toBe('auth_failed');
    expect(e.sentence).toBe('auth_failed at mail.example.org:993.');
    // imap. not found (1 try), mail.:993 refused the password, then nothing else.
    expect(attempts).toHaveLength(2);
  });

  it('a certificate problem beats a refused connection', async () => {
    const e = await failure(
      discoverSettings(ADDR, PASSWORD, {
        fetch: noAutoconfig,
        loginChecker: scriptedChecker({
          'imap.example.org:993': 'certificate_untrusted',
          'imap.example.org:143': 'connection_refused',
        }),
      }),
    );
    expect(e.code).toBe('certificate_untrusted');
  });

  it('says plainly when no server could be found at all', async () => {
    const e = await failure(
      discoverSettings(ADDR, PASSWORD, { fetch: noAutoconfig, loginChecker: scriptedChecker({}) }),
    );
    expect(e.code).toBe('autoconfig_failed');
    expect(e.sentence).toMatch(/imap\.example\.org, mail\.example\.org or example\.org/);
    expect(e.sentence).toMatch(/Enter the server settings by hand/);
  });

  it('reports the SMTP failure when IMAP worked', async () => {
    const e = await failure(
      discoverSettings(ADDR, PASSWORD, {
        fetch: noAutoconfig,
        loginChecker: scriptedChecker({
          'imap.example.org:993': 'ok',
          'smtp.example.org:465': 'auth_failed',
        }),
      }),
    );
    expect(e.code).toBe('auth_failed');
    expect(e.sentence).toContain('smtp.example.org:465');
  });

  it('does not fall back to guessing when the published servers fail', async () => {
    const attempts: string[] = [];
    const e = await failure(
      discoverSettings(ADDR, PASSWORD, {
        autoconfigUrls: () => ['https://config.test/a.xml'],
        fetch: servingFetch({
          'https://config.test/a.xml': config(
            entry('incomingServer', 'in.example.org', 993, 'SSL'),
          ),
        }),
        loginChecker: scriptedChecker({ 'in.example.org:993': 'timeout' }, attempts),
      }),
    );
    expect(e.code).toBe('timeout');
    expect(attempts).toHaveLength(1);
  });

  it('accepts http: autoconfig URLs only from an explicit override', async () => {
    const calls: string[] = [];
    const result = await discoverSettings(ADDR, PASSWORD, {
      autoconfigUrls: (addr) => [`http://127.0.0.1:1/config.xml?for=${encodeURIComponent(addr)}`],
      fetch: servingFetch(
        {
          'http://127.0.0.1:1/config.xml?for=alice%40example.org': config(
            entry('incomingServer', 'in.example.org', 993, 'SSL'),
            entry('outgoingServer', 'out.example.org', 465, 'SSL'),
          ),
        },
        calls,
      ),
      loginChecker: scriptedChecker({ 'in.example.org:993': 'ok', 'out.example.org:465': 'ok' }),
    });
    expect(result.source).toBe('autoconfig');
    expect(calls).toEqual(['http://127.0.0.1:1/config.xml?for=alice%40example.org']);
  });

  it('refuses a malformed trusted certificate before any network call', async () => {
    const calls: string[] = [];
    const e = await failure(
      discoverSettings(ADDR, PASSWORD, {
        trustedCertificates: ['garbage'],
        fetch: servingFetch({}, calls),
        loginChecker: scriptedChecker({}),
      }),
    );
    expect(e.code).toBe('invalid_input');
    expect(calls).toEqual([]);
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    const checker = scriptedChecker({});
    const e: unknown = await discoverSettings(ADDR, PASSWORD, {
      fetch: noAutoconfig,
      signal: controller.signal,
      loginChecker: {
        ...checker,
        imap: async (...args) => {
          controller.abort(new Error('cancelled by user'));
          return checker.imap(...args);
        },
      },
    }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(Error);
    expect((e as Error).message).toBe('cancelled by user');
  });
});
