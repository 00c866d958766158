/** The account switcher: one button per account with its unread count, add account, settings. */
import { useTranslation } from 'react-i18next';
import { Avatar } from '../../components/Avatar.tsx';
import { Icon } from '../../components/Icon.tsx';
import { unreadOf } from '../../state/app-state.ts';
import { useApp, useAppState } from '../../state/context.tsx';

export function AccountRail() {
  const { t } = useTranslation();
  const app = useApp();
  const accounts = useAppState((s) => s.accounts);
  const selectedId = useAppState((s) => s.selectedAccountId);
  const chats = useAppState((s) => s.chats);
  return (
    <nav className="account-rail" aria-label={t('accounts.label')}>
      <ul className="account-rail-list">
        {accounts.map((account) => {
          const unread = unreadOf(chats[account.id]);
          const name = account.displayName || account.addr;
          const label = unread > 0 ? t('accounts.switchToUnread', { name, count: unread }) : name;
          return (
            <li key={account.id}>
              <button
                type="button"
                className="account-button"
                title={`${name}\n${account.addr}`}
                aria-current={account.id === selectedId ? 'true' : undefined}
                onClick={() => app.selectAccount(account.id)}
              >
                <Avatar name={name} seed={account.addr} image={account.avatar} size={40} />
                <span className="sr-only">{label}</span>
                {unread > 0 && (
                  <span className="badge account-badge" aria-hidden="true">
                    {unread > 99 ? '99+' : unread}
                  </span>
                )}
              </button>
            </li>
          );
        })}
        <li>
          <button
            type="button"
            className="rail-button"
            aria-label={t('accounts.add')}
            title={t('accounts.add')}
            onClick={() => app.startAddingAccount(true)}
          >
            <Icon name="plus" size={22} />
          </button>
        </li>
      </ul>
      <button
        type="button"
        className="rail-button"
        aria-label={t('settings.open')}
        title={t('settings.open')}
        onClick={() => app.openDialog({ kind: 'settings' })}
      >
        <Icon name="gear" size={22} />
      </button>
    </nav>
  );
}
