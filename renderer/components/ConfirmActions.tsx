/**
 * The foot of a "this is what will happen" step: the failure sentence if the last try failed,
 * then Back (to the previous step) and the one action the step asks to confirm.
 */
import { useTranslation } from 'react-i18next';

export function ConfirmActions({
  error,
  onBack,
  confirmLabel,
  onConfirm,
  disabled,
}: {
  error: string | null;
  onBack: () => void;
  confirmLabel: string;
  onConfirm: () => void;
  disabled: boolean;
}) {
  const { t } = useTranslation();
  return (
    <>
      {error && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
      <div className="dialog-actions">
        <button type="button" className="button" onClick={onBack}>
          {t('common.back')}
        </button>
        <button
          type="button"
          className="button primary"
          autoFocus
          disabled={disabled}
          onClick={onConfirm}
        >
          {confirmLabel}
        </button>
      </div>
    </>
  );
}
