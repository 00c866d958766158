import type { ErrorCode } from '../errors.ts';
import { CoreError } from '../errors.ts';

/** What went wrong with a connection, for programs (code) and for people (sentence). */
export type ConnectionFailure = { code: ErrorCode; sentence: string };

const certificateCodes = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_UNTRUSTED',
]);

/** Walks an error and its causes, collecting every string `code` the libraries attached. */
function codesOf(error: unknown): string[] {
  const codes: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const record = current as Record<string, unknown>;
    for (const key of ['code', 'originalCode', 'timeoutType']) {
      const value = record[key];
      if (typeof value === 'string') codes.push(value);
    }
    // imapflow keeps the socket's own error in `_err`, Node and nodemailer use `cause`.
    current = record.cause ?? record._err;
  }
  return codes;
}

/**
 * Maps an IMAP or SMTP connection error (Node socket, TLS, imapflow or nodemailer) to a stable
 * code and a sentence naming the host. Unknown errors count as network trouble, which is retried.
 */
export function classifyConnectionError(error: unknown, host: string): ConnectionFailure {
  if (error instanceof CoreError) return { code: error.code, sentence: error.sentence };
  const codes = codesOf(error);
  const record = (typeof error === 'object' && error !== null ? error : {}) as Record<
    string,
    unknown
  >;
  const has = (...wanted: string[]) => wanted.some((c) => codes.includes(c));

  if (record.authenticationFailed === true || has('EAUTH', 'AUTHENTICATIONFAILED', 'ENOAUTH')) {
    return {
      code: 'auth_failed',
      sentence: `${host} did not accept the user name or password.`,
    };
  }
  if (codes.some((c) => certificateCodes.has(c))) {
    return {
      code: 'certificate_untrusted',
      sentence: `The certificate of ${host} is not trusted, so Estafette did not connect.`,
    };
  }
  if (has('ENOTFOUND', 'EAI_AGAIN', 'EDNS')) {
    return { code: 'host_not_found', sentence: `The server ${host} could not be found.` };
  }
  if (has('ECONNREFUSED')) {
    return { code: 'connection_refused', sentence: `${host} refused the connection.` };
  }
  if (has('ETIMEDOUT', 'ETIMEOUT', 'CONNECT_TIMEOUT', 'GREETING_TIMEOUT', 'SOCKET_TIMEOUT')) {
    return { code: 'timeout', sentence: `${host} did not answer in time.` };
  }
  if (record.tlsFailed === true || has('ETLS', 'EREQUIRETLS', 'STARTTLS_INJECTION')) {
    return {
      code: 'tls_unavailable',
      sentence: `${host} could not set up an encrypted connection.`,
    };
  }
  return { code: 'network', sentence: `The connection to ${host} was lost.` };
}
