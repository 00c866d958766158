/** Says so when the page lost its link to the core (the web host's WebSocket dropped). */
import { useTranslation } from 'react-i18next';
import { useAppState } from '../../state/context.tsx';

export function LinkBanner() {
  const { t } = useTranslation();
  const link = useAppState((s) => s.link);
  const ready = useAppState((s) => s.ready);
  if (link === 'open' || (!ready && link === 'connecting')) return null;
  return (
    <div className="link-banner" role="status">
      <span className="spinner spinner-small" aria-hidden="true" />
      {link === 'closed' ? t('link.lost') : t('link.reconnecting')}
    </div>
  );
}
