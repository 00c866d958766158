/**
 * Turning an email account into a chat identity: address and password (the core discovers the
 * servers), or the advanced form with explicit servers. Progress is shown as the core reports
 * it, and a failure shows the core's own sentence.
 */
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ServerEndpoint } from '../../../shared/types.ts';
import { Icon } from '../../components/Icon.tsx';
import { useApp, useAppState } from '../../state/context.tsx';
import { errorSentence } from '../../state/errors.ts';
import { ServerFields, defaultPorts } from './ServerFields.tsx';
import type { EndpointDraft } from './ServerFields.tsx';
import { SetupProgress } from './SetupProgress.tsx';

const ADDRESS = /^[^\s@<>",;]+@[^\s@<>",;]+$/;
const emptyEndpoint = (security: ServerEndpoint['security']): EndpointDraft => ({
  host: '',
  port: '',
  security,
  user: '',
});

function toEndpoint(kind: 'imap' | 'smtp', draft: EndpointDraft, addr: string): ServerEndpoint {
  const port = draft.port ? Number(draft.port) : defaultPorts[kind][draft.security];
  return {
    host: draft.host.trim(),
    port,
    security: draft.security,
    user: draft.user.trim() || addr,
  };
}

export function OnboardingScreen({ canCancel }: { canCancel: boolean }) {
  const { t } = useTranslation();
  const app = useApp();
  const setup = useAppState((s) => s.setup);
  const [addr, setAddr] = useState('');
  const [password, setPassword] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [advanced, setAdvanced] = useState(false);
  const [imap, setImap] = useState<EndpointDraft>(emptyEndpoint('tls'));
  const [smtp, setSmtp] = useState<EndpointDraft>(emptyEndpoint('tls'));
  const [smtpPassword, setSmtpPassword] = useState('');
  const [acceptInvalid, setAcceptInvalid] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const manual = advanced && (imap.host.trim() !== '' || smtp.host.trim() !== '');

  const submit = async () => {
    const address = addr.trim();
    if (!ADDRESS.test(address)) return setError(t('onboarding.invalidAddress'));
    if (!password) return setError(t('onboarding.passwordMissing'));
    if (manual && (!imap.host.trim() || !smtp.host.trim()))
      return setError(t('onboarding.hostsMissing'));
    setBusy(true);
    setError(null);
    const name = displayName.trim();
    try {
      if (manual) {
        await app.addAccount({
          kind: 'manual',
          params: {
            addr: address,
            password,
            ...(smtpPassword ? { smtpPassword } : {}),
            ...(name ? { displayName: name } : {}),
            settings: {
              imap: toEndpoint('imap', imap, address),
              smtp: toEndpoint('smtp', smtp, address),
              acceptInvalidCertificates: acceptInvalid,
            },
          },
        });
      } else {
        await app.addAccount({
          kind: 'auto',
          params: { addr: address, password, ...(name ? { displayName: name } : {}) },
        });
      }
    } catch (e) {
      setError(errorSentence(e));
      setBusy(false);
    }
  };

  return (
    <main className="onboarding">
      <div className="onboarding-card">
        <div className="brand" aria-hidden="true">
          <Icon name="lock" size={28} />
        </div>
        <h1>{canCancel ? t('onboarding.addTitle') : t('onboarding.title')}</h1>
        <p className="onboarding-intro">{t('onboarding.intro')}</p>
        <form
          className="form"
          noValidate
          aria-busy={busy}
          onSubmit={(e) => {
            e.preventDefault();
            void submit();
          }}
        >
          <fieldset className="plain-fieldset" disabled={busy}>
            <label className="field">
              <span>{t('onboarding.address')}</span>
              <input
                type="email"
                name="addr"
                value={addr}
                autoFocus
                autoComplete="email"
                placeholder={t('onboarding.addressPlaceholder')}
                onChange={(e) => setAddr(e.target.value)}
              />
            </label>
            <label className="field">
              <span>{t('onboarding.password')}</span>
              <input
                type="password"
                name="password"
                value={password}
                autoComplete="current-password"
                onChange={(e) => setPassword(e.target.value)}
              />
            </label>
            <label className="field">
              <span>{t('onboarding.displayName')}</span>
              <input
                type="text"
                name="displayName"
                value={displayName}
                autoComplete="name"
                onChange={(e) => setDisplayName(e.target.value)}
              />
            </label>
            <button
              type="button"
              className="disclosure"
              aria-expanded={advanced}
              aria-controls="advanced-settings"
              onClick={() => setAdvanced(!advanced)}
            >
              <span className="disclosure-arrow" aria-hidden="true">
                {advanced ? '▾' : '▸'}
              </span>
              {t('onboarding.advanced')}
            </button>
            {advanced && (
              <div id="advanced-settings" className="advanced">
                <p className="hint">{t('onboarding.advancedHint')}</p>
                <ServerFields kind="imap" value={imap} onChange={setImap} />
                <ServerFields kind="smtp" value={smtp} onChange={setSmtp} />
                <label className="field">
                  <span>{t('onboarding.smtpPassword')}</span>
                  <input
                    type="password"
                    name="smtp-password"
                    value={smtpPassword}
                    autoComplete="off"
                    placeholder={t('onboarding.smtpPasswordPlaceholder')}
                    onChange={(e) => setSmtpPassword(e.target.value)}
                  />
                </label>
                <label className="check-field">
                  <input
                    type="checkbox"
                    name="accept-invalid-certificates"
                    checked={acceptInvalid}
                    onChange={(e) => setAcceptInvalid(e.target.checked)}
                  />
                  <span>{t('onboarding.acceptInvalid')}</span>
                </label>
                {acceptInvalid && (
                  <p className="warning-text" role="note">
                    <Icon name="warning" size={16} />
                    {t('onboarding.acceptInvalidWarning')}
                  </p>
                )}
              </div>
            )}
          </fieldset>
          {setup && busy && <SetupProgress progress={setup} manual={manual} />}
          {error && (
            <p className="error-text form-error" role="alert">
              {error}
            </p>
          )}
          <div className="form-actions">
            {canCancel && (
              <button
                type="button"
                className="button"
                disabled={busy}
                onClick={() => app.startAddingAccount(false)}
              >
                {t('common.cancel')}
              </button>
            )}
            <button type="submit" className="button primary" disabled={busy}>
              {busy ? t('onboarding.working') : t('onboarding.submit')}
            </button>
          </div>
        </form>
      </div>
    </main>
  );
}
