/**
 * The IMAP and SMTP settings of an account, and the rules every set of settings obeys no matter
 * where it came from (autoconfig, guessing, or typed in by hand).
 */
import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import { z } from 'zod';
import { ServerSettingsSchema as sharedServerSettingsSchema } from '../../../shared/types.ts';
import { CoreError } from '../errors.ts';
import { isLoopbackHost } from '../transport/connection.ts';

/** How a connection is protected: TLS from the first byte, STARTTLS, or not at all (loopback only). */
export type Security = 'tls' | 'starttls' | 'plain';

/** One server of an account: where it is, how the connection is secured, and the login name. */
export type ServerEndpoint = {
  host: string;
  port: number;
  security: Security;
  user: string;
};

/** Both servers of an account. Passwords are kept apart (see AccountPasswords). */
export type ServerSettings = {
  imap: ServerEndpoint;
  smtp: ServerEndpoint;
  /** Skip certificate checks for both servers; only ever set by an explicit user choice. */
  acceptInvalidCertificates: boolean;
};

/** The passwords of an account; SMTP uses the IMAP password unless it has its own. */
export type AccountPasswords = {
  imapPassword: string;
  smtpPassword?: string;
};

const hostLabel = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** The ASCII (punycode) form of a host name or IP literal, or null when it is not one. */
export function normalizeHost(host: string): string | null {
  const trimmed = host.trim().replace(/\.$/, '');
  const bare = trimmed.replace(/^\[(.*)\]$/, '$1');
  if (isIP(bare) !== 0) return bare.toLowerCase();
  // domainToASCII silently cuts at URL delimiters ("a.org/x" → "a.org"): refuse them first.
  if (/[\s/\\?#@:%[\]]/.test(trimmed)) return null;
  const ascii = domainToASCII(trimmed.toLowerCase());
  if (ascii === '' || ascii.length > 253) return null;
  return ascii.split('.').every((label) => hostLabel.test(label)) ? ascii : null;
}

/** An email address split into the parts autoconfig and guessing need. */
export type EmailAddressParts = { address: string; localPart: string; domain: string };

/** Splits an address at its last `@` and normalizes the domain to ASCII; throws invalid_input. */
export function parseEmailAddress(address: string): EmailAddressParts {
  const trimmed = address.trim();
  const at = trimmed.lastIndexOf('@');
  const localPart = at > 0 ? trimmed.slice(0, at) : '';
  const domain = at > 0 ? normalizeHost(trimmed.slice(at + 1)) : null;
  if (localPart === '' || domain === null || isIP(domain) !== 0 || /\s/.test(localPart)) {
    throw new CoreError(
      'invalid_input',
      `"${trimmed}" is not an email address. Enter it in the form name@example.org.`,
      { detail: { code: 'not_an_address', args: { address: trimmed } } },
    );
  }
  return { address: `${localPart}@${domain}`, localPart, domain };
}

const hostSchema = z
  .string()
  .min(1)
  .max(253)
  .transform((host, ctx) => {
    const normalized = normalizeHost(host);
    if (normalized === null) {
      ctx.addIssue({
        code: 'custom',
        message: `"${host}" is not a server name or IP address, such as imap.example.org.`,
      });
      return z.NEVER;
    }
    return normalized;
  });

/** One server endpoint, validated; 'plain' is refused unless the host is loopback. */
export const serverEndpointSchema = sharedServerSettingsSchema.shape.imap
  .extend({ host: hostSchema })
  .superRefine((endpoint, ctx) => {
    if (endpoint.security === 'plain' && !isLoopbackHost(endpoint.host)) {
      ctx.addIssue({
        code: 'custom',
        path: ['security'],
        message: `Estafette never sends a password to ${endpoint.host} without encryption; choose TLS or STARTTLS.`,
      });
    }
  });

/** Server settings as the core accepts them from any source. */
export const serverSettingsSchema = z.object({
  imap: serverEndpointSchema,
  smtp: serverEndpointSchema,
  acceptInvalidCertificates: z.boolean(),
});

/** The passwords of an account, validated. */
export const accountPasswordsSchema = z.object({
  imapPassword: z.string().min(1).max(1000),
  smtpPassword: z.string().min(1).max(1000).optional(),
});

/** Validates settings typed in by hand (or read back from storage); throws invalid_input. */
export function parseServerSettings(input: unknown): ServerSettings {
  const result = serverSettingsSchema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue && issue.path.length > 0 ? ` (${issue.path.join('.')})` : '';
  const message = issue?.message ?? 'The server settings are incomplete.';
  const sentence = /[.!?]$/.test(message) ? message : `${message}.`;
  throw new CoreError('invalid_input', `The server settings are not valid${where}: ${sentence}`, {
    cause: result.error,
  });
}
