/** Chats of one account: the list with its indexed summaries, requests, flags, drafts. */
import type { Database } from 'better-sqlite3';
import type { ChatSummary, MessageState } from '../../../shared/types.ts';
import { CoreError } from '../errors.ts';
import { systemLineOf } from './messages.ts';

interface ChatRow {
  id: number;
  kind: 'single' | 'group';
  name: string;
  contact_id: number | null;
  grpid: string | null;
  encrypted: number;
  is_request: number;
  muted: number;
  archived: number;
  draft: string;
  last_activity: number;
  avatar_blob: string | null;
  // joined
  addr: string | null;
  contact_name: string | null;
  verified: number | null;
  blocked: number | null;
  key_changed_at: number | null;
  self_member: number;
}

interface LastRow {
  text: string;
  outgoing: number;
  timestamp: number;
  state: MessageState;
  kind: 'text' | 'placeholder' | 'system';
  n_attachments: number;
  sender_name: string | null;
  system: string | null;
}

const SELECT = `SELECT ch.*, c.addr,
    coalesce(nullif(c.given_name, ''), nullif(c.peer_name, ''), c.addr) AS contact_name,
    c.verified, c.blocked, p.key_changed_at,
    EXISTS (SELECT 1 FROM chat_members sm JOIN contacts sc ON sc.id = sm.contact_id
            WHERE sm.chat_id = ch.id AND sc.is_self = 1) AS self_member
  FROM chats ch
  LEFT JOIN contacts c ON c.id = ch.contact_id
  LEFT JOIN peers p ON p.addr = c.addr`;

export class ChatRepo {
  private readonly db: Database;
  constructor(db: Database) {
    this.db = db;
  }

  /** The 1:1 chat with a contact, if there is one. */
  findSingle(contactId: number): number | null {
    const id = this.db
      .prepare("SELECT id FROM chats WHERE kind = 'single' AND contact_id = ?")
      .pluck()
      .get(contactId) as number | undefined;
    return id ?? null;
  }

  /** Create the 1:1 chat with a contact. */
  createSingle(contactId: number, opts: { isRequest: boolean; now: number }): number {
    const info = this.db
      .prepare(
        "INSERT INTO chats (kind, contact_id, is_request, last_activity, created_at) VALUES ('single', ?, ?, ?, ?)",
      )
      .run(contactId, opts.isRequest ? 1 : 0, opts.now, opts.now);
    const id = Number(info.lastInsertRowid);
    this.db
      .prepare('INSERT INTO chat_members (chat_id, contact_id) VALUES (?, ?)')
      .run(id, contactId);
    return id;
  }

  /** The group chat with a Chat-Group-ID, if there is one. */
  findGroup(grpid: string): number | null {
    const id = this.db.prepare('SELECT id FROM chats WHERE grpid = ?').pluck().get(grpid) as
      number | undefined;
    return id ?? null;
  }

  /** Create a group chat with its members. */
  createGroup(
    grpid: string,
    name: string,
    memberIds: number[],
    opts: { isRequest: boolean; now: number; encrypted: boolean },
  ): number {
    const info = this.db
      .prepare(
        "INSERT INTO chats (kind, grpid, name, is_request, encrypted, last_activity, created_at) VALUES ('group', ?, ?, ?, ?, ?, ?)",
      )
      .run(grpid, name, opts.isRequest ? 1 : 0, opts.encrypted ? 1 : 0, opts.now, opts.now);
    const id = Number(info.lastInsertRowid);
    const add = this.db.prepare(
      'INSERT OR IGNORE INTO chat_members (chat_id, contact_id) VALUES (?, ?)',
    );
    for (const m of memberIds) add.run(id, m);
    return id;
  }

  members(chatId: number): number[] {
    return this.db
      .prepare('SELECT contact_id FROM chat_members WHERE chat_id = ? ORDER BY contact_id')
      .pluck()
      .all(chatId) as number[];
  }

  /** The raw flags the pipelines need. */
  flags(chatId: number): {
    kind: 'single' | 'group';
    contactId: number | null;
    encrypted: boolean;
    isRequest: boolean;
    muted: boolean;
  } {
    const r = this.db.prepare<[number], ChatRow>('SELECT * FROM chats WHERE id = ?').get(chatId);
    if (!r) throw new CoreError('not_found', 'This chat does not exist.');
    return {
      kind: r.kind,
      contactId: r.contact_id,
      encrypted: r.encrypted === 1,
      isRequest: r.is_request === 1,
      muted: r.muted === 1,
    };
  }

  /** A chat once encrypted stays encrypted: this only ever turns the flag on. */
  markEncrypted(chatId: number): boolean {
    return (
      this.db.prepare('UPDATE chats SET encrypted = 1 WHERE id = ? AND encrypted = 0').run(chatId)
        .changes > 0
    );
  }

  /** Move the chat to the top of the list (and out of the archive) when something happens. */
  bump(chatId: number, at: number): void {
    this.db
      .prepare('UPDATE chats SET last_activity = max(last_activity, ?), archived = 0 WHERE id = ?')
      .run(at, chatId);
  }

  accept(chatId: number): void {
    this.db.prepare('UPDATE chats SET is_request = 0 WHERE id = ?').run(chatId);
  }

  setMuted(chatId: number, muted: boolean): void {
    this.db.prepare('UPDATE chats SET muted = ? WHERE id = ?').run(muted ? 1 : 0, chatId);
  }

  setArchived(chatId: number, archived: boolean): void {
    this.db.prepare('UPDATE chats SET archived = ? WHERE id = ?').run(archived ? 1 : 0, chatId);
  }

  setDraft(chatId: number, text: string): void {
    this.db.prepare('UPDATE chats SET draft = ? WHERE id = ?').run(text, chatId);
  }

  delete(chatId: number): void {
    this.db.prepare('DELETE FROM chats WHERE id = ?').run(chatId);
  }

  /** The summary the chat list shows, built from indexed queries only. */
  summary(chatId: number): ChatSummary {
    const r = this.db.prepare<[number], ChatRow>(`${SELECT} WHERE ch.id = ?`).get(chatId);
    if (!r) throw new CoreError('not_found', 'This chat does not exist.');
    return this.toSummary(r);
  }

  /** Chats newest first; blocked senders' chats are not listed. */
  list(opts: { query?: string; archived: boolean }): ChatSummary[] {
    const like = `%${(opts.query ?? '').replace(/[%_\\]/g, (c) => `\\${c}`)}%`;
    const rows = this.db
      .prepare<[number, string, string, string], ChatRow>(
        `${SELECT} WHERE ch.archived = ? AND coalesce(c.blocked, 0) = 0
           AND (ch.name LIKE ? ESCAPE '\\' OR coalesce(c.addr, '') LIKE ? ESCAPE '\\'
                OR coalesce(nullif(c.given_name, ''), c.peer_name, '') LIKE ? ESCAPE '\\')
         ORDER BY ch.last_activity DESC, ch.id DESC`,
      )
      .all(opts.archived ? 1 : 0, like, like, like);
    return rows.map((r) => this.toSummary(r));
  }

  /** A group is verified when every member but us is a verified contact. */
  private allMembersVerified(chatId: number): boolean {
    const r = this.db
      .prepare<[number], { others: number; unverified: number }>(
        `SELECT count(*) AS others, coalesce(sum(c.verified = 0), 0) AS unverified
         FROM chat_members m JOIN contacts c ON c.id = m.contact_id
         WHERE m.chat_id = ? AND c.is_self = 0`,
      )
      .get(chatId);
    return r !== undefined && r.others > 0 && r.unverified === 0;
  }

  private toSummary(r: ChatRow): ChatSummary {
    const last = this.db
      .prepare<[number], LastRow>(
        `SELECT m.text, m.outgoing, m.timestamp, m.state, m.kind, m.system,
           (SELECT count(*) FROM attachments a WHERE a.message_id = m.id) AS n_attachments,
           (SELECT coalesce(nullif(c.given_name, ''), nullif(c.peer_name, ''), c.addr)
              FROM contacts c WHERE c.id = m.from_id) AS sender_name
         FROM messages m WHERE m.chat_id = ? ORDER BY m.timestamp DESC, m.id DESC LIMIT 1`,
      )
      .get(r.id);
    const unread = this.db
      .prepare("SELECT count(*) FROM messages WHERE chat_id = ? AND state = 'received'")
      .pluck()
      .get(r.id) as number;
    return {
      id: r.id,
      kind: r.kind,
      name: r.kind === 'single' ? (r.contact_name ?? '') : r.name,
      addr: r.addr,
      contactIds: this.members(r.id),
      encrypted: r.encrypted === 1,
      verified: r.kind === 'single' ? r.verified === 1 : this.allMembersVerified(r.id),
      isRequest: r.is_request === 1,
      muted: r.muted === 1,
      archived: r.archived === 1,
      unreadCount: unread,
      lastMessage: last
        ? {
            text: last.text.slice(0, 300),
            outgoing: last.outgoing === 1,
            timestamp: last.timestamp,
            state: last.state,
            kind: last.kind,
            senderName:
              r.kind === 'group' && last.outgoing === 0 && last.kind !== 'system'
                ? last.sender_name
                : null,
            system: last.kind === 'system' ? systemLineOf(last.system) : null,
          }
        : null,
      draft: r.draft,
      keyChangedAt: r.key_changed_at,
      image: r.kind === 'group' ? r.avatar_blob : null,
      selfIsMember: r.kind === 'single' || r.self_member === 1,
    };
  }
}
