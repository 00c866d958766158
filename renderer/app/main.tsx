/** Entry point: picks the runtime, starts the store and renders the app. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { I18nextProvider } from 'react-i18next';
import '../styles/theme.css';
import '../styles/app.css';
import { i18n } from '../i18n/i18n.ts';
import { selectRuntime } from '../runtime/select-runtime.ts';
import { AppActions } from '../state/actions.ts';
import { AppProvider } from '../state/context.tsx';
import { App } from './App.tsx';

const app = new AppActions(selectRuntime());
app.start();

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');
createRoot(root).render(
  <StrictMode>
    <I18nextProvider i18n={i18n}>
      <AppProvider app={app}>
        <App />
      </AppProvider>
    </I18nextProvider>
  </StrictMode>,
);
