/**
 * Chat summaries once per chat per batch. A summary costs several queries (last message, unread
 * count over the chat's unread index, members); built after every message of a 200-message batch
 * it was most of the storing time, and every one but the last was stale at once. An event list
 * marked here collects the chats a batch touched and gets one `chatChanged` per chat at the end,
 * after the batch's `messageAdded` events, with the summary as the transaction leaves it.
 */
import type { CoreEvent } from '../../../shared/events.ts';
import type { AccountContext } from '../account/context.ts';
import { CoreError } from '../errors.ts';

const deferred = new WeakMap<CoreEvent[], Set<number>>();

/** From now on, chatChanged(…) on this list waits for flushChatSummaries. */
export function deferChatSummaries(events: CoreEvent[]): void {
  deferred.set(events, new Set());
}

/** Announce a changed chat: now, or once at the end of the batch if the list is deferred. */
export function chatChanged(ctx: AccountContext, events: CoreEvent[], chatId: number): void {
  const touched = deferred.get(events);
  if (touched) touched.add(chatId);
  else events.push({ type: 'chatChanged', accountId: ctx.id, chat: ctx.chats.summary(chatId) });
}

/** Appends one chatChanged per touched chat (call inside the batch's transaction, at its end). */
export function flushChatSummaries(ctx: AccountContext, events: CoreEvent[]): void {
  const touched = deferred.get(events);
  if (!touched) return;
  deferred.delete(events);
  for (const chatId of touched) {
    try {
      events.push({ type: 'chatChanged', accountId: ctx.id, chat: ctx.chats.summary(chatId) });
    } catch (e) {
      // A chat the same batch removed again has nothing to announce.
      if (!(e instanceof CoreError && e.code === 'not_found')) throw e;
    }
  }
}
