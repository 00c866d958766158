/**
 * The inviter's secrets: one row per invite shown, each with its own AUTH. An invite verifies for
 * seven days (PROTOCOL §5); after that it still lets someone join, unverified, until revoked or
 * pruned 30 days later (securejoin/housekeeping.ts).
 */
import type { Database } from 'better-sqlite3';
import { newToken } from './invite.ts';

/** Seven days, as Delta Chat's VERIFICATION_TIMEOUT_SECONDS. */
export const INVITE_VERIFIES_FOR_MS = 7 * 24 * 60 * 60 * 1000;

export interface InviteToken {
  id: number;
  invitenumber: string;
  auth: string;
  /** The group this invite joins; null for a contact invite. */
  chatId: number | null;
  createdAt: number;
  expiresAt: number;
  revokedAt: number | null;
}

interface Row {
  id: number;
  invitenumber: string;
  auth: string;
  chat_id: number | null;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
}

function toToken(r: Row): InviteToken {
  return {
    id: r.id,
    invitenumber: r.invitenumber,
    auth: r.auth,
    chatId: r.chat_id,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    revokedAt: r.revoked_at,
  };
}

export class InviteTokens {
  private readonly db: Database;
  constructor(db: Database) {
    this.db = db;
  }

  /** A new invite with fresh secrets. */
  create(chatId: number | null, now: number): InviteToken {
    const info = this.db
      .prepare(
        'INSERT INTO invites (invitenumber, auth, chat_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)',
      )
      .run(newToken(), newToken(), chatId, now, now + INVITE_VERIFIES_FOR_MS);
    return this.get(Number(info.lastInsertRowid))!;
  }

  get(id: number): InviteToken | null {
    const r = this.db.prepare<[number], Row>('SELECT * FROM invites WHERE id = ?').get(id);
    return r ? toToken(r) : null;
  }

  /** The invite whose AUTH this is, revoked ones included (the caller decides). */
  byAuth(auth: string): InviteToken | null {
    const r = this.db.prepare<[string], Row>('SELECT * FROM invites WHERE auth = ?').get(auth);
    return r ? toToken(r) : null;
  }

  /** The newest invite with this invitenumber (classic vc-request / vg-request). */
  byInvitenumber(invitenumber: string): InviteToken | null {
    const r = this.db
      .prepare<[string], Row>('SELECT * FROM invites WHERE invitenumber = ? ORDER BY id DESC')
      .get(invitenumber);
    return r ? toToken(r) : null;
  }

  /** Invites not revoked, newest first; of one group, or contact invites when chatId is null. */
  listActive(chatId: number | null): InviteToken[] {
    const rows =
      chatId === null
        ? this.db
            .prepare<[], Row>(
              'SELECT * FROM invites WHERE chat_id IS NULL AND revoked_at IS NULL ORDER BY id DESC',
            )
            .all()
        : this.db
            .prepare<[number], Row>(
              'SELECT * FROM invites WHERE chat_id = ? AND revoked_at IS NULL ORDER BY id DESC',
            )
            .all(chatId);
    return rows.map(toToken);
  }

  /** Every invite, newest first: the secrets a password-encrypted step may use. */
  all(): InviteToken[] {
    return this.db.prepare<[], Row>('SELECT * FROM invites ORDER BY id DESC').all().map(toToken);
  }

  /**
   * Forget invites withdrawn before `revokedBefore` and invites whose verification expired before
   * `expiredBefore` (securejoin/housekeeping.ts says why these times). Returns how many.
   */
  prune(p: { revokedBefore: number; expiredBefore: number }): number {
    return this.db
      .prepare('DELETE FROM invites WHERE revoked_at < ? OR expires_at < ?')
      .run(p.revokedBefore, p.expiredBefore).changes;
  }

  /** Withdraw an invite: its secrets stop working. Returns false when it did not exist. */
  revoke(id: number, now: number): boolean {
    return (
      this.db
        .prepare('UPDATE invites SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL')
        .run(now, id).changes > 0
    );
  }

  /** Withdraw every invite of a group (or every contact invite when chatId is null). */
  revokeAll(chatId: number | null, now: number): number {
    return chatId === null
      ? this.db
          .prepare('UPDATE invites SET revoked_at = ? WHERE chat_id IS NULL AND revoked_at IS NULL')
          .run(now).changes
      : this.db
          .prepare('UPDATE invites SET revoked_at = ? WHERE chat_id = ? AND revoked_at IS NULL')
          .run(now, chatId).changes;
  }
}

/** Whether an invite still verifies the one who uses it. */
export function inviteVerifies(token: InviteToken, now: number): boolean {
  return token.revokedAt === null && now < token.expiresAt;
}
