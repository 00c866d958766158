/** The top of the UI: applies theme and language, then shows onboarding or the messenger. */
import { useEffect } from 'react';
import { useTranslation } from 'react-i18next';
import { setLanguage } from '../i18n/i18n.ts';
import { useAppState } from '../state/context.tsx';
import { OnboardingScreen } from '../features/onboarding/OnboardingScreen.tsx';
import { MainScreen } from './MainScreen.tsx';
import { Toasts } from './Toasts.tsx';
import { LinkBanner } from '../features/connectivity/LinkBanner.tsx';

export function App() {
  const { t } = useTranslation();
  const preferences = useAppState((s) => s.preferences);
  const ready = useAppState((s) => s.ready);
  const loadError = useAppState((s) => s.loadError);
  const hasAccounts = useAppState((s) => s.accounts.length > 0);
  const addingAccount = useAppState((s) => s.addingAccount);

  useEffect(() => {
    document.documentElement.dataset.theme = preferences.theme;
  }, [preferences.theme]);
  useEffect(() => {
    setLanguage(preferences.language);
  }, [preferences.language]);

  let screen;
  if (!ready) {
    screen = (
      <main className="splash" aria-busy="true">
        <div className="spinner" role="status" aria-label={t('app.loading')} />
      </main>
    );
  } else if (loadError && !hasAccounts) {
    screen = (
      <main className="splash">
        <p role="alert" className="error-text">
          {loadError}
        </p>
      </main>
    );
  } else if (!hasAccounts || addingAccount) {
    screen = <OnboardingScreen canCancel={hasAccounts} />;
  } else {
    screen = <MainScreen />;
  }
  return (
    <>
      <LinkBanner />
      {screen}
      <Toasts />
    </>
  );
}
