/**
 * The web host: serves the built renderer and the core's JSON-RPC API (WebSocket at `/rpc`) on
 * loopback, protected by a token that is new at every start. See docs/hosts.md and
 * docs/security.md.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { STATUS_CODES, createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isIP } from 'node:net';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createCore } from '../core/core.ts';
import type { Core, CoreOptions } from '../core/core.ts';
import { contentSecurityPolicy } from './content-security-policy.ts';
import { contentTypeFor } from './content-types.ts';
import { resolveRendererFile } from './renderer-files.ts';
import { TOKEN_COOKIE, checkRequest, hostsFor, isLoopback, isWildcard } from './request-guard.ts';
import type { AccessPolicy } from './request-guard.ts';
import { createRpcSockets } from './rpc-socket.ts';

export interface WebHostOptions {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /** Address to listen on; '127.0.0.1' by default. Others need `allowRemote`. */
  bind?: string;
  /** Allow a non-loopback `bind` (anyone who can reach it and has the token is the user). */
  allowRemote?: boolean;
  dataDir: string;
  coreOptions?: Partial<CoreOptions>;
  /** The built renderer; `out/renderer` of this checkout by default. */
  rendererDir?: string;
  /** An existing core to serve (tests); it stays open when the host closes. */
  core?: Core;
}

export interface WebHost {
  /** Where to point a browser: `http://127.0.0.1:PORT/?token=T`. */
  url: string;
  port: number;
  token: string;
  core: Core;
  close(): Promise<void>;
}

const NOT_BUILT = 'The renderer is not built yet: run `npm run build:renderer`, then reload.';
const BASE = 'http://estafette.invalid';

/** Start the web host; resolves once it listens. */
export async function startWebHost(opts: WebHostOptions): Promise<WebHost> {
  const bind = opts.bind ?? '127.0.0.1';
  if (!isLoopback(bind) && opts.allowRemote !== true) {
    throw new Error(
      `Refusing to listen on ${bind}: only loopback addresses unless remote access is allowed.`,
    );
  }
  const rendererDir = path.resolve(opts.rendererDir ?? defaultRendererDir());
  const token = randomBytes(32).toString('base64url');

  const ownsCore = opts.core === undefined;
  let core: Core;
  if (opts.core !== undefined) {
    core = opts.core;
  } else {
    await mkdir(opts.dataDir, { recursive: true, mode: 0o700 });
    core = await createCore({ ...opts.coreOptions, dataDir: opts.dataDir });
  }

  const server = createServer();
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port: opts.port ?? 0, host: bind }, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (e) {
    if (ownsCore) await core.close();
    throw e;
  }
  const address = server.address() as AddressInfo;
  const port = address.port;
  const policy: AccessPolicy = {
    token,
    port,
    hosts: hostsFor(bind, port),
    anyIpHost: opts.allowRemote === true && isWildcard(bind),
  };
  const sockets = createRpcSockets(core);

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    serveHttp(req, res, policy, rendererDir).catch(() => {
      if (!res.headersSent) plain(res, 500, 'Something went wrong inside Estafette.', '');
      else res.destroy();
    });
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const verdict = checkRequest(req, policy);
    if (!verdict.ok) return refuseUpgrade(socket, verdict.status, verdict.text);
    if (parseUrl(req.url)?.pathname !== '/rpc') {
      return refuseUpgrade(socket, 404, 'The API is at /rpc.');
    }
    sockets.server.handleUpgrade(req, socket, head, (ws) => {
      sockets.server.emit('connection', ws, req);
    });
  });

  const urlHost = isWildcard(bind)
    ? '127.0.0.1'
    : isIP(address.address) === 6
      ? `[${address.address}]`
      : address.address;
  let closing: Promise<void> | null = null;
  return {
    url: `http://${urlHost}:${port}/?token=${token}`,
    port,
    token,
    core,
    close: () => {
      closing ??= (async () => {
        await sockets.close();
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        if (ownsCore) await core.close();
      })();
      return closing;
    },
  };
}

async function serveHttp(
  req: IncomingMessage,
  res: ServerResponse,
  policy: AccessPolicy,
  rendererDir: string,
): Promise<void> {
  const verdict = checkRequest(req, policy);
  const host = req.headers.host ?? '';
  if (!verdict.ok) return plain(res, verdict.status, verdict.text, host);
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    return plain(
      res,
      405,
      'Only GET and HEAD are served here; the API is a WebSocket at /rpc.',
      host,
    );
  }
  const url = parseUrl(req.url);
  if (url === null) return plain(res, 400, 'This address is not understood.', host);
  // Leading slashes collapse so the redirect can never point at another host ("//evil").
  const pathname = '/' + url.pathname.replace(/^\/+/, '');

  if (verdict.tokenFromQuery) {
    // The token moves from the address bar into an HttpOnly cookie and leaves the URL.
    url.searchParams.delete('token');
    const search = url.searchParams.size > 0 ? `?${url.searchParams.toString()}` : '';
    setSecurityHeaders(res, host, 'no-store');
    res.setHeader(
      'Set-Cookie',
      `${TOKEN_COOKIE}=${policy.token}; HttpOnly; SameSite=Strict; Path=/`,
    );
    res.writeHead(303, { Location: pathname + search, 'Content-Length': '0' });
    res.end();
    return;
  }
  if (pathname === '/rpc') {
    return plain(res, 426, 'The API at /rpc speaks JSON-RPC over a WebSocket.', host);
  }

  const file = await resolveRendererFile(rendererDir, pathname);
  if (file === null) {
    return pathname === '/'
      ? plain(res, 503, NOT_BUILT, host)
      : plain(res, 404, 'There is no such file.', host);
  }
  const contentType = contentTypeFor(file.path);
  setSecurityHeaders(res, host, contentType.startsWith('text/html') ? 'no-store' : 'no-cache');
  res.writeHead(200, { 'Content-Type': contentType, 'Content-Length': String(file.size) });
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  await pipeline(createReadStream(file.path), res);
}

function setSecurityHeaders(res: ServerResponse, host: string, cache: string): void {
  const ws = host === '' ? [] : [`ws://${host}`];
  res.setHeader('Content-Security-Policy', contentSecurityPolicy(ws));
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  res.setHeader('Cache-Control', cache);
}

function plain(res: ServerResponse, status: number, text: string, host: string): void {
  const body = `${text}\n`;
  // A refused Host header is not echoed into the CSP.
  setSecurityHeaders(res, status === 403 ? '' : host, 'no-store');
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
  });
  res.end(body);
}

function refuseUpgrade(socket: Duplex, status: number, text: string): void {
  const body = `${text}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
      'Connection: close\r\n' +
      'Content-Type: text/plain; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

function parseUrl(raw: string | undefined): URL | null {
  try {
    return new URL(raw ?? '/', BASE);
  } catch {
    return null;
  }
}

/**
 * `out/renderer` of this checkout, whether running from source or from compiled `out/main`;
 * ESTAFETTE_RENDERER_DIR overrides it (parallel builds in one checkout).
 */
function defaultRendererDir(): string {
  const fromEnv = process.env.ESTAFETTE_RENDERER_DIR;
  if (fromEnv) return fromEnv;
  const root = path.resolve(import.meta.dirname, '..', '..');
  const checkout = path.basename(root) === 'out' ? path.dirname(root) : root;
  return path.join(checkout, 'out', 'renderer');
}
