/**
 * Logs in once to an IMAP or SMTP server to prove that settings and password work, and turns
 * every way that can fail into a CoreError whose sentence names the server and says what to do.
 */
import { X509Certificate } from 'node:crypto';
import { getCACertificates } from 'node:tls';
import type { ConnectionOptions } from 'node:tls';
import { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { CoreError } from '../errors.ts';
import type { ErrorCode } from '../errors.ts';
import { isLoopbackHost } from './server-settings.ts';
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

export type Protocol = 'IMAP' | 'SMTP';

export const DEFAULT_LOGIN_TIMEOUT_MS = 15_000;
// Our own whole-check limit, for a server that keeps trickling bytes and so never goes silent.
const DEADLINE_FACTOR = 3;
// EHLO names the client machine; an address literal says nothing about the user's computer.
const SMTP_CLIENT_NAME = '[127.0.0.1]';

const certificateCodes = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'CERT_REVOKED',
  'CERT_REJECTED',
  'INVALID_CA',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'HOSTNAME_MISMATCH',
]);
const timeoutCodes = new Set([
  'ETIMEDOUT',
  'ETIMEOUT',
  'CONNECT_TIMEOUT',
  'GREETING_TIMEOUT',
  'UPGRADE_TIMEOUT',
  'SOCKET_TIMEOUT',
  'DEADLINE',
]);
const dnsCodes = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_NONAME',
  'EAI_FAIL',
  'EAI_NODATA',
  'EDNS',
]);
const tlsFailureCodes = new Set(['ETLS', 'STARTTLS_INJECTION', 'EPROTO']);

/** Node TLS options for a server: the system's trust plus the given CAs, or no checks if asked. */
export function tlsOptionsFor(options: ConnectionSecurityOptions): ConnectionOptions {
  const extra = options.trustedCertificates ?? [];
  for (const pem of extra) {
    try {
      if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new Error('no PEM block');
      new X509Certificate(pem);
    } catch (e) {
      throw new CoreError(
        'invalid_input',
        'A trusted certificate could not be read. Give certificate authorities in PEM form (-----BEGIN CERTIFICATE-----).',
        { cause: e },
      );
    }
  }
  return {
    rejectUnauthorized: options.acceptInvalidCertificates !== true,
    minVersion: 'TLSv1.2',
    // Setting `ca` replaces Node's trust store, so the default authorities are listed as well.
    ...(extra.length > 0 ? { ca: [...getCACertificates('default'), ...extra] } : {}),
  };
}

function refusePlaintext(protocol: Protocol, server: ServerEndpoint): void {
  if (server.security === 'plain' && !isLoopbackHost(server.host)) {
    throw new CoreError(
      'tls_unavailable',
      `Estafette never sends a password to the ${protocol} server ${server.host} without encryption. Choose TLS or STARTTLS.`,
    );
  }
}

type ErrorFacts = {
  codes: Set<string>;
  message: string;
  authenticationFailed: boolean;
  tlsFailed: boolean;
  imapResponseCode: string | null;
  smtpResponseCode: number | null;
  serverText: string | null;
};

function collectFacts(error: unknown): ErrorFacts {
  const facts: ErrorFacts = {
    codes: new Set(),
    message: '',
    authenticationFailed: false,
    tlsFailed: false,
    imapResponseCode: null,
    smtpResponseCode: null,
    serverText: null,
  };
  let current: unknown = error;
  // Libraries wrap socket and TLS errors; the original cause usually carries the telling code.
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const e = current as Record<string, unknown>;
    for (const key of ['code', 'originalCode']) {
      if (typeof e[key] === 'string') facts.codes.add(e[key]);
    }
    if (typeof e.message === 'string') facts.message += ` ${e.message}`;
    if (e.authenticationFailed === true) facts.authenticationFailed = true;
    if (e.tlsFailed === true) facts.tlsFailed = true;
    if (typeof e.serverResponseCode === 'string' && facts.imapResponseCode === null) {
      facts.imapResponseCode = e.serverResponseCode.toUpperCase();
    }
    if (typeof e.responseCode === 'number' && facts.smtpResponseCode === null) {
      facts.smtpResponseCode = e.responseCode;
    }
    if (typeof e.response === 'string' && facts.serverText === null) facts.serverText = e.response;
    current = e.cause;
  }
  return facts;
}

// The server's own words help ("[UNAVAILABLE] Maintenance"), but they are untrusted text.
function quoteServer(text: string | null): string {
  if (text === null) return '';
  const clean = text
    .replace(/[^\x20-\x7e]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 160);
  return clean === '' ? '' : ` The server said: "${clean}".`;
}

function usualPorts(protocol: Protocol): string {
  return protocol === 'IMAP'
    ? 'IMAP usually runs on port 993 with TLS or 143 with STARTTLS'
    : 'outgoing mail (SMTP) usually runs on port 465 with TLS or 587 with STARTTLS';
}

function has(codes: Set<string>, wanted: Set<string>): boolean {
  for (const c of codes) if (wanted.has(c)) return true;
  return false;
}

function certificateSentence(facts: ErrorFacts, where: string): string {
  const { codes, message } = facts;
  const lastResort =
    ' If your provider or organisation uses its own certificate authority, add it as a trusted certificate.' +
    ' Accepting invalid certificates is a last resort: it lets anyone on the network between you and the server read your password and mail.';
  if (codes.has('CERT_HAS_EXPIRED') || /expired/i.test(message)) {
    return `The certificate of ${where} has expired, so Estafette did not trust the connection. Tell your provider.${lastResort}`;
  }
  if (codes.has('CERT_NOT_YET_VALID') || /not yet valid/i.test(message)) {
    return `The certificate of ${where} is not valid yet; check that your computer's clock is right.${lastResort}`;
  }
  if (codes.has('ERR_TLS_CERT_ALTNAME_INVALID') || /altnames|does not match/i.test(message)) {
    return `The certificate presented by ${where} is made out to a different server name, so Estafette did not trust the connection. Check the server name.${lastResort}`;
  }
  return `The certificate of ${where} is not signed by an authority Estafette trusts (it may be self-signed).${lastResort}`;
}

function isCertificateFailure(facts: ErrorFacts): boolean {
  return (
    has(facts.codes, certificateCodes) ||
    /self[- ]signed certificate|unable to (verify|get)[a-z ]*certificate|certificate has expired|certificate is not yet valid|altnames|certificate verify failed/i.test(
      facts.message,
    )
  );
}

/** Maps an error from a connection or login attempt to a CoreError naming the server. */
export function classifyConnectionError(
  error: unknown,
  protocol: Protocol,
  server: ServerEndpoint,
  timeoutMs: number = DEFAULT_LOGIN_TIMEOUT_MS,
): CoreError {
  if (error instanceof CoreError) return error;
  const facts = collectFacts(error);
  const { codes, message } = facts;
  const kind = protocol === 'IMAP' ? 'The IMAP server' : 'The outgoing mail (SMTP) server';
  const where = `${server.host} (port ${server.port})`;
  const make = (code: ErrorCode, sentence: string): CoreError =>
    new CoreError(code, sentence, { cause: error });

  // Authentication first: only a server that answered can refuse a password.
  const smtpAuthError =
    codes.has('EAUTH') &&
    (facts.smtpResponseCode === null || [534, 535].includes(facts.smtpResponseCode));
  const imapAuthError =
    facts.authenticationFailed &&
    !['UNAVAILABLE', 'SERVERBUG', 'CONTACTADMIN', 'PRIVACYREQUIRED', 'LIMIT', 'INUSE'].includes(
      facts.imapResponseCode ?? '',
    );
  if (smtpAuthError || imapAuthError) {
    return make(
      'auth_failed',
      `${kind} ${server.host} rejected the password for ${server.user}. Check the password; some providers require an app password for mail programs.`,
    );
  }
  if (codes.has('EAUTH') || facts.authenticationFailed || /login is disabled/i.test(message)) {
    return make(
      'server_rejected',
      `${kind} ${where} did not accept a password login for ${server.user}.${quoteServer(facts.serverText)}`,
    );
  }
  if (isCertificateFailure(facts)) {
    return make(
      'certificate_untrusted',
      certificateSentence(facts, `${server.host} (port ${server.port})`),
    );
  }
  if (has(codes, dnsCodes)) {
    if (codes.has('EAI_AGAIN')) {
      return make(
        'host_not_found',
        `The server name ${server.host} could not be looked up right now. Check your internet connection and try again.`,
      );
    }
    return make(
      'host_not_found',
      `The server name ${server.host} could not be found. Check its spelling and your internet connection.`,
    );
  }
  if (codes.has('ECONNREFUSED')) {
    return make(
      'connection_refused',
      `${kind} ${server.host} refused the connection on port ${server.port}. Check the port: ${usualPorts(protocol)}.`,
    );
  }
  if (has(codes, timeoutCodes)) {
    return make(
      'timeout',
      `${kind} ${server.host} did not answer on port ${server.port} within ${Math.max(1, Math.round(timeoutMs / 1000))} seconds. Check the server name and port, and your internet connection.`,
    );
  }
  const starttlsMissing =
    /STARTTLS/i.test(message) && (facts.tlsFailed || codes.has('ETLS') || /support/i.test(message));
  if (starttlsMissing && server.security === 'starttls') {
    return make(
      'tls_unavailable',
      `${kind} ${server.host} does not offer STARTTLS on port ${server.port}, so Estafette did not send the password. Try ${protocol === 'IMAP' ? 'port 993' : 'port 465'} with TLS.`,
    );
  }
  if (codes.has('STARTTLS_INJECTION')) {
    return make(
      'tls_unavailable',
      `The STARTTLS exchange with ${where} was tampered with, so Estafette closed the connection. Try again on another network, or use TLS instead of STARTTLS.`,
    );
  }
  if (
    facts.tlsFailed ||
    has(codes, tlsFailureCodes) ||
    [...codes].some((c) => c.startsWith('ERR_SSL_') || c.startsWith('ERR_TLS_')) ||
    /wrong version number|ssl routines|tls/i.test(message)
  ) {
    const other = server.security === 'tls' ? 'STARTTLS' : 'TLS';
    return make(
      'tls_unavailable',
      `Estafette could not set up an encrypted connection with ${where}. The port may expect ${other} instead; ${usualPorts(protocol)}.`,
    );
  }
  if (
    facts.imapResponseCode !== null ||
    facts.smtpResponseCode !== null ||
    codes.has('EPROTOCOL') ||
    (protocol === 'IMAP' && facts.serverText !== null)
  ) {
    return make(
      'server_rejected',
      `${kind} ${where} refused the request.${quoteServer(facts.serverText)} Try again later, or check the settings with your provider.`,
    );
  }
  return make(
    'network',
    `The connection to ${kind.replace(/^The /, 'the ')} ${where} failed. Check your internet connection and the server settings, then try again.`,
  );
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
    tls: tlsOptionsFor(options),
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
    tls: tlsOptionsFor(options),
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
