/** The app's one window: locked-down web preferences and bounds remembered between runs. */
import { BrowserWindow, screen } from 'electron';
import { fitToDisplays, loadWindowState, saveWindowState } from './window-state.ts';

export interface MainWindowOptions {
  /** The bundled preload (preload.cjs). */
  preload: string;
  /** Where the bounds are remembered. */
  stateFile: string;
  icon: string;
  /** DevTools only while developing. */
  dev: boolean;
}

const MAX_CRASH_RELOADS = 3;

/** Create the main window (not yet loaded, shown once its page has painted). */
export async function createMainWindow(opts: MainWindowOptions): Promise<BrowserWindow> {
  const workAreas = screen.getAllDisplays().map((d) => d.workArea);
  const state = fitToDisplays(await loadWindowState(opts.stateFile), workAreas);
  const win = new BrowserWindow({
    x: state.x,
    y: state.y,
    width: state.width,
    height: state.height,
    minWidth: 360,
    minHeight: 480,
    show: false,
    title: 'Estafette',
    icon: opts.icon,
    webPreferences: {
      preload: opts.preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: true,
      devTools: opts.dev,
      // A middle click must not open a link in a new window (new windows are denied anyway).
      disableBlinkFeatures: 'Auxclick',
    },
  });
  if (state.maximized) win.maximize();
  win.once('ready-to-show', () => win.show());

  let timer: NodeJS.Timeout | undefined;
  const remember = (): void => {
    clearTimeout(timer);
    if (win.isDestroyed()) return;
    const b = win.getNormalBounds();
    saveWindowState(opts.stateFile, { ...b, maximized: win.isMaximized() }).catch(() => undefined);
  };
  const later = (): void => {
    clearTimeout(timer);
    timer = setTimeout(remember, 500);
  };
  for (const e of ['resize', 'move', 'maximize', 'unmaximize'] as const)
    win.on(e as 'resize', later);
  win.on('close', remember);

  let crashes = 0;
  win.webContents.on('render-process-gone', (_event, details) => {
    if (details.reason === 'clean-exit' || crashes >= MAX_CRASH_RELOADS) return;
    crashes += 1;
    win.webContents.reload();
  });
  return win;
}
