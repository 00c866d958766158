/** The tick of an outgoing message: pending clock, sent ✓, delivered ✓✓, read ✓✓ coloured, failed ⚠. */
import { useTranslation } from 'react-i18next';
import type { MessageState } from '../../../shared/types.ts';
import { Icon } from '../../components/Icon.tsx';

export function MessageStateIcon({ state }: { state: MessageState }) {
  const { t } = useTranslation();
  let label: string;
  let icon: 'clock' | 'check' | 'checks' | 'warning';
  switch (state) {
    case 'pending':
      label = t('state.pending');
      icon = 'clock';
      break;
    case 'sent':
      label = t('state.sent');
      icon = 'check';
      break;
    case 'delivered':
      label = t('state.delivered');
      icon = 'checks';
      break;
    case 'read':
      label = t('state.read');
      icon = 'checks';
      break;
    case 'failed':
      label = t('state.failed');
      icon = 'warning';
      break;
    case 'received':
    case 'seen':
      return null;
  }
  return (
    <span className={`state-icon state-${state}`} title={label} data-state={state}>
      <Icon name={icon} size={15} />
      <span className="sr-only">{label}</span>
    </span>
  );
}
