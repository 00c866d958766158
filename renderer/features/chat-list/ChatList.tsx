/**
 * The chats, virtualized (thousands of chats keep a few dozen rows in the DOM). Contact
 * requests come first under their own heading. Arrow keys, Home and End move between chats;
 * Enter opens one.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useMemo, useRef, useState } from 'react';
import type { KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ChatSummary } from '../../../shared/types.ts';
import { useApp, useAppState } from '../../state/context.tsx';
import { ChatListItem } from './ChatListItem.tsx';

type Row = { kind: 'heading'; label: string } | { kind: 'chat'; chat: ChatSummary };

const CHAT_ROW_PX = 72;
const HEADING_ROW_PX = 34;

export function ChatList({
  accountId,
  chats,
  filtered,
}: {
  accountId: number;
  chats: readonly ChatSummary[];
  filtered: boolean;
}) {
  const { t } = useTranslation();
  const app = useApp();
  const selectedChatId = useAppState((s) =>
    s.selectedAccountId === accountId ? s.selectedChatId : null,
  );
  const scrollRef = useRef<HTMLDivElement>(null);

  const rows = useMemo<Row[]>(() => {
    const requests = chats.filter((c) => c.isRequest);
    if (filtered || requests.length === 0) return chats.map((chat) => ({ kind: 'chat', chat }));
    // Same order as displayOrder() in app-state.ts, with headings.
    const others = chats.filter((c) => !c.isRequest);
    return [
      { kind: 'heading', label: t('chatList.requests') },
      ...requests.map((chat): Row => ({ kind: 'chat', chat })),
      ...(others.length ? [{ kind: 'heading', label: t('chatList.chats') } as const] : []),
      ...others.map((chat): Row => ({ kind: 'chat', chat })),
    ];
  }, [chats, filtered, t]);

  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: (i) => (rows[i]?.kind === 'heading' ? HEADING_ROW_PX : CHAT_ROW_PX),
    getItemKey: (i) => {
      const row = rows[i];
      return row?.kind === 'chat' ? `c${row.chat.id}` : `h${i}`;
    },
    overscan: 6,
  });

  const selectedIndex = rows.findIndex((r) => r.kind === 'chat' && r.chat.id === selectedChatId);
  const [focusIndex, setFocusIndex] = useState(0);
  const pendingFocus = useRef(false);
  const items = virtualizer.getVirtualItems();
  const firstChat = rows.findIndex((r) => r.kind === 'chat');
  const wanted =
    rows[focusIndex]?.kind === 'chat' ? focusIndex : Math.max(selectedIndex, firstChat);
  const tabbable = items.some((i) => i.index === wanted)
    ? wanted
    : (items.find((i) => rows[i.index]?.kind === 'chat')?.index ?? -1);

  useEffect(() => {
    if (!pendingFocus.current) return;
    pendingFocus.current = false;
    scrollRef.current?.querySelector<HTMLElement>(`.chat-row[data-row="${focusIndex}"]`)?.focus();
  });

  const moveFocus = (from: number, step: number) => {
    let i = from + step;
    while (i >= 0 && i < rows.length && rows[i]?.kind !== 'chat') i += step;
    if (i < 0 || i >= rows.length) return;
    setFocusIndex(i);
    pendingFocus.current = true;
    virtualizer.scrollToIndex(i, { align: 'auto' });
  };

  const onKeyDown = (e: KeyboardEvent<HTMLElement>, index: number) => {
    if (e.key === 'ArrowDown') moveFocus(index, 1);
    else if (e.key === 'ArrowUp') moveFocus(index, -1);
    else if (e.key === 'Home') moveFocus(-1, 1);
    else if (e.key === 'End') moveFocus(rows.length, -1);
    else return;
    e.preventDefault();
  };

  if (chats.length === 0) {
    return (
      <div className="chat-list-empty">
        <p>{filtered ? t('chatList.noMatch') : t('chatList.empty')}</p>
      </div>
    );
  }

  return (
    <div className="chat-list-scroll" ref={scrollRef}>
      <div
        className="chat-list"
        role="list"
        aria-label={t('chatList.label')}
        style={{ height: virtualizer.getTotalSize() }}
      >
        {items.map((item) => {
          const row = rows[item.index];
          if (!row) return null;
          const style = { transform: `translateY(${item.start}px)`, height: item.size };
          if (row.kind === 'heading') {
            return (
              <div key={item.key} className="chat-list-heading" role="listitem" style={style}>
                <h2>{row.label}</h2>
              </div>
            );
          }
          return (
            <div key={item.key} className="chat-list-row" role="listitem" style={style}>
              <ChatListItem
                accountId={accountId}
                chat={row.chat}
                index={item.index}
                selected={row.chat.id === selectedChatId}
                tabbable={item.index === tabbable}
                showRequestMark={filtered}
                onOpen={() => {
                  setFocusIndex(item.index);
                  app.openChat(accountId, row.chat.id);
                }}
                onKeyDown={(e) => onKeyDown(e, item.index)}
                onFocus={() => setFocusIndex(item.index)}
              />
            </div>
          );
        })}
      </div>
    </div>
  );
}
