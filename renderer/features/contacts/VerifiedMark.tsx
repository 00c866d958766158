/** The mark of a verified contact or chat: a seal with a check, named for screen readers. */
import { useTranslation } from 'react-i18next';
import { Icon } from '../../components/Icon.tsx';

export function VerifiedMark({ size = 14, label }: { size?: number; label?: string }) {
  const { t } = useTranslation();
  const text = label ?? t('encryption.verified');
  return (
    <span className="mark mark-verified" title={text} data-verified="true">
      <Icon name="verified" size={size} />
      <span className="sr-only">{text}</span>
    </span>
  );
}
