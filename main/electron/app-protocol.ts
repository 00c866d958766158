/**
 * The page's own origin, `estafette://app/`: the built renderer served from inside the app with
 * the same CSP and path checks as the web host. A custom standard scheme instead of file:// keeps
 * the page from reading any other file and gives it a real origin to check IPC senders against.
 */
import { readFile } from 'node:fs/promises';
import { protocol } from 'electron';
import { contentSecurityPolicy } from '../web/content-security-policy.ts';
import { contentTypeFor } from '../web/content-types.ts';
import { resolveRendererFile } from '../web/renderer-files.ts';

export const APP_SCHEME = 'estafette';
export const APP_ORIGIN = `${APP_SCHEME}://app`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/** Whether a URL belongs to the app's own page. */
export function isAppUrl(url: string): boolean {
  return url.startsWith(`${APP_ORIGIN}/`);
}

/** Declare the scheme; must run before the app is ready. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    {
      scheme: APP_SCHEME,
      privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true },
    },
  ]);
}

/** Serve the built renderer at `estafette://app/`. */
export function serveRenderer(rendererDir: string): void {
  const csp = contentSecurityPolicy();
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url);
    if (url.host !== 'app' || (request.method !== 'GET' && request.method !== 'HEAD')) {
      return new Response('Not found.', { status: 404 });
    }
    const file = await resolveRendererFile(rendererDir, url.pathname);
    if (file === null) return new Response('Not found.', { status: 404 });
    const type = contentTypeFor(file.path);
    return new Response(request.method === 'HEAD' ? null : await readFile(file.path), {
      status: 200,
      headers: {
        'Content-Type': type,
        'Content-Security-Policy': csp,
        'X-Content-Type-Options': 'nosniff',
        'Referrer-Policy': 'no-referrer',
        'Cache-Control': type.startsWith('text/html') ? 'no-store' : 'no-cache',
      },
    });
  });
}
