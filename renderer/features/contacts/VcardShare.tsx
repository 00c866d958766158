/**
 * Sharing a contact (or yourself) as a vCard: the core writes the card with the key, as Delta
 * Chat does; here it is saved as a .vcf file or copied as text.
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Account } from '../../../shared/types.ts';
import { Icon } from '../../components/Icon.tsx';
import { useApp } from '../../state/context.tsx';
import { errorSentence } from '../../state/errors.ts';
import { saveTextFile, vcardFileName } from './vcard-file.ts';

export function VcardShare({
  account,
  contactId,
  name,
  hint,
}: {
  account: Account;
  /** The contact to share; yourself when absent. */
  contactId?: number;
  /** Names the file. */
  name: string;
  hint: string;
}) {
  const { t } = useTranslation();
  const app = useApp();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const withCard = async (use: (vcard: string) => Promise<void> | void) => {
    setBusy(true);
    setError(null);
    try {
      const { vcard } = await app.runtime.call(
        'exportVcard',
        contactId === undefined
          ? { accountId: account.id, self: true }
          : { accountId: account.id, contactIds: [contactId] },
      );
      await use(vcard);
    } catch (e) {
      setError(errorSentence(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="vcard-share">
      <p className="hint">{hint}</p>
      <div className="button-row">
        <button
          type="button"
          className="button"
          disabled={busy}
          onClick={() => void withCard((vcard) => saveTextFile(vcardFileName(name), vcard))}
        >
          <Icon name="download" size={16} />
          {t('vcard.save')}
        </button>
        <button
          type="button"
          className="button"
          disabled={busy}
          onClick={() =>
            void withCard(async (vcard) => {
              await app.runtime.copyText(vcard);
              app.toast(t('vcard.copied'));
            })
          }
        >
          <Icon name="copy" size={16} />
          {t('vcard.copy')}
        </button>
      </div>
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}
