/** React access to the app's actions, its store and the runtime. */
import { createContext, useContext } from 'react';
import type { ReactNode } from 'react';
import type { Runtime } from '../runtime/runtime.ts';
import type { AppActions } from './actions.ts';
import type { AppState } from './app-state.ts';
import { useStoreSelector } from './store.ts';

const AppContext = createContext<AppActions | null>(null);

export function AppProvider({ app, children }: { app: AppActions; children: ReactNode }) {
  return <AppContext.Provider value={app}>{children}</AppContext.Provider>;
}

export function useApp(): AppActions {
  const app = useContext(AppContext);
  if (!app) throw new Error('useApp outside <AppProvider>');
  return app;
}

export function useRuntime(): Runtime {
  return useApp().runtime;
}

export function useAppState<T>(select: (state: AppState) => T): T {
  return useStoreSelector(useApp().store, select);
}
