/** Picks the runtime at startup: the Electron preload's bridge when present, else the web host. */
import { BrowserRuntime } from './browser.ts';
import { ElectronRuntime } from './electron.ts';
import type { Runtime } from './runtime.ts';

export function selectRuntime(): Runtime {
  return window.estafette ? new ElectronRuntime(window.estafette) : new BrowserRuntime();
}
