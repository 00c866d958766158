/** The joiner's state: SecureJoin runs we started by accepting someone's invite. */
import type { Database } from 'better-sqlite3';
import { parseInvite } from './invite.ts';
import type { InviteCode } from './invite.ts';

export type JoinStep = 'request-sent' | 'auth-sent' | 'done' | 'failed';

export interface Join {
  id: number;
  invite: InviteCode;
  /** The invite as it was given, kept to read it again. */
  inviteText: string;
  contactId: number;
  /** The 1:1 chat (contact invite) or the group being joined. */
  chatId: number | null;
  step: JoinStep;
  startedAt: number;
  updatedAt: number;
  error: string | null;
  /** When the chat said that the inviter has not answered yet; null until then. */
  timeoutNotedAt: number | null;
}

interface Row {
  id: number;
  invite: string;
  contact_id: number;
  chat_id: number | null;
  step: JoinStep;
  started_at: number;
  updated_at: number;
  error: string | null;
  timeout_noted_at: number | null;
}

function toJoin(r: Row): Join {
  return {
    id: r.id,
    invite: parseInvite(r.invite),
    inviteText: r.invite,
    contactId: r.contact_id,
    chatId: r.chat_id,
    step: r.step,
    startedAt: r.started_at,
    updatedAt: r.updated_at,
    error: r.error,
    timeoutNotedAt: r.timeout_noted_at,
  };
}

export class Joins {
  private readonly db: Database;
  constructor(db: Database) {
    this.db = db;
  }

  /** Record a join that just sent its first step. */
  start(p: {
    inviteText: string;
    invite: InviteCode;
    contactId: number;
    chatId: number | null;
    step: JoinStep;
    now: number;
  }): Join {
    const info = this.db
      .prepare(
        `INSERT INTO securejoin_joins
           (invite, fingerprint, addr, auth, grpid, contact_id, chat_id, step, started_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        p.inviteText,
        p.invite.fingerprint,
        p.invite.addr,
        p.invite.auth,
        p.invite.group?.id ?? null,
        p.contactId,
        p.chatId,
        p.step,
        p.now,
        p.now,
      );
    return this.get(Number(info.lastInsertRowid))!;
  }

  get(id: number): Join | null {
    const r = this.db.prepare<[number], Row>('SELECT * FROM securejoin_joins WHERE id = ?').get(id);
    return r ? toJoin(r) : null;
  }

  /** Joins still waiting for the inviter's key: their secrets may open a vc-pubkey. */
  waitingForKey(): Join[] {
    return this.db
      .prepare<[], Row>(
        "SELECT * FROM securejoin_joins WHERE step = 'request-sent' ORDER BY id DESC",
      )
      .all()
      .map(toJoin);
  }

  /** Unfinished joins with the inviter at this address, newest first. */
  openWith(addr: string): Join[] {
    return this.db
      .prepare<[string], Row>(
        `SELECT * FROM securejoin_joins WHERE addr = ? AND step IN ('request-sent', 'auth-sent')
         ORDER BY id DESC`,
      )
      .all(addr)
      .map(toJoin);
  }

  /** Unfinished joins of a group. */
  openForGroup(grpid: string): Join[] {
    return this.db
      .prepare<[string], Row>(
        `SELECT * FROM securejoin_joins WHERE grpid = ? AND step IN ('request-sent', 'auth-sent')
         ORDER BY id DESC`,
      )
      .all(grpid)
      .map(toJoin);
  }

  /** Unfinished joins whose timeout was not told yet (to watch again after a restart). */
  awaitingTimeout(): Join[] {
    return this.db
      .prepare<[], Row>(
        `SELECT * FROM securejoin_joins WHERE step IN ('request-sent', 'auth-sent')
           AND timeout_noted_at IS NULL ORDER BY id`,
      )
      .all()
      .map(toJoin);
  }

  setTimeoutNoted(id: number, now: number): void {
    this.db.prepare('UPDATE securejoin_joins SET timeout_noted_at = ? WHERE id = ?').run(now, id);
  }

  /**
   * Forget finished joins (done or failed) last changed before `finishedBefore`, and unfinished
   * ones started before `startedBefore` (abandoned: the inviter never answered). Returns how many.
   */
  prune(p: { finishedBefore: number; startedBefore: number }): number {
    return this.db
      .prepare(
        `DELETE FROM securejoin_joins
         WHERE (step IN ('done', 'failed') AND updated_at < ?)
            OR (step IN ('request-sent', 'auth-sent') AND started_at < ?)`,
      )
      .run(p.finishedBefore, p.startedBefore).changes;
  }

  setStep(id: number, step: JoinStep, now: number, error: string | null = null): void {
    this.db
      .prepare('UPDATE securejoin_joins SET step = ?, updated_at = ?, error = ? WHERE id = ?')
      .run(step, now, error, id);
  }
}
