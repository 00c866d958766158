// Proves the test bed itself: real Postfix + Dovecot on loopback behave like a provider the
// app will meet (TLS from a CA nobody trusts by default, AUTH on submission, IDLE push), and
// the test conveniences (inject, restart, fast failed logins) do what they promise.
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { afterEach, describe, expect, it } from 'vitest';
import { mailServer } from '../mailserver/index.ts';
import type { TestUser } from '../mailserver/index.ts';

const ms = mailServer();
const { host, ports, caCertPem, domain } = ms.info;
const openClients: ImapFlow[] = [];

afterEach(async () => {
  await Promise.all(openClients.splice(0).map((client) => client.logout().catch(() => undefined)));
});

function imapClient(
  user: TestUser,
  options: { secure: boolean; trustTestCa?: boolean; password?: string },
): ImapFlow {
  const client = new ImapFlow({
    host,
    port: options.secure ? ports.imaps : ports.imap,
    secure: options.secure,
    doSTARTTLS: options.secure ? undefined : true,
    auth: { user: user.address, pass: options.password ?? user.password },
    tls: options.trustTestCa === false ? {} : { ca: [caCertPem] },
    logger: false,
    disableAutoIdle: true,
  });
  // Without a listener a late socket error would crash the worker.
  client.on('error', () => undefined);
  openClients.push(client);
  return client;
}

function smtpTransport(user: TestUser, port: 'submission' | 'smtps', password?: string) {
  return nodemailer.createTransport({
    host,
    port: ports[port],
    secure: port === 'smtps',
    requireTLS: port === 'submission',
    auth: { user: user.address, pass: password ?? user.password },
    tls: { ca: [caCertPem] },
  });
}

function rawMessage(from: string, to: string, subject: string): string {
  return [
    `From: ${from}`,
    `To: ${to}`,
    `Subject: ${subject}`,
    `Message-ID: <${subject.replace(/\W/g, '-')}-${Date.now()}@${domain}>`,
    `Date: ${new Date().toUTCString()}`,
    '',
    `Body of ${subject}`,
    '',
  ].join('\r\n');
}

async function eventually<T>(probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

async function inboxSubjects(user: TestUser): Promise<string[]> {
  const client = imapClient(user, { secure: true });
  await client.connect();
  const lock = await client.getMailboxLock('INBOX');
  try {
    const messages = await client.fetchAll('1:*', { envelope: true });
    return messages.map((message) => message.envelope?.subject ?? '');
  } catch {
    return []; // an empty mailbox has no 1:*
  } finally {
    lock.release();
  }
}

describe('test mail server', () => {
  it('serves IMAPS and IMAP STARTTLS with a certificate of its own test CA', async () => {
    const alice = await ms.addUser();
    expect(alice.address).toMatch(new RegExp(`^[a-z]+-[a-z0-9]{5}@${domain.replace('.', '\\.')}$`));

    const implicit = imapClient(alice, { secure: true });
    await implicit.connect();
    expect(implicit.secureConnection).toBe(true);
    expect(implicit.capabilities.has('IDLE')).toBe(true);

    const upgraded = imapClient(alice, { secure: false });
    await upgraded.connect();
    expect(upgraded.secureConnection).toBe(true);
    expect(upgraded.capabilities.has('CONDSTORE')).toBe(true);
    expect(upgraded.capabilities.has('METADATA')).toBe(true);
  });

  it('is not trusted by a client that does not know the test CA', async () => {
    const alice = await ms.addUser();
    const client = imapClient(alice, { secure: true, trustTestCa: false });
    await expect(client.connect()).rejects.toThrow(/certificate/i);
  });

  it('accepts authenticated submission (STARTTLS and SMTPS) and delivers to the INBOX', async () => {
    const alice = await ms.addUser();
    const bob = await ms.addUser();
    const viaSubmission = smtpTransport(alice, 'submission');
    const viaSmtps = smtpTransport(alice, 'smtps');
    try {
      await viaSubmission.sendMail({
        from: alice.address,
        to: bob.address,
        subject: 'over submission',
        text: 'hello bob',
      });
      await viaSmtps.sendMail({
        from: alice.address,
        to: bob.address,
        subject: 'over smtps',
        text: 'hello again',
      });
    } finally {
      viaSubmission.close();
      viaSmtps.close();
    }
    const subjects = await eventually(async () => {
      const found = await inboxSubjects(bob);
      return found.length === 2 ? found : undefined;
    });
    expect(subjects.sort()).toEqual(['over smtps', 'over submission']);
  });

  it('refuses submission without authentication and mail for unknown users', async () => {
    const alice = await ms.addUser();
    const anonymous = nodemailer.createTransport({
      host,
      port: ports.submission,
      requireTLS: true,
      tls: { ca: [caCertPem] },
    });
    try {
      await expect(
        anonymous.sendMail({ from: alice.address, to: alice.address, text: 'x' }),
      ).rejects.toThrow(/5\d\d/);
    } finally {
      anonymous.close();
    }
    await expect(
      ms.inject(rawMessage(alice.address, `nobody@${domain}`, 'lost'), {
        from: alice.address,
        to: [`nobody@${domain}`],
      }),
    ).rejects.toThrow(/unknown|rejected/i);
    await expect(
      ms.inject(rawMessage(alice.address, 'someone@example.org', 'relay'), {
        from: alice.address,
        to: ['someone@example.org'],
      }),
    ).rejects.toThrow(/relay|rejected/i);
  });

  it('refuses mail for other domains, so nothing can leave the machine', async () => {
    const alice = await ms.addUser();
    const transport = smtpTransport(alice, 'submission');
    try {
      await expect(
        transport.sendMail({
          from: alice.address,
          to: 'someone@example.org',
          subject: 'to the outside',
          text: 'must never leave',
        }),
      ).rejects.toThrow(/delivers only to/);
    } finally {
      transport.close();
    }
  });

  it('injects mail without authentication, delivered when inject resolves', async () => {
    const bob = await ms.addUser();
    await ms.inject(rawMessage(`mallory@${domain}`, bob.address, 'injected one'), {
      from: `mallory@${domain}`,
      to: [bob.address],
    });
    const files = await ms.mailbox(bob.address);
    expect(files).toHaveLength(1);
    expect(files[0]?.raw.toString('latin1')).toContain('Subject: injected one');
    expect(await inboxSubjects(bob)).toEqual(['injected one']);
  });

  it('rejects a wrong password at once, and the right one right after', async () => {
    const alice = await ms.addUser();
    for (let attempt = 0; attempt < 3; attempt++) {
      const started = Date.now();
      const wrong = imapClient(alice, { secure: true, password: 'not-the-password' });
      await expect(wrong.connect()).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(2000);
    }
    const started = Date.now();
    const transport = smtpTransport(alice, 'submission', 'not-the-password');
    try {
      await expect(transport.verify()).rejects.toThrow(/535|auth/i);
    } finally {
      transport.close();
    }
    expect(Date.now() - started).toBeLessThan(2000);

    const right = imapClient(alice, { secure: true });
    const loginStarted = Date.now();
    await right.connect();
    expect(Date.now() - loginStarted).toBeLessThan(2000);
  });

  it('keeps users and mailboxes across a restart', async () => {
    const bob = await ms.addUser();
    await ms.inject(rawMessage(`sender@${domain}`, bob.address, 'before restart'), {
      from: `sender@${domain}`,
      to: [bob.address],
    });
    await ms.restart();
    expect(await inboxSubjects(bob)).toEqual(['before restart']);
    await ms.inject(rawMessage(`sender@${domain}`, bob.address, 'after restart'), {
      from: `sender@${domain}`,
      to: [bob.address],
    });
    expect((await ms.mailbox(bob.address)).length).toBe(2);
  });

  it('pushes a new message to an IDLE client', async () => {
    const bob = await ms.addUser();
    const client = imapClient(bob, { secure: false });
    await client.connect();
    await client.mailboxOpen('INBOX');
    const arrived = new Promise<number>((resolve) => {
      client.on('exists', (event) => resolve(event.count));
    });
    void client.idle().catch(() => undefined);
    const sent = Date.now();
    await ms.inject(rawMessage(`sender@${domain}`, bob.address, 'pushed'), {
      from: `sender@${domain}`,
      to: [bob.address],
    });
    expect(await arrived).toBe(1);
    // Dovecot 2.3 notifies IDLE clients 0.5 s after delivery; anything far beyond is a bug.
    expect(Date.now() - sent).toBeLessThan(5000);
  });
});
