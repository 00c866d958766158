/**
 * The shapes the mime module composes from and parses into. Message-IDs travel without angle
 * brackets everywhere in the core; the brackets belong to the wire format only.
 */

/** A mailbox: a bare address and, when known, the display name that came with it. */
export type MailAddress = { addr: string; name?: string };

export type OutgoingAttachment = { filename: string; contentType: string; content: Buffer };

/** Everything a chat message carries, before it is encrypted. */
export type OutgoingMessage = {
  from: MailAddress;
  to: MailAddress[];
  subject: string;
  date: Date;
  /** Without angle brackets, e.g. from newMessageId(). */
  messageId: string;
  inReplyTo?: string;
  references?: string[];
  text: string;
  attachments?: OutgoingAttachment[];
  /** Chat-*, Secure-Join*, Ephemeral-Timer … as header name → value. */
  chatHeaders?: Record<string, string>;
  /** The value of the Autocrypt header (addr=…; prefer-encrypt=mutual; keydata=…). */
  autocrypt?: string;
  /** One Autocrypt-Gossip value per recipient; only meaningful inside an encrypted payload. */
  gossip?: string[];
};

/** A read receipt (RFC 8098) for one or more messages of the same sender. */
export type OutgoingMdn = {
  from: MailAddress;
  to: MailAddress;
  date: Date;
  messageId: string;
  /** The first becomes Original-Message-ID, the rest Additional-Message-IDs (DC's batching). */
  originalMessageIds: string[];
  autocrypt?: string;
};

export type ComposeOptions = {
  /** Mark the root as RFC 9788 header protection and add HP-Outer copies of the outer headers. */
  protectedHeaders: boolean;
  /**
   * The Date the encrypted outer message will carry (see randomizedOuterDate); it is copied into
   * HP-Outer. Defaults to the message's own date.
   */
  outerDate?: Date;
};

export type ParsedAttachment = {
  filename: string;
  contentType: string;
  size: number;
  content: Buffer;
  /** Without angle brackets. */
  contentId?: string;
  inline: boolean;
};

/** The chat-protocol headers of a message. */
export type ChatHeaders = {
  /** Chat-Version; present means the sender is a chat client. */
  version?: string;
  groupId?: string;
  groupName?: string;
  /** Secure-Join step, e.g. vc-request-with-auth. */
  secureJoin?: string;
  /**
   * Every Chat-*, Secure-Join* and Ephemeral-Timer header: lowercase name → value with RFC 2047
   * words decoded. When a header is repeated the first one counts.
   */
  headers: Record<string, string>;
};

export type ParsedMail = {
  /** Lowercase name → raw (not RFC 2047 decoded) unfolded values, in order of appearance. */
  headers: Map<string, string[]>;
  from?: MailAddress;
  to: MailAddress[];
  cc: MailAddress[];
  replyTo?: MailAddress;
  date?: Date;
  messageId?: string;
  inReplyTo?: string;
  references: string[];
  subject?: string;
  /** The new part of the body: quoted history and signature taken out. */
  text: string;
  /** The quoted history as it appeared: an "On … wrote:" line and the `>` block. */
  quotedText?: string;
  /** What followed a `-- ` line. */
  signature?: string;
  /** The raw HTML, never rendered by the core. */
  html?: string;
  attachments: ParsedAttachment[];
  /** Set when the root is an RFC 3156 multipart/encrypted with an armored OpenPGP message. */
  encrypted?: { armored: string };
  /** Set when the root is an RFC 8098 read receipt. */
  isMdn?: { originalMessageIds: string[] };
  /** The emoji of an RFC 9078 reaction (a text part with Content-Disposition: reaction). */
  reaction?: string;
  /** The root Content-Type carries hp="cipher" or protected-headers="v1". */
  protectedHeaders: boolean;
  chat: ChatHeaders;
  /** Raw Autocrypt header values. */
  autocrypt: string[];
  /** Raw Autocrypt-Gossip header values. */
  gossip: string[];
  /** What was wrong with the message but could be worked around, as sentences. */
  problems: string[];
  /** Some of `problems` mean the content is cut off or unreadable: show it as damaged. */
  damaged: boolean;
};
