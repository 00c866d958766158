/** The messenger: accounts, the chat list of the chosen account, the open chat, and dialogs. */
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { selectedAccount, selectedChat } from '../state/app-state.ts';
import { useApp, useAppState } from '../state/context.tsx';
import { AccountRail } from '../features/accounts/AccountRail.tsx';
import { ChatListPane, FILTER_INPUT_ID } from '../features/chat-list/ChatListPane.tsx';
import { ChatView } from '../features/chat/ChatView.tsx';
import { ContactDialog } from '../features/contacts/ContactDialog.tsx';
import { NewChatDialog } from '../features/contacts/NewChatDialog.tsx';
import { GroupInfoDialog } from '../features/groups/GroupInfoDialog.tsx';
import { NewGroupDialog } from '../features/groups/NewGroupDialog.tsx';
import { InviteDialog } from '../features/securejoin/InviteDialog.tsx';
import { JoinDialog } from '../features/securejoin/JoinDialog.tsx';
import { SettingsDialog } from '../features/settings/SettingsDialog.tsx';

export function MainScreen() {
  const { t } = useTranslation();
  const app = useApp();
  const account = useAppState(selectedAccount);
  const chat = useAppState(selectedChat);
  const dialog = useAppState((s) => s.dialog);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.altKey && !e.ctrlKey && !e.metaKey && !e.shiftKey) {
        if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
          e.preventDefault();
          app.openAdjacentChat(e.key === 'ArrowDown' ? 1 : -1);
        }
        return;
      }
      const mod = e.ctrlKey || e.metaKey;
      if (!mod || e.altKey || e.shiftKey) return;
      if (e.key === 'n') {
        e.preventDefault();
        app.openDialog({ kind: 'newChat' });
      } else if (e.key === 'k' || e.key === 'f') {
        e.preventDefault();
        document.getElementById(FILTER_INPUT_ID)?.focus();
      } else if (e.key === ',') {
        e.preventDefault();
        app.openDialog({ kind: 'settings' });
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [app]);

  if (!account) return null;
  return (
    <div className="main-screen">
      <AccountRail />
      <ChatListPane account={account} />
      <main className="chat-pane" aria-label={t('chat.region')}>
        {chat ? (
          <ChatView key={`${account.id}:${chat.id}`} account={account} chat={chat} />
        ) : (
          <div className="empty-chat">
            <img className="empty-chat-logo" src="./icon.svg" alt="" width="72" height="72" />
            <p>{t('chat.noneSelected')}</p>
            <button
              type="button"
              className="button"
              onClick={() => app.openDialog({ kind: 'newChat' })}
            >
              {t('chatList.newChat')}
            </button>
          </div>
        )}
      </main>
      {dialog?.kind === 'newChat' && <NewChatDialog account={account} initialAddr={dialog.addr} />}
      {dialog?.kind === 'contact' &&
        chat &&
        (chat.kind === 'group' ? (
          <GroupInfoDialog key={chat.id} account={account} chat={chat} />
        ) : (
          <ContactDialog account={account} chat={chat} />
        ))}
      {dialog?.kind === 'invite' && (
        <InviteDialog
          key={dialog.chatId ?? 0}
          account={account}
          chatId={dialog.chatId}
          groupName={dialog.chatId && chat?.id === dialog.chatId ? chat.name : undefined}
        />
      )}
      {dialog?.kind === 'join' && (
        <JoinDialog key={dialog.invite ?? ''} account={account} initialInvite={dialog.invite} />
      )}
      {dialog?.kind === 'newGroup' && <NewGroupDialog account={account} />}
      {dialog?.kind === 'settings' && <SettingsDialog account={account} />}
    </div>
  );
}
