/**
 * A plain IMAP client on the test server, for tests and benchmarks that look at a mailbox the way
 * another mail client would: implicit TLS trusting the server's test CA, connected, with a late
 * socket error kept from crashing the process. The caller logs out.
 */
import { ImapFlow } from 'imapflow';
import type { MailServerInfo, TestUser } from './server.ts';

export async function connectImap(info: MailServerInfo, user: TestUser): Promise<ImapFlow> {
  const client = new ImapFlow({
    host: info.host,
    port: info.ports.imaps,
    secure: true,
    tls: { ca: [info.caCertPem] },
    auth: { user: user.address, pass: user.password },
    logger: false,
  });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}
