/** Host, port, security and user of one server (IMAP or SMTP) in the advanced form. */
import { useTranslation } from 'react-i18next';
import type { ServerEndpoint } from '../../../shared/types.ts';

export interface EndpointDraft {
  host: string;
  port: string;
  security: ServerEndpoint['security'];
  user: string;
}

export const defaultPorts: Record<'imap' | 'smtp', Record<ServerEndpoint['security'], number>> = {
  imap: { tls: 993, starttls: 143, plain: 143 },
  smtp: { tls: 465, starttls: 587, plain: 25 },
};

export function ServerFields({
  kind,
  value,
  onChange,
}: {
  kind: 'imap' | 'smtp';
  value: EndpointDraft;
  onChange: (value: EndpointDraft) => void;
}) {
  const { t } = useTranslation();
  const legend = kind === 'imap' ? t('onboarding.imapLegend') : t('onboarding.smtpLegend');
  const set = (change: Partial<EndpointDraft>) => onChange({ ...value, ...change });
  return (
    <fieldset className="server-fields">
      <legend>{legend}</legend>
      <label className="field host">
        <span>{t('onboarding.host')}</span>
        <input
          type="text"
          name={`${kind}-host`}
          value={value.host}
          autoComplete="off"
          spellCheck={false}
          placeholder={kind === 'imap' ? 'imap.example.org' : 'smtp.example.org'}
          onChange={(e) => set({ host: e.target.value })}
        />
      </label>
      <label className="field port">
        <span>{t('onboarding.port')}</span>
        <input
          type="text"
          inputMode="numeric"
          name={`${kind}-port`}
          value={value.port}
          placeholder={String(defaultPorts[kind][value.security])}
          onChange={(e) => set({ port: e.target.value.replace(/\D/g, '') })}
        />
      </label>
      <label className="field security">
        <span>{t('onboarding.security')}</span>
        <select
          name={`${kind}-security`}
          value={value.security}
          onChange={(e) => set({ security: e.target.value as ServerEndpoint['security'] })}
        >
          <option value="tls">{t('security.tls')}</option>
          <option value="starttls">{t('security.starttls')}</option>
          <option value="plain">{t('security.plain')}</option>
        </select>
      </label>
      <label className="field user">
        <span>{t('onboarding.user')}</span>
        <input
          type="text"
          name={`${kind}-user`}
          value={value.user}
          autoComplete="off"
          spellCheck={false}
          placeholder={t('onboarding.userPlaceholder')}
          onChange={(e) => set({ user: e.target.value })}
        />
      </label>
    </fieldset>
  );
}
