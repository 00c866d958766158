/**
 * Who is on the other side of a chat: name, address, and the key fingerprint to compare in
 * person, whether it is verified, and a warning when the key changed. Also the chat's own
 * switches: mute, block, delete.
 */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Account, ChatSummary, Contact } from '../../../shared/types.ts';
import { Avatar } from '../../components/Avatar.tsx';
import { Dialog } from '../../components/Dialog.tsx';
import { Icon } from '../../components/Icon.tsx';
import { formatDateTime } from '../../i18n/format.ts';
import { useApp } from '../../state/context.tsx';
import { errorSentence } from '../../state/errors.ts';
import { forgetContact } from './contact-cache.ts';
import { Fingerprint } from './Fingerprint.tsx';
import { VcardShare } from './VcardShare.tsx';
import { VerifiedMark } from './VerifiedMark.tsx';

export function ContactDialog({ account, chat }: { account: Account; chat: ChatSummary }) {
  const { t } = useTranslation();
  const app = useApp();
  const contactId = chat.kind === 'single' ? chat.contactIds[0] : undefined;
  const [contact, setContact] = useState<Contact | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [confirmDelete, setConfirmDelete] = useState(false);
  const close = () => app.openDialog(null);

  useEffect(() => {
    if (contactId === undefined) return;
    let current = true;
    const load = () =>
      app.runtime.call('getContact', { accountId: account.id, contactId }).then(
        (c) => {
          if (!current) return;
          setContact(c);
          setName(c.displayName);
        },
        (e: unknown) => current && setError(errorSentence(e)),
      );
    void load();
    const off = app.runtime.onEvent((event) => {
      if (event.type === 'contactChanged' && event.contactId === contactId) void load();
    });
    return () => {
      current = false;
      off();
    };
  }, [app, account.id, contactId]);

  const act = async (action: () => Promise<void>) => {
    setError(null);
    try {
      await action();
    } catch (e) {
      setError(errorSentence(e));
    }
  };

  const saveName = () =>
    act(async () => {
      if (!contact) return;
      const updated = await app.runtime.call('setContactName', {
        accountId: account.id,
        contactId: contact.id,
        name: name.trim(),
      });
      forgetContact(account.id, contact.id);
      setContact(updated);
      setName(updated.displayName);
    });

  let verification: string;
  if (contact?.verified) verification = t('contact.verified');
  else if (contact?.fingerprint) verification = t('contact.notVerified');
  else verification = t('contact.noKey');

  return (
    <Dialog title={t('contact.title')} onClose={close}>
      <div className="contact-card">
        <Avatar name={chat.name} seed={chat.addr ?? chat.name} size={72} />
        <div>
          <h3 className="contact-name">
            {contact?.displayName ?? chat.name}
            {contact?.verified && <VerifiedMark size={16} />}
          </h3>
          {chat.addr && (
            <p className="contact-addr">
              {chat.addr}{' '}
              <button
                type="button"
                className="icon-button small"
                aria-label={t('contact.copyAddress')}
                title={t('contact.copyAddress')}
                onClick={() =>
                  void app.runtime
                    .copyText(chat.addr ?? '')
                    .then(() => app.toast(t('contact.copied')))
                }
              >
                <Icon name="copy" size={14} />
              </button>
            </p>
          )}
        </div>
      </div>

      {contact && (
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            void saveName();
          }}
        >
          <label className="field">
            <span>{t('contact.nameLabel')}</span>
            <input type="text" value={name} onChange={(e) => setName(e.target.value)} />
          </label>
          <button
            type="submit"
            className="button"
            disabled={name.trim() === contact.displayName || !name.trim()}
          >
            {t('common.save')}
          </button>
        </form>
      )}

      {contactId !== undefined && (
        <section className="settings-section" aria-labelledby="contact-encryption">
          <h3 id="contact-encryption">{t('contact.encryption')}</h3>
          <p className={`verification ${contact?.verified ? 'is-verified' : ''}`}>
            <Icon
              name={contact?.verified ? 'verified' : contact?.fingerprint ? 'lock' : 'lockOff'}
              size={16}
            />
            {verification}
          </p>
          {contact?.keyChangedAt != null && (
            <p className="warning-text" role="alert">
              <Icon name="warning" size={16} />
              {t('contact.keyChanged', { date: formatDateTime(contact.keyChangedAt) })}
            </p>
          )}
          {contact?.fingerprint && (
            <>
              <h4>{t('contact.theirFingerprint')}</h4>
              <Fingerprint value={contact.fingerprint} label={t('contact.theirFingerprint')} />
            </>
          )}
          {account.fingerprint && (
            <>
              <h4>{t('contact.yourFingerprint')}</h4>
              <Fingerprint value={account.fingerprint} label={t('contact.yourFingerprint')} />
            </>
          )}
          {contact?.fingerprint && <p className="hint">{t('contact.compareHint')}</p>}
        </section>
      )}

      {contact && (
        <section className="settings-section" aria-labelledby="contact-share">
          <h3 id="contact-share">{t('vcard.shareTitle')}</h3>
          <VcardShare
            account={account}
            contactId={contact.id}
            name={contact.displayName}
            hint={
              contact.fingerprint
                ? t('vcard.shareHint', { name: contact.displayName })
                : t('vcard.shareHintNoKey', { name: contact.displayName })
            }
          />
        </section>
      )}

      <section className="settings-section" aria-labelledby="contact-chat">
        <h3 id="contact-chat">{t('contact.chatSection')}</h3>
        <label className="check-field">
          <input
            type="checkbox"
            checked={chat.muted}
            onChange={(e) => void act(() => app.setMuted(account.id, chat.id, e.target.checked))}
          />
          <span>{t('contact.mute')}</span>
        </label>
        <div className="button-row">
          {!chat.isRequest && (
            <button
              type="button"
              className="button danger-outline"
              onClick={() => void act(() => app.blockChat(account.id, chat.id))}
            >
              {t('contact.block')}
            </button>
          )}
          {confirmDelete ? (
            <span className="confirm" role="group" aria-label={t('contact.deleteConfirm')}>
              <span>{t('contact.deleteConfirm')}</span>
              <button type="button" className="button" onClick={() => setConfirmDelete(false)}>
                {t('common.cancel')}
              </button>
              <button
                type="button"
                className="button danger"
                onClick={() => void act(() => app.deleteChat(account.id, chat.id))}
              >
                {t('contact.delete')}
              </button>
            </span>
          ) : (
            <button
              type="button"
              className="button danger-outline"
              onClick={() => setConfirmDelete(true)}
            >
              {t('contact.delete')}
            </button>
          )}
        </div>
      </section>
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
    </Dialog>
  );
}
