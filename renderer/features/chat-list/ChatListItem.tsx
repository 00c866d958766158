/** One chat in the list: avatar, name with its encryption mark, time, preview, unread badge. */
import type { KeyboardEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { ChatSummary } from '../../../shared/types.ts';
import { Icon } from '../../components/Icon.tsx';
import { formatListTime } from '../../i18n/format.ts';
import { MessageStateIcon } from '../chat/MessageStateIcon.tsx';
import { systemLineText } from '../chat/system-line.ts';
import { VerifiedMark } from '../contacts/VerifiedMark.tsx';
import { ChatAvatar } from './ChatAvatar.tsx';

export function ChatListItem({
  accountId,
  chat,
  index,
  selected,
  tabbable,
  showRequestMark,
  onOpen,
  onKeyDown,
  onFocus,
}: {
  accountId: number;
  chat: ChatSummary;
  index: number;
  selected: boolean;
  tabbable: boolean;
  /** Outside the requests section (a search result), a request says so itself. */
  showRequestMark: boolean;
  onOpen: () => void;
  onKeyDown: (e: KeyboardEvent<HTMLElement>) => void;
  onFocus: () => void;
}) {
  const { t, i18n } = useTranslation();
  const last = chat.lastMessage;
  const draft = chat.draft.trim();
  // A system line ("You renamed the group…") speaks for itself: no "You:" before it.
  const ownText = last !== null && last.outgoing && last.kind !== 'system';
  let preview: string;
  if (last?.kind === 'placeholder') preview = t('chatList.previewPlaceholder');
  else if (last?.kind === 'system') {
    preview = systemLineText(t, last.system, last.text, i18n.language);
  } else if (last && last.text) preview = last.text;
  else if (last) preview = t('chatList.previewAttachment');
  else preview = t('chatList.previewEmpty');
  return (
    <button
      type="button"
      className={`chat-row ${selected ? 'selected' : ''} ${chat.unreadCount ? 'unread' : ''}`}
      data-row={index}
      tabIndex={tabbable ? 0 : -1}
      aria-current={selected ? 'true' : undefined}
      onClick={onOpen}
      onKeyDown={onKeyDown}
      onFocus={onFocus}
    >
      <ChatAvatar accountId={accountId} chat={chat} />
      <span className="chat-row-text">
        <span className="chat-row-top">
          <span className="chat-row-name">{chat.name}</span>
          {chat.verified ? (
            <VerifiedMark label={t('encryption.chatVerified')} />
          ) : chat.encrypted ? (
            <span className="mark mark-encrypted" title={t('encryption.chatEncrypted')}>
              <Icon name="lock" size={14} />
              <span className="sr-only">{t('encryption.chatEncrypted')}</span>
            </span>
          ) : (
            <span className="mark mark-plain" title={t('encryption.chatNotEncrypted')}>
              <Icon name="lockOff" size={14} />
              <span className="sr-only">{t('encryption.chatNotEncrypted')}</span>
            </span>
          )}
          {chat.muted && (
            <span className="mark" title={t('chat.muted')}>
              <Icon name="bellOff" size={14} />
              <span className="sr-only">{t('chat.muted')}</span>
            </span>
          )}
          {last && <span className="chat-row-time">{formatListTime(last.timestamp)}</span>}
        </span>
        <span className="chat-row-bottom">
          {draft && !selected ? (
            <span className="chat-row-preview">
              <span className="draft-label">{t('chatList.draft')}</span> {draft}
            </span>
          ) : (
            <span className="chat-row-preview">
              {ownText && <MessageStateIcon state={last.state} />}
              {ownText && <span className="you-label">{t('chatList.you')}</span>}
              {ownText && ' '}
              {last?.senderName && <span className="sender-label">{`${last.senderName}:`}</span>}
              {last?.senderName && ' '}
              {preview}
            </span>
          )}
          {chat.isRequest && showRequestMark && (
            <span className="request-pill">{t('chatList.requestMark')}</span>
          )}
          {chat.unreadCount > 0 && (
            <span className={`badge ${chat.muted ? 'badge-muted' : ''}`}>
              {chat.unreadCount > 999 ? '999+' : chat.unreadCount}
              <span className="sr-only">
                {' '}
                {t('chatList.unreadSuffix', { count: chat.unreadCount })}
              </span>
            </span>
          )}
        </span>
      </span>
    </button>
  );
}
