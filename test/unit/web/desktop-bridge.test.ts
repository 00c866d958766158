/**
 * The desktop app's two ends of the API without Electron: the core's process entry runs in a
 * worker thread standing in for Electron's utilityProcess (same message shapes), and the bundled
 * preload runs against a stand-in `electron` module, as a sandboxed preload would.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { MessageChannel, Worker } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channels } from '../../../main/electron/ipc-channels.ts';
import { buildPreload } from '../../../main/electron/scripts/build-main.ts';

const repo = path.resolve(import.meta.dirname, '../../..');
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'estafette-bridge-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Wait for the first value `pred` accepts among those `subscribe` delivers. */
function first<T>(subscribe: (cb: (v: T) => void) => void, pred: (v: T) => boolean = () => true) {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('nothing arrived within 15 s')), 15_000);
    subscribe((v) => {
      if (!pred(v)) return;
      clearTimeout(timer);
      resolve(v);
    });
  });
}

describe('the core’s process (core-entry.ts) behind a MessagePort', () => {
  let worker: Worker;
  const fromCore: Array<{ type: string }> = [];

  beforeAll(async () => {
    // What Electron gives a utilityProcess: process.parentPort with {data, ports} events.
    const bootstrap = path.join(dir, 'utility-process.mjs');
    await writeFile(
      bootstrap,
      `import { parentPort } from 'node:worker_threads';
const asMain = (p) => ({
  on(name, cb) { p.on(name, name === 'message' ? (data) => cb({ data, ports: [] }) : cb); return this; },
  postMessage: (m) => p.postMessage(m), start: () => p.start(), close: () => p.close(),
});
process.parentPort = {
  on(name, cb) { parentPort.on(name, (m) => cb({ data: m.data, ports: (m.ports ?? []).map(asMain) })); },
  postMessage: (m) => parentPort.postMessage(m),
};
await import(${JSON.stringify(pathToFileURL(path.join(repo, 'main/electron/core-entry.ts')).href)});
`,
    );
    // The compile cache goes to this test's directory, not the user's ~/.cache.
    worker = new Worker(bootstrap, {
      env: { ...process.env, ESTAFETTE_COMPILE_CACHE: path.join(dir, 'compile-cache') },
    });
    worker.on('message', (m: { type: string }) => fromCore.push(m));
    const ready = first<{ type: string }>((cb) => worker.on('message', cb));
    worker.postMessage({
      data: { type: 'start', dataDir: path.join(dir, 'data'), trustedCertificates: [] },
    });
    expect(await ready).toEqual({ type: 'ready' });
  });
  afterAll(async () => {
    await worker.terminate();
  });

  function connectPage(clientId: number): MessagePort {
    const { port1, port2 } = new MessageChannel();
    worker.postMessage({ data: { type: 'connect', clientId }, ports: [port1] }, [port1]);
    return port2;
  }

  it('answers JSON-RPC from a page and sends it the core’s events', async () => {
    const page = connectPage(1);
    const texts: string[] = [];
    page.on('message', (t: string) => texts.push(t));
    const onText = (pred: (t: string) => boolean) =>
      first<string>((cb) => page.on('message', cb), pred);

    const info = onText((t) => t.includes('"id":1'));
    page.postMessage(
      JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'getSystemInfo', params: {} }),
    );
    expect(JSON.parse(await info).result.dataDir).toBe(path.join(dir, 'data'));

    // A login against a closed port fails, but the set-up progress arrives first as an event.
    const endpoint = { host: '127.0.0.1', port: 1, security: 'tls', user: 'x' };
    const progress = onText((t) => t.includes('accountSetupProgress'));
    const failure = onText((t) => t.includes('"id":2'));
    page.postMessage(
      JSON.stringify({
        jsonrpc: '2.0',
        id: 2,
        method: 'addAccountManual',
        params: {
          addr: 'nobody@example.org',
          password: 'pw',
          settings: { imap: endpoint, smtp: endpoint, acceptInvalidCertificates: false },
        },
      }),
    );
    expect(JSON.parse(await progress)).toMatchObject({
      method: 'event',
      params: { type: 'accountSetupProgress', step: 'imap-login' },
    });
    expect(JSON.parse(await failure).error.code).toBe(-32000);
    page.close();
  });

  it('refuses a request over 40 MB without handing it to the core', async () => {
    const page = connectPage(2);
    const reply = first<string>((cb) => page.on('message', cb));
    page.postMessage('x'.repeat(40 * 1024 * 1024 + 1));
    expect(JSON.parse(await reply).error).toMatchObject({ code: -32600 });
    page.close();
  });

  it('closes the core cleanly when main says stop', async () => {
    const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
    worker.postMessage({ data: { type: 'stop' } });
    expect(await exited).toBe(0);
    expect(fromCore.at(-1)).toEqual({ type: 'stopped' });
  });
});

describe('the bundled preload', () => {
  interface Bridge {
    send(text: string): void;
    onMessage(cb: (text: string) => void): void;
    openExternal(url: string): Promise<void>;
    notify(n: unknown): void;
    onOpenChat(cb: (t: unknown) => void): void;
    onDeepLink(cb: (url: string) => void): void;
    setUnreadCount(n: number): void;
    platform: string;
  }
  type Listener = (event: { ports: MessagePort[] }, ...args: unknown[]) => void;
  const listeners = new Map<string, Listener>();
  const sent: Array<[string, unknown]> = [];
  const invoked: Array<[string, unknown]> = [];
  const exposed = new Map<string, unknown>();
  let bridge: Bridge;

  beforeAll(async () => {
    const file = await buildPreload(path.join(dir, 'preload'));
    const code = await readFile(file, 'utf8');
    const electron = {
      contextBridge: { exposeInMainWorld: (key: string, api: unknown) => exposed.set(key, api) },
      ipcRenderer: {
        on: (channel: string, l: Listener) => listeners.set(channel, l),
        send: (channel: string, payload?: unknown) => sent.push([channel, payload]),
        invoke: async (channel: string, payload: unknown) => invoked.push([channel, payload]),
      },
    };
    const requireInSandbox = (id: string) => {
      if (id === 'electron') return electron;
      throw new Error(`a sandboxed preload cannot require ${id}`);
    };
    const module = { exports: {} };
    new Function('require', 'module', 'exports', 'process', code)(
      requireInSandbox,
      module,
      module.exports,
      { platform: 'linux' },
    );
    bridge = exposed.get('estafette') as Bridge;
  });

  it('exposes exactly window.estafette with the agreed members and asks for a core port', () => {
    expect([...exposed.keys()]).toEqual(['estafette']);
    expect(Object.keys(bridge).sort()).toEqual(
      [
        'send',
        'onMessage',
        'openExternal',
        'notify',
        'onOpenChat',
        'onDeepLink',
        'setUnreadCount',
        'platform',
      ].sort(),
    );
    expect(bridge.platform).toBe('linux');
    expect(sent).toContainEqual([channels.requestCorePort, undefined]);
  });

  it('queues JSON-RPC until the port arrives, then carries texts both ways', async () => {
    bridge.send('{"jsonrpc":"2.0","id":1,"method":"getSystemInfo"}');
    const { port1: corePort, port2: pagePort } = new MessageChannel();
    const atCore = first<string>((cb) => corePort.on('message', cb));
    listeners.get(channels.corePort)?.({ ports: [pagePort] });
    expect(await atCore).toBe('{"jsonrpc":"2.0","id":1,"method":"getSystemInfo"}');

    const atPage = first<string>((cb) => bridge.onMessage(cb));
    corePort.postMessage({ not: 'a string' });
    corePort.postMessage('{"jsonrpc":"2.0","id":1,"result":{}}');
    expect(await atPage).toBe('{"jsonrpc":"2.0","id":1,"result":{}}');
    expect(() => bridge.send(42 as unknown as string)).toThrow(TypeError);
    corePort.close();
  });

  it('hands clicks and deep links to the page even when they arrive before it listens', async () => {
    listeners.get(channels.openChat)?.({ ports: [] }, { accountId: 1, chatId: 7 });
    listeners.get(channels.openChat)?.({ ports: [] }, { accountId: 'x' });
    listeners.get(channels.deepLink)?.({ ports: [] }, 'openpgp4fpr:ABCD');
    expect(await first((cb) => bridge.onOpenChat(cb))).toEqual({ accountId: 1, chatId: 7 });
    expect(await first((cb) => bridge.onDeepLink(cb))).toBe('openpgp4fpr:ABCD');
  });

  it('sends notifications, unread counts and links as plain values on their channels', async () => {
    bridge.notify({ title: 'Bob', body: 'Hi', accountId: 1, chatId: 7, extra: 'dropped' });
    bridge.setUnreadCount(3);
    await bridge.openExternal('https://delta.chat/');
    expect(sent).toContainEqual([
      channels.notify,
      { title: 'Bob', body: 'Hi', accountId: 1, chatId: 7 },
    ]);
    expect(sent).toContainEqual([channels.setUnreadCount, 3]);
    expect(invoked).toContainEqual([channels.openExternal, 'https://delta.chat/']);
  });
});
