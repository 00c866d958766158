import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { getCACertificates } from 'node:tls';
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { CoreError } from '../errors.ts';

/** How much to trust a server's certificate. */
export type CertificateTrust = {
  /** PEM certificate authorities trusted in addition to the system's (an organisation's own CA). */
  ca?: string[];
  /** False skips certificate checks entirely; only ever set by an explicit, informed user choice. */
  rejectUnauthorized: boolean;
};

/** Where one mail server (IMAP or SMTP) is, how the connection is secured, and the login name. */
export type ServerAddress = {
  host: string;
  port: number;
  /** 'tls': encrypted from the first byte; 'starttls': upgraded and required; 'plain': loopback only. */
  security: 'tls' | 'starttls' | 'plain';
  user: string;
};

/**
 * How to reach one mail server (IMAP or SMTP). Kept local to transport so it does not depend on
 * the account settings types; the account layer maps its settings onto this.
 */
export type ServerConnection = ServerAddress & {
  password: string;
  tls: CertificateTrust;
};

/** Whether the host is this machine: the only place a connection without TLS is acceptable. */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .trim()
    .toLowerCase()
    .replace(/^\[(.*)\]$/, '$1');
  if (h === 'localhost' || h === '::1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
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

/** Throws invalid_input unless every extra certificate authority is a readable PEM certificate. */
export function assertReadableCertificates(pems: readonly string[]): void {
  for (const pem of pems) {
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
}

/**
 * Node TLS options for a server: the system's trust plus the given CAs (or no checks, if asked),
 * TLS 1.2 at least, and SNI for host names.
 */
export function tlsOptionsFor(server: {
  host: string;
  tls: CertificateTrust;
}): TlsConnectionOptions {
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
