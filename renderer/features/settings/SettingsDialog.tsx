/**
 * Profile (name, picture, status line), how the app looks and speaks, notifications, and the
 * account's servers (read only), with removing the account at the end.
 */
import { useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Account, ServerEndpoint } from '../../../shared/types.ts';
import { Avatar } from '../../components/Avatar.tsx';
import { Dialog } from '../../components/Dialog.tsx';
import { useApp, useAppState } from '../../state/context.tsx';
import { errorSentence } from '../../state/errors.ts';
import { languages } from '../../state/preferences.ts';
import type { Language, Theme } from '../../state/preferences.ts';
import { Fingerprint } from '../contacts/Fingerprint.tsx';
import { avatarFromFile } from './avatar-image.ts';

function ProfileSection({ account }: { account: Account }) {
  const { t } = useTranslation();
  const app = useApp();
  const [name, setName] = useState(account.displayName);
  const [status, setStatus] = useState(account.status);
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<{ error: boolean; text: string } | null>(null);
  const fileRef = useRef<HTMLInputElement>(null);

  const save = async (change: {
    displayName?: string;
    status?: string;
    avatar?: string | null;
  }) => {
    setBusy(true);
    setNote(null);
    try {
      await app.setProfile({ accountId: account.id, ...change });
      setNote({ error: false, text: t('settings.saved') });
    } catch (e) {
      setNote({ error: true, text: errorSentence(e) });
    } finally {
      setBusy(false);
    }
  };

  const pickAvatar = async (file: File | undefined) => {
    if (!file) return;
    try {
      await save({ avatar: await avatarFromFile(file) });
    } catch (e) {
      setNote({ error: true, text: errorSentence(e) });
    }
  };

  const changed = name.trim() !== account.displayName || status !== account.status;
  return (
    <section className="settings-section" aria-labelledby="settings-profile">
      <h3 id="settings-profile">{t('settings.profile')}</h3>
      <div className="profile-editor">
        <div className="avatar-editor">
          <Avatar
            name={account.displayName || account.addr}
            seed={account.addr}
            image={account.avatar}
            size={80}
          />
          <button type="button" className="link-button" onClick={() => fileRef.current?.click()}>
            {t('settings.changeAvatar')}
          </button>
          {account.avatar && (
            <button
              type="button"
              className="link-button"
              onClick={() => void save({ avatar: null })}
            >
              {t('settings.removeAvatar')}
            </button>
          )}
          <input
            ref={fileRef}
            type="file"
            accept="image/png,image/jpeg,image/webp"
            hidden
            tabIndex={-1}
            aria-hidden="true"
            onChange={(e) => {
              void pickAvatar(e.target.files?.[0]);
              e.target.value = '';
            }}
          />
        </div>
        <form
          className="form grow"
          onSubmit={(e) => {
            e.preventDefault();
            void save({ displayName: name.trim(), status });
          }}
        >
          <label className="field">
            <span>{t('settings.displayName')}</span>
            <input type="text" value={name} onChange={(e) => setName(e.target.value)} />
          </label>
          <label className="field">
            <span>{t('settings.status')}</span>
            <textarea
              rows={2}
              value={status}
              placeholder={t('settings.statusPlaceholder')}
              onChange={(e) => setStatus(e.target.value)}
            />
          </label>
          <div className="form-footer">
            {note && (
              <span className={note.error ? 'error-text' : 'ok-text'} role="status">
                {note.text}
              </span>
            )}
            <button type="submit" className="button primary" disabled={busy || !changed}>
              {t('common.save')}
            </button>
          </div>
        </form>
      </div>
    </section>
  );
}

function AppearanceSection() {
  const { t } = useTranslation();
  const app = useApp();
  const preferences = useAppState((s) => s.preferences);
  const themes: { value: Theme; label: string }[] = [
    { value: 'system', label: t('settings.themeSystem') },
    { value: 'light', label: t('settings.themeLight') },
    { value: 'dark', label: t('settings.themeDark') },
  ];
  const languageNames: Record<Language, string> = {
    en: t('languages.en'),
    fr: t('languages.fr'),
    de: t('languages.de'),
  };
  return (
    <section className="settings-section" aria-labelledby="settings-appearance">
      <h3 id="settings-appearance">{t('settings.appearance')}</h3>
      <fieldset className="segmented">
        <legend>{t('settings.theme')}</legend>
        {themes.map((theme) => (
          <label key={theme.value} className="segment">
            <input
              type="radio"
              name="theme"
              value={theme.value}
              checked={preferences.theme === theme.value}
              onChange={() => app.setPreferences({ theme: theme.value })}
            />
            <span>{theme.label}</span>
          </label>
        ))}
      </fieldset>
      <label className="field field-narrow">
        <span>{t('settings.language')}</span>
        <select
          value={preferences.language}
          onChange={(e) => app.setPreferences({ language: e.target.value as Language })}
        >
          {languages.map((l) => (
            <option key={l} value={l} lang={l}>
              {languageNames[l]}
            </option>
          ))}
        </select>
      </label>
    </section>
  );
}

function NotificationsSection() {
  const { t } = useTranslation();
  const app = useApp();
  const enabled = useAppState((s) => s.preferences.notifications);
  const [permission, setPermission] = useState(() => app.runtime.notificationPermission());
  const ask = async () => {
    await app.runtime.requestNotificationPermission();
    setPermission(app.runtime.notificationPermission());
  };
  const toggle = async (on: boolean) => {
    app.setPreferences({ notifications: on });
    if (on && permission === 'ask') await ask();
  };
  return (
    <section className="settings-section" aria-labelledby="settings-notifications">
      <h3 id="settings-notifications">{t('settings.notifications')}</h3>
      <label className="check-field">
        <input type="checkbox" checked={enabled} onChange={(e) => void toggle(e.target.checked)} />
        <span>{t('settings.notificationsOn')}</span>
      </label>
      {enabled && permission === 'denied' && (
        <p className="hint">{t('settings.notificationsDenied')}</p>
      )}
      {enabled && permission === 'ask' && (
        <div>
          <button type="button" className="button" onClick={() => void ask()}>
            {t('settings.notificationsAllow')}
          </button>
        </div>
      )}
    </section>
  );
}

function ServerRow({ label, endpoint }: { label: string; endpoint: ServerEndpoint }) {
  const { t } = useTranslation();
  const security: Record<ServerEndpoint['security'], string> = {
    tls: t('security.tls'),
    starttls: t('security.starttls'),
    plain: t('security.plain'),
  };
  return (
    <tr>
      <th scope="row">{label}</th>
      <td>
        {endpoint.host}:{endpoint.port}
      </td>
      <td>{security[endpoint.security]}</td>
      <td className="break">{endpoint.user}</td>
    </tr>
  );
}

function AccountSection({ account }: { account: Account }) {
  const { t } = useTranslation();
  const app = useApp();
  const [confirm, setConfirm] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const remove = async () => {
    try {
      await app.removeAccount(account.id);
    } catch (e) {
      setError(errorSentence(e));
    }
  };
  return (
    <section className="settings-section" aria-labelledby="settings-account">
      <h3 id="settings-account">{t('settings.account')}</h3>
      <p className="account-addr">{account.addr}</p>
      <table className="server-table">
        <caption className="sr-only">{t('settings.servers')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('settings.server')}</th>
            <th scope="col">{t('settings.hostPort')}</th>
            <th scope="col">{t('settings.security')}</th>
            <th scope="col">{t('settings.user')}</th>
          </tr>
        </thead>
        <tbody>
          <ServerRow label={t('settings.imap')} endpoint={account.settings.imap} />
          <ServerRow label={t('settings.smtp')} endpoint={account.settings.smtp} />
        </tbody>
      </table>
      {account.settings.acceptInvalidCertificates && (
        <p className="warning-text">{t('settings.invalidCertificatesAccepted')}</p>
      )}
      {account.fingerprint && (
        <>
          <h4>{t('contact.yourFingerprint')}</h4>
          <Fingerprint value={account.fingerprint} label={t('contact.yourFingerprint')} />
        </>
      )}
      <div className="button-row">
        {confirm ? (
          <span className="confirm" role="group" aria-label={t('settings.removeConfirm')}>
            <span>{t('settings.removeConfirm')}</span>
            <button type="button" className="button" onClick={() => setConfirm(false)}>
              {t('common.cancel')}
            </button>
            <button type="button" className="button danger" onClick={() => void remove()}>
              {t('settings.removeAccount')}
            </button>
          </span>
        ) : (
          <button type="button" className="button danger-outline" onClick={() => setConfirm(true)}>
            {t('settings.removeAccount')}
          </button>
        )}
      </div>
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}

export function SettingsDialog({ account }: { account: Account }) {
  const { t } = useTranslation();
  const app = useApp();
  return (
    <Dialog title={t('settings.title')} onClose={() => app.openDialog(null)} wide>
      <ProfileSection account={account} />
      <AppearanceSection />
      <NotificationsSection />
      <AccountSection account={account} />
    </Dialog>
  );
}
