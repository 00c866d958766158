/**
 * The messages of one open chat, as a sparse window over the whole history: the count and the
 * newest page come from the core in one call (getNewestMessages), older pages of PAGE_SIZE are
 * fetched (getMessages offset/limit) when the list comes near them, and pages far from the view
 * are dropped. A chat of 100,000 messages costs a few pages of memory, never the whole chat.
 */
import type { Output } from '../../../shared/api.ts';
import type { Message } from '../../../shared/types.ts';
import type { Runtime, Unsubscribe } from '../../runtime/runtime.ts';

export const PAGE_SIZE = 100;
/** Pages kept in memory at most (the visible ones included). */
const MAX_PAGES = 8;

let nextWindowId = 1;

/** How long an opening started ahead (`prepareOpen`) waits for its window. */
const PREPARED_MS = 5_000;

/**
 * The first call of a window, started before the window exists (while the chat view renders),
 * with the message events of that chat that arrive meanwhile: nothing between the core's answer
 * and the window's own subscription is missed.
 */
interface PreparedOpening {
  runtime: Runtime;
  result: Promise<Output<'getNewestMessages'>>;
  added: Message[];
  changed: Message[];
  stop: Unsubscribe;
  timer: ReturnType<typeof setTimeout>;
}

const prepared = new Map<string, PreparedOpening>();
const preparedKey = (accountId: number, chatId: number) => `${accountId}:${chatId}`;

function newestCall(runtime: Runtime, accountId: number, chatId: number) {
  return runtime.call('getNewestMessages', { accountId, chatId, pageSize: PAGE_SIZE });
}

/**
 * Sends the first call of a chat's window now, so that it overlaps the rendering of the chat
 * view; the window created next for the same chat takes it (`MessageWindow.open`). Idempotent;
 * an opening nobody takes is dropped after a few seconds.
 */
export function prepareOpen(runtime: Runtime, accountId: number, chatId: number): void {
  const key = preparedKey(accountId, chatId);
  if (prepared.has(key)) return;
  const added: Message[] = [];
  const changed: Message[] = [];
  const stop = runtime.onEvent((event) => {
    if (event.type !== 'messageAdded' && event.type !== 'messageChanged') return;
    if (event.accountId !== accountId || event.message.chatId !== chatId) return;
    (event.type === 'messageAdded' ? added : changed).push(event.message);
  });
  const result = newestCall(runtime, accountId, chatId);
  // Whoever takes it handles a failure; one nobody takes fails silently.
  result.catch(() => undefined);
  const timer = setTimeout(() => {
    stop();
    prepared.delete(key);
  }, PREPARED_MS);
  prepared.set(key, { runtime, result, added, changed, stop, timer });
}

function takePrepared(runtime: Runtime, accountId: number, chatId: number) {
  const key = preparedKey(accountId, chatId);
  const opening = prepared.get(key);
  if (!opening) return null;
  prepared.delete(key);
  opening.stop();
  clearTimeout(opening.timer);
  return opening.runtime === runtime ? opening : null;
}

export class MessageWindow {
  /** Distinguishes two windows over the same chat (React keys). */
  readonly id = nextWindowId++;
  count = 0;
  ready = false;
  error: string | null = null;
  /** Bumped on every change; what React subscribes to. */
  version = 0;
  private readonly pages = new Map<number, readonly Message[]>();
  private readonly loading = new Set<number>();
  private readonly indexOfId = new Map<number, number>();
  private readonly lastUse = new Map<number, number>();
  private tick = 0;
  private readonly listeners = new Set<() => void>();
  /** Messages announced before the first count arrived; applied after it. */
  private early: Message[] = [];
  /** Messages changed before the first page arrived; applied after it. */
  private earlyChanges: Message[] = [];
  private disposed = false;

  private readonly runtime: Runtime;
  readonly accountId: number;
  readonly chatId: number;
  private readonly onError: (error: unknown) => void;

  constructor(
    runtime: Runtime,
    accountId: number,
    chatId: number,
    onError: (error: unknown) => void,
  ) {
    this.runtime = runtime;
    this.accountId = accountId;
    this.chatId = chatId;
    this.onError = onError;
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  readonly getVersion = (): number => this.version;

  private changed(): void {
    this.version++;
    for (const listener of this.listeners) listener();
  }

  dispose(): void {
    this.disposed = true;
    this.listeners.clear();
  }

  /**
   * Loads the count and the newest page (with the page before it when the newest is short) in
   * one call, read together by the core: the list opens at the newest message with no second
   * round trip.
   */
  async open(): Promise<void> {
    try {
      const opening = takePrepared(this.runtime, this.accountId, this.chatId);
      if (opening) {
        this.early.push(...opening.added);
        this.earlyChanges.push(...opening.changed);
      }
      const { count, offset, messages } = await (opening?.result ??
        newestCall(this.runtime, this.accountId, this.chatId));
      if (this.disposed) return;
      this.count = count;
      for (let start = 0; start < messages.length;) {
        const page = Math.floor((offset + start) / PAGE_SIZE);
        const end = (page + 1) * PAGE_SIZE - offset;
        this.setPage(page, messages.slice(start, end));
        start = end;
      }
    } catch (e) {
      this.onError(e);
    }
    if (this.disposed) return;
    this.ready = true;
    const early = this.early;
    const earlyChanges = this.earlyChanges;
    this.early = [];
    this.earlyChanges = [];
    for (const message of early) this.add(message);
    for (const message of earlyChanges) this.replace(message);
    this.changed();
  }

  at(index: number): Message | undefined {
    return this.pages.get(Math.floor(index / PAGE_SIZE))?.[index % PAGE_SIZE];
  }

  /** How many messages are held in memory now (for tests and the docs' claims). */
  get held(): number {
    let n = 0;
    for (const page of this.pages.values()) n += page.length;
    return n;
  }

  private expectedLength(page: number): number {
    return Math.max(0, Math.min(PAGE_SIZE, this.count - page * PAGE_SIZE));
  }

  /** Makes sure the messages from `start` to `end` (inclusive) are loaded or on their way. */
  ensure(start: number, end: number): void {
    if (!this.ready || this.count === 0) return;
    const first = Math.max(0, Math.floor(start / PAGE_SIZE));
    const last = Math.min(Math.floor((this.count - 1) / PAGE_SIZE), Math.floor(end / PAGE_SIZE));
    for (let page = first; page <= last; page++) {
      this.lastUse.set(page, ++this.tick);
      const have = this.pages.get(page);
      // A page shorter than it should be missed a message that arrived while it loaded.
      if ((!have || have.length < this.expectedLength(page)) && !this.loading.has(page)) {
        void this.loadPage(page).then(() => this.changed(), this.onError);
      }
    }
    this.evict(first, last);
  }

  private async loadPage(page: number): Promise<void> {
    this.loading.add(page);
    try {
      const messages = await this.runtime.call('getMessages', {
        accountId: this.accountId,
        chatId: this.chatId,
        offset: page * PAGE_SIZE,
        limit: PAGE_SIZE,
      });
      if (this.disposed) return;
      this.setPage(page, messages);
    } finally {
      this.loading.delete(page);
    }
  }

  private setPage(page: number, messages: readonly Message[]): void {
    this.dropPage(page);
    this.pages.set(page, messages);
    this.lastUse.set(page, ++this.tick);
    messages.forEach((m, i) => this.indexOfId.set(m.id, page * PAGE_SIZE + i));
  }

  private dropPage(page: number): void {
    for (const m of this.pages.get(page) ?? []) this.indexOfId.delete(m.id);
    this.pages.delete(page);
    this.lastUse.delete(page);
  }

  private evict(visibleFirst: number, visibleLast: number): void {
    if (this.pages.size <= MAX_PAGES) return;
    const candidates = [...this.pages.keys()]
      .filter((p) => p < visibleFirst || p > visibleLast)
      .sort((a, b) => (this.lastUse.get(a) ?? 0) - (this.lastUse.get(b) ?? 0));
    while (this.pages.size > MAX_PAGES && candidates.length > 0) {
      const oldest = candidates.shift();
      if (oldest !== undefined) this.dropPage(oldest);
    }
  }

  /** A new message (messageAdded, or the result of sendMessage): one more row at the end. */
  add(message: Message): boolean {
    if (message.chatId !== this.chatId) return false;
    if (!this.ready) {
      this.early.push(message);
      return false;
    }
    if (this.indexOfId.has(message.id)) {
      this.replace(message);
      return false;
    }
    const index = this.count;
    this.count++;
    const newest = this.at(index - 1);
    if (newest && message.timestamp < newest.timestamp) {
      // A late message sorts before the newest ones (the core orders by sender time): the
      // positions after it shift, so the pages are fetched again as they come into view.
      for (const p of [...this.pages.keys()]) this.dropPage(p);
      this.changed();
      return true;
    }
    const page = Math.floor(index / PAGE_SIZE);
    const have = this.pages.get(page);
    if (index % PAGE_SIZE === 0 && !have) {
      this.pages.set(page, [message]);
      this.lastUse.set(page, ++this.tick);
      this.indexOfId.set(message.id, index);
    } else if (have && have.length === index % PAGE_SIZE) {
      this.pages.set(page, [...have, message]);
      this.indexOfId.set(message.id, index);
    }
    this.changed();
    return true;
  }

  /** A message changed (state, text): replaced in place when it is in memory. */
  replace(message: Message): void {
    if (!this.ready) {
      if (message.chatId === this.chatId) this.earlyChanges.push(message);
      return;
    }
    const index = this.indexOfId.get(message.id);
    if (index === undefined) return;
    const page = Math.floor(index / PAGE_SIZE);
    const have = this.pages.get(page);
    if (!have) return;
    const copy = have.slice();
    copy[index % PAGE_SIZE] = message;
    this.pages.set(page, copy);
    this.changed();
  }
}
