/**
 * The web host's guard and wire, against a stand-in core: who gets in (token, Host, Origin),
 * which files leave the renderer directory (none but its own), and JSON-RPC over the WebSocket.
 */
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { Core } from '../../../main/core/core.ts';
import { CoreError } from '../../../main/core/errors.ts';
import { startWebHost } from '../../../main/web/server.ts';
import type { WebHost } from '../../../main/web/server.ts';
import type { MethodName } from '../../../shared/api.ts';
import type { CoreEvent } from '../../../shared/events.ts';

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** A raw HTTP request: the path goes out byte for byte (no client-side normalisation). */
function get(
  port: number,
  rawPath: string,
  headers: Record<string, string> = {},
  method = 'GET',
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: rawPath, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

/** A core that answers getSystemInfo and lets the test emit events. */
function standInCore() {
  const listeners = new Set<(e: CoreEvent) => void>();
  let closed = false;
  const call = async (method: MethodName, params: unknown): Promise<unknown> => {
    if (method === 'getSystemInfo') return { version: 'stand-in', dataDir: '/nowhere' };
    if (method === 'sendMessage') return { echoed: params };
    throw new CoreError('not_found', 'The stand-in core knows only getSystemInfo.');
  };
  const core: Core = {
    call: call as Core['call'],
    onEvent: (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    close: async () => {
      closed = true;
    },
  };
  return {
    core,
    emit: (e: CoreEvent) => listeners.forEach((l) => l(e)),
    isClosed: () => closed,
  };
}

/** Open a WebSocket and collect every text it receives. */
async function connect(
  url: string,
  options: { origin?: string; headers?: Record<string, string> } = {},
): Promise<{
  ws: WebSocket;
  texts: string[];
  next(pred?: (t: string) => boolean): Promise<string>;
}> {
  const ws = new WebSocket(url, options);
  const texts: string[] = [];
  const waiters = new Set<() => void>();
  ws.on('message', (data) => {
    texts.push(String(data));
    for (const w of waiters) w();
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const next = (pred: (t: string) => boolean = () => true) =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no matching frame within 5 s')), 5000);
      const check = () => {
        const hit = texts.find(pred);
        if (hit !== undefined) {
          clearTimeout(timer);
          waiters.delete(check);
          resolve(hit);
        }
      };
      waiters.add(check);
      check();
    });
  return { ws, texts, next };
}

/** How a refused WebSocket handshake ended: the HTTP status the server answered. */
function refusedStatus(
  url: string,
  options: { origin?: string; headers?: Record<string, string> } = {},
) {
  return new Promise<number>((resolve, reject) => {
    const ws = new WebSocket(url, options);
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      ws.terminate();
    });
    ws.on('open', () => reject(new Error('the handshake should have been refused')));
    ws.on('error', () => undefined);
  });
}

let dir: string;
let rendererDir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'estafette-web-'));
  rendererDir = path.join(dir, 'renderer');
  await mkdir(path.join(rendererDir, 'assets'), { recursive: true });
  await writeFile(path.join(rendererDir, 'index.html'), '<!doctype html><title>Estafette</title>');
  await writeFile(path.join(rendererDir, 'assets', 'app.js'), 'console.log("hi");');
  await writeFile(path.join(rendererDir, 'assets', 'app.css'), 'body{}');
  await writeFile(path.join(rendererDir, '.env'), 'HIDDEN=1');
  await writeFile(path.join(dir, 'secret.txt'), 'TOP-SECRET');
  await symlink(path.join(dir, 'secret.txt'), path.join(rendererDir, 'leak.txt'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const hosts: WebHost[] = [];
afterEach(async () => {
  for (const h of hosts.splice(0)) await h.close();
});
async function start(extra: { rendererDir?: string } = {}) {
  const stand = standInCore();
  const host = await startWebHost({
    dataDir: path.join(dir, 'data'),
    rendererDir: extra.rendererDir ?? rendererDir,
    core: stand.core,
  });
  hosts.push(host);
  const wsUrl = `ws://127.0.0.1:${host.port}/rpc`;
  return { host, stand, wsUrl, cookie: `estafette_token=${host.token}` };
}

describe('who gets in', () => {
  it('prints a loopback URL with a fresh 32-byte token at every start', async () => {
    const a = await start();
    const b = await start();
    expect(a.host.url).toBe(`http://127.0.0.1:${a.host.port}/?token=${a.host.token}`);
    expect(a.host.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.host.token).not.toBe(b.host.token);
  });

  it('refuses a request without the token with 401', async () => {
    const { host } = await start();
    const res = await get(host.port, '/');
    expect(res.status).toBe(401);
    expect(res.body).toMatch(/token/);
    expect((await get(host.port, '/assets/app.js')).status).toBe(401);
    expect((await get(host.port, '/?token=wrong')).status).toBe(401);
    expect((await get(host.port, '/', { cookie: 'estafette_token=wrong' })).status).toBe(401);
  });

  it('trades the token in the URL for an HttpOnly cookie and drops it from the address', async () => {
    const { host } = await start();
    const res = await get(host.port, `/?token=${host.token}`);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/');
    expect(res.headers['set-cookie']).toEqual([
      `estafette_token=${host.token}; HttpOnly; SameSite=Strict; Path=/`,
    ]);
    const page = await get(host.port, '/', { cookie: `estafette_token=${host.token}` });
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>Estafette</title>');
  });

  it('never redirects to another host, whatever the path looks like', async () => {
    const { host } = await start();
    const res = await get(host.port, `/.//evil.example/?token=${host.token}&x=1`);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/evil.example/?x=1');
  });

  it('lets a bot in with a Bearer token and no Origin', async () => {
    const { host } = await start();
    const res = await get(host.port, '/', { authorization: `Bearer ${host.token}` });
    expect(res.status).toBe(200);
  });

  it('refuses a foreign Host header even with the token (DNS rebinding)', async () => {
    const { host, cookie } = await start();
    const res = await get(host.port, '/', { cookie, host: `evil.example:${host.port}` });
    expect(res.status).toBe(403);
    expect((await get(host.port, '/', { cookie, host: '127.0.0.1:1' })).status).toBe(403);
    for (const ok of [`127.0.0.1:${host.port}`, `localhost:${host.port}`, `[::1]:${host.port}`]) {
      expect((await get(host.port, '/', { cookie, host: ok })).status).toBe(200);
    }
  });

  it('refuses requests carrying another web page’s Origin', async () => {
    const { host, cookie } = await start();
    const foreign = await get(host.port, '/', { cookie, origin: 'http://evil.example' });
    expect(foreign.status).toBe(403);
    expect((await get(host.port, '/', { cookie, origin: 'null' })).status).toBe(403);
    const own = await get(host.port, '/', { cookie, origin: `http://localhost:${host.port}` });
    expect(own.status).toBe(200);
  });

  it('refuses a WebSocket from a foreign Origin, or without the token', async () => {
    const { host, wsUrl, cookie } = await start();
    expect(await refusedStatus(wsUrl, { origin: 'http://evil.example', headers: { cookie } })).toBe(
      403,
    );
    expect(await refusedStatus(wsUrl)).toBe(401);
    expect(
      await refusedStatus(wsUrl, { headers: { host: `evil.example:${host.port}`, cookie } }),
    ).toBe(403);
    expect(await refusedStatus(`ws://127.0.0.1:${host.port}/other?token=${host.token}`)).toBe(404);
  });

  it('refuses to listen beyond loopback unless remote access is allowed', async () => {
    const stand = standInCore();
    await expect(
      startWebHost({ dataDir: dir, rendererDir, core: stand.core, bind: '0.0.0.0' }),
    ).rejects.toThrow(/loopback/);
  });
});

describe('the renderer’s files', () => {
  it('serves them with their content types and the security headers', async () => {
    const { host, cookie } = await start();
    const page = await get(host.port, '/', { cookie });
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    expect(page.headers['referrer-policy']).toBe('no-referrer');
    expect(page.headers['content-security-policy']).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
        `font-src 'self'; connect-src 'self' ws://127.0.0.1:${host.port}; base-uri 'none'; ` +
        "form-action 'none'; frame-ancestors 'none'",
    );
    const js = await get(host.port, '/assets/app.js', { cookie });
    expect(js.status).toBe(200);
    expect(js.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect((await get(host.port, '/assets/app.css', { cookie })).headers['content-type']).toBe(
      'text/css; charset=utf-8',
    );
    const head = await get(host.port, '/assets/app.js', { cookie }, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect((await get(host.port, '/', { cookie }, 'POST')).status).toBe(405);
  });

  it('refuses path traversal in every spelling, and symlinks that point outside', async () => {
    const { host, cookie } = await start();
    for (const raw of [
      '/../secret.txt',
      '/assets/../../secret.txt',
      '/%2e%2e/secret.txt',
      '/..%2fsecret.txt',
      '/assets%2f..%2f..%2fsecret.txt',
      '/..%5csecret.txt',
      '/%00index.html',
      '/leak.txt',
      '/.env',
      '/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc/passwd',
    ]) {
      const res = await get(host.port, raw, { cookie });
      expect(res.status, raw).toBe(404);
      expect(res.body).not.toContain('TOP-SECRET');
      expect(res.body).not.toContain('HIDDEN');
    }
  });

  it('lists no directories', async () => {
    const { host, cookie } = await start();
    expect((await get(host.port, '/assets', { cookie })).status).toBe(404);
    expect((await get(host.port, '/assets/', { cookie })).status).toBe(404);
  });

  it('says how to build the renderer when it is missing', async () => {
    const { host, cookie } = await start({ rendererDir: path.join(dir, 'not-built') });
    const res = await get(host.port, '/', { cookie });
    expect(res.status).toBe(503);
    expect(res.body).toMatch(/npm run build:renderer/);
  });
});

describe('JSON-RPC over the WebSocket', () => {
  it('answers a call made with the token, and every client receives the core’s events', async () => {
    const { host, stand, wsUrl, cookie } = await start();
    const browser = await connect(wsUrl, {
      origin: `http://127.0.0.1:${host.port}`,
      headers: { cookie },
    });
    const bot = await connect(`${wsUrl}?token=${host.token}`);
    bot.ws.send(JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'getSystemInfo', params: {} }));
    expect(JSON.parse(await bot.next())).toEqual({
      jsonrpc: '2.0',
      id: 7,
      result: { version: 'stand-in', dataDir: '/nowhere' },
    });
    expect(browser.texts).toEqual([]);

    stand.emit({ type: 'accountsChanged' });
    for (const client of [browser, bot]) {
      const text = await client.next((t) => t.includes('"event"'));
      expect(JSON.parse(text)).toEqual({
        jsonrpc: '2.0',
        method: 'event',
        params: { type: 'accountsChanged' },
      });
    }
    browser.ws.close();
    bot.ws.close();
  });

  it('accepts the token as a Bearer header and reports errors as JSON-RPC errors', async () => {
    const { host, wsUrl } = await start();
    const bot = await connect(wsUrl, { headers: { authorization: `Bearer ${host.token}` } });
    bot.ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'noSuchMethod' }));
    bot.ws.send('not json');
    bot.ws.send(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'listAccounts', params: {} }));
    const byId = async (id: number | null) =>
      JSON.parse(await bot.next((t) => JSON.parse(t).id === id)) as {
        error: { code: number; data?: { code: string } };
      };
    expect((await byId(1)).error.code).toBe(-32601);
    expect((await byId(null)).error.code).toBe(-32700);
    expect((await byId(2)).error).toMatchObject({ code: -32000, data: { code: 'not_found' } });
    bot.ws.close();
  });

  it('closes a client that sends a frame over 40 MB, or a binary frame', async () => {
    const { host, wsUrl } = await start();
    const big = await connect(`${wsUrl}?token=${host.token}`);
    const closedBig = new Promise<number>((r) => big.ws.once('close', (code) => r(code)));
    big.ws.send('x'.repeat(40 * 1024 * 1024 + 1));
    expect(await closedBig).toBe(1009);

    const binary = await connect(`${wsUrl}?token=${host.token}`);
    const closedBinary = new Promise<number>((r) => binary.ws.once('close', (code) => r(code)));
    binary.ws.send(Buffer.from('{}'));
    expect(await closedBinary).toBe(1003);
  });

  it('disconnects its clients on close and leaves a core it was given open', async () => {
    const { host, stand, wsUrl } = await start();
    const bot = await connect(`${wsUrl}?token=${host.token}`);
    const closed = new Promise<number>((r) => bot.ws.once('close', (code) => r(code)));
    await host.close();
    expect(await closed).toBe(1001);
    expect(stand.isClosed()).toBe(false);
  });
});
