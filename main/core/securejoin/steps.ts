/**
 * SecureJoin messages in the receive pipeline: which step a message is and the dispatch to the
 * inviter's and the joiner's handlers. Handshake messages are hidden (they drive state); only
 * vg-member-added is also an ordinary group message.
 */
import type { AccountContext } from '../account/context.ts';
import type { ParsedMail } from '../mime/types.ts';
import type { PeerOverlay } from '../store/peers.ts';
import { HIDE } from './step-checks.ts';
import type { IncomingStep, SecureJoinOutcome, StepName } from './step-checks.ts';
import { onRequest, onRequestPubkey, onRequestWithAuth } from './inviter.ts';
import { onAuthRequiredOrPubkey, onContactConfirm, onMemberAdded } from './joiner.ts';

export type { SecureJoinOutcome } from './step-checks.ts';

/** Which SecureJoin step a message is (as Delta Chat decides), or null for other mail. */
export function stepOf(parsed: ParsedMail): { step: StepName; header: string } | null {
  const h = parsed.chat.headers;
  const header = h['secure-join'] ?? '';
  // Like Delta Chat: an invitenumber makes it a request, whatever Secure-Join says.
  if (h['secure-join-invitenumber'] !== undefined) return { step: 'request', header };
  if (h['secure-join'] === undefined) return null;
  const steps: Record<string, StepName> = {
    'vc-request': 'request',
    'vg-request': 'request',
    'vc-auth-required': 'auth-required',
    'vg-auth-required': 'auth-required',
    'vc-request-pubkey': 'request-pubkey',
    'vc-pubkey': 'pubkey',
    'vc-request-with-auth': 'request-with-auth',
    'vg-request-with-auth': 'request-with-auth',
    'vc-contact-confirm': 'contact-confirm',
    'vg-member-added': 'member-added',
    'vg-member-added-received': 'deprecated',
    'vc-contact-confirm-received': 'deprecated',
  };
  return { step: steps[header] ?? 'unknown', header };
}

/**
 * Handle a SecureJoin message: checks and crypto happen here (async), state changes and replies
 * in the returned outcome's apply(). Null when the message is not a SecureJoin step.
 */
export async function prepareSecureJoin(
  ctx: AccountContext,
  overlay: PeerOverlay,
  m: Omit<IncomingStep, 'step' | 'header'>,
): Promise<SecureJoinOutcome | null> {
  const found = stepOf(m.parsed);
  if (!found) return null;
  const step: IncomingStep = { ...m, ...found };
  // Our own handshake mail seen again (another device, a copy to self): nothing to do.
  if (m.from.addr.toLowerCase() === ctx.addr.toLowerCase()) return HIDE;
  switch (step.step) {
    case 'request':
      return onRequest(ctx, step);
    case 'request-pubkey':
      return onRequestPubkey(ctx, step);
    case 'request-with-auth':
      return onRequestWithAuth(ctx, overlay, step);
    case 'auth-required':
    case 'pubkey':
      return onAuthRequiredOrPubkey(ctx, overlay, step);
    case 'contact-confirm':
      return onContactConfirm(ctx, step);
    case 'member-added':
      return onMemberAdded(ctx, step);
    case 'deprecated':
    case 'unknown':
      return HIDE;
  }
}
