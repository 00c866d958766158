/**
 * Our invite: a QR code and a link that let someone verify us and start a chat (or, for a group,
 * join it). Every opening makes a fresh invite; it can be withdrawn here.
 */
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Account, Invite } from '../../../shared/types.ts';
import { Dialog } from '../../components/Dialog.tsx';
import { Icon } from '../../components/Icon.tsx';
import { formatDateTime } from '../../i18n/format.ts';
import { useApp } from '../../state/context.tsx';
import { errorSentence } from '../../state/errors.ts';
import { VcardShare } from '../contacts/VcardShare.tsx';

/** The core's SVG as an image source: the markup never enters the DOM. */
export function svgDataUrl(svg: string): string {
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
}

export function InviteDialog({
  account,
  chatId,
  groupName,
}: {
  account: Account;
  chatId?: number;
  groupName?: string;
}) {
  const { t } = useTranslation();
  const app = useApp();
  const [invite, setInvite] = useState<Invite | null>(null);
  const [revoked, setRevoked] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [generation, setGeneration] = useState(0);
  const close = () => app.openDialog(null);
  const name = account.displayName || account.addr;

  useEffect(() => {
    let current = true;
    app.runtime.call('getInvite', { accountId: account.id, ...(chatId ? { chatId } : {}) }).then(
      (result) => {
        if (!current) return;
        setInvite(result);
        setRevoked(false);
      },
      (e: unknown) => current && setError(errorSentence(e)),
    );
    return () => {
      current = false;
    };
  }, [app, account.id, chatId, generation]);

  const copy = () => {
    if (!invite) return;
    void app.runtime.copyText(invite.link).then(
      () => app.toast(t('invite.copied')),
      (e: unknown) => setError(errorSentence(e)),
    );
  };

  const revoke = async () => {
    if (!invite) return;
    setError(null);
    try {
      await app.runtime.call('revokeInvite', { accountId: account.id, inviteId: invite.id });
      setRevoked(true);
    } catch (e) {
      setError(errorSentence(e));
    }
  };

  const title = chatId ? t('invite.groupTitle') : t('invite.title');
  return (
    <Dialog title={title} onClose={close} className="invite-dialog" wide>
      <p className="form-intro">
        {chatId ? t('invite.groupIntro', { group: groupName ?? '' }) : t('invite.intro')}
      </p>
      <div className="invite-layout">
        <div className="invite-qr" aria-busy={invite ? undefined : true}>
          {invite && !revoked ? (
            <img
              src={svgDataUrl(invite.qrSvg)}
              alt={
                chatId
                  ? t('invite.groupQrAlt', { group: groupName ?? '' })
                  : t('invite.qrAlt', { name })
              }
              width="240"
              height="240"
            />
          ) : (
            <span className="invite-qr-empty">
              {revoked ? t('invite.revokedShort') : t('invite.loading')}
            </span>
          )}
        </div>
        <div className="invite-side">
          {invite && !revoked && (
            <>
              <div className="invite-link-row">
                <label className="field invite-link-field">
                  <span>{t('invite.link')}</span>
                  <input
                    type="text"
                    readOnly
                    value={invite.link}
                    spellCheck={false}
                    onFocus={(e) => e.currentTarget.select()}
                  />
                </label>
                <button type="button" className="button primary" onClick={copy}>
                  <Icon name="copy" size={16} />
                  {t('invite.copy')}
                </button>
              </div>
              <p className="invite-note">
                <Icon name="verified" size={16} />
                <span>{chatId ? t('invite.groupNote') : t('invite.note', { name })}</span>
              </p>
              <p className="hint">
                {t('invite.expires', {
                  date: formatDateTime(invite.expiresAt),
                  until: formatDateTime(invite.usableUntil),
                })}
              </p>
            </>
          )}
          {revoked && (
            <p className="hint" role="status">
              {t('invite.revoked')}
            </p>
          )}
        </div>
      </div>
      {!chatId && (
        <section className="invite-vcard" aria-labelledby="invite-vcard-title">
          <h3 id="invite-vcard-title">{t('vcard.shareSelfTitle')}</h3>
          <VcardShare account={account} name={name} hint={t('vcard.shareSelfHint')} />
        </section>
      )}
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
      <div className="dialog-actions">
        {revoked ? (
          <button type="button" className="button" onClick={() => setGeneration((g) => g + 1)}>
            {t('invite.newInvite')}
          </button>
        ) : (
          <button
            type="button"
            className="button danger-outline"
            disabled={!invite}
            onClick={() => void revoke()}
          >
            {t('invite.revoke')}
          </button>
        )}
        {!chatId && (
          <button type="button" className="button" onClick={() => app.openDialog({ kind: 'join' })}>
            {t('invite.haveOne')}
          </button>
        )}
      </div>
    </Dialog>
  );
}
