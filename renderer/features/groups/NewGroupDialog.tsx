/** A new end-to-end encrypted group: a name and members picked from contacts we hold a key of. */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Account, Contact } from '../../../shared/types.ts';
import { Dialog } from '../../components/Dialog.tsx';
import { useApp } from '../../state/context.tsx';
import { errorSentence } from '../../state/errors.ts';
import { ContactPicker, useContacts } from '../contacts/ContactPicker.tsx';

/** Contacts a group can include: others whose key we hold (group mail is always encrypted). */
export function groupCandidates(contacts: readonly Contact[]): Contact[] {
  return contacts.filter((c) => !c.isSelf && !c.blocked && c.fingerprint !== null);
}

export function NewGroupDialog({ account }: { account: Account }) {
  const { t } = useTranslation();
  const app = useApp();
  const [name, setName] = useState('');
  const [picked, setPicked] = useState<ReadonlySet<number>>(new Set());
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const contacts = useContacts(account.id, groupCandidates, setError);
  const close = () => app.openDialog(null);

  const toggle = (id: number, on: boolean) =>
    setPicked((set) => {
      const next = new Set(set);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });

  const submit = async () => {
    if (!name.trim()) {
      setError(t('group.nameMissing'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await app.createGroup(account.id, name.trim(), [...picked]);
    } catch (e) {
      setError(errorSentence(e));
      setBusy(false);
    }
  };

  return (
    <Dialog title={t('group.newTitle')} onClose={close}>
      <form
        className="form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <p className="form-intro">{t('group.newIntro')}</p>
        <label className="field">
          <span>{t('group.name')}</span>
          <input
            type="text"
            value={name}
            autoFocus
            required
            maxLength={200}
            onChange={(e) => setName(e.target.value)}
          />
        </label>
        <ContactPicker
          mode="many"
          contacts={contacts}
          picked={picked}
          onToggle={toggle}
          legend={t('group.pickMembers')}
          loadingText={t('group.loadingContacts')}
          emptyText={t('group.noContacts')}
        />
        {error && (
          <p className="error-text" role="alert">
            {error}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" className="button" onClick={close}>
            {t('common.cancel')}
          </button>
          <button type="submit" className="button primary" disabled={busy}>
            {t('group.create')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
