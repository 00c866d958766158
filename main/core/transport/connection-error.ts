/**
 * Turns every way an IMAP or SMTP connection or login can fail (Node socket, DNS, TLS, imapflow,
 * nodemailer) into a CoreError whose sentence names the server and port and says what to do.
 */
import { CoreError } from '../errors.ts';
import type { ErrorCode, SentenceDetail } from '../errors.ts';
import type { ServerAddress } from './connection.ts';

export type Protocol = 'IMAP' | 'SMTP';

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
const tlsFailureCodes = new Set(['ETLS', 'EREQUIRETLS', 'STARTTLS_INJECTION', 'EPROTO']);
// IMAP response codes that come with a refused login but say nothing against the password.
const notAboutThePassword = [
  'UNAVAILABLE',
  'SERVERBUG',
  'CONTACTADMIN',
  'PRIVACYREQUIRED',
  'LIMIT',
  'INUSE',
];

/** What an error and its causes tell about the failure. */
export type ErrorFacts = {
  codes: Set<string>;
  message: string;
  authenticationFailed: boolean;
  tlsFailed: boolean;
  imapResponseCode: string | null;
  smtpResponseCode: number | null;
  serverText: string | null;
};

/** Walks an error and its causes, collecting the codes, flags and texts the libraries attached. */
export function collectFacts(error: unknown): ErrorFacts {
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
    for (const key of ['code', 'originalCode', 'timeoutType']) {
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
    // Node and nodemailer chain with `cause`; imapflow keeps the socket's own error in `_err`.
    current = e.cause ?? e._err;
  }
  return facts;
}

// The server's own words help ("[UNAVAILABLE] Maintenance"), but they are untrusted text.
function serverWords(text: string | null): string {
  if (text === null) return '';
  return text
    .replace(/[^\x20-\x7e]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 160);
}

function quoteServer(text: string | null): string {
  const clean = serverWords(text);
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

/** Which certificate problem it is: the code of its sentence (renderer/features/errors). */
function certificateCode(facts: ErrorFacts): string {
  const { codes, message } = facts;
  if (codes.has('CERT_HAS_EXPIRED') || /expired/i.test(message)) return 'cert_expired';
  if (codes.has('CERT_NOT_YET_VALID') || /not yet valid/i.test(message)) {
    return 'cert_not_yet_valid';
  }
  if (codes.has('ERR_TLS_CERT_ALTNAME_INVALID') || /altnames|does not match/i.test(message)) {
    return 'cert_wrong_name';
  }
  return 'cert_untrusted';
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

/**
 * Maps an error from a connection or login attempt to a CoreError naming the server. A CoreError
 * is returned as it is; anything unrecognised counts as network trouble, which is retried.
 * `timeoutMs`, when known, is named in the sentence for a server that went silent.
 */
export function classifyConnectionError(
  error: unknown,
  protocol: Protocol,
  server: ServerAddress,
  timeoutMs?: number,
): CoreError {
  if (error instanceof CoreError) return error;
  const facts = collectFacts(error);
  const { codes, message } = facts;
  const kind = protocol === 'IMAP' ? 'The IMAP server' : 'The outgoing mail (SMTP) server';
  const where = `${server.host} (port ${server.port})`;
  // Every sentence also as a code with arguments, for the UI to say in its own language.
  const base = {
    protocol: protocol.toLowerCase(),
    host: server.host,
    port: String(server.port),
    user: server.user,
  };
  const make = (
    code: ErrorCode,
    sentence: string,
    key: string,
    args: Record<string, string> = {},
  ): CoreError => {
    const detail: SentenceDetail = { code: key, args: { ...base, ...args } };
    return new CoreError(code, sentence, { cause: error, detail });
  };

  // Authentication first: only a server that answered can refuse a password.
  const smtpAuthError =
    (codes.has('EAUTH') &&
      (facts.smtpResponseCode === null || [534, 535].includes(facts.smtpResponseCode))) ||
    codes.has('ENOAUTH');
  const imapAuthError =
    (facts.authenticationFailed || codes.has('AUTHENTICATIONFAILED')) &&
    !notAboutThePassword.includes(facts.imapResponseCode ?? '');
  if (smtpAuthError || imapAuthError) {
    return make(
      'auth_failed',
      `${kind} ${server.host} rejected the password for ${server.user}. Check the password; some providers require an app password for mail programs.`,
      'login_password_rejected',
    );
  }
  if (codes.has('EAUTH') || facts.authenticationFailed || /login is disabled/i.test(message)) {
    return make(
      'server_rejected',
      `${kind} ${where} did not accept a password login for ${server.user}.${quoteServer(facts.serverText)}`,
      'login_refused',
      { said: serverWords(facts.serverText) },
    );
  }
  if (isCertificateFailure(facts)) {
    return make('certificate_untrusted', certificateSentence(facts, where), certificateCode(facts));
  }
  if (has(codes, dnsCodes)) {
    if (codes.has('EAI_AGAIN')) {
      return make(
        'host_not_found',
        `The server name ${server.host} could not be looked up right now. Check your internet connection and try again.`,
        'host_lookup_failed',
      );
    }
    return make(
      'host_not_found',
      `The server name ${server.host} could not be found. Check its spelling and your internet connection.`,
      'host_not_found',
    );
  }
  if (codes.has('ECONNREFUSED')) {
    return make(
      'connection_refused',
      `${kind} ${server.host} refused the connection on port ${server.port}. Check the port: ${usualPorts(protocol)}.`,
      'connection_refused',
    );
  }
  if (has(codes, timeoutCodes)) {
    const within =
      timeoutMs === undefined
        ? 'in time'
        : `within ${Math.max(1, Math.round(timeoutMs / 1000))} seconds`;
    return make(
      'timeout',
      `${kind} ${server.host} did not answer on port ${server.port} ${within}. Check the server name and port, and your internet connection.`,
      timeoutMs === undefined ? 'server_silent' : 'server_silent_for',
      timeoutMs === undefined ? {} : { seconds: String(Math.max(1, Math.round(timeoutMs / 1000))) },
    );
  }
  const starttlsMissing =
    /STARTTLS/i.test(message) && (facts.tlsFailed || codes.has('ETLS') || /support/i.test(message));
  if (starttlsMissing && server.security === 'starttls') {
    return make(
      'tls_unavailable',
      `${kind} ${server.host} does not offer STARTTLS on port ${server.port}, so Estafette did not send the password. Try ${protocol === 'IMAP' ? 'port 993' : 'port 465'} with TLS.`,
      'starttls_missing',
    );
  }
  if (codes.has('STARTTLS_INJECTION')) {
    return make(
      'tls_unavailable',
      `The STARTTLS exchange with ${where} was tampered with, so Estafette closed the connection. Try again on another network, or use TLS instead of STARTTLS.`,
      'starttls_tampered',
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
      'tls_failed',
      { other },
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
      'server_refused',
      { said: serverWords(facts.serverText) },
    );
  }
  return make(
    'network',
    `The connection to ${kind.replace(/^The /, 'the ')} ${where} failed. Check your internet connection and the server settings, then try again.`,
    'connection_failed',
  );
}
