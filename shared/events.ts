/** Events the core emits so a UI renders changes incrementally instead of polling. */
import { z } from 'zod';
import {
  AccountId,
  ChatId,
  ChatSummary,
  Connectivity,
  ContactId,
  Message,
  SecureJoinStep,
  SentenceInfo,
  SystemLine,
} from './types.ts';

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
  /**
   * A SecureJoin run moved on, as inviter (someone used our invite) or joiner (we used theirs).
   * `progress` goes to 1000 when done, like Delta Chat's; `sentence` says it for people.
   */
  z.object({
    type: z.literal('secureJoinProgress'),
    accountId: AccountId,
    role: z.enum(['inviter', 'joiner']),
    step: SecureJoinStep,
    progress: z.number().int().min(0).max(1000),
    /** The peer, once known. */
    contactId: ContactId.nullable(),
    /** The 1:1 chat or the group the run is about, once known. */
    chatId: ChatId.nullable(),
    sentence: z.string(),
    /** What `sentence` says (English), as a code and arguments a UI localises. */
    system: SystemLine.optional(),
  }),
  /** Something failed that the user should know about. */
  z.object({
    type: z.literal('error'),
    accountId: AccountId.optional(),
    code: z.string(),
    sentence: z.string(),
    /** What `sentence` says (English), as a code and arguments a UI localises. */
    detail: SentenceInfo.optional(),
  }),
]);
export type CoreEvent = z.infer<typeof CoreEvent>;
export type CoreEventType = CoreEvent['type'];
