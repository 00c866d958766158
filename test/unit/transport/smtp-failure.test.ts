import { describe, expect, it } from 'vitest';
import { CoreError } from '../../../main/core/errors.ts';
import {
  SmtpSendError,
  SmtpSender,
  classifySmtpError,
  judgeSendFailure,
  messageIdOf,
} from '../../../main/core/transport/smtp.ts';
import { classifyConnectionError } from '../../../main/core/transport/connection-error.ts';
import { isLoopbackHost } from '../../../main/core/transport/connection.ts';
import type { ServerAddress } from '../../../main/core/transport/connection.ts';

const smtpServer: ServerAddress = {
  host: 'mail.example.org',
  port: 587,
  security: 'starttls',
  user: 'alice@example.org',
};
const smtpError = (props: Record<string, unknown>) => Object.assign(new Error('smtp'), props);

describe('judging a failed SMTP submission', () => {
  it('a 5xx refusal is permanent and quotes the server', () => {
    const failure = classifySmtpError(
      smtpError({
        code: 'EENVELOPE',
        responseCode: 550,
        response: '550 5.1.1 <x@y>: Recipient address rejected',
      }),
      smtpServer,
    );
    expect(failure).toBeInstanceOf(SmtpSendError);
    expect(failure).toBeInstanceOf(CoreError);
    expect(failure.permanent).toBe(true);
    expect(failure.code).toBe('server_rejected');
    expect(failure.replyCode).toBe(550);
    expect(failure.sentence).toContain('Recipient address rejected');
  });

  it('a 4xx answer is temporary', () => {
    const failure = classifySmtpError(
      smtpError({ code: 'EMESSAGE', responseCode: 451, response: '451 4.3.0 Try again later' }),
      smtpServer,
    );
    expect(failure.permanent).toBe(false);
    expect(failure.code).toBe('network');
  });

  it('503 is about the session, not the message, so it is retried', () => {
    expect(classifySmtpError(smtpError({ responseCode: 503 }), smtpServer).permanent).toBe(false);
  });

  it('trusts the permanent flag nodemailer sets over the reply class', () => {
    expect(
      classifySmtpError(smtpError({ responseCode: 554, permanent: false }), smtpServer).permanent,
    ).toBe(false);
  });

  it('a refused connection is temporary', () => {
    const failure = classifySmtpError(
      smtpError({ code: 'ESOCKET', originalCode: 'ECONNREFUSED' }),
      smtpServer,
    );
    expect(failure.permanent).toBe(false);
    expect(failure.code).toBe('connection_refused');
  });

  it('a wrong password keeps the message but says the account needs attention', () => {
    const failure = classifySmtpError(smtpError({ code: 'EAUTH', responseCode: 535 }), smtpServer);
    expect(failure.permanent).toBe(false);
    expect(failure.code).toBe('auth_failed');
  });

  it('an envelope nodemailer refuses to send is permanent', () => {
    const failure = classifySmtpError(smtpError({ code: 'EENVELOPE' }), smtpServer);
    expect(failure.permanent).toBe(true);
    expect(failure.code).toBe('invalid_input');
  });

  it('judgeSendFailure gives the outbox a verdict for any thrown value', () => {
    expect(judgeSendFailure(new Error('boom'), smtpServer)).toMatchObject({
      permanent: false,
      code: 'network',
    });
    expect(judgeSendFailure(smtpError({ responseCode: 552 }), smtpServer)).toMatchObject({
      permanent: true,
    });
  });
});

describe('connection errors', () => {
  it('names the usual socket and TLS failures', () => {
    const code = (e: Record<string, unknown>) =>
      classifyConnectionError(smtpError(e), 'SMTP', smtpServer).code;
    expect(code({ code: 'ENOTFOUND' })).toBe('host_not_found');
    expect(code({ code: 'ECONNREFUSED' })).toBe('connection_refused');
    expect(code({ code: 'ETIMEOUT' })).toBe('timeout');
    expect(code({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' })).toBe('certificate_untrusted');
    expect(code({ authenticationFailed: true })).toBe('auth_failed');
    expect(code({ tlsFailed: true })).toBe('tls_unavailable');
    expect(code({ code: 'NoConnection', _err: { code: 'ECONNRESET' } })).toBe('network');
    expect(code({ code: 'X', cause: { code: 'CERT_HAS_EXPIRED' } })).toBe('certificate_untrusted');
  });
});

describe('sending in cleartext', () => {
  const server = (host: string) => ({
    host,
    port: 25,
    security: 'plain' as const,
    user: 'u',
    password: 'p',
    tls: { rejectUnauthorized: true },
  });

  it('is refused for any host but this machine', () => {
    expect(() => new SmtpSender({ connection: server('mail.example.org') })).toThrow(CoreError);
    expect(() => new SmtpSender({ connection: server('192.168.1.2') })).toThrow(
      /without encryption/,
    );
  });

  it('is allowed on loopback', async () => {
    const sender = new SmtpSender({ connection: server('127.0.0.1') });
    await sender.close();
    expect(isLoopbackHost('localhost')).toBe(true);
    expect(isLoopbackHost('::1')).toBe(true);
    expect(isLoopbackHost('[::1]')).toBe(true);
    expect(isLoopbackHost('127.8.0.1')).toBe(true);
    expect(isLoopbackHost('128.0.0.1')).toBe(false);
    expect(isLoopbackHost('localhost.example.org')).toBe(false);
  });
});

describe('message ids', () => {
  it('are read from the header block, folded or not', () => {
    expect(messageIdOf(Buffer.from('From: a@b\r\nMessage-ID: <abc@x.y>\r\n\r\nbody'))).toBe(
      'abc@x.y',
    );
    expect(messageIdOf(Buffer.from('Message-Id:\r\n <folded@x>\r\nSubject: s\r\n\r\n'))).toBe(
      'folded@x',
    );
    expect(messageIdOf(Buffer.from('Subject: s\r\n\r\nMessage-ID: <in-body@x>\r\n'))).toBeNull();
  });
});
