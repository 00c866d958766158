/**
 * The one API of the core: method name → input and output schemas. Every host (Electron's
 * MessagePort, the web host's WebSocket, tests in-process) carries these calls as JSON-RPC 2.0.
 * The core validates every input against its schema: callers are untrusted.
 */
import { z } from 'zod';
import {
  Account,
  AccountId,
  ChatId,
  ChatSummary,
  Contact,
  ContactId,
  GroupInfo,
  Invite,
  InviteCheck,
  Message,
  MessageId,
  ServerSettingsSchema,
} from './types.ts';

const Addr = z
  .string()
  .trim()
  .min(3)
  .max(320)
  .regex(/^[^\s@<>",;]+@[^\s@<>",;]+$/, 'an email address like name@example.org');
const Text = z.string().max(200_000);
const Name = z.string().trim().max(200);
const Acc = z.object({ accountId: AccountId });
const AccChat = z.object({ accountId: AccountId, chatId: ChatId });
const Ok = z.object({ ok: z.literal(true) });

/** An attachment as the renderer hands it over: a file it read, base64 encoded. */
export const OutgoingAttachment = z.object({
  filename: z.string().trim().min(1).max(255),
  contentType: z.string().max(255),
  /** Base64 of the file; ~25 MB decoded at most (what mail servers commonly accept). */
  dataBase64: z.string().max(34_000_000),
});

/** The longest vCard text the core takes (keys and photos included); the UI checks it first. */
export const VCARD_MAX_LENGTH = 5_000_000;

/** One contact of a vCard as `previewVcard` sees it. */
export const VcardPreview = z.object({
  addr: z.string(),
  /** The name in the card ('' when none). */
  name: z.string(),
  /** What becomes of the card's key. */
  key: z.enum(['none', 'unreadable', 'new', 'same', 'replaces', 'ignored']),
  /** Fingerprint of the card's key (uppercase hex), when it could be read. */
  fingerprint: z.string().nullable(),
  /** The contact this address already is, if any. */
  contactId: ContactId.nullable(),
  /** The existing contact is verified. */
  verified: z.boolean(),
  /** The card is your own address (it is skipped on import). */
  isSelf: z.boolean(),
});
export type VcardPreview = z.infer<typeof VcardPreview>;

function method<I extends z.ZodType, O extends z.ZodType>(input: I, output: O, doc: string) {
  return { input, output, doc };
}

export const api = {
  getSystemInfo: method(
    z.object({}),
    z.object({ version: z.string(), dataDir: z.string() }),
    'Version of the core and where it keeps its data.',
  ),

  // Accounts
  listAccounts: method(z.object({}), z.array(Account), 'Every account on this device.'),
  getAccount: method(Acc, Account, 'One account.'),
  addAccount: method(
    z.object({ addr: Addr, password: z.string().min(1).max(1000), displayName: Name.optional() }),
    Account,
    'Find the servers for an address (autoconfig, then guessing), check both logins, create the account with a new key and start it. Progress arrives as `accountSetupProgress` events.',
  ),
  addAccountManual: method(
    z.object({
      addr: Addr,
      password: z.string().min(1).max(1000),
      smtpPassword: z.string().min(1).max(1000).optional(),
      displayName: Name.optional(),
      settings: ServerSettingsSchema,
    }),
    Account,
    'Create an account from explicit server settings after checking both logins. Accepting an invalid certificate happens only when `settings.acceptInvalidCertificates` is true.',
  ),
  removeAccount: method(
    Acc,
    Ok,
    'Stop the account and delete its local data (the mail server is left untouched).',
  ),
  setProfile: method(
    z.object({
      accountId: AccountId,
      displayName: Name.optional(),
      status: z.string().max(1000).optional(),
      /** data: URL of a PNG/JPEG/WebP image, or null to remove the avatar. */
      avatar: z.string().max(3_000_000).nullable().optional(),
    }),
    Account,
    'Change the name, status line or avatar sent with messages.',
  ),
  startIo: method(Acc, Ok, 'Connect the account: receive by IMAP IDLE and send the outbox.'),
  stopIo: method(Acc, Ok, 'Disconnect the account.'),
  networkChanged: method(z.object({}), Ok, 'The network came back: retry every connection now.'),

  // Chats
  listChats: method(
    z.object({
      accountId: AccountId,
      query: z.string().max(200).optional(),
      archived: z.boolean().optional(),
    }),
    z.array(ChatSummary),
    'Chats newest first, contact requests included (isRequest), filtered by name or address.',
  ),
  getChat: method(AccChat, ChatSummary, 'One chat.'),
  createChatByAddress: method(
    z.object({ accountId: AccountId, addr: Addr, name: Name.optional() }),
    ChatSummary,
    'Open (or create) the 1:1 chat with an address.',
  ),
  acceptChat: method(
    AccChat,
    ChatSummary,
    'Accept a contact request: it becomes an ordinary chat.',
  ),
  blockChat: method(
    AccChat,
    Ok,
    'Block the sender of a chat: the chat disappears and later mail from that address is not shown.',
  ),
  unblockContact: method(
    z.object({ accountId: AccountId, contactId: ContactId }),
    Ok,
    'Unblock a contact.',
  ),
  deleteChat: method(AccChat, Ok, 'Delete a chat and its messages on this device.'),
  setChatMuted: method(
    z.object({ accountId: AccountId, chatId: ChatId, muted: z.boolean() }),
    ChatSummary,
    'Mute or unmute notifications of a chat.',
  ),
  setChatArchived: method(
    z.object({ accountId: AccountId, chatId: ChatId, archived: z.boolean() }),
    ChatSummary,
    'Archive or unarchive a chat.',
  ),
  setDraft: method(
    z.object({ accountId: AccountId, chatId: ChatId, text: Text }),
    Ok,
    'Keep the unsent text of a chat.',
  ),
  markSeen: method(
    z.object({ accountId: AccountId, chatId: ChatId }),
    Ok,
    'Mark every message of a chat as seen.',
  ),

  // Messages
  getMessageCount: method(
    AccChat,
    z.object({ count: z.number().int() }),
    'How many messages a chat holds.',
  ),
  getMessages: method(
    z.object({
      accountId: AccountId,
      chatId: ChatId,
      offset: z.number().int().nonnegative(),
      limit: z.number().int().min(1).max(500),
    }),
    z.array(Message),
    'Messages of a chat oldest first, from position `offset` (0 = oldest).',
  ),
  getNewestMessages: method(
    z.object({
      accountId: AccountId,
      chatId: ChatId,
      pageSize: z.number().int().min(1).max(500),
    }),
    z.object({
      count: z.number().int().nonnegative(),
      offset: z.number().int().nonnegative(),
      messages: z.array(Message),
    }),
    'What opening a chat needs in one call: how many messages it holds and its newest ones, oldest first, from position `offset` (a multiple of `pageSize`) to the end: at least `pageSize` of them when the chat has that many, fewer than twice `pageSize`. Count and messages are read together.',
  ),
  getMessage: method(
    z.object({ accountId: AccountId, messageId: MessageId }),
    Message,
    'One message.',
  ),
  sendMessage: method(
    z.object({
      accountId: AccountId,
      chatId: ChatId,
      text: Text,
      attachments: z.array(OutgoingAttachment).max(10).optional(),
    }),
    Message,
    'Queue a message: it is stored as pending at once and sent by the outbox, encrypted when the chat is.',
  ),
  retrySend: method(
    z.object({ accountId: AccountId, messageId: MessageId }),
    Message,
    'Send a failed message again.',
  ),
  getBlob: method(
    z.object({ accountId: AccountId, blob: z.string().regex(/^[0-9a-f]{64}$/) }),
    z.object({ dataBase64: z.string(), contentType: z.string() }),
    'The content of an attachment.',
  ),

  // Contacts
  getContact: method(
    z.object({ accountId: AccountId, contactId: ContactId }),
    Contact,
    'One contact, with its key fingerprint.',
  ),
  listContacts: method(
    z.object({ accountId: AccountId, query: z.string().max(200).optional() }),
    z.array(Contact),
    'Known, unblocked contacts by name.',
  ),
  listBlockedContacts: method(Acc, z.array(Contact), 'Blocked contacts.'),
  setContactName: method(
    z.object({ accountId: AccountId, contactId: ContactId, name: Name }),
    Contact,
    'Give a contact the name you want to see.',
  ),

  // Invites and SecureJoin
  getInvite: method(
    z.object({ accountId: AccountId, chatId: ChatId.optional() }),
    Invite,
    'A new invite to verify you and start a chat, or with `chatId` to join that group: the https://i.delta.chat/ link, its OPENPGP4FPR: form and a QR code (SVG). Every call makes a fresh secret; it verifies for 7 days and works until revoked, or for 30 more days (docs/securejoin.md, Housekeeping).',
  ),
  listInvites: method(
    z.object({ accountId: AccountId, chatId: ChatId.optional() }),
    z.array(Invite),
    'Invites not revoked yet, newest first: contact invites, or those of the group `chatId`.',
  ),
  revokeInvite: method(
    z.object({ accountId: AccountId, inviteId: z.number().int().positive() }),
    Ok,
    'Withdraw an invite: requests that use it are no longer answered.',
  ),
  checkInvite: method(
    z.object({ accountId: AccountId, invite: z.string().trim().min(1).max(4000) }),
    InviteCheck,
    'Read an invite (https://i.delta.chat/ link, OPENPGP4FPR: text, openpgp4fpr: link, or the text of a scanned QR code) and say what accepting it would do, without sending anything.',
  ),
  secureJoin: method(
    z.object({ accountId: AccountId, invite: z.string().trim().min(1).max(4000) }),
    ChatSummary,
    'Accept an invite: start SecureJoin and return the chat it leads to (the 1:1 chat, or the group). Progress arrives as `secureJoinProgress` events and as lines in that chat.',
  ),

  // Groups
  createGroup: method(
    z.object({
      accountId: AccountId,
      name: Name.min(1),
      contactIds: z.array(ContactId).max(1000),
    }),
    ChatSummary,
    'Create an end-to-end encrypted group with these contacts (each needs a key). The members learn of it with the first message.',
  ),
  getGroup: method(AccChat, GroupInfo, 'A group’s name, description, image and member list.'),
  getChatMembers: method(AccChat, z.array(Contact), 'The members of a chat, ourselves included.'),
  addChatMember: method(
    z.object({ accountId: AccountId, chatId: ChatId, contactId: ContactId }),
    ChatSummary,
    'Add a contact to a group; every member is told and gets the new member’s key.',
  ),
  removeChatMember: method(
    z.object({ accountId: AccountId, chatId: ChatId, contactId: ContactId }),
    ChatSummary,
    'Remove a member from a group; the members and the removed member are told.',
  ),
  leaveGroup: method(AccChat, ChatSummary, 'Leave a group: it stays, read-only.'),
  setChatName: method(
    z.object({ accountId: AccountId, chatId: ChatId, name: Name.min(1) }),
    ChatSummary,
    'Rename a group for every member.',
  ),
  setChatDescription: method(
    z.object({ accountId: AccountId, chatId: ChatId, description: z.string().max(2000) }),
    ChatSummary,
    'Change a group’s description for every member.',
  ),
  setChatAvatar: method(
    z.object({
      accountId: AccountId,
      chatId: ChatId,
      /** data: URL of a PNG/JPEG/WebP image, or null to remove it. */
      avatar: z.string().max(1_400_000).nullable(),
    }),
    ChatSummary,
    'Set or remove a group’s image for every member.',
  ),

  // vCards
  exportVcard: method(
    z
      .object({
        accountId: AccountId,
        contactIds: z.array(ContactId).max(1000).default([]),
        /** Put your own contact first (your name, address and key). */
        self: z.boolean().optional(),
      })
      .refine((i) => i.self === true || i.contactIds.length > 0, 'name at least one contact'),
    z.object({ vcard: z.string() }),
    'A vCard of these contacts with their keys, as Delta Chat makes them; `self: true` puts your own contact first (to share yourself).',
  ),
  previewVcard: method(
    z.object({ accountId: AccountId, vcard: z.string().min(1).max(VCARD_MAX_LENGTH) }),
    z.array(VcardPreview),
    'What `importVcard` would do with this vCard, without changing anything: each contact with an address, its key (`none`, `unreadable`, `new`, `same`, `replaces` the Autocrypt key we hold, or `ignored` because the contact is verified with another key), and whether it is already a contact or yourself. An empty list: no card has an address.',
  ),
  importVcard: method(
    z.object({ accountId: AccountId, vcard: z.string().min(1).max(VCARD_MAX_LENGTH) }),
    z.array(Contact),
    'Add the contacts of a vCard with their keys (Delta Chat’s or others’); returns them.',
  ),
} as const;

export type Api = typeof api;
export type MethodName = keyof Api;
export type Input<M extends MethodName> = z.input<Api[M]['input']>;
export type Output<M extends MethodName> = z.output<Api[M]['output']>;

/** JSON-RPC 2.0 error codes used by every host. */
export const RpcErrorCode = {
  parse: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internal: -32603,
  /**
   * The core refused: `data.code` is the core's ErrorCode, `message` its sentence (English), and
   * `data.detail`, when present, that sentence as a code with arguments (SentenceInfo) for a UI
   * to say in its own language.
   */
  core: -32000,
} as const;
