/** Events the core emits so a UI renders changes incrementally instead of polling. */
import { z } from 'zod';
import { AccountId, ChatId, ChatSummary, Connectivity, ContactId, Message } from './types.ts';

export const CoreEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('accountsChanged') }),
  z.object({
    type: z.literal('accountSetupProgress'),
    addr: z.string(),
    step: z.enum(['autoconfig', 'guess', 'imap-login', 'smtp-login', 'keys', 'done']),
    detail: z.string(),
  }),
  z.object({
    type: z.literal('connectivityChanged'),
    accountId: AccountId,
    connectivity: Connectivity,
  }),
  /** A new message in a chat (incoming or outgoing). `notify` is true when a notification fits. */
  z.object({
    type: z.literal('messageAdded'),
    accountId: AccountId,
    message: Message,
    notify: z.boolean(),
  }),
  /** A message changed: its state (sent, read, failed), text or attachments. */
  z.object({ type: z.literal('messageChanged'), accountId: AccountId, message: Message }),
  /** A chat's summary changed (new last message, unread count, name, request state). */
  z.object({ type: z.literal('chatChanged'), accountId: AccountId, chat: ChatSummary }),
  z.object({ type: z.literal('chatDeleted'), accountId: AccountId, chatId: ChatId }),
  z.object({ type: z.literal('contactChanged'), accountId: AccountId, contactId: ContactId }),
  /** Something failed that the user should know about. */
  z.object({
    type: z.literal('error'),
    accountId: AccountId.optional(),
    code: z.string(),
    sentence: z.string(),
  }),
]);
export type CoreEvent = z.infer<typeof CoreEvent>;
export type CoreEventType = CoreEvent['type'];
