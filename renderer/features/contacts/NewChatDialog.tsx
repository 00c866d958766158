/** Start a chat with anyone who has an email address. */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Account } from '../../../shared/types.ts';
import { Dialog } from '../../components/Dialog.tsx';
import { useApp } from '../../state/context.tsx';
import { errorSentence } from '../../state/errors.ts';

const ADDRESS = /^[^\s@<>",;]+@[^\s@<>",;]+$/;

export function NewChatDialog({
  account,
  initialAddr,
}: {
  account: Account;
  initialAddr?: string;
}) {
  const { t } = useTranslation();
  const app = useApp();
  const [addr, setAddr] = useState(initialAddr ?? '');
  const [name, setName] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const close = () => app.openDialog(null);

  const submit = async () => {
    const address = addr.trim();
    if (!ADDRESS.test(address)) {
      setError(t('newChat.invalidAddress'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await app.createChat(account.id, address, name.trim() || undefined);
    } catch (e) {
      setError(errorSentence(e));
      setBusy(false);
    }
  };

  return (
    <Dialog title={t('newChat.title')} onClose={close}>
      <form
        className="form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <p className="form-intro">{t('newChat.intro')}</p>
        <label className="field">
          <span>{t('newChat.address')}</span>
          <input
            type="email"
            value={addr}
            autoFocus
            required
            autoComplete="email"
            placeholder={t('onboarding.addressPlaceholder')}
            aria-invalid={error ? true : undefined}
            onChange={(e) => setAddr(e.target.value)}
          />
        </label>
        <label className="field">
          <span>{t('newChat.name')}</span>
          <input type="text" value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        {error && (
          <p className="error-text" role="alert">
            {error}
          </p>
        )}
        <p className="hint">
          {t('newChat.inviteHint')}{' '}
          <button
            type="button"
            className="link-button"
            onClick={() => app.openDialog({ kind: 'join' })}
          >
            {t('join.title')}
          </button>
        </p>
        <div className="dialog-actions">
          <button type="button" className="button" onClick={close}>
            {t('common.cancel')}
          </button>
          <button type="submit" className="button primary" disabled={busy}>
            {t('newChat.start')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
