/**
 * The virtualized history of a chat (@tanstack/react-virtual, rows measured as they render).
 * Only the rows on screen and a few around them are in the DOM; pages of messages are fetched
 * as they come near the view. The list opens at the newest message, sticks to the bottom while
 * you are there, and otherwise counts new messages on the jump-to-bottom button.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import type { Range, Virtualizer } from '@tanstack/react-virtual';
import {
  memo,
  useCallback,
  useEffect,
  useLayoutEffect,
  useReducer,
  useRef,
  useState,
  useSyncExternalStore,
} from 'react';
import { useTranslation } from 'react-i18next';
import type { ChatSummary, Message } from '../../../shared/types.ts';
import { Icon } from '../../components/Icon.tsx';
import { formatDay, sameDay } from '../../i18n/format.ts';
import { MessageBubble } from './MessageBubble.tsx';
import { PAGE_SIZE } from './message-window.ts';
import type { MessageWindow } from './message-window.ts';
import {
  FrozenEstimates,
  SKELETON_PX,
  UNLOADED_ROW_PX,
  charsPerLine,
  estimateRow,
} from './row-estimate.ts';

const AT_BOTTOM_PX = 48;
const PADDING_PX = 12;
/**
 * The newest rows the list lays out when it opens; the older ones are a spacer of their
 * estimated height (the scrollbar still spans the whole history) until the view comes within
 * NEAR_SPACER_ROWS of it. Laying out 100,000 rows costs more than the rest of opening a chat.
 */
const LAID_OUT_ROWS = 2_000;
const NEAR_SPACER_ROWS = 200;
/**
 * Rows rendered beyond the view once the list has shown its first rows: more above, where
 * history comes from, so that older rows are measured (and the scroll corrected for them)
 * before they come into view rather than in it, where they would push the rows below.
 */
const OVERSCAN_ABOVE = 20;
const OVERSCAN_BELOW = 4;

function rangeWith(above: number, below: number) {
  return (range: Range): number[] => {
    const start = Math.max(0, range.startIndex - above);
    const end = Math.min(range.count - 1, range.endIndex + below);
    return Array.from({ length: Math.max(0, end - start + 1) }, (_, k) => start + k);
  };
}
const FIRST_FRAME_RANGE = rangeWith(1, 1);
const SETTLED_RANGE = rangeWith(OVERSCAN_ABOVE, OVERSCAN_BELOW);
/** Rows whose messages are fetched ahead of the view, so that scrolling rarely meets a skeleton. */
const PREFETCH_ROWS = PAGE_SIZE / 2;

/** What a row shows besides its message: a day separator above it, the sender's name. */
function rowFacts(messages: MessageWindow, index: number, kind: ChatSummary['kind']) {
  const message = messages.at(index);
  if (!message) return { message, newDay: false, showSender: false };
  const previous = index > 0 ? messages.at(index - 1) : undefined;
  // One message before the first row is fetched with it, for its day.
  const newDay = index === 0 || (!!previous && !sameDay(previous.timestamp, message.timestamp));
  const showSender =
    kind === 'group' && (!previous || previous.fromId !== message.fromId || newDay);
  return { message, newDay, showSender };
}

/** One row; rows already on screen skip rendering while the list scrolls. */
const MessageRow = memo(function MessageRow({
  accountId,
  message,
  newDay,
  showSender,
  virtualIndex,
  index,
  setSize,
  start,
  measure,
}: {
  accountId: number;
  message: Message | undefined;
  newDay: boolean;
  showSender: boolean;
  /** The virtualizer's index (data-index, which it reads when measuring). */
  virtualIndex: number;
  /** The position in the whole chat. */
  index: number;
  setSize: number;
  start: number;
  measure: (element: HTMLDivElement | null) => void;
}) {
  return (
    <div
      ref={measure}
      data-index={virtualIndex}
      className="message-row"
      role="listitem"
      aria-setsize={setSize}
      aria-posinset={index + 1}
      style={{ transform: `translateY(${start}px)` }}
    >
      {newDay && message && (
        <div className="day-separator">
          <span>{formatDay(message.timestamp)}</span>
        </div>
      )}
      {message ? (
        <MessageBubble accountId={accountId} message={message} showSender={showSender} />
      ) : (
        <div className="message-skeleton" aria-hidden="true" style={{ height: SKELETON_PX }} />
      )}
    </div>
  );
});

export function MessageList({
  accountId,
  chat,
  messages,
  newIncoming,
  onSeenBottom,
}: {
  accountId: number;
  chat: ChatSummary;
  messages: MessageWindow;
  /** Incoming messages that arrived while the person was scrolled up. */
  newIncoming: number;
  onSeenBottom: (atBottom: boolean) => void;
}) {
  const { t } = useTranslation();
  useSyncExternalStore(messages.subscribe, messages.getVersion);
  const scrollRef = useRef<HTMLDivElement>(null);
  const [atBottom, setAtBottom] = useState(true);
  const count = messages.count;

  // The virtualizer starts once the count and the newest page are in, and starts at the end:
  // its first rows are the newest ones, for the viewport the list has now (read once, when the
  // layout is clean). Started before, it would lay out the top of the history, then jump.
  const enabled = messages.ready && count > 0;
  const started = useRef(false);
  const initialRect =
    enabled && !started.current && scrollRef.current
      ? { width: scrollRef.current.clientWidth, height: scrollRef.current.clientHeight }
      : undefined;
  const virtualizerRef = useRef<Virtualizer<HTMLDivElement, Element> | null>(null);
  const perLine = charsPerLine(
    initialRect?.width ?? virtualizerRef.current?.scrollRect?.width ?? 800,
  );
  // The first frame renders only the rows in view; the margins follow once it is painted.
  const [painted, setPainted] = useState(false);
  // Virtual row v is message `base + v`: the messages before `base` are the spacer. Keys are
  // positions in the whole chat, so that measured heights survive moving `base`.
  const baseRef = useRef<number | null>(null);
  if (enabled && baseRef.current === null) baseRef.current = Math.max(0, count - LAID_OUT_ROWS);
  const base = baseRef.current ?? 0;
  const [, relayout] = useReducer((n: number) => n + 1, 0);
  const getItemKey = useCallback((v: number) => base + v, [base]);
  const kind = chat.kind;
  const [estimates] = useState(() => new FrozenEstimates());
  const virtualizer = useVirtualizer({
    count: Math.max(0, count - base),
    enabled,
    getScrollElement: () => scrollRef.current,
    getItemKey,
    estimateSize: (v) =>
      estimates.get(base + v, () => {
        // Most rows of a long chat are not loaded: no more work for them than this.
        if (!messages.at(base + v)) return UNLOADED_ROW_PX;
        const { message, newDay, showSender } = rowFacts(messages, base + v, kind);
        return estimateRow(message, { charsPerLine: perLine, newDay, showSender });
      }),
    initialRect,
    initialOffset: () => {
      const v = virtualizerRef.current;
      return v ? Math.max(0, v.getTotalSize() - (v.scrollRect?.height ?? 0)) : 0;
    },
    rangeExtractor: painted ? SETTLED_RANGE : FIRST_FRAME_RANGE,
    anchorTo: 'end',
    followOnAppend: true,
    scrollEndThreshold: AT_BOTTOM_PX,
    paddingStart: PADDING_PX + base * UNLOADED_ROW_PX,
    paddingEnd: PADDING_PX,
  });
  virtualizerRef.current = virtualizer;

  const items = virtualizer.getVirtualItems();
  // Positions in the whole chat.
  const first = base + (items[0]?.index ?? 0);
  const last = base + (items[items.length - 1]?.index ?? 0);

  useEffect(() => {
    // Not for a render from before the window was ready: its effects can run after that (React
    // flushes them before the next render), and its rows are not the ones that will show.
    if (!enabled) return;
    // From one message before the first row (its day decides the first separator), with a
    // margin each way.
    messages.ensure(Math.max(0, first - 1 - PREFETCH_ROWS), last + PREFETCH_ROWS);
  }, [messages, enabled, first, last, count]);

  // The view came near the spacer (or into it, dragging the scrollbar): lay out more of the
  // history, at least as much again, down to where the view is. The spacer shrinks by the
  // estimated height of the rows that replace it, so nothing on screen moves.
  useEffect(() => {
    if (!enabled || base === 0 || first - base >= NEAR_SPACER_ROWS) return;
    const offset = virtualizerRef.current?.scrollOffset ?? 0;
    const viewRow = Math.floor((offset - PADDING_PX) / UNLOADED_ROW_PX);
    baseRef.current = Math.max(
      0,
      Math.min(base - Math.max(LAID_OUT_ROWS, count - base), viewRow - LAID_OUT_ROWS / 2),
    );
    relayout();
  }, [enabled, base, first, count]);

  // Open at the newest message: the rows are there from the first render; this settles the
  // offset once they are measured.
  useLayoutEffect(() => {
    if (started.current || !enabled) return;
    started.current = true;
    virtualizer.scrollToIndex(count - base - 1, { align: 'end' });
  });

  useEffect(() => {
    if (!enabled || painted) return;
    // After the first paint, when the page is idle (or soon: WebKit has no idle callbacks).
    if (typeof requestIdleCallback === 'function') {
      const id = requestIdleCallback(() => setPainted(true), { timeout: 150 });
      return () => cancelIdleCallback(id);
    }
    const timer = setTimeout(() => setPainted(true), 50);
    return () => clearTimeout(timer);
  }, [enabled, painted]);

  const empty = messages.ready && count === 0;
  useEffect(() => {
    const element = scrollRef.current;
    if (!element) return;
    const onScroll = () => {
      const bottom = element.scrollHeight - element.scrollTop - element.clientHeight < AT_BOTTOM_PX;
      setAtBottom(bottom);
    };
    element.addEventListener('scroll', onScroll, { passive: true });
    return () => element.removeEventListener('scroll', onScroll);
  }, [empty]);

  useEffect(() => onSeenBottom(atBottom), [atBottom, onSeenBottom]);

  const jumpToBottom = () => {
    const far = count - last > 200;
    virtualizer.scrollToIndex(count - base - 1, {
      align: 'end',
      behavior: far ? 'auto' : 'smooth',
    });
    scrollRef.current?.focus({ preventScroll: true });
  };

  if (empty) {
    return (
      <div className="message-list-empty">
        <p>{chat.isRequest ? t('chat.requestEmpty') : t('chat.empty')}</p>
      </div>
    );
  }

  return (
    <div className="message-list-wrap">
      <div
        className="message-list-scroll"
        ref={scrollRef}
        tabIndex={0}
        role="region"
        aria-label={t('chat.messages', { name: chat.name })}
      >
        <div
          className="message-list"
          role="list"
          aria-busy={!messages.ready}
          style={{ height: virtualizer.getTotalSize() }}
        >
          {items.map((item) => {
            const index = base + item.index;
            return (
              <MessageRow
                key={item.key}
                accountId={accountId}
                {...rowFacts(messages, index, kind)}
                virtualIndex={item.index}
                index={index}
                setSize={count}
                start={item.start}
                measure={virtualizer.measureElement}
              />
            );
          })}
        </div>
      </div>
      {!atBottom && count > 0 && (
        <button
          type="button"
          className="jump-to-bottom"
          onClick={jumpToBottom}
          aria-label={
            newIncoming > 0
              ? t('chat.jumpToBottomNew', { count: newIncoming })
              : t('chat.jumpToBottom')
          }
          title={t('chat.jumpToBottom')}
        >
          <Icon name="down" size={20} />
          {newIncoming > 0 && (
            <span className="badge" aria-hidden="true">
              {newIncoming > 999 ? '999+' : newIncoming}
            </span>
          )}
        </button>
      )}
    </div>
  );
}
