/** Lines the core writes into a chat itself: SecureJoin progress, verification, group changes. */
import { randomUUID } from 'node:crypto';
import type { CoreEvent } from '../../../shared/events.ts';
import type { AccountContext } from '../account/context.ts';

/** Insert a system line into a chat (inside the caller's transaction) and queue its events. */
export function addSystemLine(
  ctx: AccountContext,
  chatId: number,
  text: string,
  events: CoreEvent[],
  opts: { fromId?: number; timestamp?: number } = {},
): number {
  const now = ctx.now();
  const id = ctx.messages.insert({
    chatId,
    fromId: opts.fromId ?? ctx.selfContactId,
    outgoing: false,
    kind: 'system',
    text,
    timestamp: opts.timestamp ?? now,
    receivedAt: now,
    state: 'seen',
    encryption: 'none',
    rfc724Mid: `system-${randomUUID()}@estafette.invalid`,
  });
  events.push({
    type: 'messageAdded',
    accountId: ctx.id,
    message: ctx.messages.get(id),
    notify: false,
  });
  return id;
}
