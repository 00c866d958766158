/**
 * SecureJoin housekeeping for every open account: the joiner's timeout survives a restart (a
 * join whose time ran out while the app was closed says so at start; one still waiting gets the
 * rest of its time), and joins and invites nobody needs any more are deleted at start and then
 * daily. docs/securejoin.md ("Housekeeping") says why these periods.
 */
import type { CoreEvent } from '../../../shared/events.ts';
import type { AccountContext } from '../account/context.ts';
import { InviteTokens } from './invite-tokens.ts';
import { noteJoinTimeout } from './joiner.ts';
import { Joins } from './joins.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

/** A finished join is read by nothing (late duplicates are ignored); kept a week for diagnosis. */
export const FINISHED_JOIN_KEPT_MS = 7 * DAY_MS;
/** An unfinished join still accepts the inviter's answer this long, then counts as abandoned. */
export const OPEN_JOIN_KEPT_MS = 30 * DAY_MS;
/** A withdrawn invite is kept this long so a late request is refused with a sentence. */
export const REVOKED_INVITE_KEPT_MS = 30 * DAY_MS;
/** An invite still lets people in (unverified) this long after it stopped verifying. */
export const EXPIRED_INVITE_KEPT_MS = 30 * DAY_MS;
/** How often pruning runs while the app is open. */
export const PRUNE_EVERY_MS = DAY_MS;

/** Delete old joins and invites of one account; returns how many rows went. */
export function pruneSecureJoin(
  ctx: AccountContext,
  now = ctx.now(),
): { joins: number; invites: number } {
  return ctx.db.transaction(() => ({
    joins: new Joins(ctx.db).prune({
      finishedBefore: now - FINISHED_JOIN_KEPT_MS,
      startedBefore: now - OPEN_JOIN_KEPT_MS,
    }),
    invites: new InviteTokens(ctx.db).prune({
      revokedBefore: now - REVOKED_INVITE_KEPT_MS,
      expiredBefore: now - EXPIRED_INVITE_KEPT_MS,
    }),
  }))();
}

export interface HousekeepingHost {
  /** The open accounts (the live map: accounts added later are pruned from the next day). */
  accounts: ReadonlyMap<number, { ctx: AccountContext }>;
  emit(e: CoreEvent): void;
  /** How long a join waits before the chat says the inviter has not answered. */
  timeoutMs: number;
}

/** Prune now and daily, and watch the timeouts of the joins that were running at start. */
export function startSecureJoinHousekeeping(host: HousekeepingHost): { stop(): void } {
  const timers = new Set<NodeJS.Timeout>();
  const open = (id: number, ctx: AccountContext) => host.accounts.get(id)?.ctx === ctx;
  const noteTimeout = (id: number, ctx: AccountContext, joinId: number) => {
    if (!open(id, ctx)) return;
    for (const e of noteJoinTimeout(ctx, joinId)) host.emit(e);
  };
  const pruneAll = () => {
    for (const { ctx } of host.accounts.values()) {
      try {
        pruneSecureJoin(ctx);
      } catch {
        // A busy or closing database: the next round prunes.
      }
    }
  };

  pruneAll();
  for (const [id, { ctx }] of host.accounts) {
    for (const join of new Joins(ctx.db).awaitingTimeout()) {
      const left = join.startedAt + host.timeoutMs - ctx.now();
      if (left <= 0) {
        noteTimeout(id, ctx, join.id);
        continue;
      }
      const timer = setTimeout(() => {
        timers.delete(timer);
        noteTimeout(id, ctx, join.id);
      }, left);
      timer.unref();
      timers.add(timer);
    }
  }
  const daily = setInterval(pruneAll, PRUNE_EVERY_MS);
  daily.unref();
  return {
    stop() {
      clearInterval(daily);
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}
