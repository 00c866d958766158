/**
 * How far the SecureJoin we started is, above the chat it leads to: a progress bar while it runs,
 * the core's sentence when it failed or is still waiting for an answer. The lines of the
 * handshake themselves arrive as messages in the chat.
 */
import { useTranslation } from 'react-i18next';
import { Icon } from '../../components/Icon.tsx';
import { useApp, useAppState } from '../../state/context.tsx';
import { systemLineText } from '../chat/system-line.ts';

export function JoinProgressBar({ accountId, chatId }: { accountId: number; chatId: number }) {
  const { t, i18n } = useTranslation();
  const app = useApp();
  const join = useAppState((s) => s.join);
  if (!join || join.accountId !== accountId || join.chatId !== chatId) return null;
  if (join.step === 'done') return null;
  const dismiss = () => app.store.update((s) => ({ ...s, join: null }));
  // The core's sentence in the UI's language (its English text for codes this UI does not know).
  const sentence = join.sentence && systemLineText(t, join.system, join.sentence, i18n.language);
  if (join.step === 'failed' || join.step === 'timeout') {
    return (
      <div
        className={`join-banner ${join.step === 'failed' ? 'is-failed' : 'is-waiting'}`}
        role="alert"
      >
        <Icon name="warning" size={16} />
        <span>{sentence || (join.step === 'failed' ? t('join.failed') : t('join.timeout'))}</span>
        <button type="button" className="link-button" onClick={dismiss}>
          {t('common.dismiss')}
        </button>
      </div>
    );
  }
  return (
    <div className="join-banner" role="status">
      <span className="join-banner-text">{sentence || t('join.running')}</span>
      <progress
        className="join-progress"
        max={1000}
        value={join.progress}
        aria-label={t('join.progress')}
      />
    </div>
  );
}
