/** A new end-to-end encrypted group: a name and members picked from contacts we hold a key of. */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Account, Contact } from '../../../shared/types.ts';
import { Avatar } from '../../components/Avatar.tsx';
import { Dialog } from '../../components/Dialog.tsx';
import { useApp } from '../../state/context.tsx';
import { errorSentence } from '../../state/errors.ts';
import { VerifiedMark } from '../contacts/VerifiedMark.tsx';

/** Contacts a group can include: others whose key we hold (group mail is always encrypted). */
export function groupCandidates(contacts: readonly Contact[]): Contact[] {
  return contacts.filter((c) => !c.isSelf && !c.blocked && c.fingerprint !== null);
}

export function NewGroupDialog({ account }: { account: Account }) {
  const { t } = useTranslation();
  const app = useApp();
  const [name, setName] = useState('');
  const [contacts, setContacts] = useState<Contact[] | null>(null);
  const [picked, setPicked] = useState<ReadonlySet<number>>(new Set());
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const close = () => app.openDialog(null);

  useEffect(() => {
    let current = true;
    app.runtime.call('listContacts', { accountId: account.id }).then(
      (list) => current && setContacts(groupCandidates(list)),
      (e: unknown) => current && setError(errorSentence(e)),
    );
    return () => {
      current = false;
    };
  }, [app, account.id]);

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
        <fieldset className="member-picker">
          <legend>{t('group.pickMembers')}</legend>
          {contacts === null ? (
            <p className="hint">{t('group.loadingContacts')}</p>
          ) : contacts.length === 0 ? (
            <p className="hint">{t('group.noContacts')}</p>
          ) : (
            <ul className="member-list">
              {contacts.map((c) => (
                <li key={c.id}>
                  <label className="member-row member-pick">
                    <input
                      type="checkbox"
                      checked={picked.has(c.id)}
                      onChange={(e) => toggle(c.id, e.target.checked)}
                    />
                    <Avatar name={c.displayName} seed={c.addr} size={32} />
                    <span className="member-text">
                      <span className="member-name">
                        {c.displayName}
                        {c.verified && <VerifiedMark />}
                      </span>
                      <span className="member-addr">{c.addr}</span>
                    </span>
                  </label>
                </li>
              ))}
            </ul>
          )}
        </fieldset>
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
