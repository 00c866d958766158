/** An open chat: its header, the message history, and the composer or the request bar. */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { DragEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { Account, ChatSummary, Message } from '../../../shared/types.ts';
import { Icon } from '../../components/Icon.tsx';
import { formatDateTime } from '../../i18n/format.ts';
import { i18n } from '../../i18n/i18n.ts';
import { useApp } from '../../state/context.tsx';
import { errorSentence } from '../../state/errors.ts';
import { Composer, toPendingFiles } from './Composer.tsx';
import type { PendingFile } from './Composer.tsx';
import { ContactRequestBar } from './ContactRequestBar.tsx';
import { MessageList } from './MessageList.tsx';
import { MessageWindow, prepareOpen } from './message-window.ts';
import { JoinProgressBar } from '../securejoin/JoinProgressBar.tsx';
import { ChatAvatar } from '../chat-list/ChatAvatar.tsx';

export function ChatView({ account, chat }: { account: Account; chat: ChatSummary }) {
  const { t } = useTranslation();
  const app = useApp();
  const accountId = account.id;
  const chatId = chat.id;
  // Created in the effect (not during render) so that each mount owns a live window; its first
  // call goes out now, while the rest of the view renders (the window takes it over).
  const [messages, setMessages] = useState<MessageWindow | null>(null);
  if (messages === null) prepareOpen(app.runtime, accountId, chatId);
  const [files, setFilesState] = useState<readonly PendingFile[]>([]);
  const setFiles = useCallback(
    (change: (files: readonly PendingFile[]) => readonly PendingFile[]) => setFilesState(change),
    [],
  );
  const [dragging, setDragging] = useState(false);
  const [newIncoming, setNewIncoming] = useState(0);
  const atBottom = useRef(true);
  const [announcement, setAnnouncement] = useState('');

  useEffect(() => {
    const messages = new MessageWindow(app.runtime, accountId, chatId, (e) =>
      app.toast(errorSentence(e)),
    );
    setMessages(messages);
    void messages.open();
    const off = app.runtime.onEvent((event) => {
      if (event.type === 'messageAdded' && event.accountId === accountId) {
        if (event.message.chatId !== chatId) return;
        const added = messages.add(event.message);
        if (added && !event.message.outgoing) {
          if (!atBottom.current) setNewIncoming((n) => n + 1);
          setAnnouncement(
            i18n.t('chat.newMessageAnnouncement', {
              text: event.message.text || i18n.t('notification.image'),
            }),
          );
        }
      } else if (event.type === 'messageChanged' && event.accountId === accountId) {
        if (event.message.chatId === chatId) messages.replace(event.message);
      }
    });
    return () => {
      off();
      messages.dispose();
    };
  }, [app, accountId, chatId]);

  // Messages on screen in a focused window are read.
  useEffect(() => {
    if (chat.unreadCount === 0 || chat.isRequest) return;
    const mark = () => {
      if (document.visibilityState !== 'visible') return;
      app.runtime.call('markSeen', { accountId, chatId }).catch(() => undefined);
    };
    mark();
    document.addEventListener('visibilitychange', mark);
    return () => document.removeEventListener('visibilitychange', mark);
  }, [app, accountId, chatId, chat.unreadCount, chat.isRequest]);

  const onSeenBottom = useCallback((bottom: boolean) => {
    atBottom.current = bottom;
    if (bottom) setNewIncoming(0);
  }, []);

  const onSent = useCallback((message: Message) => messages?.add(message), [messages]);

  const onDrop = (e: DragEvent<HTMLElement>) => {
    e.preventDefault();
    setDragging(false);
    if (chat.isRequest) return;
    const dropped = toPendingFiles(e.dataTransfer.files);
    if (dropped.length) setFiles((current) => [...current, ...dropped].slice(0, 10));
  };

  // Left or removed from a group: the summary says so, no group details needed.
  const readOnly = !chat.selfIsMember;

  const openContact = () => app.openDialog({ kind: 'contact', chatId });
  const detailsLabel = chat.kind === 'group' ? t('group.infoTitle') : t('chat.details');
  let status: string;
  if (chat.verified) status = t('encryption.chatVerified');
  else if (chat.encrypted) status = t('encryption.chatEncrypted');
  else status = t('encryption.chatNotEncrypted');

  return (
    <section
      className="chat-view"
      aria-label={chat.name}
      onDragOver={(e) => {
        if (chat.isRequest || !e.dataTransfer.types.includes('Files')) return;
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={(e) => {
        if (e.currentTarget === e.target) setDragging(false);
      }}
      onDrop={onDrop}
    >
      <header className="chat-header">
        <button
          type="button"
          className="chat-header-main"
          onClick={openContact}
          title={t('chat.openContact', { name: chat.name })}
        >
          <ChatAvatar accountId={accountId} chat={chat} size={40} />
          <span className="chat-header-text">
            <h1 className="chat-title">{chat.name}</h1>
            <span
              className={`chat-subtitle ${chat.encrypted ? 'is-encrypted' : 'is-plain'}`}
              data-encrypted={chat.encrypted}
            >
              {chat.verified ? (
                <span className="mark-verified" data-verified="true">
                  <Icon name="verified" size={15} />
                </span>
              ) : (
                <Icon name={chat.encrypted ? 'lock' : 'lockOff'} size={14} />
              )}
              <span className="chat-encryption-status">{status}</span>
              {chat.addr && chat.addr !== chat.name && (
                <span className="chat-addr"> · {chat.addr}</span>
              )}
            </span>
          </span>
          <span className="sr-only">{detailsLabel}</span>
        </button>
        <button
          type="button"
          className="icon-button"
          onClick={openContact}
          aria-label={detailsLabel}
          title={detailsLabel}
        >
          <Icon name="info" size={20} />
        </button>
      </header>
      {chat.keyChangedAt !== null && (
        <div className="warning-banner" role="alert">
          <Icon name="warning" size={16} />
          <span>
            {t('chat.keyChanged', { name: chat.name, date: formatDateTime(chat.keyChangedAt) })}
          </span>
          <button type="button" className="link-button" onClick={openContact}>
            {t('chat.keyChangedAction')}
          </button>
        </div>
      )}
      <JoinProgressBar accountId={accountId} chatId={chatId} />
      {messages ? (
        <MessageList
          key={`window-${messages.id}`}
          accountId={accountId}
          chat={chat}
          messages={messages}
          newIncoming={newIncoming}
          onSeenBottom={onSeenBottom}
        />
      ) : (
        <div className="message-list-wrap" />
      )}
      <div className="sr-only" role="status" aria-live="polite">
        {announcement}
      </div>
      {chat.isRequest ? (
        <ContactRequestBar accountId={accountId} chat={chat} />
      ) : readOnly ? (
        <p className="composer-disabled" role="status">
          <Icon name="info" size={16} />
          {t('group.readOnly')}
        </p>
      ) : (
        <Composer
          accountId={accountId}
          chatId={chatId}
          initialDraft={chat.draft}
          files={files}
          setFiles={setFiles}
          onSent={onSent}
        />
      )}
      {dragging && (
        <div className="drop-overlay" aria-hidden="true">
          <Icon name="attach" size={32} />
          <span>{t('composer.dropHere')}</span>
        </div>
      )}
    </section>
  );
}
