/**
 * The Content-Security-Policy of the renderer page, one definition for both hosts: the web host
 * sends it as an HTTP header, Electron's app protocol and session send the same text.
 */

/** The renderer page's CSP; `connectSrc` adds sources beyond 'self' (the web host's WebSocket). */
export function contentSecurityPolicy(connectSrc: readonly string[] = []): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src ${["'self'", ...connectSrc].join(' ')}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
