/**
 * The one list of contacts to choose from: several at once (checkboxes, for a group) or one
 * (a button per contact, to open a chat). Each row shows the avatar, name, verified mark and
 * address; a filter narrows the list by name or address.
 */
import { useEffect, useState } from 'react';
import type { Contact } from '../../../shared/types.ts';
import { Avatar } from '../../components/Avatar.tsx';
import { useApp } from '../../state/context.tsx';
import { errorSentence } from '../../state/errors.ts';
import { VerifiedMark } from './VerifiedMark.tsx';

/** The account's contacts (null while loading), kept to those `keep` accepts. */
export function useContacts(
  accountId: number,
  keep: (contacts: readonly Contact[]) => Contact[],
  onError: (sentence: string) => void,
  reloadKey = 0,
): Contact[] | null {
  const app = useApp();
  const [contacts, setContacts] = useState<Contact[] | null>(null);
  useEffect(() => {
    let current = true;
    app.runtime.call('listContacts', { accountId }).then(
      (list) => current && setContacts(keep(list)),
      (e: unknown) => current && onError(errorSentence(e)),
    );
    return () => {
      current = false;
    };
    // `keep` and `onError` are the caller's plain functions: they must not reload per render.
  }, [app, accountId, reloadKey]);
  return contacts;
}

/** Contacts whose name or address contains the filter (case and accents ignored). */
export function filterContacts(contacts: readonly Contact[], filter: string): Contact[] {
  const fold = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
  const needle = fold(filter.trim());
  if (!needle) return [...contacts];
  return contacts.filter((c) => fold(c.displayName).includes(needle) || c.addr.includes(needle));
}

function ContactRowText({ contact }: { contact: Contact }) {
  return (
    <>
      <Avatar name={contact.displayName} seed={contact.addr} size={32} />
      <span className="member-text">
        <span className="member-name">
          {contact.displayName}
          {contact.verified && <VerifiedMark />}
        </span>
        <span className="member-addr">{contact.addr}</span>
      </span>
    </>
  );
}

type Choice =
  | { mode: 'many'; picked: ReadonlySet<number>; onToggle: (id: number, on: boolean) => void }
  | { mode: 'one'; onPick: (contact: Contact) => void; disabled?: boolean };

export function ContactPicker({
  contacts,
  legend,
  loadingText,
  emptyText,
  filter = '',
  noMatchText,
  ...choice
}: {
  contacts: readonly Contact[] | null;
  legend: string;
  loadingText: string;
  emptyText: string;
  filter?: string;
  /** Shown when the filter hides every contact; nothing when absent. */
  noMatchText?: string;
} & Choice) {
  const shown = contacts ? filterContacts(contacts, filter) : null;
  let body;
  if (shown === null) body = <p className="hint">{loadingText}</p>;
  else if (contacts?.length === 0) body = <p className="hint">{emptyText}</p>;
  else if (shown.length === 0) body = noMatchText ? <p className="hint">{noMatchText}</p> : null;
  else
    body = (
      <ul className={`member-list contact-picker-list contact-picker-${choice.mode}`}>
        {shown.map((c) => (
          <li key={c.id}>
            {choice.mode === 'many' ? (
              <label className="member-row member-pick">
                <input
                  type="checkbox"
                  checked={choice.picked.has(c.id)}
                  onChange={(e) => choice.onToggle(c.id, e.target.checked)}
                />
                <ContactRowText contact={c} />
              </label>
            ) : (
              <button
                type="button"
                className="member-row member-pick contact-pick-button"
                disabled={choice.disabled}
                onClick={() => choice.onPick(c)}
              >
                <ContactRowText contact={c} />
              </button>
            )}
          </li>
        ))}
      </ul>
    );
  return (
    <fieldset className="member-picker contact-picker">
      <legend>{legend}</legend>
      {body}
    </fieldset>
  );
}
