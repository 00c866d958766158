/**
 * Start a chat with anyone who has an email address: type it, or pick one of your contacts
 * (the address field filters them). Also the way to an invite, and to importing a vCard.
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Account, Contact } from '../../../shared/types.ts';
import { Dialog } from '../../components/Dialog.tsx';
import { useApp } from '../../state/context.tsx';
import { errorSentence } from '../../state/errors.ts';
import { ContactPicker, filterContacts, useContacts } from './ContactPicker.tsx';
import { VcardImport } from './VcardImport.tsx';

const ADDRESS = /^[^\s@<>",;]+@[^\s@<>",;]+$/;

/** Contacts one can write to: everyone known but yourself and the blocked. */
function chatCandidates(contacts: readonly Contact[]): Contact[] {
  return contacts.filter((c) => !c.isSelf && !c.blocked);
}

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
  const [importing, setImporting] = useState(false);
  const [generation, setGeneration] = useState(0);
  const contacts = useContacts(account.id, chatCandidates, setError, generation);
  const close = () => app.openDialog(null);

  const open = async (address: string, given?: string) => {
    setBusy(true);
    setError(null);
    try {
      await app.createChat(account.id, address, given);
    } catch (e) {
      setError(errorSentence(e));
      setBusy(false);
    }
  };

  const submit = () => {
    const address = addr.trim();
    if (ADDRESS.test(address)) return open(address, name.trim() || undefined);
    // A name that matches exactly one contact: Enter opens that chat.
    const matches = contacts ? filterContacts(contacts, address) : [];
    const [only] = matches;
    if (address && matches.length === 1 && only) return open(only.addr);
    setError(t('newChat.invalidAddress'));
  };

  if (importing) {
    return (
      <VcardImport
        account={account}
        onBack={() => {
          setImporting(false);
          setGeneration((g) => g + 1);
        }}
      />
    );
  }

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
        <ContactPicker
          mode="one"
          contacts={contacts}
          filter={addr}
          legend={t('newChat.contacts')}
          loadingText={t('group.loadingContacts')}
          emptyText={t('newChat.noContacts')}
          disabled={busy}
          onPick={(c) => void open(c.addr)}
        />
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
        <p className="hint">
          {t('vcard.importHint')}{' '}
          <button
            type="button"
            className="link-button"
            onClick={() => {
              setError(null);
              setImporting(true);
            }}
          >
            {t('vcard.importOpen')}
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
