/**
 * Logs in once to an IMAP or SMTP server to prove that settings and password work, and turns
 * every way that can fail into a CoreError whose sentence names the server and says what to do.
 */
import type { ConnectionOptions } from 'node:tls';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { CoreError } from '../errors.ts';
import {
  assertReadableCertificates,
  isLoopbackHost,
  tlsOptionsFor,
} from '../transport/connection.ts';
import { classifyConnectionError, collectFacts } from '../transport/connection-error.ts';
import type { Protocol } from '../transport/connection-error.ts';
import type { ServerEndpoint } from './server-settings.ts';

/** How much to trust the server's certificate, and how long to wait for it. */
export type ConnectionSecurityOptions = {
  /** PEM certificate authorities trusted in addition to the system's (an organisation's own CA). */
  trustedCertificates?: string[];
  /** Skip certificate checks entirely; only ever set by an explicit, informed user choice. */
  acceptInvalidCertificates?: boolean;
  /** Longest silence in any phase (connect, greeting, each reply). Default 15 s; a whole check gets 3×. */
  timeoutMs?: number;
};

/** What an IMAP login taught us about the server. */
export type ImapLoginInfo = {
  /** Capabilities announced after login (IDLE, CONDSTORE, QRESYNC, MOVE, ...), upper case. */
  capabilities: string[];
  /** The server's greeting line, as sent. */
  greeting: string | null;
  /** What the server said about itself in its ID response, when it supports ID. */
  serverInfo: { name?: string; vendor?: string; version?: string } | null;
  /** Whether the session ran over TLS (always, unless a loopback host was configured as plain). */
  secure: boolean;
};

/** What an SMTP login taught us about the server. */
export type SmtpLoginInfo = {
  /** Whether the session ran over TLS (always, unless a loopback host was configured as plain). */
  secure: boolean;
};

export const DEFAULT_LOGIN_TIMEOUT_MS = 15_000;
// Our own whole-check limit, for a server that keeps trickling bytes and so never goes silent.
const DEADLINE_FACTOR = 3;
// EHLO names the client machine; an address literal says nothing about the user's computer.
const SMTP_CLIENT_NAME = '[127.0.0.1]';

/** Node TLS options for a login check: the system's trust plus the given CAs, or no checks if asked. */
function tlsFor(server: ServerEndpoint, options: ConnectionSecurityOptions): ConnectionOptions {
  const ca = options.trustedCertificates ?? [];
  assertReadableCertificates(ca);
  return tlsOptionsFor({
    host: server.host,
    tls: { ca, rejectUnauthorized: options.acceptInvalidCertificates !== true },
  });
}

function refusePlaintext(protocol: Protocol, server: ServerEndpoint): void {
  if (server.security === 'plain' && !isLoopbackHost(server.host)) {
    throw new CoreError(
      'tls_unavailable',
      `Estafette never sends a password to the ${protocol} server ${server.host} without encryption. Choose TLS or STARTTLS.`,
      {
        detail: {
          code: 'plaintext_refused',
          args: { protocol: protocol.toLowerCase(), host: server.host },
        },
      },
    );
  }
}

type DeadlineTimer = { promise: Promise<never>; clear: () => void };

function deadline(ms: number, onExpire: () => void): DeadlineTimer {
  let timer: NodeJS.Timeout | undefined;
  const promise = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onExpire();
      reject(Object.assign(new Error(`No result within ${ms} ms`), { code: 'DEADLINE' }));
    }, ms);
  });
  promise.catch(() => undefined);
  return { promise, clear: () => clearTimeout(timer) };
}

function idField(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value.slice(0, 200) : undefined;
}

/** Logs in to an IMAP server once and logs out; throws a classified CoreError on any failure. */
export async function checkImapLogin(
  server: ServerEndpoint,
  password: string,
  options: ConnectionSecurityOptions = {},
): Promise<ImapLoginInfo> {
  refusePlaintext('IMAP', server);
  const timeoutMs = options.timeoutMs ?? DEFAULT_LOGIN_TIMEOUT_MS;
  const client = new ImapFlow({
    host: server.host,
    port: server.port,
    secure: server.security === 'tls',
    // STARTTLS is required, never opportunistic: no fallback to a cleartext login.
    ...(server.security === 'tls' ? {} : { doSTARTTLS: server.security === 'starttls' }),
    auth: { user: server.user, pass: password },
    tls: tlsFor(server, options),
    logger: false,
    disableAutoIdle: true,
    disableCompression: true,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
  // imapflow also emits failures as events; without a listener Node would crash the process.
  let emitted: unknown = null;
  client.on('error', (e: unknown) => {
    emitted ??= e;
  });
  const timer = deadline(timeoutMs * DEADLINE_FACTOR, () => client.close());
  try {
    const connecting = client.connect();
    // After the deadline the race is decided; a late rejection must not go unhandled.
    connecting.catch(() => undefined);
    await Promise.race([connecting, timer.promise]);
    const info = client.serverInfo;
    return {
      capabilities: [...client.capabilities.keys()].map((c) => c.toUpperCase()),
      greeting: client.greeting ?? null,
      serverInfo: info
        ? { name: idField(info.name), vendor: idField(info.vendor), version: idField(info.version) }
        : null,
      secure: client.secureConnection,
    };
  } catch (e) {
    // connect() may reject with a generic "connection closed" while the event held the cause.
    const generic = collectFacts(e).codes.has('NoConnection') && emitted !== null;
    throw classifyConnectionError(generic ? emitted : e, 'IMAP', server, timeoutMs);
  } finally {
    timer.clear();
    if (client.usable) {
      const bye = deadline(2_000, () => client.close());
      await Promise.race([client.logout(), bye.promise]).catch(() => client.close());
      bye.clear();
    } else {
      client.close();
    }
  }
}

/** Logs in to an SMTP server once (nodemailer verify) and quits; throws a classified CoreError. */
export async function checkSmtpLogin(
  server: ServerEndpoint,
  password: string,
  options: ConnectionSecurityOptions = {},
): Promise<SmtpLoginInfo> {
  refusePlaintext('SMTP', server);
  const timeoutMs = options.timeoutMs ?? DEFAULT_LOGIN_TIMEOUT_MS;
  const transport = nodemailer.createTransport({
    host: server.host,
    port: server.port,
    secure: server.security === 'tls',
    // requireTLS makes a missing STARTTLS fatal instead of continuing in cleartext.
    requireTLS: server.security === 'starttls',
    ignoreTLS: server.security === 'plain',
    auth: { user: server.user, pass: password },
    // Without it verify() reports success when the server does not advertise AUTH.
    forceAuth: true,
    name: SMTP_CLIENT_NAME,
    tls: tlsFor(server, options),
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
    logger: false,
    debug: false,
  });
  const timer = deadline(timeoutMs * DEADLINE_FACTOR, () => undefined);
  try {
    const verifying = transport.verify();
    verifying.catch(() => undefined);
    await Promise.race([verifying, timer.promise]);
    return { secure: server.security !== 'plain' };
  } catch (e) {
    throw classifyConnectionError(e, 'SMTP', server, timeoutMs);
  } finally {
    timer.clear();
    transport.close();
  }
}
