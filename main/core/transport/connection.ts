import { isIP } from 'node:net';
import { getCACertificates } from 'node:tls';
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { CoreError } from '../errors.ts';

/**
 * How to reach one mail server (IMAP or SMTP). Kept local to transport so it does not depend on
 * the account settings types; the account layer maps its settings onto this.
 */
export type ServerConnection = {
  host: string;
  port: number;
  /** 'tls': encrypted from the first byte; 'starttls': upgraded and required; 'plain': loopback only. */
  security: 'tls' | 'starttls' | 'plain';
  user: string;
  password: string;
  tls: { ca?: string[]; rejectUnauthorized: boolean };
};

/** Whether a host name or address refers to this machine. */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  return h === '::1' || h.startsWith('::ffff:127.');
}

/** Throws unless the connection will be encrypted or stays on this machine. */
export function assertEncryptedOrLoopback(server: ServerConnection): void {
  if (server.security === 'plain' && !isLoopbackHost(server.host)) {
    throw new CoreError(
      'invalid_input',
      `Estafette does not send your password to ${server.host} without encryption. Choose TLS or STARTTLS.`,
    );
  }
}

/** Node TLS options for a server: its CA list, certificate checking and SNI for host names. */
export function tlsOptionsFor(server: ServerConnection): TlsConnectionOptions {
  const options: TlsConnectionOptions = {
    rejectUnauthorized: server.tls.rejectUnauthorized,
    minVersion: 'TLSv1.2',
  };
  // Setting `ca` replaces Node's trust store: keep the system authorities beside the extra ones.
  if (server.tls.ca && server.tls.ca.length > 0) {
    options.ca = [...getCACertificates('default'), ...server.tls.ca];
  }
  // SNI must not carry an IP literal (RFC 6066); Node warns when it does.
  if (isIP(server.host) === 0) options.servername = server.host;
  return options;
}
