/** Messages of one account: insert, page through a chat, state changes. */
import type { Database, Statement } from 'better-sqlite3';
import type {
  Attachment,
  Encryption,
  Message,
  MessageState,
  SentenceInfo as SentenceInfoValue,
  SystemLine,
} from '../../../shared/types.ts';
import { SentenceInfo, SystemLineCode } from '../../../shared/types.ts';
import { CoreError } from '../errors.ts';

interface MessageRow {
  id: number;
  chat_id: number;
  from_id: number;
  outgoing: number;
  kind: Message['kind'];
  text: string;
  quoted_text: string | null;
  subject: string | null;
  timestamp: number;
  received_at: number;
  state: MessageState;
  encryption: Encryption;
  error: string | null;
  classic_email: number;
  rfc724_mid: string;
  system: string | null;
  error_info: string | null;
}

interface AttachmentRow {
  id: number;
  message_id: number;
  filename: string;
  content_type: string;
  size: number;
  blob: string;
}

export interface NewMessage {
  chatId: number;
  fromId: number;
  outgoing: boolean;
  kind: Message['kind'];
  text: string;
  quotedText?: string | null;
  subject?: string | null;
  timestamp: number;
  receivedAt: number;
  state: MessageState;
  encryption: Encryption;
  error?: string | null;
  /** `error` as a code with arguments (the localisable form). */
  errorInfo?: SentenceInfoValue | null | undefined;
  classicEmail?: boolean;
  rfc724Mid: string;
  inReplyTo?: string | null;
  imapUid?: number | null;
  /** A system line's code and arguments (the localisable form of `text`). */
  system?: SystemLine | null;
  attachments?: { filename: string; contentType: string; size: number; blob: string }[];
}

const IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

export class MessageRepo {
  private readonly db: Database;
  private readonly insertStmt: Statement;
  private readonly insertAttachment: Statement;
  private readonly byId: Statement<[number], MessageRow>;
  private readonly attachmentsOf: Statement<[number], AttachmentRow>;
  private readonly midExists: Statement<[string], { id: number }>;

  constructor(db: Database) {
    this.db = db;
    this.insertStmt = db.prepare(`INSERT INTO messages
      (chat_id, from_id, outgoing, kind, text, quoted_text, subject, timestamp, received_at, state,
       encryption, error, classic_email, rfc724_mid, in_reply_to, imap_uid, system, error_info)
      VALUES (@chatId, @fromId, @outgoing, @kind, @text, @quotedText, @subject, @timestamp, @receivedAt,
       @state, @encryption, @error, @classicEmail, @rfc724Mid, @inReplyTo, @imapUid, @system,
       @errorInfo)`);
    this.insertAttachment = db.prepare(
      'INSERT INTO attachments (message_id, filename, content_type, size, blob) VALUES (?, ?, ?, ?, ?)',
    );
    this.byId = db.prepare('SELECT * FROM messages WHERE id = ?');
    this.attachmentsOf = db.prepare('SELECT * FROM attachments WHERE message_id = ? ORDER BY id');
    this.midExists = db.prepare('SELECT id FROM messages WHERE rfc724_mid = ?');
  }

  /** Whether a Message-ID is already stored (the dedupe across restarts). */
  hasMid(mid: string): boolean {
    return this.midExists.get(mid) !== undefined;
  }

  /** Insert a message with its attachments; call inside the caller's transaction. */
  insert(m: NewMessage): number {
    const info = this.insertStmt.run({
      chatId: m.chatId,
      fromId: m.fromId,
      outgoing: m.outgoing ? 1 : 0,
      kind: m.kind,
      text: m.text,
      quotedText: m.quotedText ?? null,
      subject: m.subject ?? null,
      timestamp: m.timestamp,
      receivedAt: m.receivedAt,
      state: m.state,
      encryption: m.encryption,
      error: m.error ?? null,
      classicEmail: m.classicEmail ? 1 : 0,
      rfc724Mid: m.rfc724Mid,
      inReplyTo: m.inReplyTo ?? null,
      imapUid: m.imapUid ?? null,
      system: m.system ? JSON.stringify(m.system) : null,
      errorInfo: m.error && m.errorInfo ? JSON.stringify(m.errorInfo) : null,
    });
    const id = Number(info.lastInsertRowid);
    for (const a of m.attachments ?? []) {
      this.insertAttachment.run(id, a.filename, a.contentType, a.size, a.blob);
    }
    return id;
  }

  /** One message, or a not_found error. */
  get(id: number): Message {
    const row = this.byId.get(id);
    if (!row) throw new CoreError('not_found', 'This message does not exist.');
    return this.toMessage(row);
  }

  count(chatId: number): number {
    return this.db
      .prepare('SELECT count(*) FROM messages WHERE chat_id = ?')
      .pluck()
      .get(chatId) as number;
  }

  /** A page of a chat, oldest first. */
  page(chatId: number, offset: number, limit: number): Message[] {
    const rows = this.db
      .prepare<[number, number, number], MessageRow>(
        'SELECT * FROM messages WHERE chat_id = ? ORDER BY timestamp, id LIMIT ? OFFSET ?',
      )
      .all(chatId, limit, offset);
    if (rows.length === 0) return [];
    const attachments = this.attachmentsForRange(rows.map((r) => r.id));
    return rows.map((r) => this.toMessage(r, attachments.get(r.id) ?? []));
  }

  /**
   * The count of a chat and its newest messages, oldest first, from `offset` (a multiple of
   * `pageSize`: the page the newest message is on, and the one before it when that page holds
   * fewer than `pageSize`) to the end, read in one transaction. The rows come from the end of
   * the chat's index, read backwards, instead of skipping `offset` entries from its start.
   */
  newest(chatId: number, pageSize: number): { count: number; offset: number; messages: Message[] } {
    return this.db.transaction(() => {
      const count = this.count(chatId);
      const offset = Math.max(0, Math.floor((count - pageSize) / pageSize) * pageSize);
      if (count === 0) return { count, offset, messages: [] };
      const rows = this.db
        .prepare<[number, number], MessageRow>(
          `SELECT * FROM messages WHERE chat_id = ? ORDER BY timestamp DESC, id DESC LIMIT ?`,
        )
        .all(chatId, count - offset)
        .reverse();
      const attachments = this.attachmentsForRange(rows.map((r) => r.id));
      return {
        count,
        offset,
        messages: rows.map((r) => this.toMessage(r, attachments.get(r.id) ?? [])),
      };
    })();
  }

  /** `errorInfo`: the error as a code with arguments, when the UI can say it in its language. */
  setState(
    id: number,
    state: MessageState,
    error: string | null = null,
    errorInfo: SentenceInfoValue | null = null,
  ): void {
    this.db
      .prepare('UPDATE messages SET state = ?, error = ?, error_info = ? WHERE id = ?')
      .run(state, error, error !== null && errorInfo ? JSON.stringify(errorInfo) : null, id);
  }

  setError(id: number, error: string | null, errorInfo: SentenceInfoValue | null = null): void {
    this.db
      .prepare('UPDATE messages SET error = ?, error_info = ? WHERE id = ?')
      .run(error, error !== null && errorInfo ? JSON.stringify(errorInfo) : null, id);
  }

  /** Our outgoing messages with these Message-IDs become read; returns the changed ids. */
  markReadByMids(mids: string[]): number[] {
    const ids = this.db
      .prepare<[string], { id: number }>(
        `SELECT id FROM messages WHERE outgoing = 1 AND state IN ('sent', 'delivered')
           AND rfc724_mid IN (SELECT value FROM json_each(?))`,
      )
      .all(JSON.stringify(mids))
      .map((r) => r.id);
    const set = this.db.prepare("UPDATE messages SET state = 'read' WHERE id = ?");
    for (const id of ids) set.run(id);
    return ids;
  }

  /** The newest incoming message of a chat before a given one: what a reply threads to. */
  lastIncomingMid(
    chatId: number,
    beforeId: number,
  ): { mid: string; subject: string | null } | null {
    const r = this.db
      .prepare<[number, number], { rfc724_mid: string; subject: string | null }>(
        `SELECT rfc724_mid, subject FROM messages WHERE chat_id = ? AND id < ? AND outgoing = 0
           AND kind = 'text' ORDER BY timestamp DESC, id DESC LIMIT 1`,
      )
      .get(chatId, beforeId);
    return r ? { mid: r.rfc724_mid, subject: r.subject } : null;
  }

  /** Messages read on another device (IMAP \\Seen) become seen; returns the chats touched. */
  markSeenByUids(uids: number[]): number[] {
    if (uids.length === 0) return [];
    const json = JSON.stringify(uids);
    const chats = this.db
      .prepare<[string], { chat_id: number }>(
        `SELECT DISTINCT chat_id FROM messages WHERE state = 'received'
           AND imap_uid IN (SELECT value FROM json_each(?))`,
      )
      .all(json)
      .map((r) => r.chat_id);
    this.db
      .prepare(
        `UPDATE messages SET state = 'seen' WHERE state = 'received'
           AND imap_uid IN (SELECT value FROM json_each(?))`,
      )
      .run(json);
    return chats;
  }

  /**
   * Mark every received message of a chat seen; returns how many changed and the server UIDs of
   * those that came from the mail server (to set \\Seen there too).
   */
  markSeen(chatId: number): { changed: number; uids: number[] } {
    const uids = this.db
      .prepare(
        `UPDATE messages SET state = 'seen' WHERE chat_id = ? AND state = 'received'
           RETURNING imap_uid`,
      )
      .pluck()
      .all(chatId) as (number | null)[];
    return { changed: uids.length, uids: uids.filter((u): u is number => u !== null) };
  }

  private attachmentsForRange(ids: number[]): Map<number, AttachmentRow[]> {
    const map = new Map<number, AttachmentRow[]>();
    const rows = this.db
      .prepare<[string], AttachmentRow>(
        'SELECT * FROM attachments WHERE message_id IN (SELECT value FROM json_each(?)) ORDER BY id',
      )
      .all(JSON.stringify(ids));
    for (const r of rows) {
      const list = map.get(r.message_id);
      if (list) list.push(r);
      else map.set(r.message_id, [r]);
    }
    return map;
  }

  private toMessage(r: MessageRow, attachments?: AttachmentRow[]): Message {
    const list = attachments ?? this.attachmentsOf.all(r.id);
    return {
      id: r.id,
      chatId: r.chat_id,
      fromId: r.from_id,
      outgoing: r.outgoing === 1,
      kind: r.kind,
      text: r.text,
      quotedText: r.quoted_text,
      subject: r.subject,
      attachments: list.map(toAttachment),
      timestamp: r.timestamp,
      receivedAt: r.received_at,
      state: r.state,
      encryption: r.encryption,
      error: r.error,
      errorInfo: r.error === null ? null : sentenceInfoOf(r.error_info),
      classicEmail: r.classic_email === 1,
      rfc724Mid: r.rfc724_mid,
      system: systemLineOf(r.system),
    };
  }
}

/** The stored code and arguments of a system line; null when absent or unreadable. */
export function systemLineOf(raw: string | null): SystemLine | null {
  if (!raw) return null;
  try {
    const v = JSON.parse(raw) as { code?: unknown; args?: unknown };
    const code = SystemLineCode.safeParse(v.code);
    if (!code.success || typeof v.args !== 'object' || v.args === null) return null;
    const args: Record<string, string> = {};
    for (const [k, a] of Object.entries(v.args)) if (typeof a === 'string') args[k] = a;
    return { code: code.data, args };
  } catch {
    return null;
  }
}

/** The stored code and arguments of a message's error; null when absent or unreadable. */
export function sentenceInfoOf(raw: string | null): SentenceInfoValue | null {
  if (!raw) return null;
  try {
    const parsed = SentenceInfo.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

function toAttachment(a: AttachmentRow): Attachment {
  return {
    id: a.id,
    filename: a.filename,
    contentType: a.content_type,
    size: a.size,
    blob: a.blob,
    isImage: IMAGE_TYPES.has(a.content_type.toLowerCase()),
  };
}
