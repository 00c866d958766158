/**
 * The virtualized history of a chat (@tanstack/react-virtual, rows measured as they render).
 * Only the rows on screen and a few around them are in the DOM; pages of messages are fetched
 * as they come into view. The list sticks to the bottom while you are there, and otherwise
 * counts new messages on the jump-to-bottom button.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useLayoutEffect, useRef, useState, useSyncExternalStore } from 'react';
import { useTranslation } from 'react-i18next';
import type { ChatSummary, Message } from '../../../shared/types.ts';
import { Icon } from '../../components/Icon.tsx';
import { formatDay, sameDay } from '../../i18n/format.ts';
import { MessageBubble } from './MessageBubble.tsx';
import type { MessageWindow } from './message-window.ts';

const AT_BOTTOM_PX = 48;

function estimate(message: Message | undefined): number {
  if (!message) return 64;
  let height = 44 + Math.ceil(message.text.length / 48) * 20;
  if (message.attachments.some((a) => a.isImage)) height += 220;
  else if (message.attachments.length) height += 56 * message.attachments.length;
  return Math.min(height, 600);
}

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

  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scrollRef.current,
    estimateSize: (i) => estimate(messages.at(i)),
    getItemKey: (i) => i,
    overscan: 8,
    anchorTo: 'end',
    followOnAppend: true,
    scrollEndThreshold: AT_BOTTOM_PX,
    paddingStart: 12,
    paddingEnd: 12,
  });

  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? 0;

  useEffect(() => {
    // One message before the first row: its day decides the first separator.
    messages.ensure(Math.max(0, first - 1), last);
  }, [messages, first, last, count]);

  // Open at the newest message.
  const opened = useRef(false);
  useLayoutEffect(() => {
    if (opened.current || !messages.ready) return;
    opened.current = true;
    if (count > 0) virtualizer.scrollToIndex(count - 1, { align: 'end' });
  });

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
    virtualizer.scrollToIndex(count - 1, { align: 'end', behavior: far ? 'auto' : 'smooth' });
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
            const message = messages.at(item.index);
            const previous = item.index > 0 ? messages.at(item.index - 1) : undefined;
            const newDay =
              message &&
              (item.index === 0 || (previous && !sameDay(previous.timestamp, message.timestamp)));
            const showSender =
              chat.kind === 'group' &&
              !!message &&
              (!previous || previous.fromId !== message.fromId || Boolean(newDay));
            return (
              <div
                key={item.key}
                ref={virtualizer.measureElement}
                data-index={item.index}
                className="message-row"
                role="listitem"
                aria-setsize={count}
                aria-posinset={item.index + 1}
                style={{ transform: `translateY(${item.start}px)` }}
              >
                {newDay && message && (
                  <div className="day-separator">
                    <span>{formatDay(message.timestamp)}</span>
                  </div>
                )}
                {message ? (
                  <MessageBubble accountId={accountId} message={message} showSender={showSender} />
                ) : (
                  <div className="message-skeleton" aria-hidden="true" />
                )}
              </div>
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
