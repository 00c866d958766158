/**
 * What every SecureJoin step handler shares: the step as the pipeline hands it over, the outcome
 * it returns, and the checks on signatures and gossip.
 */
import type { PublicKey } from 'openpgp';
import type { Encryption, SecureJoinStep } from '../../../shared/types.ts';
import type { CoreEvent } from '../../../shared/events.ts';
import type { AccountContext } from '../account/context.ts';
import type { MailAddress, ParsedMail } from '../mime/types.ts';
import { decryptAndVerify, decryptWithPassword } from '../crypto/pgp.ts';
import { parseGossipHeader } from '../crypto/autocrypt.ts';
import { fingerprintOf, publicKeyFromKeydata } from '../crypto/keys.ts';
import type { SecureJoinSecret } from './shared-secrets.ts';
import type { LocalLine } from './system-line.ts';

export type StepName =
  | 'request'
  | 'auth-required'
  | 'request-pubkey'
  | 'pubkey'
  | 'request-with-auth'
  | 'contact-confirm'
  | 'member-added'
  | 'deprecated'
  | 'unknown';

/** A received SecureJoin message with what the pipeline learned about it. */
export interface IncomingStep {
  step: StepName;
  /** The Secure-Join header as sent, e.g. "vg-request-with-auth". */
  header: string;
  parsed: ParsedMail;
  from: MailAddress;
  encryption: Encryption;
  /** The key that verifiably signed the message, when the pipeline knew it. */
  signerFingerprint: string | null;
  /** Set when a SecureJoin password (not our key) opened the message. */
  secret: SecureJoinSecret | null;
  armored: string | null;
  timestamp: number;
}

/** What a SecureJoin message does once the batch transaction runs. */
export interface SecureJoinOutcome {
  /** Handshake steps are not shown; vg-member-added is (as a group change). */
  hide: boolean;
  /** Apply inside the batch transaction; for shown messages after they are stored. */
  apply(ctx: AccountContext, events: CoreEvent[]): void;
}

/** Nothing to do but to hide the message. */
export const HIDE: SecureJoinOutcome = { hide: true, apply: () => undefined };

/** Whether the message is verifiably signed by this key (decrypting again if needed). */
export async function signedBy(
  ctx: AccountContext,
  m: IncomingStep,
  key: PublicKey,
): Promise<boolean> {
  const fingerprint = fingerprintOf(key);
  if (m.encryption === 'encrypted' && m.signerFingerprint === fingerprint) return true;
  if (!m.armored) return false;
  try {
    const result = m.secret
      ? await decryptWithPassword({
          armored: m.armored,
          password: m.secret.password,
          verificationKeys: [key],
        })
      : await decryptAndVerify({
          armored: m.armored,
          decryptionKeys: [ctx.keys.secret],
          expectedSignerKeys: [key],
        });
    return (
      result.signature.status === 'valid' && result.signature.signerFingerprint === fingerprint
    );
  } catch {
    return false;
  }
}

/**
 * Whether the message gossips our own key to us. Delta Chat requires this of the steps after
 * the key exchange: it shows the sender meant the message for us (no surreptitious forwarding).
 */
export async function gossipsOwnKey(ctx: AccountContext, parsed: ParsedMail): Promise<boolean> {
  const recipients = [...parsed.to, ...parsed.cc].map((r) => r.addr);
  for (const value of parsed.gossip) {
    const g = parseGossipHeader(value, recipients);
    if (!g || g.addr !== ctx.addr.toLowerCase()) continue;
    try {
      if (fingerprintOf(await publicKeyFromKeydata(g.keydata)) === ctx.keys.fingerprint)
        return true;
    } catch {
      // An unreadable gossip key proves nothing.
    }
  }
  return false;
}

/** The name to show for a peer in SecureJoin lines. */
export function peerName(addr: string, name: string | undefined): string {
  return name && name.trim() !== '' && name !== addr ? `${name} (${addr})` : addr;
}

/** A `secureJoinProgress` event. */
export function progress(
  ctx: AccountContext,
  p: {
    role: 'inviter' | 'joiner';
    step: SecureJoinStep;
    contactId: number | null;
    chatId: number | null;
    line: LocalLine;
  },
): CoreEvent {
  const value: Record<SecureJoinStep, number> = {
    started: 100,
    'request-received': 300,
    'auth-sent': 400,
    done: 1000,
    failed: 0,
    timeout: 0,
  };
  const { line, ...rest } = p;
  return {
    type: 'secureJoinProgress',
    accountId: ctx.id,
    progress: value[p.step],
    ...rest,
    sentence: line.text,
    system: line.system,
  };
}
