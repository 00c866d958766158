/**
 * The core gives its sentences a code with arguments, for the UI to say them in its language:
 * a wrong password at account setup (over JSON-RPC, as the UI gets it) and a message the real
 * Postfix refuses (stored with the message, so it survives a restart). The English UI sentence
 * must be exactly the core's.
 */
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleRpc } from '../../main/core/rpc.ts';
import type { Message } from '../../shared/types.ts';
import { coreSentenceText } from '../../renderer/features/errors/core-sentence.ts';
import { i18n } from '../../renderer/i18n/i18n.ts';
import { mailServer } from '../mailserver/index.ts';
import { manualSettings, newPeer, openCore } from '../support/peer.ts';
import type { Peer } from '../support/peer.ts';

const ms = mailServer();
const en = i18n.getFixedT('en');
const fr = i18n.getFixedT('fr');

describe('localisable core sentences against the real Postfix + Dovecot', () => {
  let alice: Peer;

  beforeAll(async () => {
    alice = await newPeer(ms, 'alice');
  });

  afterAll(async () => {
    await alice?.core.close();
    if (alice) await rm(alice.dataDir, { recursive: true, force: true });
  });

  it('a wrong password at setup comes over JSON-RPC with its code, host and user', async () => {
    const { core, dataDir } = await openCore(ms);
    try {
      const user = await ms.addUser();
      const request = {
        jsonrpc: '2.0',
        id: 7,
        method: 'addAccountManual',
        params: {
          addr: user.address,
          password: 'not the password',
          displayName: 'Erin',
          settings: manualSettings(ms, user),
        },
      };
      const response = JSON.parse((await handleRpc(core, JSON.stringify(request)))!) as {
        error: { message: string; data: { code: string; detail?: unknown } };
      };
      const { message, data } = response.error;
      expect(data.code).toBe('auth_failed');
      expect(data.detail).toEqual({
        code: 'login_password_rejected',
        args: {
          protocol: 'imap',
          host: '127.0.0.1',
          port: String(ms.info.ports.imaps),
          user: user.address,
        },
      });
      const detail = data.detail as { code: string; args: Record<string, string> };
      expect(coreSentenceText(en, detail, '', 'en')).toBe(message);
      expect(coreSentenceText(fr, detail, '', 'fr')).toBe(
        `Le serveur IMAP 127.0.0.1 a refusé le mot de passe de ${user.address}. Vérifiez le mot de passe ; certains fournisseurs exigent un mot de passe d’application pour les logiciels de messagerie.`,
      );
    } finally {
      await core.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('the same account twice and a chat with yourself are refused with their codes', async () => {
    const twice = await alice.core
      .call('addAccountManual', {
        addr: alice.user.address,
        password: alice.user.password,
        displayName: 'Alice',
        settings: manualSettings(ms, alice.user),
      })
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(twice).toMatchObject({
      code: 'account_exists',
      detail: { code: 'account_exists', args: { address: alice.user.address } },
    });
    const self = await alice.core
      .call('createChatByAddress', { accountId: alice.account.id, addr: alice.user.address })
      .then(
        () => null,
        (e: unknown) => e,
      );
    expect(self).toMatchObject({ code: 'invalid_input', detail: { code: 'own_address' } });
    const { detail, sentence } = twice as { detail: never; sentence: string };
    expect(coreSentenceText(en, detail, '', 'en')).toBe(sentence);
    expect(coreSentenceText(fr, detail, '', 'fr')).toBe(
      `${alice.user.address} est déjà configuré dans Estafette.`,
    );
  });

  it('a message the server refuses fails with the code of the refusal, kept with the message', async () => {
    const nobody = `nobody-${Date.now()}@${ms.info.domain}`;
    const chat = await alice.core.call('createChatByAddress', {
      accountId: alice.account.id,
      addr: nobody,
    });
    const sent = await alice.core.call('sendMessage', {
      accountId: alice.account.id,
      chatId: chat.id,
      text: 'Is anyone there?',
    });
    const e = await alice.waitFor(
      (x) =>
        x.type === 'messageChanged' && x.message.id === sent.id && x.message.state === 'failed',
      30_000,
    );
    if (e.type !== 'messageChanged') throw new Error('unreachable');
    const failed: Message = e.message;
    expect(failed.error).toMatch(/refused the message: .*User unknown/);
    expect(failed.errorInfo).toMatchObject({
      code: 'message_refused',
      args: { host: '127.0.0.1', said: expect.stringContaining('User unknown') },
    });
    expect(coreSentenceText(en, failed.errorInfo, '', 'en')).toBe(failed.error);
    expect(coreSentenceText(fr, failed.errorInfo, '', 'fr')).toMatch(
      /^127\.0\.0\.1 a refusé le message : .*User unknown/,
    );
    // Read back from the database, as after a restart.
    const stored = await alice.core.call('getMessage', {
      accountId: alice.account.id,
      messageId: sent.id,
    });
    expect(stored.errorInfo).toEqual(failed.errorInfo);
    // Sending again clears the reason and its code.
    const again = await alice.core.call('retrySend', {
      accountId: alice.account.id,
      messageId: sent.id,
    });
    expect(again).toMatchObject({ state: 'pending', error: null, errorInfo: null });
  });

  it('the offline line carries the code of why the connection failed', async () => {
    const bob = await newPeer(ms, 'bob');
    await bob.core.close();
    // The same account on a device that does not trust the test CA.
    const { core } = await openCore(ms, bob.dataDir, { trustedCertificates: [] });
    try {
      // Polled, not awaited as an event: the first attempt may fail before anyone listens.
      const offline = async () => (await core.call('listAccounts', {}))[0]!.connectivity;
      await expect.poll(async () => (await offline()).status, { timeout: 30_000 }).toBe('offline');
      const connectivity = await offline();
      const { reason, reasonInfo } = connectivity;
      expect(reasonInfo).toEqual({
        code: 'cert_untrusted',
        args: {
          protocol: 'imap',
          host: '127.0.0.1',
          port: String(ms.info.ports.imaps),
          user: bob.user.address,
        },
      });
      expect(coreSentenceText(en, reasonInfo, '', 'en')).toBe(reason);
      expect(coreSentenceText(fr, reasonInfo, '', 'fr')).toMatch(
        /^Le certificat de 127\.0\.0\.1 \(port \d+\) n’est pas signé par une autorité/,
      );
    } finally {
      await core.close();
      await rm(bob.dataDir, { recursive: true, force: true });
    }
  });

  it('placeholders carry the code of why they are one', async () => {
    const from = `mallory@${ms.info.domain}`;
    const env = { from, to: [alice.user.address] };
    await ms.inject(
      `From: Mallory <${from}>\r\nTo: ${alice.user.address}\r\nSubject: broken\r\nMessage-ID: <le-broken-1@x>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="zzz"\r\nContent-Transfer-Encoding: base64\r\n\r\n--zzz\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n%%%% not base64 ****\r\n--zzz\r\nContent-Type: application/octet-stream\r\n`,
      env,
    );
    await ms.inject(
      `From: ${from}\r\nTo: "hidden-recipients": ;\r\nSubject: [...]\r\nMessage-ID: <le-pgp-1@x>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/encrypted; protocol="application/pgp-encrypted"; boundary="b"\r\n\r\n--b\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n--b\r\nContent-Type: application/octet-stream\r\n\r\n-----BEGIN PGP MESSAGE-----\r\n\r\nwV4DAAAAAAAAAAASAQdAbm90IGEgcmVhbCBtZXNzYWdlIGF0IGFsbCwganVzdCBieXRlcw==\r\n=AAAA\r\n-----END PGP MESSAGE-----\r\n--b--\r\n`,
      env,
    );
    const placeholder = async (mid: string): Promise<Message> => {
      const e = await alice.waitFor(
        (x) => x.type === 'messageAdded' && x.message.rfc724Mid === mid,
        30_000,
      );
      if (e.type !== 'messageAdded') throw new Error('unreachable');
      return e.message;
    };
    const pgp = await placeholder('le-pgp-1@x');
    expect(pgp.kind).toBe('placeholder');
    expect(pgp.errorInfo?.code).toBe('undecryptable');
    expect(coreSentenceText(en, pgp.errorInfo, '', 'en')).toBe(pgp.error);
    expect(coreSentenceText(fr, pgp.errorInfo, '', 'fr')).toMatch(
      /^Ce message n’a pas pu être déchiffré\. /,
    );
    const broken = await placeholder('le-broken-1@x');
    expect(broken.kind).toBe('placeholder');
    expect(['damaged', 'unreadable']).toContain(broken.errorInfo?.code);
    expect(coreSentenceText(en, broken.errorInfo, '', 'en')).toBe(broken.error);
    expect(coreSentenceText(fr, broken.errorInfo, '', 'fr')).toMatch(/^Ce message (est|n’a)/);
  });
});
