/** How one message travelled: encrypted, encrypted from an unverified sender, or in clear. */
import { useTranslation } from 'react-i18next';
import type { Encryption } from '../../../shared/types.ts';
import { Icon } from '../../components/Icon.tsx';

export function EncryptionMark({ encryption }: { encryption: Encryption }) {
  const { t } = useTranslation();
  let label: string;
  switch (encryption) {
    case 'encrypted':
      label = t('encryption.messageEncrypted');
      break;
    case 'encrypted-unverified-sender':
      label = t('encryption.messageUnverifiedSender');
      break;
    case 'none':
      label = t('encryption.messageNotEncrypted');
      break;
  }
  return (
    <span className={`mark enc-${encryption}`} title={label} data-encryption={encryption}>
      <Icon name={encryption === 'none' ? 'lockOff' : 'lock'} size={13} />
      <span className="sr-only">{label}</span>
    </span>
  );
}
