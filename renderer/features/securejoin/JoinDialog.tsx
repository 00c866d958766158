/**
 * Accepting an invite: paste a link, or paste, drop or pick a picture of a QR code (read here).
 * The core says what accepting would do ("Verify Alice and start a chat?"); only after the
 * person confirms does SecureJoin start.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ClipboardEvent, DragEvent } from 'react';
import { useTranslation } from 'react-i18next';
import type { Account, InviteCheck } from '../../../shared/types.ts';
import { ConfirmActions } from '../../components/ConfirmActions.tsx';
import { Dialog } from '../../components/Dialog.tsx';
import { Icon } from '../../components/Icon.tsx';
import { useApp } from '../../state/context.tsx';
import { errorSentence } from '../../state/errors.ts';
import { Fingerprint } from '../contacts/Fingerprint.tsx';
import { firstImage, readQrCode } from './qr-image.ts';

export function JoinDialog({
  account,
  initialInvite,
}: {
  account: Account;
  initialInvite?: string;
}) {
  const { t } = useTranslation();
  const app = useApp();
  const [text, setText] = useState(initialInvite ?? '');
  const [check, setCheck] = useState<{ invite: string; result: InviteCheck } | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [dragging, setDragging] = useState(false);
  const fileRef = useRef<HTMLInputElement>(null);
  const close = () => app.openDialog(null);

  const runCheck = useCallback(
    async (invite: string) => {
      const value = invite.trim();
      if (!value) {
        setError(t('join.empty'));
        return;
      }
      setBusy(true);
      setError(null);
      try {
        const result = await app.runtime.call('checkInvite', {
          accountId: account.id,
          invite: value,
        });
        setCheck({ invite: value, result });
      } catch (e) {
        setError(errorSentence(e));
      } finally {
        setBusy(false);
      }
    },
    [app, account.id, t],
  );

  // A deep link arrives with its invite: go straight to the question.
  useEffect(() => {
    if (initialInvite) void runCheck(initialInvite);
  }, [initialInvite, runCheck]);

  const fromImage = async (image: File) => {
    setError(null);
    try {
      const found = await readQrCode(image);
      if (!found) {
        setError(t('join.noQrCode'));
        return;
      }
      setText(found);
      await runCheck(found);
    } catch {
      setError(t('join.imageUnreadable'));
    }
  };

  const onPaste = (e: ClipboardEvent) => {
    const image = firstImage(e.clipboardData.files);
    if (!image) return;
    e.preventDefault();
    void fromImage(image);
  };

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setDragging(false);
    const image = firstImage(e.dataTransfer.files);
    if (image) void fromImage(image);
    else {
      const dropped = e.dataTransfer.getData('text/plain');
      if (dropped) {
        setText(dropped);
        void runCheck(dropped);
      }
    }
  };

  const join = async () => {
    if (!check) return;
    setBusy(true);
    setError(null);
    try {
      await app.secureJoin(account.id, check.invite);
    } catch (e) {
      setError(errorSentence(e));
      setBusy(false);
    }
  };

  if (check) {
    const { result } = check;
    const who = result.name ? `${result.name} <${result.addr}>` : result.addr;
    // The core's question, in the person's language (the English text is the core's own).
    const name = result.name || result.addr;
    const group = result.groupName ?? '';
    let question: string;
    if (result.own) question = t('join.own');
    else if (result.kind === 'group') {
      question = result.alreadyMember
        ? t('join.questionMember', { group })
        : t('join.questionGroup', { group, name });
    } else {
      question = result.alreadyVerified
        ? t('join.questionVerified', { name })
        : t('join.questionContact', { name });
    }
    return (
      <Dialog title={t('join.confirmTitle')} onClose={close} className="join-dialog">
        <p className="join-question">
          {result.own && <Icon name="warning" size={18} />}
          {question}
        </p>
        <dl className="join-facts">
          <dt>{result.kind === 'group' ? t('join.invitedBy') : t('join.contact')}</dt>
          <dd>{who}</dd>
          {result.groupName !== null && (
            <>
              <dt>{t('join.group')}</dt>
              <dd>{result.groupName}</dd>
            </>
          )}
        </dl>
        <h3 className="join-fingerprint-title">{t('join.fingerprint')}</h3>
        <Fingerprint value={result.fingerprint} label={t('join.fingerprint')} />
        {!result.own && (
          <p className="hint">
            {result.alreadyVerified ? t('join.alreadyVerified') : t('join.explain')}
          </p>
        )}
        <ConfirmActions
          error={error}
          onBack={() => {
            setCheck(null);
            setError(null);
          }}
          confirmLabel={result.kind === 'group' ? t('join.confirmGroup') : t('join.confirmContact')}
          onConfirm={() => void join()}
          disabled={busy || result.own}
        />
      </Dialog>
    );
  }

  return (
    <Dialog title={t('join.title')} onClose={close} className="join-dialog">
      <form
        className="form"
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          void runCheck(text);
        }}
      >
        <p className="form-intro">{t('join.intro')}</p>
        <label className="field">
          <span>{t('join.link')}</span>
          <input
            type="text"
            value={text}
            autoFocus
            spellCheck={false}
            autoComplete="off"
            placeholder="https://i.delta.chat/#…"
            aria-invalid={error ? true : undefined}
            onChange={(e) => setText(e.target.value)}
            onPaste={onPaste}
          />
        </label>
        <div
          className={`qr-drop ${dragging ? 'dragging' : ''}`}
          onDragOver={(e) => {
            e.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={onDrop}
        >
          <Icon name="qr" size={28} />
          <span>{t('join.dropHint')}</span>
          <button type="button" className="button" onClick={() => fileRef.current?.click()}>
            {t('join.pickImage')}
          </button>
          <input
            ref={fileRef}
            type="file"
            accept="image/*"
            hidden
            onChange={(e) => {
              const image = firstImage(e.target.files);
              e.target.value = '';
              if (image) void fromImage(image);
            }}
          />
        </div>
        {error && (
          <p className="error-text" role="alert">
            {error}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" className="button" onClick={close}>
            {t('common.cancel')}
          </button>
          <button type="submit" className="button primary" disabled={busy || !text.trim()}>
            {t('join.continue')}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
