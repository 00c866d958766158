/**
 * Electron's main process: the app's lifecycle and the desktop shell around the core. Thin by
 * rule: no mail, crypto or SQL here. The core runs in a utility process (core-process.ts) and the
 * page talks to it over a MessagePort; docs/hosts.md and docs/security.md explain the whole.
 */
import path from 'node:path';
import { Menu, app, dialog, session } from 'electron';
import type { BrowserWindow } from 'electron';
import { FileSecretStore } from '../core/store/secrets.ts';
import { APP_ENTRY_URL, registerAppScheme, serveRenderer } from './app-protocol.ts';
import { startCoreProcess } from './core-process.ts';
import type { CoreProcess } from './core-process.ts';
import { findDeepLink, isDeepLink } from './deep-links.ts';
import { createLinkOpener } from './external-links.ts';
import { channels } from './ipc-channels.ts';
import { buildAppMenu } from './menu.ts';
import { createNotifier } from './notifications.ts';
import { loadPreferences, savePreferences } from './preferences.ts';
import { registerRendererIpc } from './renderer-ipc.ts';
import { safeStorageCipher } from './safe-storage-cipher.ts';
import { EncryptedSecretStore } from './secret-file.ts';
import { guardWebContents, lockDownSession } from './session-policy.ts';
import { createTray } from './tray.ts';
import { createMainWindow } from './window.ts';

const here = import.meta.dirname; // out/main/electron
const dev = !app.isPackaged;
const rendererDir = path.join(here, '..', '..', 'renderer');
const resourcesDir = path.join(app.getAppPath(), 'resources');

registerAppScheme();

if (!app.requestSingleInstanceLock()) {
  // Another Estafette runs: it gets our arguments (a deep link) through 'second-instance'.
  app.quit();
} else {
  run();
}

function run(): void {
  let window: BrowserWindow | null = null;
  let core: CoreProcess | null = null;
  let pageReady = false;
  let quitting = false;
  let coreStopped = false;
  const pendingLinks: string[] = [];
  const userData = app.getPath('userData');
  const openLink = createLinkOpener(path.join(userData, 'link-hosts.json'), () => window);

  const showWindow = (): void => {
    if (window === null) return;
    if (window.isMinimized()) window.restore();
    window.show();
    window.focus();
  };
  const deliverDeepLink = (url: string): void => {
    if (!isDeepLink(url)) return;
    if (window !== null && pageReady) {
      window.webContents.send(channels.deepLink, url);
      showWindow();
    } else {
      pendingLinks.push(url);
    }
  };
  const fatal = (sentence: string): void => {
    dialog.showErrorBox('Estafette cannot continue', sentence);
    coreStopped = true;
    app.exit(1);
  };

  // macOS delivers links by event (possibly before 'ready'); Windows and Linux by argv.
  app.on('open-url', (event, url) => {
    event.preventDefault();
    deliverDeepLink(url);
  });
  app.on('second-instance', (_event, argv) => {
    const link = findDeepLink(argv);
    if (link !== null) deliverDeepLink(link);
    showWindow();
  });
  const initialLink = findDeepLink(process.argv);
  if (initialLink !== null) pendingLinks.push(initialLink);

  app.on('web-contents-created', (_event, contents) => guardWebContents(contents, openLink));
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', showWindow);
  app.on('before-quit', (event) => {
    quitting = true;
    if (coreStopped || core === null) return;
    // Let the core finish its transactions and close its connections first.
    event.preventDefault();
    void core.stop().finally(() => {
      coreStopped = true;
      app.quit();
    });
  });

  app
    .whenReady()
    .then(async () => {
      app.setAppUserModelId('org.estafette.desktop');
      lockDownSession(session.defaultSession);
      serveRenderer(rendererDir);

      const secrets = new EncryptedSecretStore({
        file: path.join(userData, 'secrets.json'),
        cipher: safeStorageCipher(),
        // What `npm run web` stored in owner-only files moves into the keychain when first read.
        legacy: new FileSecretStore(path.join(userData, 'secrets')),
        onPlainFallback: () =>
          console.warn('No OS keychain is available: secrets are kept in an owner-only file.'),
      });
      core = startCoreProcess({
        entry: path.join(here, 'core-entry.js'),
        dataDir: userData,
        secrets,
        onFatal: fatal,
      });

      const notifier = createNotifier(path.join(resourcesDir, 'icon.png'), (ref) => {
        showWindow();
        window?.webContents.send(channels.openChat, ref);
      });
      const tray = createTray(resourcesDir, { show: showWindow, quit: () => app.quit() });
      Menu.setApplicationMenu(buildAppMenu({ dev }));
      registerRendererIpc({
        isOurPage: (contents) => window !== null && contents === window.webContents,
        connectCore: (contents) => {
          core?.connect(contents);
          pageReady = true;
          for (const link of pendingLinks.splice(0)) deliverDeepLink(link);
        },
        openExternal: openLink,
        notify: (n) => notifier.show(n),
        setUnreadCount: (n) => tray.setUnreadCount(n),
      });

      const win = await createMainWindow({
        preload: path.join(here, 'preload.cjs'),
        stateFile: path.join(userData, 'window-state.json'),
        icon: path.join(resourcesDir, 'icon.png'),
        dev,
      });
      window = win;
      win.on('close', (event) => {
        // On macOS closing the window keeps the app (and its notifications) running.
        if (process.platform === 'darwin' && !quitting) {
          event.preventDefault();
          win.hide();
        }
      });
      win.on('closed', () => {
        window = null;
        pageReady = false;
      });
      win.webContents.on('did-start-navigation', (details) => {
        if (details.isMainFrame && !details.isSameDocument) pageReady = false;
      });
      await win.loadURL(APP_ENTRY_URL);
      if (app.isPackaged) await registerLinkHandlers(path.join(userData, 'preferences.json'), win);
    })
    .catch((e: unknown) => fatal(e instanceof Error ? e.message : String(e)));
}

/**
 * Make Estafette the handler of `openpgp4fpr:` links, and — once, only if the user agrees — of
 * `mailto:` links, which usually belong to their mail program.
 */
async function registerLinkHandlers(preferencesFile: string, parent: BrowserWindow): Promise<void> {
  app.setAsDefaultProtocolClient('openpgp4fpr');
  const prefs = await loadPreferences(preferencesFile);
  if (prefs.mailtoAsked || app.isDefaultProtocolClient('mailto')) return;
  const { response } = await dialog.showMessageBox(parent, {
    type: 'question',
    buttons: ['Use Estafette', 'Not now'],
    defaultId: 1,
    cancelId: 1,
    noLink: true,
    message: 'Open email links (mailto:) with Estafette?',
    detail: 'Your system settings can change this again at any time.',
  });
  await savePreferences(preferencesFile, { ...prefs, mailtoAsked: true });
  if (response === 0) app.setAsDefaultProtocolClient('mailto');
}
