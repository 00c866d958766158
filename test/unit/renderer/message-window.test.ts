/**
 * The message window of an open chat: one call opens it (count and newest page), a call sent
 * ahead of the window (`prepareOpen`) is taken over with the events that arrived meanwhile, and
 * older pages load by position. The runtime here is a stand-in for the page↔core link whose
 * answers the test releases, so that events can arrive between a call and its answer.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Input, MethodName, Output } from '../../../shared/api.ts';
import type { CoreEvent } from '../../../shared/events.ts';
import type { Message } from '../../../shared/types.ts';
import type { Runtime } from '../../../renderer/runtime/runtime.ts';
import {
  MessageWindow,
  PAGE_SIZE,
  prepareOpen,
} from '../../../renderer/features/chat/message-window.ts';

const ACCOUNT = 1;
const CHAT = 7;

function message(index: number, extra: Partial<Message> = {}): Message {
  return {
    id: 1000 + index,
    chatId: CHAT,
    fromId: 2,
    outgoing: false,
    kind: 'text',
    text: `Message ${index}`,
    quotedText: null,
    subject: null,
    attachments: [],
    timestamp: 1_700_000_000_000 + index * 60_000,
    receivedAt: 1_700_000_000_000 + index * 60_000,
    state: 'seen',
    encryption: 'encrypted',
    error: null,
    classicEmail: false,
    rfc724Mid: `m${index}@x.test`,
    ...extra,
  };
}

/** A chat of `n` messages behind a runtime whose answers wait until `release()`. */
function chatRuntime(n: number) {
  const history = Array.from({ length: n }, (_, i) => message(i));
  const calls: { method: string; params: unknown }[] = [];
  const waiting: (() => void)[] = [];
  const listeners = new Set<(e: CoreEvent) => void>();
  const answer = (method: string, params: Record<string, number>): unknown => {
    if (method === 'getNewestMessages') {
      const count = history.length;
      const size = params.pageSize ?? PAGE_SIZE;
      const offset = Math.max(0, Math.floor((count - size) / size) * size);
      return { count, offset, messages: history.slice(offset) };
    }
    if (method === 'getMessages') {
      const { offset = 0, limit = 0 } = params;
      return history.slice(offset, offset + limit);
    }
    throw new Error(`unexpected call ${method}`);
  };
  const runtime = {
    call<M extends MethodName>(method: M, params: Input<M>): Promise<Output<M>> {
      calls.push({ method, params });
      return new Promise((resolve) => {
        // Answered as the core would at the moment it handles the call (on release).
        waiting.push(() => resolve(answer(method, params as Record<string, number>) as Output<M>));
      });
    },
    onEvent(cb: (e: CoreEvent) => void) {
      listeners.add(cb);
      return () => listeners.delete(cb);
    },
  } as unknown as Runtime;
  return {
    runtime,
    history,
    calls,
    listeners,
    emit(event: CoreEvent) {
      for (const l of [...listeners]) l(event);
    },
    /** Lets the core answer every call made so far. */
    async release() {
      for (const go of waiting.splice(0)) go();
      await new Promise((r) => setTimeout(r, 0));
    },
  };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('the message window', () => {
  it('opens with one call: the count and the newest messages, in pages', async () => {
    const core = chatRuntime(250);
    const window = new MessageWindow(core.runtime, ACCOUNT, CHAT, (e) => {
      throw e;
    });
    const opened = window.open();
    expect(window.ready).toBe(false);
    await core.release();
    await opened;
    expect(core.calls).toEqual([
      {
        method: 'getNewestMessages',
        params: { accountId: ACCOUNT, chatId: CHAT, pageSize: PAGE_SIZE },
      },
    ]);
    expect(window.ready).toBe(true);
    expect(window.count).toBe(250);
    // The newest page (200–249) is short, so the one before came too.
    expect(window.held).toBe(150);
    expect(window.at(249)?.text).toBe('Message 249');
    expect(window.at(100)?.text).toBe('Message 100');
    expect(window.at(99)).toBeUndefined();

    // Older pages load by position when the list comes near them.
    window.ensure(20, 120);
    expect(core.calls.slice(1)).toEqual([
      {
        method: 'getMessages',
        params: { accountId: ACCOUNT, chatId: CHAT, offset: 0, limit: 100 },
      },
    ]);
    await core.release();
    expect(window.at(20)?.text).toBe('Message 20');
  });

  it('takes over a call sent ahead, with the messages that arrived and changed meanwhile', async () => {
    const core = chatRuntime(120);
    prepareOpen(core.runtime, ACCOUNT, CHAT);
    prepareOpen(core.runtime, ACCOUNT, CHAT);
    expect(core.calls.map((c) => c.method)).toEqual(['getNewestMessages']);

    // The core answers with 120 messages; then one arrives and one of the shown ones is read,
    // all before the window exists and subscribes.
    await core.release();
    const late = message(120, { text: 'Arrived while the chat opened' });
    const read = { ...core.history[119]!, state: 'read' as const, outgoing: true };
    core.emit({ type: 'messageAdded', accountId: ACCOUNT, message: late, notify: true });
    core.emit({ type: 'messageChanged', accountId: ACCOUNT, message: read });
    // Other chats and accounts are not this window's business.
    core.emit({
      type: 'messageAdded',
      accountId: ACCOUNT,
      message: { ...message(500), chatId: CHAT + 1 },
      notify: true,
    });
    core.emit({
      type: 'messageAdded',
      accountId: ACCOUNT + 1,
      message: message(501),
      notify: true,
    });

    const window = new MessageWindow(core.runtime, ACCOUNT, CHAT, (e) => {
      throw e;
    });
    await window.open();
    expect(core.calls).toHaveLength(1);
    expect(core.listeners.size).toBe(0);
    expect(window.count).toBe(121);
    expect(window.at(120)?.text).toBe('Arrived while the chat opened');
    expect(window.at(119)?.state).toBe('read');
    // The same message announced twice is one row.
    expect(window.add(late)).toBe(false);
    expect(window.count).toBe(121);
  });

  it('drops a call sent ahead that no window takes', async () => {
    vi.useFakeTimers();
    const core = chatRuntime(10);
    prepareOpen(core.runtime, ACCOUNT, CHAT);
    expect(core.listeners.size).toBe(1);
    vi.advanceTimersByTime(10_000);
    expect(core.listeners.size).toBe(0);
    vi.useRealTimers();

    // A window opened later asks again rather than using a stale answer.
    const window = new MessageWindow(core.runtime, ACCOUNT, CHAT, (e) => {
      throw e;
    });
    const opened = window.open();
    expect(core.calls.map((c) => c.method)).toEqual(['getNewestMessages', 'getNewestMessages']);
    await core.release();
    await opened;
    expect(window.count).toBe(10);
  });
});
