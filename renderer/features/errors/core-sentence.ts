/**
 * The core's sentences (refused calls, why a message is not sent or is a placeholder, why the
 * account is offline) in the UI's language: each code with its arguments becomes a sentence of
 * the `coreErrors` catalogue section. Arguments (host names, addresses, the server's own words)
 * are inserted as plain text: React renders text, and i18next neither escapes, interpolates nor
 * nests inside them (skipOnVariables). A code this UI does not know, a missing argument, or a
 * sentence stored before codes existed shows the core's English sentence instead.
 */
import type { TFunction } from 'i18next';
import type { SentenceInfo, SystemLineCode } from '../../../shared/types.ts';
import { SYSTEM_LINES, systemLineText, v } from '../chat/system-line.ts';
import type { Args, Entry } from '../chat/system-line.ts';

const imap = (a: Args) => a.protocol === 'imap';

/** The server's noun ("The IMAP server") and the usual ports, in the UI's language. */
function server(t: TFunction, a: Args): Args {
  return {
    ...a,
    server: imap(a) ? t('coreErrors.serverImap') : t('coreErrors.serverSmtp'),
    usualPorts: imap(a) ? t('coreErrors.usualPortsImap') : t('coreErrors.usualPortsSmtp'),
    tlsPort: imap(a) ? '993' : '465',
    protocol: imap(a) ? 'IMAP' : 'SMTP',
    guess: `${imap(a) ? 'imap' : 'smtp'}.${a.domain ?? ''}`,
  };
}

/** Sentences joined as the core joins them: with one space, leaving out empty ones. */
function join(...sentences: string[]): string {
  return sentences.filter((s) => s !== '').join(' ');
}

function said(t: TFunction, a: Args): string {
  return a.said ? t('coreErrors.serverSaid', v({ said: a.said })) : '';
}

type Say = (t: TFunction, a: Args) => string;

/** A certificate problem, with the advice about accepting invalid certificates. */
function certificate(say: Say): Entry {
  return {
    needs: ['host', 'port'],
    say: (t, a) => join(say(t, a), t('coreErrors.lastResort')),
  };
}

/** A sentence about a server: protocol, host and port are always given. */
function aboutServer(say: Say, needs: readonly string[] = []): Entry {
  return {
    needs: ['protocol', 'host', 'port', ...needs],
    say: (t, a) => say(t, server(t, a)),
  };
}

/** The sentence for a warning about the sender, which is a system line's. */
function systemLine(code: SystemLineCode): Entry {
  return {
    needs: SYSTEM_LINES[code].needs,
    say: (t, a, language) => systemLineText(t, { code, args: { ...a } }, '', language),
  };
}

export const CORE_SENTENCES: Readonly<Record<string, Entry>> = {
  // Connections and logins (main/core/transport/connection-error.ts).
  login_password_rejected: {
    needs: ['protocol', 'host', 'user'],
    say: (t, a) => t('coreErrors.loginPasswordRejected', v(server(t, a))),
  },
  login_refused: {
    needs: ['protocol', 'host', 'port', 'user', 'said'],
    say: (t, a) => join(t('coreErrors.loginRefused', v(server(t, a))), said(t, a)),
  },
  cert_expired: certificate((t, a) => t('coreErrors.certExpired', v(a))),
  cert_not_yet_valid: certificate((t, a) => t('coreErrors.certNotYetValid', v(a))),
  cert_wrong_name: certificate((t, a) => t('coreErrors.certWrongName', v(a))),
  cert_untrusted: certificate((t, a) => t('coreErrors.certUntrusted', v(a))),
  host_lookup_failed: { needs: ['host'], say: (t, a) => t('coreErrors.hostLookupFailed', v(a)) },
  host_not_found: { needs: ['host'], say: (t, a) => t('coreErrors.hostNotFound', v(a)) },
  connection_refused: aboutServer((t, a) => t('coreErrors.connectionRefused', v(a))),
  server_silent: aboutServer((t, a) => t('coreErrors.serverSilent', v(a))),
  server_silent_for: aboutServer((t, a) => t('coreErrors.serverSilentFor', v(a)), ['seconds']),
  starttls_missing: aboutServer((t, a) => t('coreErrors.starttlsMissing', v(a))),
  starttls_tampered: {
    needs: ['host', 'port'],
    say: (t, a) => t('coreErrors.starttlsTampered', v(a)),
  },
  tls_failed: aboutServer((t, a) => t('coreErrors.tlsFailed', v(a)), ['other']),
  server_refused: {
    needs: ['protocol', 'host', 'port', 'said'],
    say: (t, a) =>
      join(
        t('coreErrors.serverRefused', v(server(t, a))),
        said(t, a),
        t('coreErrors.serverRefusedAdvice'),
      ),
  },
  connection_failed: {
    needs: ['protocol', 'host', 'port'],
    say: (t, a) =>
      imap(a)
        ? t('coreErrors.connectionFailedImap', v(a))
        : t('coreErrors.connectionFailedSmtp', v(a)),
  },
  // Account setup (main/core/account).
  no_server_to_try: {
    needs: ['protocol'],
    say: (t, a) => t('coreErrors.noServerToTry', v(server(t, a))),
  },
  nothing_reachable: {
    needs: ['protocol', 'domain'],
    say: (t, a) => t('coreErrors.nothingReachable', v(server(t, a))),
  },
  plaintext_refused: {
    needs: ['protocol', 'host'],
    say: (t, a) => t('coreErrors.plaintextRefused', v(server(t, a))),
  },
  not_an_address: { needs: ['address'], say: (t, a) => t('coreErrors.notAnAddress', v(a)) },
  account_exists: { needs: ['address'], say: (t, a) => t('coreErrors.accountExists', v(a)) },
  own_address: { needs: [], say: (t) => t('coreErrors.ownAddress') },
  // Sending (main/core/transport/smtp.ts, main/core/chat/outbox.ts).
  invalid_envelope: { needs: [], say: (t) => t('coreErrors.invalidEnvelope') },
  no_recipients: { needs: [], say: (t) => t('coreErrors.noRecipients') },
  message_refused: {
    needs: ['host', 'said'],
    say: (t, a) =>
      a.said ? t('coreErrors.messageRefusedSaid', v(a)) : t('coreErrors.messageRefused', v(a)),
  },
  message_deferred: {
    needs: ['host', 'said'],
    say: (t, a) =>
      a.said ? t('coreErrors.messageDeferredSaid', v(a)) : t('coreErrors.messageDeferred', v(a)),
  },
  send_retrying: { needs: ['reason'], say: (t, a) => t('coreErrors.sendRetrying', v(a)) },
  protocol_message_failed: {
    needs: ['label', 'reason'],
    say: (t, a) => t('coreErrors.protocolMessageFailed', v(a)),
  },
  // Start-up (main/core/core.ts, main/core/account/live-account.ts).
  account_unopenable: { needs: ['dir'], say: (t, a) => t('coreErrors.accountUnopenable', v(a)) },
  sending_not_started: { needs: [], say: (t) => t('coreErrors.sendingNotStarted') },
  // Placeholders and warnings under received messages (main/core/chat/receive.ts).
  not_processed: { needs: ['reason'], say: (t, a) => t('coreErrors.notProcessed', v(a)) },
  unreadable: { needs: ['reason'], say: (t, a) => t('coreErrors.unreadable', v(a)) },
  no_sender: { needs: [], say: (t) => t('coreErrors.noSender') },
  undecryptable: { needs: ['reason'], say: (t, a) => t('coreErrors.undecryptable', v(a)) },
  damaged: { needs: ['problems'], say: (t, a) => t('coreErrors.damaged', v(a)) },
  unverified_sender_clear: systemLine('unverified_sender_clear'),
  unverified_sender_key: systemLine('unverified_sender_key'),
};

function known(
  t: TFunction,
  info: { code: string; args: Args } | null | undefined,
  language: string,
): string | null {
  if (!info || typeof info.code !== 'string' || !Object.hasOwn(CORE_SENTENCES, info.code)) {
    return null;
  }
  const entry = CORE_SENTENCES[info.code]!;
  const args = info.args ?? {};
  if (entry.needs.some((k) => typeof args[k] !== 'string')) return null;
  return entry.say(t, args, language);
}

/**
 * A core sentence in the UI's language, or `fallback` (the core's English sentence) when it has
 * no code this UI knows or lacks an argument. A sentence that wraps another one (`reason`) says
 * that one in the UI's language too when it can, else in the core's English.
 */
export function coreSentenceText(
  t: TFunction,
  info: SentenceInfo | null | undefined,
  fallback: string,
  language: string,
): string {
  if (!info) return fallback;
  const args: Record<string, string> = { ...(info.args ?? {}) };
  if (typeof args.reason === 'string' && info.reason) {
    args.reason = known(t, info.reason, language) ?? args.reason;
  }
  return known(t, { code: info.code, args }, language) ?? fallback;
}
