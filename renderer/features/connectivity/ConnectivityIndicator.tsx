/** The account's mail connection: connected, connecting or offline with the core's reason. */
import { useTranslation } from 'react-i18next';
import type { Connectivity } from '../../../shared/types.ts';
import { useApp } from '../../state/context.tsx';
import { coreSentenceText } from '../errors/core-sentence.ts';

export function ConnectivityIndicator({ connectivity }: { connectivity: Connectivity }) {
  const { t, i18n } = useTranslation();
  const app = useApp();
  let label: string;
  switch (connectivity.status) {
    case 'connected':
      label = t('connectivity.connected');
      break;
    case 'connecting':
      label = t('connectivity.connecting');
      break;
    case 'offline':
      label = t('connectivity.offline');
      break;
    case 'not-started':
      label = t('connectivity.notStarted');
      break;
  }
  return (
    <div className={`connectivity connectivity-${connectivity.status}`}>
      <div className="connectivity-line" role="status" aria-live="polite">
        <span className="connectivity-dot" aria-hidden="true" />
        <span className="connectivity-label">{label}</span>
      </div>
      {connectivity.status === 'offline' && (
        <div className="connectivity-reason">
          {connectivity.reason && (
            <p>
              {coreSentenceText(t, connectivity.reasonInfo, connectivity.reason, i18n.language)}
            </p>
          )}
          <button type="button" className="link-button" onClick={() => void app.retryConnections()}>
            {t('connectivity.retryNow')}
          </button>
        </div>
      )}
    </div>
  );
}
