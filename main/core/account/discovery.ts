/**
 * Finds working IMAP and SMTP settings for an address: published autoconfig first (the domain's
 * own, in order), then the usual server names, each candidate proven by a real login.
 */
import { CoreError } from '../errors.ts';
import type { ErrorCode } from '../errors.ts';
import { autoconfigUrls as defaultAutoconfigUrls, fetchAutoconfig } from './autoconfig.ts';
import type { AutoconfigFetch, AutoconfigResult } from './autoconfig.ts';
import { assertReadableCertificates } from '../transport/connection.ts';
import { classifyConnectionError } from '../transport/connection-error.ts';
import type { Protocol } from '../transport/connection-error.ts';
import { DEFAULT_LOGIN_TIMEOUT_MS, checkImapLogin, checkSmtpLogin } from './login-check.ts';
import type { ConnectionSecurityOptions, ImapLoginInfo, SmtpLoginInfo } from './login-check.ts';
import { parseEmailAddress } from './server-settings.ts';
import type { ServerEndpoint, ServerSettings } from './server-settings.ts';

export type DiscoveryStep = 'autoconfig' | 'guess' | 'imap-login' | 'smtp-login';

/** One step of discovery, for a progress display. */
export type DiscoveryProgress = {
  step: DiscoveryStep;
  /** What is being tried: a URL, a domain, or host:port (security). */
  detail: string;
  /** The candidate being tried, for the login steps. */
  server?: ServerEndpoint;
};

/** The login checks discovery uses; tests inject their own. */
export type LoginChecker = {
  imap: (
    server: ServerEndpoint,
    password: string,
    options: ConnectionSecurityOptions,
  ) => Promise<ImapLoginInfo>;
  smtp: (
    server: ServerEndpoint,
    password: string,
    options: ConnectionSecurityOptions,
  ) => Promise<SmtpLoginInfo>;
};

export type DiscoveryOptions = {
  /** SMTP password when it differs from the IMAP one. */
  smtpPassword?: string;
  /** Also ask Thunderbird's ISPDB (a third party); only with the user's consent. Default false. */
  useIspdb?: boolean;
  /** Replaces the autoconfig URL list; http: URLs are accepted only from here. */
  autoconfigUrls?: (address: string) => string[];
  /** PEM certificate authorities trusted for IMAP and SMTP in addition to the system's. */
  trustedCertificates?: string[];
  /** Per-phase network timeout for lookups and logins. Default 15 s. */
  timeoutMs?: number;
  fetch?: AutoconfigFetch;
  onProgress?: (progress: DiscoveryProgress) => void;
  loginChecker?: LoginChecker;
  signal?: AbortSignal;
};

/** Settings that just worked, and what the servers told us on the way. */
export type DiscoveryResult = {
  settings: ServerSettings;
  /** Where the IMAP settings came from. */
  source: 'autoconfig' | 'guess';
  /** The autoconfig document used, if any. */
  autoconfigUrl: string | null;
  imap: ImapLoginInfo;
  smtp: SmtpLoginInfo;
};

const defaultChecker: LoginChecker = { imap: checkImapLogin, smtp: checkSmtpLogin };

// How much an error tells the user: a server refusing the password beats a name that does
// not exist, because it proves the right server was found.
const informativeness: Partial<Record<ErrorCode, number>> = {
  auth_failed: 9,
  certificate_untrusted: 8,
  tls_unavailable: 7,
  server_rejected: 6,
  timeout: 5,
  connection_refused: 4,
  network: 3,
  host_not_found: 2,
  autoconfig_failed: 1,
};
const unreachable = new Set<ErrorCode>([
  'timeout',
  'connection_refused',
  'network',
  'host_not_found',
]);

/** The candidates chatmail core guesses: imap./smtp., mail., the bare domain; TLS before STARTTLS. */
export function guessCandidates(address: string): AutoconfigResult {
  const { address: user, domain } = parseEmailAddress(address);
  const build = (prefix: string, ports: [number, number]): ServerEndpoint[] =>
    [`${prefix}.${domain}`, `mail.${domain}`, domain].flatMap((host) => [
      { host, port: ports[0], security: 'tls' as const, user },
      { host, port: ports[1], security: 'starttls' as const, user },
    ]);
  return { imap: build('imap', [993, 143]), smtp: build('smtp', [465, 587]) };
}

function label(server: ServerEndpoint): string {
  const security = { tls: 'TLS', starttls: 'STARTTLS', plain: 'no encryption' }[server.security];
  return `${server.host}:${server.port} (${security})`;
}

async function lookUpAutoconfig(
  address: string,
  options: DiscoveryOptions,
  report: (p: DiscoveryProgress) => void,
): Promise<{ config: AutoconfigResult; url: string } | null> {
  const explicit = options.autoconfigUrls !== undefined;
  const urls = explicit
    ? (options.autoconfigUrls?.(address) ?? [])
    : defaultAutoconfigUrls(address, { useIspdb: options.useIspdb === true });
  if (urls.length === 0) return null;
  // All lookups start at once (they ask the same domain, or a third party the user allowed);
  // the answers are still taken in order, so the first URL that has settings wins.
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([stop.signal, options.signal]) : stop.signal;
  const lookups = urls.map((url) => {
    const pending = fetchAutoconfig(url, address, {
      fetch: options.fetch,
      timeoutMs: options.timeoutMs,
      allowHttp: explicit,
      signal,
    });
    pending.catch(() => undefined);
    return pending;
  });
  try {
    for (const [i, url] of urls.entries()) {
      report({ step: 'autoconfig', detail: url });
      try {
        const config = await lookups[i];
        if (config) return { config, url };
      } catch (e) {
        options.signal?.throwIfAborted();
        // Anything but a settings-lookup failure (a bug, a bad address) is not "try the next".
        if (!(e instanceof CoreError)) throw e;
      }
    }
    return null;
  } finally {
    stop.abort();
  }
}

async function firstWorking<Info>(
  protocol: Protocol,
  candidates: ServerEndpoint[],
  password: string,
  check: (s: ServerEndpoint, p: string, o: ConnectionSecurityOptions) => Promise<Info>,
  security: ConnectionSecurityOptions,
  options: DiscoveryOptions,
  report: (p: DiscoveryProgress) => void,
): Promise<{ server: ServerEndpoint; info: Info } | { error: CoreError }> {
  let best: CoreError | null = null;
  const rejectedUsers = new Set<string>();
  const missingHosts = new Set<string>();
  for (const server of candidates) {
    // Once a server has refused this login name, more attempts only risk locking the account.
    if (rejectedUsers.has(server.user) || missingHosts.has(server.host)) continue;
    options.signal?.throwIfAborted();
    report({
      step: protocol === 'IMAP' ? 'imap-login' : 'smtp-login',
      detail: label(server),
      server,
    });
    try {
      return { server, info: await check(server, password, security) };
    } catch (e) {
      options.signal?.throwIfAborted();
      const error = classifyConnectionError(e, protocol, server, security.timeoutMs);
      const rank = informativeness[error.code];
      // Errors outside the ranking (bad input, internal) would repeat for every candidate.
      if (rank === undefined) throw error;
      if (error.code === 'auth_failed') rejectedUsers.add(server.user);
      if (error.code === 'host_not_found') missingHosts.add(server.host);
      if (best === null || rank > (informativeness[best.code] ?? 0)) best = error;
    }
  }
  return {
    error:
      best ??
      new CoreError('autoconfig_failed', `Estafette found no ${protocol} server to try.`, {
        detail: { code: 'no_server_to_try', args: { protocol: protocol.toLowerCase() } },
      }),
  };
}

function nothingReachable(protocol: Protocol, domain: string, cause: CoreError): CoreError {
  const which = protocol === 'IMAP' ? `imap.${domain}` : `smtp.${domain}`;
  return new CoreError(
    'autoconfig_failed',
    `Estafette found no published ${protocol} settings for ${domain}, and no ${protocol} server answered at ${which}, mail.${domain} or ${domain}. Enter the server settings by hand; your provider's help pages list them.`,
    {
      cause,
      detail: { code: 'nothing_reachable', args: { protocol: protocol.toLowerCase(), domain } },
    },
  );
}

/** Finds and proves IMAP and SMTP settings for an address; throws the most telling CoreError. */
export async function discoverSettings(
  address: string,
  password: string,
  options: DiscoveryOptions = {},
): Promise<DiscoveryResult> {
  const parts = parseEmailAddress(address);
  const report = (p: DiscoveryProgress): void => options.onProgress?.(p);
  const checker = options.loginChecker ?? defaultChecker;
  const security: ConnectionSecurityOptions = {
    trustedCertificates: options.trustedCertificates,
    // Discovery always checks certificates: with checks off, whichever host answers a guess
    // would receive the password. Accepting an invalid certificate is a manual-settings choice.
    acceptInvalidCertificates: false,
    timeoutMs: options.timeoutMs ?? DEFAULT_LOGIN_TIMEOUT_MS,
  };
  // A malformed CA should fail once, up front, not once per candidate.
  assertReadableCertificates(security.trustedCertificates ?? []);

  const found = await lookUpAutoconfig(parts.address, options, report);
  const guesses = guessCandidates(parts.address);
  const useGuesses = (protocol: Protocol, published: ServerEndpoint[] | undefined) => {
    if (published && published.length > 0) return { list: published, guessed: false };
    report({
      step: 'guess',
      detail: `No published ${protocol} settings for ${parts.domain}; trying the usual server names.`,
    });
    return { list: protocol === 'IMAP' ? guesses.imap : guesses.smtp, guessed: true };
  };

  const imapCandidates = useGuesses('IMAP', found?.config.imap);
  const imap = await firstWorking(
    'IMAP',
    imapCandidates.list,
    password,
    checker.imap,
    security,
    options,
    report,
  );
  if ('error' in imap) {
    throw imapCandidates.guessed && unreachable.has(imap.error.code)
      ? nothingReachable('IMAP', parts.domain, imap.error)
      : imap.error;
  }

  const smtpCandidates = useGuesses('SMTP', found?.config.smtp);
  const smtp = await firstWorking(
    'SMTP',
    smtpCandidates.list,
    options.smtpPassword ?? password,
    checker.smtp,
    security,
    options,
    report,
  );
  if ('error' in smtp) {
    throw smtpCandidates.guessed && unreachable.has(smtp.error.code)
      ? nothingReachable('SMTP', parts.domain, smtp.error)
      : smtp.error;
  }

  return {
    settings: { imap: imap.server, smtp: smtp.server, acceptInvalidCertificates: false },
    source: imapCandidates.guessed ? 'guess' : 'autoconfig',
    autoconfigUrl: found?.url ?? null,
    imap: imap.info,
    smtp: smtp.info,
  };
}
