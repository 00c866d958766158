/** A chat started by someone unknown: accept it to reply, or block the sender. */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ChatSummary } from '../../../shared/types.ts';
import { useApp } from '../../state/context.tsx';
import { errorSentence } from '../../state/errors.ts';

export function ContactRequestBar({ accountId, chat }: { accountId: number; chat: ChatSummary }) {
  const { t } = useTranslation();
  const app = useApp();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async (action: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (e) {
      setError(errorSentence(e));
      setBusy(false);
    }
  };
  return (
    <section className="request-bar" aria-label={t('request.label')}>
      <p>
        {t('request.explain', {
          name: chat.addr && chat.addr !== chat.name ? `${chat.name} (${chat.addr})` : chat.name,
        })}
      </p>
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
      <div className="request-actions">
        <button
          type="button"
          className="button danger-outline"
          disabled={busy}
          onClick={() => void run(() => app.blockChat(accountId, chat.id))}
        >
          {t('request.block')}
        </button>
        <button
          type="button"
          className="button primary"
          disabled={busy}
          onClick={() =>
            void run(async () => {
              await app.acceptChat(accountId, chat.id);
              setBusy(false);
            })
          }
        >
          {t('request.accept')}
        </button>
      </div>
    </section>
  );
}
