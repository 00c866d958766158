/**
 * The entities the core shows to its hosts. Every value that crosses the API is described by a
 * zod schema here, so both sides validate the same shape.
 */
import { z } from 'zod';

export const AccountId = z.number().int().positive();
export const ChatId = z.number().int().positive();
export const MessageId = z.number().int().positive();
export const ContactId = z.number().int().positive();

export const Security = z.enum(['tls', 'starttls', 'plain']);

export const ServerEndpoint = z.object({
  host: z.string().min(1).max(253),
  port: z.number().int().min(1).max(65535),
  security: Security,
  user: z.string().min(1).max(320),
});
export type ServerEndpoint = z.infer<typeof ServerEndpoint>;

export const ServerSettingsSchema = z.object({
  imap: ServerEndpoint,
  smtp: ServerEndpoint,
  acceptInvalidCertificates: z.boolean(),
});
export type ServerSettingsValue = z.infer<typeof ServerSettingsSchema>;

/**
 * A sentence of the core (an error, a send failure, why a placeholder is one) for a UI to say in
 * its own language: a code, its arguments (host names, addresses, ports, the server's own words:
 * plain text, never markup) and, for a sentence that wraps another one, that one as `reason`.
 * The English sentence next to it stays the one to show for a code the UI does not know.
 */
export const SentenceInfo = z.object({
  code: z.string().max(100),
  args: z.record(z.string(), z.string()),
  reason: z
    .object({ code: z.string().max(100), args: z.record(z.string(), z.string()) })
    .optional(),
});
export type SentenceInfo = z.infer<typeof SentenceInfo>;

export const ConnectivityStatus = z.enum(['not-started', 'connecting', 'connected', 'offline']);
export const Connectivity = z.object({
  status: ConnectivityStatus,
  /** Why we are offline, as a sentence. */
  reason: z.string().optional(),
  /** The error code behind `reason` (e.g. auth_failed: the account needs a new password). */
  code: z.string().optional(),
  /** `reason` as a code with arguments, to say it in the UI's language. */
  reasonInfo: SentenceInfo.optional(),
  /** When the next attempt is due (ms since epoch). */
  nextRetryAt: z.number().optional(),
});
export type Connectivity = z.infer<typeof Connectivity>;

export const Account = z.object({
  id: AccountId,
  addr: z.string(),
  displayName: z.string(),
  status: z.string(),
  /** data: URL of the avatar, when one is set. */
  avatar: z.string().nullable(),
  fingerprint: z.string(),
  settings: ServerSettingsSchema,
  connectivity: Connectivity,
});
export type Account = z.infer<typeof Account>;

export const Contact = z.object({
  id: ContactId,
  addr: z.string(),
  /** The name to show: the one the user gave, else the one the peer sent, else the address. */
  displayName: z.string(),
  /** Name the peer announced in its From header. */
  peerName: z.string(),
  /** Current key fingerprint (uppercase hex), when we have a key. */
  fingerprint: z.string().nullable(),
  verified: z.boolean(),
  blocked: z.boolean(),
  /** When the peer's key last changed (ms since epoch), shown as a warning. */
  keyChangedAt: z.number().nullable(),
  lastSeen: z.number().nullable(),
  isSelf: z.boolean(),
});
export type Contact = z.infer<typeof Contact>;

/** How a message travelled, as the UI must say it. */
export const Encryption = z.enum([
  /** Encrypted and signed by the sender's known key. */
  'encrypted',
  /** Encrypted, but unsigned or signed by a key that is not the sender's. */
  'encrypted-unverified-sender',
  /** Sent or received in clear. */
  'none',
]);
export type Encryption = z.infer<typeof Encryption>;

export const MessageState = z.enum([
  'pending',
  'sent',
  'delivered',
  'read',
  'failed',
  'received',
  'seen',
]);
export type MessageState = z.infer<typeof MessageState>;

export const MessageKind = z.enum([
  'text',
  /** Mail that arrived but could not be parsed or decrypted; `error` says why. */
  'placeholder',
  /** A line the core writes itself (key changed, member added, ...). */
  'system',
]);

export const Attachment = z.object({
  id: z.number().int().positive(),
  filename: z.string(),
  contentType: z.string(),
  size: z.number().int().nonnegative(),
  /** Content hash: the blob's name in the account's blob store. */
  blob: z.string(),
  isImage: z.boolean(),
});
export type Attachment = z.infer<typeof Attachment>;

/**
 * What a system line (or a SecureJoin sentence) says, for a UI to say it in its own language:
 * a code and its arguments (names, addresses, group names, fingerprints, dates: plain text, never
 * markup). `text` / `sentence` next to it stay the English form, for codes a UI does not know.
 */
export const SystemLineCode = z.enum([
  // Group changes we made (outgoing group system messages).
  'self_added_member',
  'self_removed_member',
  'self_left_group',
  'self_renamed_group',
  'self_changed_description',
  'self_changed_image',
  'self_removed_image',
  // Group changes a member made.
  'member_added',
  'member_added_you',
  'member_removed',
  'member_removed_you',
  'member_left',
  'group_renamed',
  'description_changed',
  'image_changed',
  'image_removed',
  'member_joined',
  'member_gone',
  'self_gone',
  // Keys and verification.
  'key_changed',
  'unverified_sender_clear',
  'unverified_sender_key',
  // SecureJoin, as joiner.
  'join_asking_group',
  'join_waiting',
  'join_already_member',
  'join_key_mismatch',
  'join_key_missing',
  'join_group_answered',
  'join_key_matches',
  'join_verified',
  'join_added_to_group',
  'join_timeout',
  // SecureJoin, as inviter.
  'invite_used',
  'invite_withdrawn_unanswered',
  'invite_withdrawn_not_let_in',
  'invite_request_without_key',
  'invite_bad_signature',
  'invite_not_for_your_key',
  'invite_verified',
  'invite_joined_group',
  'invite_expired',
  'invite_group_left',
]);
export type SystemLineCode = z.infer<typeof SystemLineCode>;

export const SystemLine = z.object({
  code: SystemLineCode,
  args: z.record(z.string(), z.string()),
});
export type SystemLine = z.infer<typeof SystemLine>;

export const Message = z.object({
  id: MessageId,
  chatId: ChatId,
  /** The author; the account's own contact for outgoing messages. */
  fromId: ContactId,
  outgoing: z.boolean(),
  kind: MessageKind,
  text: z.string(),
  /** Collapsed quoted history from ordinary mail clients. */
  quotedText: z.string().nullable(),
  subject: z.string().nullable(),
  attachments: z.array(Attachment),
  /** Sort and display time (ms since epoch): the sender's date, clamped to receipt time. */
  timestamp: z.number(),
  receivedAt: z.number(),
  state: MessageState,
  encryption: Encryption,
  /** Why the message failed to send, or why a placeholder is one. */
  error: z.string().nullable(),
  /** `error` as a code with arguments, to say it in the UI's language (absent: English only). */
  errorInfo: SentenceInfo.nullable().optional(),
  /** True when the mail came from an ordinary mail client rather than a chat app. */
  classicEmail: z.boolean(),
  rfc724Mid: z.string(),
  /** For `kind: 'system'` lines the core wrote: what `text` says, to localise it. */
  system: SystemLine.nullable().optional(),
});
export type Message = z.infer<typeof Message>;

export const ChatKind = z.enum(['single', 'group']);

export const ChatSummary = z.object({
  id: ChatId,
  kind: ChatKind,
  name: z.string(),
  /** For single chats: the peer's address. */
  addr: z.string().nullable(),
  contactIds: z.array(ContactId),
  /** A chat that is encrypted never silently sends in clear. */
  encrypted: z.boolean(),
  verified: z.boolean(),
  /** Mail from an unknown sender waits here until the user accepts or blocks. */
  isRequest: z.boolean(),
  muted: z.boolean(),
  archived: z.boolean(),
  unreadCount: z.number().int().nonnegative(),
  lastMessage: z
    .object({
      text: z.string(),
      outgoing: z.boolean(),
      timestamp: z.number(),
      state: MessageState,
      kind: MessageKind,
      /** In a group, who wrote an incoming message (null for our own and in 1:1 chats). */
      senderName: z.string().nullable(),
      /** For a system line: its code and arguments, to show it in the UI's language. */
      system: SystemLine.nullable(),
    })
    .nullable(),
  draft: z.string(),
  /** Warnings the chat must show, such as a changed key. */
  keyChangedAt: z.number().nullable(),
  /** The group's image: a blob name for getBlob; null when it has none (and for 1:1 chats). */
  image: z.string().nullable(),
  /** False once we left or were removed from a group: the chat is read-only. */
  selfIsMember: z.boolean(),
});
export type ChatSummary = z.infer<typeof ChatSummary>;

/** A SecureJoin invite we show: a link, its legacy form and a QR code, with a fresh secret. */
export const Invite = z.object({
  id: z.number().int().positive(),
  /** The group it joins; null for an invite to verify you and start a chat. */
  chatId: ChatId.nullable(),
  /** `https://i.delta.chat/#…`: what Delta Chat shows and reads. */
  link: z.string(),
  /** `OPENPGP4FPR:…`: the same invite in the legacy form. */
  openpgp4fpr: z.string(),
  /** The QR code of `link`, an SVG document made locally. */
  qrSvg: z.string(),
  createdAt: z.number(),
  /** After this the invite still lets someone in, but no longer verifies them. */
  expiresAt: z.number(),
  /** After this the invite is forgotten and does nothing any more. */
  usableUntil: z.number(),
});
export type Invite = z.infer<typeof Invite>;

/** What accepting an invite would do, said before anything is sent. */
export const InviteCheck = z.object({
  kind: z.enum(['contact', 'group']),
  addr: z.string(),
  /** The inviter's name as the invite gives it ('' when it gives none). */
  name: z.string(),
  fingerprint: z.string(),
  groupName: z.string().nullable(),
  /** The question to ask, e.g. "Verify Alice and start a chat?". */
  question: z.string(),
  /** The invite is one of our own. */
  own: z.boolean(),
  /** The inviter is already verified with exactly this key. */
  alreadyVerified: z.boolean(),
  /** We are already in this group. */
  alreadyMember: z.boolean(),
  /** The chat the invite leads to, when it exists already. */
  chatId: ChatId.nullable(),
});
export type InviteCheck = z.infer<typeof InviteCheck>;

/** Where a SecureJoin run stands (events `secureJoinProgress`). */
export const SecureJoinStep = z.enum([
  /** Joiner: the first step went out. */
  'started',
  /** Inviter: someone asked with one of our invites; we answered with our key. */
  'request-received',
  /** Joiner: the inviter's key matches the invite; we sent our secret and key. */
  'auth-sent',
  'done',
  'failed',
  /** Joiner: no answer yet; the run goes on if one comes. */
  'timeout',
]);
export type SecureJoinStep = z.infer<typeof SecureJoinStep>;

/** A group's details and member list (the member list one click away). */
export const GroupInfo = z.object({
  chatId: ChatId,
  /** Chat-Group-ID. */
  groupId: z.string(),
  name: z.string(),
  description: z.string(),
  /** data: URL of the group image, when one is set. */
  avatar: z.string().nullable(),
  /** Current members, ourselves included (isSelf). */
  members: z.array(Contact),
  /** False after we left or were removed: the group is then read-only. */
  selfIsMember: z.boolean(),
});
export type GroupInfo = z.infer<typeof GroupInfo>;
