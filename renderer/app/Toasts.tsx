/** Short notes about failures that have no better place (an error event from the core). */
import { useTranslation } from 'react-i18next';
import { Icon } from '../components/Icon.tsx';
import { useApp, useAppState } from '../state/context.tsx';

export function Toasts() {
  const { t } = useTranslation();
  const app = useApp();
  const toasts = useAppState((s) => s.toasts);
  return (
    <div className="toasts" role="status" aria-live="polite">
      {toasts.map((toast) => (
        <div key={toast.id} className="toast">
          <span>{toast.text}</span>
          <button
            type="button"
            className="icon-button"
            aria-label={t('common.dismiss')}
            title={t('common.dismiss')}
            onClick={() => app.dismissToast(toast.id)}
          >
            <Icon name="close" size={16} />
          </button>
        </div>
      ))}
    </div>
  );
}
