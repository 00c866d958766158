/**
 * A group's details one click from its header: image, name, description, the member list with
 * add and remove, an invite to join, and leaving. After leaving (or being removed) it is read-only.
 */
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Account, ChatSummary, Contact } from '../../../shared/types.ts';
import { Avatar } from '../../components/Avatar.tsx';
import { Dialog } from '../../components/Dialog.tsx';
import { Icon } from '../../components/Icon.tsx';
import { useApp } from '../../state/context.tsx';
import { errorSentence } from '../../state/errors.ts';
import { VerifiedMark } from '../contacts/VerifiedMark.tsx';
import { avatarFromFile } from '../settings/avatar-image.ts';
import { groupCandidates } from './NewGroupDialog.tsx';
import { useGroup } from './use-group.ts';

export function GroupInfoDialog({ account, chat }: { account: Account; chat: ChatSummary }) {
  const { t } = useTranslation();
  const app = useApp();
  const accountId = account.id;
  const chatId = chat.id;
  const { group, error: loadError, reload } = useGroup(app, accountId, chatId);
  const [name, setName] = useState(chat.name);
  const [description, setDescription] = useState('');
  const [contacts, setContacts] = useState<Contact[]>([]);
  const [toAdd, setToAdd] = useState('');
  const [confirmLeave, setConfirmLeave] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const fileRef = useRef<HTMLInputElement>(null);
  const close = () => app.openDialog(null);

  useEffect(() => {
    if (!group) return;
    setName(group.name);
    setDescription(group.description);
  }, [group]);

  useEffect(() => {
    let current = true;
    app.runtime.call('listContacts', { accountId }).then(
      (list) => current && setContacts(groupCandidates(list)),
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, [app, accountId]);

  const act = async (action: () => Promise<ChatSummary | void>) => {
    setError(null);
    try {
      const result = await action();
      if (result) app.applyChat(accountId, result);
      reload();
      return true;
    } catch (e) {
      setError(errorSentence(e));
      return false;
    }
  };

  const member = group?.selfIsMember ?? false;
  const memberIds = new Set(group?.members.map((m) => m.id));
  const addable = contacts.filter((c) => !memberIds.has(c.id));
  const members = [...(group?.members ?? [])].sort(
    (a, b) => Number(b.isSelf) - Number(a.isSelf) || a.displayName.localeCompare(b.displayName),
  );

  return (
    <Dialog title={t('group.infoTitle')} onClose={close} className="group-dialog" wide>
      <div className="contact-card">
        <Avatar name={group?.name ?? chat.name} seed={chat.name} image={group?.avatar} size={72} />
        <div>
          <h3 className="contact-name">
            {group?.name ?? chat.name}
            {chat.verified && <VerifiedMark size={16} label={t('group.verified')} />}
          </h3>
          <p className="contact-addr">
            {t('group.memberCount', { count: group?.members.length ?? 0 })}
          </p>
          {member && (
            <div className="group-image-actions">
              <button
                type="button"
                className="link-button"
                onClick={() => fileRef.current?.click()}
              >
                {t('group.changeImage')}
              </button>
              {group?.avatar && (
                <button
                  type="button"
                  className="link-button"
                  onClick={() =>
                    void act(() =>
                      app.runtime.call('setChatAvatar', { accountId, chatId, avatar: null }),
                    )
                  }
                >
                  {t('group.removeImage')}
                </button>
              )}
              <input
                ref={fileRef}
                type="file"
                accept="image/png,image/jpeg,image/webp"
                hidden
                onChange={(e) => {
                  const file = e.target.files?.[0];
                  e.target.value = '';
                  if (file) {
                    void act(async () =>
                      app.runtime.call('setChatAvatar', {
                        accountId,
                        chatId,
                        avatar: await avatarFromFile(file),
                      }),
                    );
                  }
                }}
              />
            </div>
          )}
        </div>
      </div>

      {!member && group && (
        <p className="warning-text" role="status">
          <Icon name="info" size={16} />
          {t('group.notMember')}
        </p>
      )}

      <section className="settings-section" aria-labelledby="group-members">
        <h3 id="group-members">{t('group.members')}</h3>
        <ul className="member-list" aria-labelledby="group-members">
          {members.map((m) => (
            <li key={m.id} className="member-row">
              <Avatar name={m.displayName} seed={m.addr} size={32} />
              <span className="member-text">
                <span className="member-name">
                  {m.isSelf ? t('group.you') : m.displayName}
                  {m.verified && <VerifiedMark />}
                </span>
                <span className="member-addr">{m.addr}</span>
              </span>
              {member && !m.isSelf && (
                <button
                  type="button"
                  className="button small danger-outline"
                  aria-label={t('group.removeMember', { name: m.displayName })}
                  onClick={() =>
                    void act(() =>
                      app.runtime.call('removeChatMember', {
                        accountId,
                        chatId,
                        contactId: m.id,
                      }),
                    )
                  }
                >
                  {t('group.remove')}
                </button>
              )}
            </li>
          ))}
        </ul>
        {member && (
          <form
            className="inline-form"
            onSubmit={(e) => {
              e.preventDefault();
              const contactId = Number(toAdd);
              if (!contactId) return;
              void act(() =>
                app.runtime.call('addChatMember', { accountId, chatId, contactId }),
              ).then((ok) => ok && setToAdd(''));
            }}
          >
            <label className="field">
              <span>{t('group.addMember')}</span>
              <select
                value={toAdd}
                disabled={addable.length === 0}
                onChange={(e) => setToAdd(e.target.value)}
              >
                <option value="">
                  {addable.length ? t('group.chooseContact') : t('group.noMoreContacts')}
                </option>
                {addable.map((c) => (
                  <option key={c.id} value={c.id}>
                    {c.displayName === c.addr ? c.addr : `${c.displayName} (${c.addr})`}
                  </option>
                ))}
              </select>
            </label>
            <button type="submit" className="button" disabled={!toAdd}>
              {t('group.add')}
            </button>
          </form>
        )}
      </section>

      <section className="settings-section" aria-labelledby="group-about">
        <h3 id="group-about">{t('group.about')}</h3>
        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            void act(() =>
              app.runtime.call('setChatName', { accountId, chatId, name: name.trim() }),
            );
          }}
        >
          <label className="field">
            <span>{t('group.name')}</span>
            <input
              type="text"
              value={name}
              maxLength={200}
              disabled={!member}
              onChange={(e) => setName(e.target.value)}
            />
          </label>
          <button
            type="submit"
            className="button"
            disabled={!member || !name.trim() || name.trim() === group?.name}
          >
            {t('group.rename')}
          </button>
        </form>

        <form
          className="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            void act(() =>
              app.runtime.call('setChatDescription', { accountId, chatId, description }),
            );
          }}
        >
          <label className="field">
            <span>{t('group.description')}</span>
            <textarea
              value={description}
              rows={2}
              maxLength={2000}
              disabled={!member}
              onChange={(e) => setDescription(e.target.value)}
            />
          </label>
          <button
            type="submit"
            className="button"
            disabled={!member || description === (group?.description ?? '')}
          >
            {t('common.save')}
          </button>
        </form>
      </section>

      <section className="settings-section" aria-labelledby="group-actions">
        <h3 id="group-actions">{t('contact.chatSection')}</h3>
        <label className="check-field">
          <input
            type="checkbox"
            checked={chat.muted}
            onChange={(e) => void act(() => app.setMuted(accountId, chatId, e.target.checked))}
          />
          <span>{t('contact.mute')}</span>
        </label>
        <div className="button-row">
          {member && (
            <button
              type="button"
              className="button"
              onClick={() => app.openDialog({ kind: 'invite', chatId })}
            >
              <Icon name="qr" size={16} />
              {t('group.invite')}
            </button>
          )}
          {member &&
            (confirmLeave ? (
              <span className="confirm" role="group" aria-label={t('group.leaveConfirm')}>
                <span>{t('group.leaveConfirm')}</span>
                <button type="button" className="button" onClick={() => setConfirmLeave(false)}>
                  {t('common.cancel')}
                </button>
                <button
                  type="button"
                  className="button danger"
                  onClick={() =>
                    void act(() => app.runtime.call('leaveGroup', { accountId, chatId })).then(() =>
                      setConfirmLeave(false),
                    )
                  }
                >
                  {t('group.leave')}
                </button>
              </span>
            ) : (
              <button
                type="button"
                className="button danger-outline"
                onClick={() => setConfirmLeave(true)}
              >
                {t('group.leave')}
              </button>
            ))}
        </div>
      </section>
      {(error ?? loadError) && (
        <p className="error-text" role="alert">
          {error ?? loadError}
        </p>
      )}
    </Dialog>
  );
}
