/**
 * The persistent outbox: jobs in SQLite, sent in order by one worker per account, retried with
 * capped backoff. A temporary failure holds the queue (so order is kept); a permanent one marks
 * that message failed with the reason and the queue moves on.
 */
import type { AccountContext } from '../account/context.ts';
import { CoreError, detailOf, sentenceOf } from '../errors.ts';
import type { SentenceDetail } from '../errors.ts';
import type { Composed } from './outgoing.ts';

/** What the outbox needs from SMTP. */
export interface MailSubmitter {
  send(mail: { from: string; to: string[]; raw: Buffer }): Promise<unknown>;
}

/** Decides whether a send error is worth retrying. */
export type FailureJudge = (e: unknown) => {
  permanent: boolean;
  sentence: string;
  /** `sentence` as a code with arguments, for the UI's language. */
  detail?: SentenceDetail | undefined;
};

interface Job {
  id: number;
  /** Null for ready-made mail that is no stored message (a SecureJoin step). */
  message_id: number | null;
  attempts: number;
  next_attempt_at: number;
  raw: Buffer | null;
  recipients: string | null;
  label: string | null;
}

const RETRY_BASE_MS = 2_000;
const RETRY_CAP_MS = 5 * 60_000;

export class Outbox {
  private readonly ctx: AccountContext;
  private readonly compose: (ctx: AccountContext, messageId: number) => Promise<Composed>;
  private readonly judge: FailureJudge;
  private submitter: MailSubmitter | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | null = null;
  private stopped = true;

  constructor(
    ctx: AccountContext,
    compose: (ctx: AccountContext, messageId: number) => Promise<Composed>,
    judge: FailureJudge,
  ) {
    this.ctx = ctx;
    this.compose = compose;
    this.judge = judge;
  }

  /** Start sending through a submitter. */
  start(submitter: MailSubmitter): void {
    this.submitter = submitter;
    this.stopped = false;
    this.kick();
  }

  /** Stop after the current attempt; jobs stay queued in the database. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }

  /** Queue a stored message for sending. Call inside the transaction that stores the message. */
  enqueue(messageId: number): void {
    this.ctx.db.prepare('INSERT OR IGNORE INTO outbox (message_id) VALUES (?)').run(messageId);
  }

  /**
   * Queue ready-made mail that is no stored message (a hidden SecureJoin step), in order with
   * the rest. Call inside the caller's transaction, then kick().
   */
  enqueueRaw(raw: Buffer, recipients: string[], label: string): void {
    enqueueRawMail(this.ctx, raw, recipients, label);
  }

  /** Every waiting job is due now (the network came back, the user pressed retry). */
  retryNow(): void {
    this.ctx.db.prepare('UPDATE outbox SET next_attempt_at = 0').run();
    this.kick();
  }

  /** Run the worker soon; calls while it runs make it look again when done. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain().finally(() => {
      this.running = null;
      if (this.again && !this.stopped) {
        this.again = false;
        this.kick();
      }
    });
  }

  private async drain(): Promise<void> {
    const next = this.ctx.db.prepare<[], Job>('SELECT * FROM outbox ORDER BY id LIMIT 1');
    while (!this.stopped && this.submitter) {
      const job = next.get();
      if (!job) return;
      const wait = job.next_attempt_at - this.ctx.now();
      if (wait > 0) {
        this.schedule(wait);
        return;
      }
      const ok = await this.attempt(job, this.submitter);
      if (!ok) return;
    }
  }

  /** One send attempt; false when the queue must wait (temporary failure). */
  private async attempt(job: Job, submitter: MailSubmitter): Promise<boolean> {
    const { ctx } = this;
    let raw = job.raw;
    let recipients: string[] = job.recipients ? (JSON.parse(job.recipients) as string[]) : [];
    if (!raw && job.message_id !== null) {
      const messageId = job.message_id;
      try {
        const composed = await this.compose(ctx, messageId);
        raw = composed.raw;
        recipients = composed.recipients;
        ctx.db.transaction(() => {
          ctx.db
            .prepare('UPDATE outbox SET raw = ?, recipients = ? WHERE id = ?')
            .run(raw, JSON.stringify(recipients), job.id);
          ctx.db
            .prepare('UPDATE messages SET encryption = ? WHERE id = ?')
            .run(composed.encrypted ? 'encrypted' : 'none', messageId);
          if (composed.encrypted) {
            const chatId = ctx.messages.get(messageId).chatId;
            if (ctx.chats.markEncrypted(chatId)) {
              ctx.bus.emit({
                type: 'chatChanged',
                accountId: ctx.id,
                chat: ctx.chats.summary(chatId),
              });
            }
          }
        })();
      } catch (e) {
        // Composing fails the same way every time (no key for an encrypted chat, a lost blob).
        this.fail(
          job,
          e instanceof CoreError
            ? e.sentence
            : `This message could not be prepared for sending. ${sentenceOf(e)}`,
          detailOf(e),
        );
        return true;
      }
    }
    if (!raw) {
      this.fail(job, 'This job has nothing to send.');
      return true;
    }
    try {
      await submitter.send({ from: ctx.addr, to: recipients, raw });
    } catch (e) {
      const verdict = this.judge(e);
      if (verdict.permanent) {
        this.fail(job, verdict.sentence, verdict.detail);
        return true;
      }
      const attempts = job.attempts + 1;
      const delay = Math.min(RETRY_CAP_MS, RETRY_BASE_MS * 2 ** Math.min(attempts - 1, 16));
      const jittered = Math.round(delay / 2 + Math.random() * (delay / 2));
      ctx.db.transaction(() => {
        ctx.db
          .prepare(
            'UPDATE outbox SET attempts = ?, next_attempt_at = ?, last_error = ? WHERE id = ?',
          )
          .run(attempts, ctx.now() + jittered, verdict.sentence, job.id);
        if (job.message_id !== null) {
          ctx.messages.setError(
            job.message_id,
            `Not sent yet: ${verdict.sentence} Estafette will try again.`,
            { code: 'send_retrying', args: { reason: verdict.sentence }, reason: verdict.detail },
          );
        }
      })();
      if (job.message_id !== null) this.announce(job.message_id);
      this.schedule(jittered);
      return false;
    }
    ctx.db.transaction(() => {
      ctx.db.prepare('DELETE FROM outbox WHERE id = ?').run(job.id);
      if (job.message_id !== null) ctx.messages.setState(job.message_id, 'sent', null);
    })();
    if (job.message_id !== null) this.announce(job.message_id);
    return true;
  }

  private fail(job: Job, sentence: string, detail?: SentenceDetail): void {
    const messageId = job.message_id;
    this.ctx.db.transaction(() => {
      this.ctx.db.prepare('DELETE FROM outbox WHERE id = ?').run(job.id);
      if (messageId !== null) {
        this.ctx.messages.setState(messageId, 'failed', sentence, detail ?? null);
      }
    })();
    if (messageId !== null) this.announce(messageId);
    else {
      this.ctx.bus.emit({
        type: 'error',
        accountId: this.ctx.id,
        code: 'send_failed',
        sentence: `A ${job.label ?? 'protocol message'} could not be sent: ${sentence}`,
        detail: {
          code: 'protocol_message_failed',
          args: { label: job.label ?? 'protocol message', reason: sentence },
          ...(detail ? { reason: detail } : {}),
        },
      });
    }
  }

  private announce(messageId: number): void {
    const message = this.ctx.messages.get(messageId);
    this.ctx.bus.emit({ type: 'messageChanged', accountId: this.ctx.id, message });
    this.ctx.bus.emit({
      type: 'chatChanged',
      accountId: this.ctx.id,
      chat: this.ctx.chats.summary(message.chatId),
    });
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = null;
      this.kick();
    }, ms);
    this.timer.unref?.();
  }
}

/** Insert a ready-made mail job (see Outbox.enqueueRaw); for callers inside a transaction. */
export function enqueueRawMail(
  ctx: AccountContext,
  raw: Buffer,
  recipients: string[],
  label: string,
): void {
  ctx.db
    .prepare('INSERT INTO outbox (raw, recipients, label) VALUES (?, ?, ?)')
    .run(raw, JSON.stringify(recipients), label);
}
