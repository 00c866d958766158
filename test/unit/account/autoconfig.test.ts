import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  autoconfigUrls,
  fetchAutoconfig,
  parseAutoconfigXml,
} from '../../../main/core/account/autoconfig.ts';
import { CoreError } from '../../../main/core/errors.ts';

const ADDR = 'alice.smith@example.org';

// Shaped like the files real providers publish: several entries, POP3 beside IMAP, an OAuth2
// entry, placeholders, comments, a CDATA section.
const providerXml = `<?xml version="1.0" encoding="UTF-8"?>
<!-- Mail settings for example.org -->
<clientConfig version="1.1">
  <emailProvider id="example.org">
    <domain>example.org</domain>
    <domain>example.net</domain>
    <displayName>Example Mail</displayName>
    <displayShortName>Example</displayShortName>
    <incomingServer type="imap">
      <hostname>imap.%EMAILDOMAIN%</hostname>
      <port>993</port>
      <socketType>SSL</socketType>
      <username>%EMAILADDRESS%</username>
      <authentication>OAuth2</authentication>
      <authentication>password-cleartext</authentication>
    </incomingServer>
    <incomingServer type="pop3">
      <hostname>pop.example.org</hostname>
      <port>995</port>
      <socketType>SSL</socketType>
      <username>%EMAILADDRESS%</username>
      <authentication>password-cleartext</authentication>
    </incomingServer>
    <incomingServer type="imap">
      <hostname>mail.example.org</hostname>
      <port>143</port>
      <socketType>STARTTLS</socketType>
      <username><![CDATA[%EMAILLOCALPART%]]></username>
      <authentication>password-encrypted</authentication>
    </incomingServer>
    <incomingServer type="imap">
      <hostname>oauth-only.example.org</hostname>
      <port>993</port>
      <socketType>SSL</socketType>
      <username>%EMAILADDRESS%</username>
      <authentication>OAuth2</authentication>
    </incomingServer>
    <incomingServer type="imap">
      <hostname>cleartext.example.org</hostname>
      <port>143</port>
      <socketType>plain</socketType>
      <username>%EMAILADDRESS%</username>
      <authentication>password-cleartext</authentication>
    </incomingServer>
    <outgoingServer type="smtp">
      <hostname>smtp.example.org</hostname>
      <port>465</port>
      <socketType>SSL</socketType>
      <username>%EMAILADDRESS%</username>
      <authentication>password-cleartext</authentication>
    </outgoingServer>
    <outgoingServer type="smtp">
      <hostname>smtp.example.org</hostname>
      <port>587</port>
      <socketType>STARTTLS</socketType>
      <username>%EMAILLOCALPART%@%EMAILDOMAIN%</username>
      <authentication>password-cleartext</authentication>
    </outgoingServer>
    <outgoingServer type="smtp">
      <hostname>relay.example.org</hostname>
      <port>25</port>
      <socketType>plain</socketType>
      <authentication>client-IP-address</authentication>
    </outgoingServer>
    <documentation url="https://example.org/help/mail">
      <descr lang="en">Generic settings page</descr>
    </documentation>
  </emailProvider>
</clientConfig>`;

function minimalXml(incoming: string, outgoing = ''): string {
  return `<clientConfig version="1.1"><emailProvider id="x">${incoming}${outgoing}</emailProvider></clientConfig>`;
}

function imapEntry(fields: string, type = 'imap'): string {
  return `<incomingServer type="${type}">${fields}</incomingServer>`;
}

function autoconfigError(fn: () => unknown): CoreError {
  try {
    fn();
  } catch (e) {
    if (e instanceof CoreError) return e;
    throw e;
  }
  throw new Error('expected a CoreError');
}

describe('parseAutoconfigXml', () => {
  it('reads IMAP and SMTP entries in order, with placeholders filled in', () => {
    expect(parseAutoconfigXml(providerXml, ADDR)).toEqual({
      imap: [
        { host: 'imap.example.org', port: 993, security: 'tls', user: ADDR },
        { host: 'mail.example.org', port: 143, security: 'starttls', user: 'alice.smith' },
      ],
      smtp: [
        { host: 'smtp.example.org', port: 465, security: 'tls', user: ADDR },
        { host: 'smtp.example.org', port: 587, security: 'starttls', user: ADDR },
      ],
    });
  });

  it('skips POP3, plain, OAuth2-only and client-IP entries', () => {
    const result = parseAutoconfigXml(providerXml, ADDR);
    const hosts = [...result.imap, ...result.smtp].map((s) => s.host);
    expect(hosts).not.toContain('pop.example.org');
    expect(hosts).not.toContain('cleartext.example.org');
    expect(hosts).not.toContain('oauth-only.example.org');
    expect(hosts).not.toContain('relay.example.org');
  });

  it('uses the full address when no username is given and decodes predefined entities', () => {
    const xml = minimalXml(
      imapEntry(
        '<hostname>imap.example.org</hostname><port>993</port><socketType>SSL</socketType>',
      ) +
        imapEntry(
          '<hostname>imap2.example.org</hostname><port>993</port><socketType>SSL</socketType><username>corp\\a&amp;b</username>',
        ),
    );
    const { imap, smtp } = parseAutoconfigXml(xml, ADDR);
    expect(imap.map((s) => s.user)).toEqual([ADDR, 'corp\\a&b']);
    expect(smtp).toEqual([]);
  });

  it('drops entries with a bad host, port or username and keeps the good one', () => {
    const bad = [
      '<hostname>evil host</hostname><port>993</port><socketType>SSL</socketType>',
      '<hostname>https://x.example</hostname><port>993</port><socketType>SSL</socketType>',
      '<hostname>imap.example.org</hostname><port>0</port><socketType>SSL</socketType>',
      '<hostname>imap.example.org</hostname><port>70000</port><socketType>SSL</socketType>',
      '<hostname>imap.example.org</hostname><port>99x</port><socketType>SSL</socketType>',
      '<hostname>imap.example.org</hostname><port>993</port><socketType>TLS1.0</socketType>',
      '<hostname>imap.example.org</hostname><port>993</port><socketType>SSL</socketType><username>a&#13;&#10;b</username>',
      '<port>993</port><socketType>SSL</socketType>',
    ].map((f) => imapEntry(f));
    const good = imapEntry(
      '<hostname>IMAP.Example.ORG.</hostname><port>993</port><socketType>ssl</socketType>',
    );
    const { imap } = parseAutoconfigXml(minimalXml(bad.join('') + good), ADDR);
    expect(imap).toEqual([{ host: 'imap.example.org', port: 993, security: 'tls', user: ADDR }]);
  });

  it('converts an internationalized host name to punycode', () => {
    const xml = minimalXml(
      imapEntry(
        '<hostname>imap.bücher.example</hostname><port>993</port><socketType>SSL</socketType>',
      ),
    );
    expect(parseAutoconfigXml(xml, ADDR).imap[0]?.host).toBe('imap.xn--bcher-kva.example');
  });

  it('refuses a document without a usable IMAP server', () => {
    const pop = minimalXml(
      imapEntry(
        '<hostname>pop.example.org</hostname><port>995</port><socketType>SSL</socketType>',
        'pop3',
      ),
    );
    expect(autoconfigError(() => parseAutoconfigXml(pop, ADDR)).code).toBe('autoconfig_failed');
  });

  it('refuses documents that are not clientConfig', () => {
    expect(
      autoconfigError(() => parseAutoconfigXml('<html><body>404</body></html>', ADDR)).sentence,
    ).toMatch(/clientConfig/);
    expect(autoconfigError(() => parseAutoconfigXml('<clientConfig/>', ADDR)).code).toBe(
      'autoconfig_failed',
    );
    expect(autoconfigError(() => parseAutoconfigXml('', ADDR)).code).toBe('autoconfig_failed');
  });

  it('refuses malformed XML', () => {
    const broken = providerXml.replace('</incomingServer>', '');
    const e = autoconfigError(() => parseAutoconfigXml(broken, ADDR));
    expect(e.code).toBe('autoconfig_failed');
    expect(e.sentence).toMatch(/not well-formed/);
  });

  it('refuses entity expansion (billion laughs) quickly', () => {
    const lol = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<clientConfig><emailProvider id="x"><incomingServer type="imap"><hostname>&lol9;</hostname>
<port>993</port><socketType>SSL</socketType></incomingServer></emailProvider></clientConfig>`;
    const started = Date.now();
    const e = autoconfigError(() => parseAutoconfigXml(lol, ADDR));
    expect(e.code).toBe('autoconfig_failed');
    expect(e.sentence).toMatch(/DOCTYPE/);
    expect(Date.now() - started).toBeLessThan(500);
  });

  it('refuses an external entity (XXE)', () => {
    const xxe = `<?xml version="1.0"?><!DOCTYPE c [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<clientConfig><emailProvider><incomingServer type="imap"><hostname>&x;</hostname></incomingServer></emailProvider></clientConfig>`;
    expect(autoconfigError(() => parseAutoconfigXml(xxe, ADDR)).code).toBe('autoconfig_failed');
  });

  it('leaves undeclared entities alone instead of expanding them', () => {
    const xml = minimalXml(
      imapEntry(
        '<hostname>imap.example.org</hostname><port>993</port><socketType>SSL</socketType><username>&foo;</username>',
      ),
    );
    expect(parseAutoconfigXml(xml, ADDR).imap[0]?.user).toBe('&foo;');
  });

  it('refuses a document over 1 MB', () => {
    const huge = providerXml.replace('<!-- Mail', `<!-- ${'x'.repeat(1024 * 1024)} Mail`);
    const e = autoconfigError(() => parseAutoconfigXml(huge, ADDR));
    expect(e.code).toBe('autoconfig_failed');
    expect(e.sentence).toMatch(/1 MB/);
  });

  it('refuses absurd nesting', () => {
    const deep = `<clientConfig>${'<a>'.repeat(5000)}${'</a>'.repeat(5000)}</clientConfig>`;
    expect(autoconfigError(() => parseAutoconfigXml(deep, ADDR)).code).toBe('autoconfig_failed');
  });

  it('is not fooled by prototype-pollution element names', () => {
    const xml = minimalXml(
      '<__proto__><polluted>yes</polluted></__proto__>' +
        imapEntry(
          '<hostname>imap.example.org</hostname><port>993</port><socketType>SSL</socketType>',
        ),
    );
    expect(() => parseAutoconfigXml(xml, ADDR)).toThrow(CoreError);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('autoconfigUrls', () => {
  it("lists the domain's own URLs in chatmail core's order, HTTPS only", () => {
    expect(autoconfigUrls('Bob+chat@Example.ORG')).toEqual([
      'https://autoconfig.example.org/mail/config-v1.1.xml?emailaddress=Bob%2Bchat%40example.org',
      'https://example.org/.well-known/autoconfig/mail/config-v1.1.xml',
    ]);
  });

  it('asks the ISPDB (a third party) only when allowed', () => {
    const urls = autoconfigUrls(ADDR, { useIspdb: true });
    expect(urls).toHaveLength(3);
    expect(urls[2]).toBe('https://autoconfig.thunderbird.net/v1.1/example.org');
    expect(autoconfigUrls(ADDR).some((u) => u.includes('thunderbird.net'))).toBe(false);
  });

  it('rejects something that is not an address', () => {
    expect(() => autoconfigUrls('example.org')).toThrow(/not an email address/);
    expect(() => autoconfigUrls('a@b c')).toThrow(CoreError);
  });
});

describe('fetchAutoconfig over a local HTTP server', () => {
  let server: http.Server;
  let base: string;
  const hits: string[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      hits.push(req.url ?? '');
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      if (path === '/config.xml') {
        res.writeHead(200, { 'content-type': 'application/xml' });
        res.end(providerXml);
      } else if (path === '/redirect-https') {
        res.writeHead(302, { location: 'https://127.0.0.1:1/config.xml' });
        res.end();
      } else if (path === '/redirect-http') {
        res.writeHead(301, { location: '/config.xml' });
        res.end();
      } else if (path === '/loop') {
        res.writeHead(302, { location: '/loop' });
        res.end();
      } else if (path === '/endless') {
        // Streams without a length header, well past the cap.
        res.writeHead(200, { 'content-type': 'application/xml' });
        const chunk = 'x'.repeat(64 * 1024);
        let sent = 0;
        const pump = (): void => {
          while (sent < 4 * 1024 * 1024) {
            sent += chunk.length;
            if (!res.write(chunk)) return void res.once('drain', pump);
          }
          res.end();
        };
        pump();
      } else if (path === '/slow') {
        setTimeout(() => res.end(providerXml), 5000).unref();
      } else {
        res.writeHead(404);
        res.end('not here');
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  const failureOf = async (p: Promise<unknown>): Promise<CoreError> => {
    const e: unknown = await p.then(
      () => new Error('expected a failure'),
      (x: unknown) => x,
    );
    if (e instanceof CoreError) return e;
    throw e;
  };

  it('refuses http: unless the caller allowed it explicitly', async () => {
    const before = hits.length;
    const e = await failureOf(fetchAutoconfig(`${base}/config.xml`, ADDR));
    expect(e.code).toBe('autoconfig_failed');
    expect(e.sentence).toMatch(/HTTPS only/);
    expect(hits.length).toBe(before);
  });

  it('fetches and parses when http: is allowed', async () => {
    const result = await fetchAutoconfig(`${base}/config.xml`, ADDR, { allowHttp: true });
    expect(result.imap[0]?.host).toBe('imap.example.org');
  });

  it('follows a same-scheme redirect from an allowed http URL', async () => {
    const result = await fetchAutoconfig(`${base}/redirect-http`, ADDR, { allowHttp: true });
    expect(result.smtp).toHaveLength(2);
  });

  it('gives up on redirect loops', async () => {
    const e = await failureOf(fetchAutoconfig(`${base}/loop`, ADDR, { allowHttp: true }));
    expect(e.sentence).toMatch(/redirected/);
  });

  it('never follows a redirect from https to http', async () => {
    const fakeFetch = async (url: string): Promise<Response> =>
      url.startsWith('https:')
        ? new Response(null, { status: 302, headers: { location: `${base}/config.xml` } })
        : new Response(providerXml);
    const e = await failureOf(
      fetchAutoconfig('https://autoconfig.example.org/mail/config-v1.1.xml', ADDR, {
        fetch: fakeFetch,
        allowHttp: true,
      }),
    );
    expect(e.sentence).toMatch(/HTTPS only/);
  });

  it('reports a 404 as autoconfig_failed naming the URL', async () => {
    const e = await failureOf(fetchAutoconfig(`${base}/missing.xml`, ADDR, { allowHttp: true }));
    expect(e.code).toBe('autoconfig_failed');
    expect(e.sentence).toContain('/missing.xml');
    expect(e.sentence).toContain('404');
  });

  it('stops reading a body that grows past the cap', async () => {
    const e = await failureOf(fetchAutoconfig(`${base}/endless`, ADDR, { allowHttp: true }));
    expect(e.sentence).toMatch(/larger than/);
  });

  it('times out on a server that does not answer', async () => {
    const e = await failureOf(
      fetchAutoconfig(`${base}/slow`, ADDR, { allowHttp: true, timeoutMs: 200 }),
    );
    expect(e.code).toBe('timeout');
  });

  it('refuses other schemes even when http is allowed', async () => {
    const e = await failureOf(fetchAutoconfig('file:///etc/passwd', ADDR, { allowHttp: true }));
    expect(e.sentence).toMatch(/HTTPS only/);
  });
});
