import { createTransport } from 'nodemailer';
import type { SMTPPoolOptions, SMTPPoolSentMessageInfo, Transporter } from 'nodemailer';
import type { ErrorCode, SentenceDetail } from '../errors.ts';
import { CoreError } from '../errors.ts';
import { classifyConnectionError } from './connection-error.ts';
import { assertEncryptedOrLoopback, tlsOptionsFor } from './connection.ts';
import type { ServerAddress, ServerConnection } from './connection.ts';
import { describeError, silentLogger } from './logger.ts';
import type { TransportLogger } from './logger.ts';

/** One submission: the envelope and the finished message, bytes as they go on the wire. */
export type SendRequest = { from: string; to: string[]; raw: Buffer };

/** A recipient the server refused while it accepted others. */
export type RejectedRecipient = {
  address: string;
  permanent: boolean;
  /** SMTP reply code, e.g. 550. */
  replyCode?: number;
  sentence: string;
};

export type SendResult = {
  /** The Message-ID header of `raw` (without angle brackets), or null when it has none. */
  messageId: string | null;
  /** The server's final reply, e.g. "250 2.0.0 Ok: queued as 4Xk2". */
  response: string;
  accepted: string[];
  rejected: RejectedRecipient[];
};

/**
 * Why a submission failed. `permanent` tells the outbox what to do: true means the server refused
 * this message for good (5xx, or an envelope Estafette cannot send), so mark it failed; false
 * means try again later (4xx, network, TLS or login trouble: the message itself is fine, and the
 * code says whether the account needs the user's attention, e.g. 'auth_failed').
 */
export class SmtpSendError extends CoreError {
  readonly permanent: boolean;
  /** SMTP reply code when the server answered, e.g. 421 or 550. */
  readonly replyCode: number | undefined;
  constructor(
    code: ErrorCode,
    sentence: string,
    details: {
      permanent: boolean;
      replyCode?: number | undefined;
      cause?: unknown;
      detail?: SentenceDetail | undefined;
    },
  ) {
    super(code, sentence, { cause: details.cause, detail: details.detail });
    this.name = 'SmtpSendError';
    this.permanent = details.permanent;
    this.replyCode = details.replyCode;
  }
}

export type SmtpSenderOptions = {
  connection: ServerConnection;
  /** Parallel connections; 1 keeps messages in submission order. Default 1. */
  maxConnections?: number;
  logger?: TransportLogger;
};

type NodemailerLikeError = {
  code?: unknown;
  responseCode?: unknown;
  response?: unknown;
  permanent?: unknown;
  command?: unknown;
  recipient?: unknown;
};

function replyCodeOf(error: NodemailerLikeError): number | undefined {
  return typeof error.responseCode === 'number' ? error.responseCode : undefined;
}

// RFC 5321: 5yz is a permanent refusal, except 503 (bad sequence), which is about the session.
function isPermanentReply(error: NodemailerLikeError, replyCode: number): boolean {
  if (typeof error.permanent === 'boolean') return error.permanent;
  return replyCode >= 500 && replyCode < 600 && replyCode !== 503;
}

function serverText(error: NodemailerLikeError): string {
  const text = typeof error.response === 'string' ? error.response.replace(/\s+/g, ' ').trim() : '';
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

/** Turns a nodemailer error into a SmtpSendError with the outbox's retry decision. */
export function classifySmtpError(error: unknown, server: ServerAddress): SmtpSendError {
  if (error instanceof SmtpSendError) return error;
  const e = (typeof error === 'object' && error !== null ? error : {}) as NodemailerLikeError;
  const replyCode = replyCodeOf(e);
  const { host } = server;
  if (e.code === 'EAUTH' || e.code === 'ENOAUTH') {
    const { sentence, detail } = classifyConnectionError(error, 'SMTP', server);
    return new SmtpSendError('auth_failed', sentence, {
      permanent: false,
      replyCode,
      cause: error,
      detail,
    });
  }
  if (replyCode !== undefined && replyCode >= 400) {
    const permanent = isPermanentReply(e, replyCode);
    const text = serverText(e);
    const sentence = permanent
      ? `${host} refused the message${text ? `: ${text}` : '.'}`
      : `${host} could not take the message now${text ? `: ${text}` : '.'}`;
    return new SmtpSendError(permanent ? 'server_rejected' : 'network', sentence, {
      permanent,
      replyCode,
      cause: error,
      detail: {
        code: permanent ? 'message_refused' : 'message_deferred',
        args: { host, said: text },
      },
    });
  }
  if (e.code === 'EENVELOPE' || e.code === 'EMESSAGE') {
    // Refused before anything reached the server (e.g. an address nodemailer cannot encode).
    return new SmtpSendError('invalid_input', 'The message has an invalid sender or recipient.', {
      permanent: true,
      cause: error,
      detail: { code: 'invalid_envelope', args: {} },
    });
  }
  const { code, sentence, detail } = classifyConnectionError(error, 'SMTP', server);
  return new SmtpSendError(code, sentence, { permanent: false, cause: error, detail });
}

/**
 * The outbox's verdict on a failed send through `server`: give up on the message (permanent) or
 * retry it later.
 */
export function judgeSendFailure(
  error: unknown,
  server: ServerAddress,
): {
  permanent: boolean;
  code: ErrorCode;
  sentence: string;
  /** `sentence` as a code with arguments, for the UI's language. */
  detail: SentenceDetail | undefined;
} {
  const failure = classifySmtpError(error, server);
  return {
    permanent: failure.permanent,
    code: failure.code,
    sentence: failure.sentence,
    detail: failure.detail,
  };
}

/** Reads the Message-ID header out of a raw message's header block. */
export function messageIdOf(raw: Buffer): string | null {
  const end = raw.indexOf('\r\n\r\n');
  const endLf = raw.indexOf('\n\n');
  const limit = [end, endLf].filter((i) => i >= 0).reduce((a, b) => Math.min(a, b), raw.length);
  // Unfold continuation lines so a Message-ID on the next line is found too.
  const header = raw
    .subarray(0, limit)
    .toString('latin1')
    .replace(/\r?\n[ \t]+/g, ' ');
  const match = /^message-id:\s*<?([^\s<>]+)>?/im.exec(header);
  return match?.[1] ?? null;
}

/**
 * Submits finished messages over SMTP through a small connection pool. Encryption is mandatory:
 * implicit TLS, or STARTTLS that must succeed; cleartext only to this machine.
 */
export class SmtpSender {
  readonly #server: ServerAddress;
  readonly #transport: Transporter<SMTPPoolSentMessageInfo, SMTPPoolOptions>;
  readonly #log: TransportLogger;
  #closed = false;

  constructor(options: SmtpSenderOptions) {
    const server = options.connection;
    assertEncryptedOrLoopback(server);
    this.#server = {
      host: server.host,
      port: server.port,
      security: server.security,
      user: server.user,
    };
    this.#log = options.logger ?? silentLogger;
    this.#transport = createTransport({
      pool: true,
      maxConnections: Math.max(1, options.maxConnections ?? 1),
      // A pooled connection that dropped before the message was sent is retried once by the
      // pool; anything else comes back to the caller, whose outbox owns retries.
      maxRequeues: 1,
      host: server.host,
      port: server.port,
      secure: server.security === 'tls',
      requireTLS: server.security === 'starttls',
      ignoreTLS: server.security === 'plain',
      tls: tlsOptionsFor(server),
      auth: { user: server.user, pass: server.password },
      // EHLO names this machine; its host name is nobody's business.
      name: '[127.0.0.1]',
      connectionTimeout: 30_000,
      greetingTimeout: 30_000,
      socketTimeout: 120_000,
      logger: false,
    });
  }

  /** Submits one message; throws SmtpSendError when the server did not take it. */
  async send(request: SendRequest): Promise<SendResult> {
    if (this.#closed) {
      throw new SmtpSendError('internal', 'The mail sender was already closed.', {
        permanent: false,
      });
    }
    if (request.to.length === 0) {
      throw new SmtpSendError('invalid_input', 'The message has no recipients.', {
        permanent: true,
        detail: { code: 'no_recipients', args: {} },
      });
    }
    let info: SMTPPoolSentMessageInfo;
    try {
      info = await this.#transport.sendMail({
        envelope: { from: request.from, to: request.to },
        raw: request.raw,
      });
    } catch (error) {
      const failure = classifySmtpError(error, this.#server);
      this.#log.info('smtp send failed', {
        code: failure.code,
        permanent: failure.permanent,
        replyCode: failure.replyCode,
        ...describeError(error),
      });
      throw failure;
    }
    const rejected = (info.rejectedErrors ?? []).map((e): RejectedRecipient => {
      const failure = classifySmtpError(e, this.#server);
      const recipient = (e as NodemailerLikeError).recipient;
      return {
        address: typeof recipient === 'string' ? recipient : '',
        permanent: failure.permanent,
        ...(failure.replyCode !== undefined ? { replyCode: failure.replyCode } : {}),
        sentence: failure.sentence,
      };
    });
    // Rejections without details still have to show up.
    for (const address of info.rejected) {
      if (!rejected.some((r) => r.address === address)) {
        rejected.push({
          address,
          permanent: false,
          sentence: `${this.#server.host} refused ${address}.`,
        });
      }
    }
    return {
      messageId: messageIdOf(request.raw),
      response: info.response,
      accepted: info.accepted.map(String),
      rejected,
    };
  }

  /** Closes the pool; a message being delivered finishes first. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#transport.close();
  }
}
