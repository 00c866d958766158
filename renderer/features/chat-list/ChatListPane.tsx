/** The left column: the account's name and connection, the filter box and the chats. */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Account, ChatSummary } from '../../../shared/types.ts';
import { Avatar } from '../../components/Avatar.tsx';
import { Icon } from '../../components/Icon.tsx';
import { useApp, useAppState } from '../../state/context.tsx';
import { errorSentence } from '../../state/errors.ts';
import { ConnectivityIndicator } from '../connectivity/ConnectivityIndicator.tsx';
import { ChatList } from './ChatList.tsx';

export const FILTER_INPUT_ID = 'chat-filter';
const EMPTY: readonly ChatSummary[] = [];

export function ChatListPane({ account }: { account: Account }) {
  const { t } = useTranslation();
  const app = useApp();
  const chats = useAppState((s) => s.chats[account.id] ?? EMPTY);
  const [query, setQuery] = useState('');
  const [found, setFound] = useState<readonly ChatSummary[] | null>(null);
  const [filterError, setFilterError] = useState<string | null>(null);

  useEffect(() => {
    const q = query.trim();
    if (!q) {
      setFound(null);
      setFilterError(null);
      return;
    }
    let current = true;
    const timer = setTimeout(() => {
      app.runtime
        .call('listChats', { accountId: account.id, query: q })
        .then((result) => {
          if (current) {
            setFound(result);
            setFilterError(null);
          }
        })
        .catch((e: unknown) => current && setFilterError(errorSentence(e)));
    }, 150);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [app, account.id, query]);

  // Search results are a snapshot; show each chat's latest summary from the store.
  const byId = new Map(chats.map((c) => [c.id, c]));
  const shown = found ? found.map((c) => byId.get(c.id) ?? c) : chats;
  const name = account.displayName || account.addr;

  return (
    <aside className="chat-list-pane" aria-label={t('chatList.region')}>
      <header className="pane-header">
        <button
          type="button"
          className="profile-button"
          onClick={() => app.openDialog({ kind: 'settings' })}
          title={t('settings.openFor', { name })}
        >
          <Avatar name={name} seed={account.addr} image={account.avatar} size={36} />
          <span className="profile-text">
            <span className="profile-name">{name}</span>
            <span className="profile-addr">{account.addr}</span>
          </span>
          <span className="sr-only">{t('settings.open')}</span>
        </button>
        <button
          type="button"
          className="icon-button"
          aria-label={t('invite.open')}
          title={t('invite.open')}
          onClick={() => app.openDialog({ kind: 'invite' })}
        >
          <Icon name="qr" size={20} />
        </button>
        <button
          type="button"
          className="icon-button"
          aria-label={t('group.newTitle')}
          title={t('group.newTitle')}
          onClick={() => app.openDialog({ kind: 'newGroup' })}
        >
          <Icon name="group" size={20} />
        </button>
        <button
          type="button"
          className="icon-button"
          aria-label={t('chatList.newChat')}
          title={`${t('chatList.newChat')} (Ctrl+N)`}
          onClick={() => app.openDialog({ kind: 'newChat' })}
        >
          <Icon name="edit" size={20} />
        </button>
      </header>
      <ConnectivityIndicator connectivity={account.connectivity} />
      <div className="filter-box">
        <Icon name="search" size={16} />
        <input
          id={FILTER_INPUT_ID}
          type="search"
          value={query}
          placeholder={t('chatList.filterPlaceholder')}
          aria-label={t('chatList.filter')}
          autoComplete="off"
          spellCheck={false}
          onChange={(e) => setQuery(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Escape' && query) {
              e.preventDefault();
              setQuery('');
            } else if (e.key === 'ArrowDown') {
              e.preventDefault();
              document.querySelector<HTMLElement>('.chat-row[tabindex="0"]')?.focus();
            }
          }}
        />
      </div>
      {filterError && (
        <p className="error-text pane-note" role="alert">
          {filterError}
        </p>
      )}
      <ChatList accountId={account.id} chats={shown} filtered={found !== null} />
    </aside>
  );
}
