/**
 * The rules every page of the app lives under: no network, a CSP on every response, no
 * permissions (but writing the clipboard from our own page), no navigation away, no new
 * windows, no webviews. Links leave only through `openExternal` (external-links.ts).
 */
import type { Session, WebContents } from 'electron';
import { contentSecurityPolicy } from '../web/content-security-policy.ts';
import { APP_ORIGIN, isAppUrl } from './app-protocol.ts';

/** Lock down a session: permissions, network and response headers. */
export function lockDownSession(session: Session): void {
  // Copy (navigator.clipboard.writeText) is the one thing the page may do; reading is denied.
  const allowed = (permission: string, origin: string) =>
    permission === 'clipboard-sanitized-write' && (origin === APP_ORIGIN || isAppUrl(origin));
  session.setPermissionRequestHandler((_contents, permission, callback, details) => {
    callback(allowed(permission, details.requestingUrl));
  });
  session.setPermissionCheckHandler((_contents, permission, requestingOrigin) =>
    allowed(permission, requestingOrigin),
  );
  session.setDevicePermissionHandler(() => false);
  session.setDisplayMediaRequestHandler((_request, callback) => callback({}));

  // The page never talks to the network: mail goes through the core, links through the OS.
  session.webRequest.onBeforeRequest(
    { urls: ['http://*/*', 'https://*/*', 'ws://*/*', 'wss://*/*', 'ftp://*/*'] },
    (_details, callback) => callback({ cancel: true }),
  );
  const csp = contentSecurityPolicy();
  session.webRequest.onHeadersReceived((details, callback) => {
    if (details.url.startsWith('devtools://')) return callback({});
    callback({
      responseHeaders: {
        ...details.responseHeaders,
        'Content-Security-Policy': [csp],
        'X-Content-Type-Options': ['nosniff'],
      },
    });
  });
}

/** Keep one page where it is: navigation and new windows become "open in the browser?". */
export function guardWebContents(
  contents: WebContents,
  openExternal: (url: string) => Promise<void>,
): void {
  contents.on('will-navigate', (event, url) => {
    if (isAppUrl(url)) return;
    event.preventDefault();
    void openExternal(url);
  });
  contents.on('will-frame-navigate', (event) => {
    if (!event.isMainFrame && !isAppUrl(event.url)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAppUrl(url)) event.preventDefault();
  });
  contents.setWindowOpenHandler(({ url }) => {
    void openExternal(url);
    return { action: 'deny' };
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
}
