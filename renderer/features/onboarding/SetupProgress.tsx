/** What the core is doing while it sets an account up, step by step. */
import { useTranslation } from 'react-i18next';
import type { SetupProgress as Progress, SetupStep } from '../../state/app-state.ts';
import { Icon } from '../../components/Icon.tsx';

export function SetupProgress({ progress, manual }: { progress: Progress; manual: boolean }) {
  const { t } = useTranslation();
  const steps: { step: SetupStep; label: string }[] = [
    ...(manual
      ? []
      : [
          { step: 'autoconfig' as const, label: t('setup.autoconfig') },
          { step: 'guess' as const, label: t('setup.guess') },
        ]),
    { step: 'imap-login', label: t('setup.imapLogin') },
    { step: 'smtp-login', label: t('setup.smtpLogin') },
    { step: 'keys', label: t('setup.keys') },
  ];
  const order: SetupStep[] = ['autoconfig', 'guess', 'imap-login', 'smtp-login', 'keys', 'done'];
  const current = order.indexOf(progress.step);
  const done = steps.filter((s) => order.indexOf(s.step) < current).length;
  return (
    <div className="setup-progress" role="status" aria-live="polite">
      <progress
        max={steps.length}
        value={done}
        aria-label={t('setup.progress')}
        className="progress-bar"
      />
      <ol className="setup-steps">
        {steps.map((s) => {
          const index = order.indexOf(s.step);
          const state = index < current ? 'done' : index === current ? 'active' : 'todo';
          return (
            <li key={s.step} className={`setup-step ${state}`}>
              <span className="setup-step-icon" aria-hidden="true">
                {state === 'done' ? (
                  <Icon name="check" size={14} />
                ) : state === 'active' ? (
                  <span className="spinner spinner-small" />
                ) : null}
              </span>
              <span>{s.label}</span>
              {state === 'active' && progress.detail && (
                <span className="setup-detail">{progress.detail}</span>
              )}
            </li>
          );
        })}
      </ol>
    </div>
  );
}
