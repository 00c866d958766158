/**
 * The core's sentences in the UI's three languages (renderer/features/errors/core-sentence.ts):
 * every code has a sentence in English, French and German with its arguments in it, the English
 * one is exactly what the core says (for real errors run through the core's classifiers), names
 * and server words stay plain text, and what the UI cannot say falls back to the core's English.
 */
import { describe, expect, it } from 'vitest';
import type { SentenceInfo } from '../../shared/types.ts';
import { discoverSettings } from '../../main/core/account/discovery.ts';
import { checkImapLogin } from '../../main/core/account/login-check.ts';
import { parseEmailAddress } from '../../main/core/account/server-settings.ts';
import { CoreError, detailOf } from '../../main/core/errors.ts';
import { handleRpc } from '../../main/core/rpc.ts';
import { classifyConnectionError } from '../../main/core/transport/connection-error.ts';
import type { Protocol } from '../../main/core/transport/connection-error.ts';
import type { ServerAddress } from '../../main/core/transport/connection.ts';
import { SmtpSendError, SmtpSender, classifySmtpError } from '../../main/core/transport/smtp.ts';
import { CORE_SENTENCES, coreSentenceText } from '../../renderer/features/errors/core-sentence.ts';
import { CoreCallError, JsonRpcClient } from '../../renderer/runtime/json-rpc-client.ts';
import { i18n } from '../../renderer/i18n/i18n.ts';
import { de } from '../../renderer/i18n/de.ts';
import { en } from '../../renderer/i18n/en.ts';
import { fr } from '../../renderer/i18n/fr.ts';

const languages = ['en', 'fr', 'de'] as const;
const catalogues = { en, fr, de };

const SAMPLE: Record<string, string> = {
  protocol: 'imap',
  host: 'mail.example.org',
  port: '993',
  user: 'alice@example.org',
  said: '[UNAVAILABLE] Maintenance',
  seconds: '20',
  other: 'STARTTLS',
  domain: 'example.org',
  address: 'alice at example',
  reason: 'The server went away.',
  problems: 'The attachment is cut off.',
  who: 'Carol (carol@x.test)',
};

function argsFor(code: string): Record<string, string> {
  return Object.fromEntries(CORE_SENTENCES[code]!.needs.map((k) => [k, SAMPLE[k] ?? `v-${k}`]));
}

// Values the UI writes in its own words rather than inserting them.
const notInserted = new Set(['protocol', 'other']);

function sys(code: string, props: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`failed ${code}`), { code, ...props });
}

const imapServer: ServerAddress = {
  host: 'imap.example.org',
  port: 993,
  security: 'tls',
  user: 'alice@example.org',
};
const starttlsServer: ServerAddress = { ...imapServer, port: 143, security: 'starttls' };

/** Errors that reach every branch of the connection classifier. */
const connectionFailures: [unknown, ServerAddress, number?][] = [
  [Object.assign(new Error('NO'), { authenticationFailed: true }), imapServer],
  [sys('EAUTH', { responseCode: 535 }), imapServer],
  [sys('EAUTH', { responseCode: 530, response: '530 5.7.0 Must issue STARTTLS' }), imapServer],
  [
    Object.assign(new Error('NO'), {
      authenticationFailed: true,
      serverResponseCode: 'UNAVAILABLE',
      response: '[UNAVAILABLE] Maintenance\u0007 until noon',
    }),
    imapServer,
  ],
  [new Error('LOGIN is disabled'), imapServer],
  [sys('CERT_HAS_EXPIRED'), imapServer],
  [sys('CERT_NOT_YET_VALID'), imapServer],
  [sys('ERR_TLS_CERT_ALTNAME_INVALID'), imapServer],
  [new Error('x', { cause: sys('DEPTH_ZERO_SELF_SIGNED_CERT') }), imapServer],
  [sys('EAI_AGAIN'), imapServer],
  [sys('ENOTFOUND'), imapServer],
  [sys('ECONNREFUSED'), imapServer],
  [sys('ETIMEDOUT'), imapServer],
  [sys('ETIMEDOUT'), imapServer, 15_000],
  [
    Object.assign(new Error('Server does not support STARTTLS'), { tlsFailed: true }),
    starttlsServer,
  ],
  [sys('STARTTLS_INJECTION'), starttlsServer],
  [sys('EPROTO'), imapServer],
  [sys('EPROTO'), starttlsServer],
  [
    Object.assign(new Error('BAD'), { serverResponseCode: 'ALERT', response: 'Go away' }),
    imapServer,
  ],
  [sys('EPROTOCOL'), imapServer],
  [sys('ECONNRESET'), imapServer],
];

async function thrown(work: Promise<unknown>): Promise<CoreError> {
  const e: unknown = await work.then(
    () => new Error('expected a failure'),
    (x: unknown) => x,
  );
  if (e instanceof CoreError) return e;
  throw e;
}

describe('core sentences in the UI language', () => {
  for (const language of languages) {
    it(`${language}: every code has its own sentence with every argument in it`, () => {
      const t = i18n.getFixedT(language);
      const problems: string[] = [];
      for (const code of Object.keys(CORE_SENTENCES)) {
        for (const protocol of ['imap', 'smtp']) {
          const args = { ...argsFor(code), ...(argsFor(code).protocol ? { protocol } : {}) };
          const text = coreSentenceText(t, { code, args }, 'FALLBACK', language);
          if (text === 'FALLBACK' || /coreErrors\.|system\./.test(text)) {
            problems.push(`${code}: no text`);
          }
          if (/\{\{|\}\}/.test(text)) problems.push(`${code}: unfilled placeholder in ${text}`);
          for (const [k, value] of Object.entries(args)) {
            if (!notInserted.has(k) && !text.includes(value)) {
              problems.push(`${code}: ${k} missing in ${text}`);
            }
          }
          if (
            language !== 'en' &&
            text === coreSentenceText(i18n.getFixedT('en'), { code, args }, '', 'en')
          ) {
            problems.push(`${code}: still English in ${language}`);
          }
        }
      }
      expect(problems).toEqual([]);
      expect(Object.keys(catalogues[language].coreErrors).sort()).toEqual(
        Object.keys(en.coreErrors).sort(),
      );
    });
  }

  it('en: says exactly what the core says, for every branch of the connection classifier', () => {
    const t = i18n.getFixedT('en');
    const seen = new Set<string>();
    const differ: string[] = [];
    for (const protocol of ['IMAP', 'SMTP'] as Protocol[]) {
      for (const [error, server, timeoutMs] of connectionFailures) {
        const e = classifyConnectionError(error, protocol, server, timeoutMs);
        expect(e.detail, e.sentence).toBeDefined();
        seen.add(e.detail!.code);
        const ui = coreSentenceText(t, e.detail, 'FALLBACK', 'en');
        if (ui !== e.sentence) differ.push(`${e.detail!.code}:\n  ${e.sentence}\n  ${ui}`);
        // The SMTP sender passes it on with its verdict.
        if (protocol === 'SMTP' && timeoutMs === undefined && !(error instanceof CoreError)) {
          expect(classifySmtpError(error, server).detail).toEqual(e.detail);
        }
      }
    }
    expect(differ).toEqual([]);
    expect([...seen].sort()).toEqual(
      [
        'login_password_rejected',
        'login_refused',
        'cert_expired',
        'cert_not_yet_valid',
        'cert_wrong_name',
        'cert_untrusted',
        'host_lookup_failed',
        'host_not_found',
        'connection_refused',
        'server_silent',
        'server_silent_for',
        'starttls_missing',
        'starttls_tampered',
        'tls_failed',
        'server_refused',
        'connection_failed',
      ].sort(),
    );
  });

  it('en: says what the core says for refused messages, setup failures and message errors', async () => {
    const t = i18n.getFixedT('en');
    const host = 'smtp.example.org';
    const server: ServerAddress = { host, port: 465, security: 'tls', user: 'alice@example.org' };
    const cases: { sentence: string; detail: SentenceInfo | undefined }[] = [];
    const smtp = (props: Record<string, unknown>) => {
      const { sentence, detail } = classifySmtpError(sys('EMESSAGE', props), server);
      cases.push({ sentence, detail });
    };
    smtp({ responseCode: 550, response: '550 5.1.1 <x@y>: Recipient address rejected' });
    smtp({ responseCode: 554 });
    smtp({ responseCode: 451, response: '451 4.3.0 Try again later' });
    smtp({ responseCode: 452 });
    smtp({});
    const sender = new SmtpSender({
      connection: { ...server, password: 'pw', tls: { rejectUnauthorized: true } },
    });
    const none = await thrown(
      sender.send({ from: 'alice@example.org', to: [], raw: Buffer.from('x') }),
    );
    await sender.close();
    if (!(none instanceof SmtpSendError)) throw new Error('expected a SmtpSendError');
    cases.push({ sentence: none.sentence, detail: none.detail });

    const notAddress = await thrown(Promise.resolve().then(() => parseEmailAddress('alice at x')));
    const plain = await thrown(
      checkImapLogin({ ...server, host: 'mail.example.org', security: 'plain' }, 'pw'),
    );
    const nothing = await thrown(
      discoverSettings('alice@example.org', 'pw', {
        fetch: async () => new Response('no', { status: 404 }),
        loginChecker: {
          imap: async () => {
            throw sys('ENOTFOUND');
          },
          smtp: async () => {
            throw sys('ENOTFOUND');
          },
        },
      }),
    );
    for (const e of [notAddress, plain, nothing])
      cases.push({ sentence: e.sentence, detail: e.detail });
    expect(cases.map((c) => c.detail?.code)).toEqual([
      'message_refused',
      'message_refused',
      'message_deferred',
      'message_deferred',
      'invalid_envelope',
      'no_recipients',
      'not_an_address',
      'plaintext_refused',
      'nothing_reachable',
    ]);
    // The outbox and the receiver wrap a reason; their English as the core writes it.
    const reason = cases[0]!;
    cases.push(
      {
        sentence: `Not sent yet: ${reason.sentence} Estafette will try again.`,
        detail: { code: 'send_retrying', args: { reason: reason.sentence }, reason: reason.detail },
      },
      {
        sentence: 'This message could not be decrypted. No key fits.',
        detail: { code: 'undecryptable', args: { reason: 'No key fits.' } },
      },
      {
        sentence: 'This message is damaged and may be incomplete. The end is missing.',
        detail: { code: 'damaged', args: { problems: 'The end is missing.' } },
      },
    );
    for (const c of cases) expect(coreSentenceText(t, c.detail, 'FALLBACK', 'en')).toBe(c.sentence);
    // In French the wrapped reason is French too.
    expect(coreSentenceText(i18n.getFixedT('fr'), cases.at(-3)!.detail, '', 'fr')).toBe(
      'Pas encore envoyé : smtp.example.org a refusé le message : 550 5.1.1 <x@y>: Recipient address rejected Estafette réessaiera.',
    );
  });

  it('carries the code over JSON-RPC to the renderer client', async () => {
    const e = classifyConnectionError(
      Object.assign(new Error('NO'), { authenticationFailed: true }),
      'IMAP',
      imapServer,
    );
    const text = await handleRpc(
      {
        call: async () => {
          throw e;
        },
      },
      JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'listAccounts', params: {} }),
    );
    const response = JSON.parse(text!) as { error: { data: unknown } };
    expect(response.error.data).toEqual({ code: 'auth_failed', detail: e.detail });
    const client = new JsonRpcClient(() => {});
    const call = client.request('listAccounts', {});
    client.receive(text!.replace('"id":1', '"id":1'));
    const refused = await call.then(
      () => null,
      (x: unknown) => x as CoreCallError,
    );
    expect(refused).toBeInstanceOf(CoreCallError);
    expect(refused!.detail).toEqual(e.detail);
    expect(refused!.message).toBe(e.sentence);
    i18n.changeLanguage('fr');
    try {
      const { errorSentence } = await import('../../renderer/state/errors.ts');
      expect(errorSentence(refused)).toBe(
        'Le serveur IMAP imap.example.org a refusé le mot de passe de alice@example.org. Vérifiez le mot de passe ; certains fournisseurs exigent un mot de passe d’application pour les logiciels de messagerie.',
      );
    } finally {
      await i18n.changeLanguage('en');
    }
    // A detail of the wrong shape is dropped, the English sentence stays.
    const odd = client.request('listAccounts', {});
    client.receive(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 2,
        error: { code: -32000, message: 'Plain.', data: { code: 'x', detail: { code: 5 } } },
      }),
    );
    const oddError = await odd.then(
      () => null,
      (x: unknown) => x as CoreCallError,
    );
    expect(oddError!.detail).toBeUndefined();
    expect(detailOf(new Error('x'))).toBeUndefined();
  });

  it('inserts host names and server words as plain text: no markup, no templates, no nesting', () => {
    const hostile = '<img src=x onerror=alert(1)> {{host}} $t(app.loading) {{- user}}';
    for (const language of languages) {
      const text = coreSentenceText(
        i18n.getFixedT(language),
        {
          code: 'login_refused',
          args: { ...argsFor('login_refused'), said: hostile, user: hostile },
        },
        'FALLBACK',
        language,
      );
      expect(text).toContain(hostile);
      expect(text).not.toContain('Loading Estafette');
    }
  });

  it('shows the core’s English sentence for unknown codes, missing arguments and old rows', () => {
    const t = i18n.getFixedT('fr');
    expect(coreSentenceText(t, null, 'Old error.', 'fr')).toBe('Old error.');
    expect(coreSentenceText(t, undefined, 'Old error.', 'fr')).toBe('Old error.');
    expect(coreSentenceText(t, { code: 'from_the_future', args: {} }, 'Future.', 'fr')).toBe(
      'Future.',
    );
    expect(coreSentenceText(t, { code: 'toString', args: {} }, 'Odd.', 'fr')).toBe('Odd.');
    expect(coreSentenceText(t, { code: 'host_not_found', args: {} }, 'No host.', 'fr')).toBe(
      'No host.',
    );
    // A reason the UI does not know stays in English inside the French sentence.
    expect(
      coreSentenceText(
        t,
        {
          code: 'undecryptable',
          args: { reason: 'No key fits.' },
          reason: { code: 'from_the_future', args: {} },
        },
        '',
        'fr',
      ),
    ).toBe('Ce message n’a pas pu être déchiffré. No key fits.');
    // The warning under a message from a verified contact is its system line's sentence.
    expect(
      coreSentenceText(t, { code: 'unverified_sender_clear', args: { who: 'Bob' } }, '', 'fr'),
    ).toContain('Bob');
  });
});
