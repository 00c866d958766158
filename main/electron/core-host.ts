/**
 * The core's process in the desktop app (an Electron utilityProcess, plain Node inside): creates
 * the core, serves JSON-RPC to every page port the main process attaches, and asks the main
 * process for secrets, which it keeps encrypted with safeStorage. Loaded by core-entry.ts once
 * Node's compile cache is on.
 */
import type { MessagePortMain, ParentPort } from 'electron';
import { createCore } from '../core/core.ts';
import type { Core } from '../core/core.ts';
import { sentenceOf } from '../core/errors.ts';
import { eventNotification, handleRpc } from '../core/rpc.ts';
import type { SecretStore } from '../core/store/secrets.ts';
import { CoreToMain, MAX_REQUEST_BYTES, MainToCore } from './core-messages.ts';

const parent: ParentPort | undefined = (process as { parentPort?: ParentPort }).parentPort;
if (parent === undefined) {
  console.error('core-entry runs inside Electron’s utilityProcess; use `npm run web` under Node.');
  process.exit(1);
}
const main: ParentPort = parent;

function tell(message: CoreToMain): void {
  main.postMessage(CoreToMain.parse(message));
}

/** A SecretStore whose every call is answered by the main process. */
class MainProcessSecrets implements SecretStore {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    (r: { value: string | null; error?: string }) => void
  >();

  settle(requestId: number, result: { value: string | null; error?: string }): void {
    this.pending.get(requestId)?.(result);
    this.pending.delete(requestId);
  }

  async get(name: string): Promise<string | null> {
    return this.ask('get', name);
  }
  async set(name: string, value: string): Promise<void> {
    await this.ask('set', name, value);
  }
  async delete(name: string): Promise<void> {
    await this.ask('delete', name);
  }

  private ask(op: 'get' | 'set' | 'delete', name: string, value?: string): Promise<string | null> {
    const requestId = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(requestId, (r) =>
        r.error === undefined ? resolve(r.value) : reject(new Error(r.error)),
      );
      tell({ type: 'secretRequest', requestId, op, name, value });
    });
  }
}

const secrets = new MainProcessSecrets();
const pages = new Map<number, MessagePortMain>();
let core: Promise<Core> | null = null;

function start(dataDir: string, trustedCertificates: string[]): void {
  core = createCore({ dataDir, trustedCertificates, secrets });
  core.then(
    (c) => {
      c.onEvent((event) => {
        const text = eventNotification(event);
        for (const port of pages.values()) port.postMessage(text);
      });
      tell({ type: 'ready' });
    },
    (e: unknown) => tell({ type: 'failed', sentence: sentenceOf(e) }),
  );
}

function attach(clientId: number, port: MessagePortMain): void {
  pages.get(clientId)?.close();
  pages.set(clientId, port);
  port.on('message', (e) => {
    const text: unknown = e.data;
    if (typeof text !== 'string') return;
    answer(port, text).catch(() => undefined); // a core that failed to start was reported
  });
  port.on('close', () => {
    if (pages.get(clientId) === port) pages.delete(clientId);
  });
  port.start();
}

async function answer(port: MessagePortMain, text: string): Promise<void> {
  if (Buffer.byteLength(text) > MAX_REQUEST_BYTES) {
    port.postMessage(
      JSON.stringify({
        jsonrpc: '2.0',
        id: null,
        error: { code: -32600, message: 'The request is larger than 40 MB.' },
      }),
    );
    return;
  }
  if (core === null) return;
  const response = await handleRpc(await core, text);
  if (response !== null) port.postMessage(response);
}

async function stop(): Promise<void> {
  for (const port of pages.values()) port.close();
  pages.clear();
  if (core !== null) await (await core).close().catch(() => undefined);
  tell({ type: 'stopped' });
  process.exit(0);
}

main.on('message', (e) => {
  const parsed = MainToCore.safeParse(e.data);
  if (!parsed.success) return;
  const m = parsed.data;
  switch (m.type) {
    case 'start':
      if (core === null) start(m.dataDir, m.trustedCertificates);
      return;
    case 'connect': {
      const port = e.ports[0];
      if (port !== undefined) attach(m.clientId, port);
      return;
    }
    case 'disconnect':
      pages.get(m.clientId)?.close();
      pages.delete(m.clientId);
      return;
    case 'secretResult':
      secrets.settle(m.requestId, { value: m.value, error: m.error });
      return;
    case 'stop':
      void stop();
      return;
  }
});
