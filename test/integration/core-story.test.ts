/**
 * Issue 2's story against the real Postfix + Dovecot: two cores, alice and bob, set up, talk,
 * upgrade to end-to-end encryption, and survive bad mail, crashes and server outages.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { spawn } from 'node:child_process';
import { writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import nodemailer from 'nodemailer';
import type { ImapFlow } from 'imapflow';
import { mailServer } from '../mailserver/index.ts';
import { connectImap } from '../mailserver/imap-client.ts';
import { manualSettings, newPeer, observe, openCore } from '../support/peer.ts';
import type { Peer } from '../support/peer.ts';
import type { Core } from '../../main/core/core.ts';

const ms = mailServer();
const cores: Core[] = [];
afterAll(async () => {
  for (const c of cores) await c.close();
});
async function peer(name: string): Promise<Peer> {
  const p = await newPeer(ms, name);
  cores.push(p.core);
  return p;
}

/** Send as an ordinary mail client would: plain text over authenticated submission. */
async function sendPlainMail(
  from: { address: string; password: string },
  to: string,
  subject: string,
  text: string,
) {
  const transport = nodemailer.createTransport({
    host: '127.0.0.1',
    port: ms.info.ports.submission,
    secure: false,
    requireTLS: true,
    auth: { user: from.address, pass: from.password },
    tls: { ca: [ms.info.caCertPem] },
  });
  try {
    await transport.sendMail({ from: `Carol Classic <${from.address}>`, to, subject, text });
  } finally {
    transport.close();
  }
}

describe('account set-up', () => {
  it('sets alice and bob up from address + password through autoconfig served over local HTTP', async () => {
    const xml = `<?xml version="1.0"?>
<clientConfig version="1.1"><emailProvider id="${ms.info.domain}"><domain>${ms.info.domain}</domain>
<incomingServer type="imap"><hostname>127.0.0.1</hostname><port>${ms.info.ports.imaps}</port><socketType>SSL</socketType><username>%EMAILADDRESS%</username><authentication>password-cleartext</authentication></incomingServer>
<outgoingServer type="smtp"><hostname>127.0.0.1</hostname><port>${ms.info.ports.submission}</port><socketType>STARTTLS</socketType><username>%EMAILADDRESS%</username><authentication>password-cleartext</authentication></outgoingServer>
</emailProvider></clientConfig>`;
    const requests: string[] = [];
    const http = createServer((req, res) => {
      requests.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'application/xml' }).end(xml);
    });
    await new Promise<void>((r) => http.listen(0, '127.0.0.1', r));
    const port = (http.address() as AddressInfo).port;
    try {
      for (const name of ['alice', 'bob']) {
        const user = await ms.addUser(`${name}-auto-${Date.now().toString(36)}`);
        const { core } = await openCore(ms, undefined, {
          autoconfigUrls: (addr) => [
            `http://127.0.0.1:${port}/mail/config-v1.1.xml?emailaddress=${encodeURIComponent(addr)}`,
          ],
          startIo: false,
        });
        cores.push(core);
        const obs = observe(core);
        const account = await core.call('addAccount', {
          addr: user.address,
          password: user.password,
        });
        expect(account.addr).toBe(user.address);
        expect(account.settings.imap).toMatchObject({
          host: '127.0.0.1',
          port: ms.info.ports.imaps,
          security: 'tls',
        });
        expect(account.settings.smtp).toMatchObject({
          port: ms.info.ports.submission,
          security: 'starttls',
        });
        expect(account.fingerprint).toMatch(/^[0-9A-F]{40}$/);
        expect(obs.events.some((e) => e.type === 'accountSetupProgress' && e.step === 'done')).toBe(
          true,
        );
      }
      expect(requests.length).toBeGreaterThanOrEqual(2);
    } finally {
      http.close();
    }
  });

  it('sets an account up from manual settings', async () => {
    const alice = await peer('alice');
    expect(alice.account.settings.imap.port).toBe(ms.info.ports.imaps);
    expect(await alice.core.call('listAccounts', {})).toHaveLength(1);
  });

  it('gives a wrong password, a closed port and an untrusted certificate each its own sentence', async () => {
    const user = await ms.addUser(`dave-${Date.now().toString(36)}`);
    const { core } = await openCore(ms, undefined, { startIo: false });
    cores.push(core);
    const good = manualSettings(ms, user);
    const wrong = await core
      .call('addAccountManual', {
        addr: user.address,
        password: 'not-the-password',
        settings: good,
      })
      .catch((e: Error & { code?: string }) => e);
    const closed = await core
      .call('addAccountManual', {
        addr: user.address,
        password: user.password,
        settings: { ...good, imap: { ...good.imap, port: 1 } },
      })
      .catch((e: Error & { code?: string }) => e);
    const { core: untrusting } = await openCore(ms, undefined, {
      startIo: false,
      trustedCertificates: [],
    });
    cores.push(untrusting);
    const untrusted = await untrusting
      .call('addAccountManual', { addr: user.address, password: user.password, settings: good })
      .catch((e: Error & { code?: string }) => e);
    expect([wrong, closed, untrusted].map((e) => (e as { code?: string }).code)).toEqual([
      'auth_failed',
      'connection_refused',
      'certificate_untrusted',
    ]);
    const sentences = [wrong, closed, untrusted].map((e) => (e as Error).message);
    expect(new Set(sentences).size).toBe(3);
    for (const s of sentences) expect(s).toMatch(/^[A-Z].*\.$/s);
    // Nothing half-made was left behind.
    expect(await core.call('listAccounts', {})).toHaveLength(0);
  });
});

describe('alice and bob', () => {
  it("alice's first message is cleartext with Autocrypt; bob's reply and all after are encrypted and signed", async () => {
    const alice = await peer('alice');
    const bob = await peer('bob');
    const aChat = await alice.core.call('createChatByAddress', {
      accountId: alice.account.id,
      addr: bob.user.address,
    });
    expect(aChat.encrypted).toBe(false);
    const first = await alice.core.call('sendMessage', {
      accountId: alice.account.id,
      chatId: aChat.id,
      text: 'Hi Bob, this is Alice',
    });
    expect(first.state).toBe('pending');

    const atBob = await bob.receive('Hi Bob, this is Alice');
    expect(atBob.encryption).toBe('none');
    const bChat = await bob.core.call('getChat', {
      accountId: bob.account.id,
      chatId: atBob.chatId,
    });
    expect(bChat.isRequest).toBe(true);
    // The cleartext message on the server carried alice's key.
    const raw = (await ms.mailbox(bob.user.address)).map((f) => f.raw.toString('latin1'));
    expect(
      raw.some((r) => /^Autocrypt: addr=/im.test(r) && r.includes('Hi Bob, this is Alice')),
    ).toBe(true);
    const sentAtAlice = await alice.core.call('getMessage', {
      accountId: alice.account.id,
      messageId: first.id,
    });
    expect(sentAtAlice).toMatchObject({ state: 'sent', encryption: 'none' });

    await bob.core.call('acceptChat', { accountId: bob.account.id, chatId: bChat.id });
    const reply = await bob.core.call('sendMessage', {
      accountId: bob.account.id,
      chatId: bChat.id,
      text: 'Hello Alice, encrypted now',
    });
    const atAlice = await alice.receive('Hello Alice, encrypted now');
    expect(atAlice.encryption).toBe('encrypted');
    expect(
      (await bob.core.call('getMessage', { accountId: bob.account.id, messageId: reply.id }))
        .encryption,
    ).toBe('encrypted');
    expect(
      (await alice.core.call('getChat', { accountId: alice.account.id, chatId: aChat.id }))
        .encrypted,
    ).toBe(true);
    expect(
      (await bob.core.call('getChat', { accountId: bob.account.id, chatId: bChat.id })).encrypted,
    ).toBe(true);

    for (let i = 0; i < 2; i++) {
      const text = `alice secret ${i}`;
      await alice.core.call('sendMessage', { accountId: alice.account.id, chatId: aChat.id, text });
      expect((await bob.receive(text)).encryption).toBe('encrypted');
      const back = `bob secret ${i}`;
      await bob.core.call('sendMessage', {
        accountId: bob.account.id,
        chatId: bChat.id,
        text: back,
      });
      expect((await alice.receive(back)).encryption).toBe('encrypted');
    }

    // What the server stores of an encrypted message reveals none of its content or metadata.
    const files = await ms.mailbox(bob.user.address);
    // Only the trace lines the server adds on delivery (Return-Path, Delivered-To, Received)
    // name the mailbox: the server knows its own envelope. Everything Estafette wrote must not.
    const withoutTrace = (r: string) =>
      r.replace(/^(Return-Path|Delivered-To|X-Original-To|Received):.*(\r?\n[ \t].*)*\r?\n/gim, '');
    // The ciphertext is random base64 that can spell "Bob" by chance; what matters is the rest.
    const withoutArmor = (r: string) =>
      r.replace(/-----BEGIN PGP MESSAGE-----[\s\S]*?-----END PGP MESSAGE-----/g, '<armor>');
    const encrypted = files
      .map((f) => withoutArmor(withoutTrace(f.raw.toString('latin1'))))
      .filter((r) => r.includes('multipart/encrypted'));
    expect(encrypted.length).toBeGreaterThanOrEqual(2);
    for (const r of encrypted) {
      expect(r).toContain('<armor>');
      expect(r).not.toContain('alice secret');
      expect(r).not.toContain('Message from');
      expect(r).not.toMatch(/^Subject: (?!\[\.\.\.\])/im);
      expect(r).not.toContain('Alice');
      expect(r).not.toContain('Bob');
      expect(r).not.toContain(bob.user.address.split('@')[0]!);
      expect(r).not.toMatch(/^Chat-Version:/im);
      expect(r).toMatch(/^To: "hidden-recipients": ?;/im);
    }
  });

  it('shows a plain email as a contact request; accepting makes it a chat; blocking hides later mail', async () => {
    const bob = await peer('bob');
    const carol = await ms.addUser(`carol-${Date.now().toString(36)}`);
    await sendPlainMail(carol, bob.user.address, 'Lunch?', 'Are we still on for lunch?\n\nCarol');
    const m = await bob.receive(/still on for lunch/);
    expect(m.classicEmail).toBe(true);
    expect(m.encryption).toBe('none');
    let chat = await bob.core.call('getChat', { accountId: bob.account.id, chatId: m.chatId });
    expect(chat.isRequest).toBe(true);
    chat = await bob.core.call('acceptChat', { accountId: bob.account.id, chatId: m.chatId });
    expect(chat.isRequest).toBe(false);
    expect(chat.name).toBe('Carol Classic');

    const dave = await ms.addUser(`dave-${Date.now().toString(36)}`);
    await sendPlainMail(dave, bob.user.address, 'Offer', 'Buy my stuff');
    const spam = await bob.receive('Buy my stuff');
    await bob.core.call('blockChat', { accountId: bob.account.id, chatId: spam.chatId });
    await sendPlainMail(dave, bob.user.address, 'Offer 2', 'Buy more stuff');
    await sendPlainMail(carol, bob.user.address, 'Later', 'See you later');
    await bob.receive('See you later');
    expect(
      bob.events.some(
        (e) => e.type === 'messageAdded' && e.message.text.includes('Buy more stuff'),
      ),
    ).toBe(false);
    const chats = await bob.core.call('listChats', { accountId: bob.account.id });
    expect(chats.map((c) => c.addr)).not.toContain(dave.address);
  });
});

describe('chat flags', () => {
  it('muting and archiving a chat change its summary and are announced; an unknown chat is not found', async () => {
    const alice = await peer('alice');
    const chat = await alice.core.call('createChatByAddress', {
      accountId: alice.account.id,
      addr: `someone@${ms.info.domain}`,
    });
    const muted = await alice.core.call('setChatMuted', {
      accountId: alice.account.id,
      chatId: chat.id,
      muted: true,
    });
    expect(muted.muted).toBe(true);
    await alice.waitFor((e) => e.type === 'chatChanged' && e.chat.id === chat.id && e.chat.muted);
    await alice.core.call('setChatArchived', {
      accountId: alice.account.id,
      chatId: chat.id,
      archived: true,
    });
    expect(
      (await alice.core.call('listChats', { accountId: alice.account.id })).map((c) => c.id),
    ).not.toContain(chat.id);
    expect(
      (await alice.core.call('listChats', { accountId: alice.account.id, archived: true })).map(
        (c) => c.id,
      ),
    ).toContain(chat.id);
    await expect(
      alice.core.call('setChatMuted', {
        accountId: alice.account.id,
        chatId: 999_999,
        muted: true,
      }),
    ).rejects.toMatchObject({ code: 'not_found' });
  });
});

describe('several devices', () => {
  /** Another mail client on the same mailbox, as a phone or webmail would be. */
  async function otherMailClient(p: Peer): Promise<ImapFlow> {
    return connectImap(ms.info, p.user);
  }

  it('a message read in another mail client is no longer unread here', async () => {
    const bob = await peer('bob');
    const carol = await ms.addUser(`carol-${Date.now().toString(36)}`);
    await sendPlainMail(carol, bob.user.address, 'Hi', 'read me elsewhere');
    const m = await bob.receive('read me elsewhere');
    expect(
      (await bob.core.call('getChat', { accountId: bob.account.id, chatId: m.chatId })).unreadCount,
    ).toBe(1);
    const other = await otherMailClient(bob);
    try {
      await other.mailboxOpen('INBOX');
      await other.messageFlagsAdd({ all: true }, ['\\Seen']);
    } finally {
      await other.logout();
    }
    await bob.waitFor(
      (e) => e.type === 'chatChanged' && e.chat.id === m.chatId && e.chat.unreadCount === 0,
      10_000,
    );
  });

  it('a message read here is read in other mail clients too (\\Seen on the server)', async () => {
    const bob = await peer('bob');
    const carol = await ms.addUser(`carol-${Date.now().toString(36)}`);
    await sendPlainMail(carol, bob.user.address, 'Hi', 'read me here');
    const m = await bob.receive('read me here');
    const other = await otherMailClient(bob);
    try {
      const seenThere = async () => {
        await other.mailboxOpen('INBOX');
        const flags: boolean[] = [];
        for await (const row of other.fetch('1:*', { flags: true })) {
          flags.push(row.flags?.has('\\Seen') ?? false);
        }
        return flags;
      };
      expect(await seenThere()).toEqual([false]);
      await bob.core.call('markSeen', { accountId: bob.account.id, chatId: m.chatId });
      const deadline = Date.now() + 10_000;
      while (!(await seenThere())[0]) {
        if (Date.now() > deadline) throw new Error('the server never learned it was read');
        await new Promise((r) => setTimeout(r, 100));
      }
    } finally {
      await other.logout();
    }
  });
});

describe('nothing lost, nothing twice', () => {
  it('a core killed mid-sync and restarted has every message exactly once', async () => {
    const bob = await ms.addUser(`bob-${Date.now().toString(36)}`);
    // More than two fetch batches (200 each), so the kill lands while later batches are pending.
    const n = 500;
    for (let i = 0; i < n; i++) {
      await ms.inject(
        `From: Sender <sender@${ms.info.domain}>\r\nTo: ${bob.address}\r\nSubject: n${i}\r\nMessage-ID: <kill-${i}-${bob.address}>\r\nDate: ${new Date().toUTCString()}\r\n\r\nmessage number ${i}\r\n`,
        { from: `sender@${ms.info.domain}`, to: [bob.address] },
      );
    }
    const dataDir = await mkdtemp(join(tmpdir(), 'estafette-kill-'));
    const caFile = join(dataDir, 'ca.pem');
    await writeFile(caFile, ms.info.caCertPem);
    {
      const { core } = await openCore(ms, dataDir, { startIo: false });
      await core.call('addAccountManual', {
        addr: bob.address,
        password: bob.password,
        settings: manualSettings(ms, bob),
      });
      await core.close();
    }
    const child = spawn(process.execPath, ['test/support/core-process.ts', dataDir, caFile], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let added = 0;
    await new Promise<void>((resolve, reject) => {
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        added += (chunk.match(/"added"/g) ?? []).length;
        if (added >= 1) resolve();
      });
      child.on('exit', () => reject(new Error('the core exited before the test killed it')));
    });
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(added).toBeLessThan(n);

    const { core } = await openCore(ms, dataDir);
    cores.push(core);
    const obs = observe(core);
    const [account] = await core.call('listAccounts', {});
    const deadline = Date.now() + 60_000;
    let chats = await core.call('listChats', { accountId: account!.id });
    while (Date.now() < deadline) {
      chats = await core.call('listChats', { accountId: account!.id });
      const count = chats[0]
        ? (await core.call('getMessageCount', { accountId: account!.id, chatId: chats[0].id }))
            .count
        : 0;
      if (count >= n) break;
      await obs.waitFor((e) => e.type === 'messageAdded', 5_000).catch(() => undefined);
      obs.events.length = 0;
    }
    expect(chats).toHaveLength(1);
    const messages = await core.call('getMessages', {
      accountId: account!.id,
      chatId: chats[0]!.id,
      offset: 0,
      limit: 500,
    });
    expect(messages).toHaveLength(n);
    expect(new Set(messages.map((m) => m.rfc724Mid)).size).toBe(n);
  });

  it('5 messages written while the mail server is down all arrive, in order, when it returns', async () => {
    const alice = await peer('alice');
    const bob = await peer('bob');
    const chat = await alice.core.call('createChatByAddress', {
      accountId: alice.account.id,
      addr: bob.user.address,
    });
    await ms.stop();
    try {
      for (let i = 1; i <= 5; i++) {
        await alice.core.call('sendMessage', {
          accountId: alice.account.id,
          chatId: chat.id,
          text: `offline ${i}`,
        });
      }
      await alice.waitFor(
        (e) =>
          e.type === 'messageChanged' &&
          e.message.error !== null &&
          /try again/.test(e.message.error),
      );
    } finally {
      await ms.start();
    }
    await alice.core.call('networkChanged', {});
    await bob.receive('offline 5', 60_000);
    const bChat = (await bob.core.call('listChats', { accountId: bob.account.id }))[0]!;
    const got = await bob.core.call('getMessages', {
      accountId: bob.account.id,
      chatId: bChat.id,
      offset: 0,
      limit: 50,
    });
    expect(got.map((m) => m.text)).toEqual([
      'offline 1',
      'offline 2',
      'offline 3',
      'offline 4',
      'offline 5',
    ]);
    const sent = await alice.core.call('getMessages', {
      accountId: alice.account.id,
      chatId: chat.id,
      offset: 0,
      limit: 50,
    });
    expect(sent.every((m) => m.state === 'sent' && m.error === null)).toBe(true);
  });

  it('malformed MIME and undecryptable PGP become placeholders and the next good message still arrives', async () => {
    const bob = await peer('bob');
    const from = `mallory@${ms.info.domain}`;
    const env = { from, to: [bob.user.address] };
    await ms.inject(
      `From: Mallory <${from}>\r\nTo: ${bob.user.address}\r\nSubject: broken\r\nMessage-ID: <broken-1@x>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="zzz"\r\nContent-Transfer-Encoding: base64\r\n\r\n--zzz\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n%%%% not base64 ****\r\n--zzz\r\nContent-Type: application/octet-stream\r\n`,
      env,
    );
    await ms.inject(
      `From: ${from}\r\nTo: "hidden-recipients": ;\r\nSubject: [...]\r\nMessage-ID: <pgp-1@x>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary="b"\r\n\r\n--b\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n--b\r\nContent-Type: application/octet-stream\r\n\r\n-----BEGIN PGP MESSAGE-----\r\n\r\nwV4DAAAAAAAAAAASAQdAbm90IGEgcmVhbCBtZXNzYWdlIGF0IGFsbCwganVzdCBieXRlcw==\r\n=AAAA\r\n-----END PGP MESSAGE-----\r\n--b--\r\n`,
      env,
    );
    await ms.inject(
      `From: ${from}\r\nTo: ${bob.user.address}\r\nSubject: fine\r\nMessage-ID: <good-1@x>\r\n\r\nthe good one\r\n`,
      env,
    );
    await bob.receive('the good one');
    const added = bob.events.flatMap((e) => (e.type === 'messageAdded' ? [e.message] : []));
    const pgp = added.find((m) => m.rfc724Mid === 'pgp-1@x');
    expect(pgp?.kind).toBe('placeholder');
    expect(pgp?.error).toMatch(/could not be decrypted/);
    const broken = added.find((m) => m.rfc724Mid === 'broken-1@x');
    expect(broken).toBeDefined();
    expect(broken!.kind).toBe('placeholder');
    expect(broken!.error).toMatch(/damaged|could not be read/);
  });
});
