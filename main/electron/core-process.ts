/**
 * Runs the core in an Electron utilityProcess (crypto and SQLite never block a window) and
 * connects pages to it: each page load gets a fresh MessageChannelMain, one end to the page's
 * preload, the other to the core, so JSON-RPC flows page ⇄ core without passing through main.
 */
import { MessageChannelMain, utilityProcess } from 'electron';
import type { MessagePortMain, UtilityProcess, WebContents } from 'electron';
import type { SecretStore } from '../core/store/secrets.ts';
import { CoreToMain, answerSecretRequest } from './core-messages.ts';
import type { MainToCore } from './core-messages.ts';
import { channels } from './ipc-channels.ts';

export interface CoreProcessOptions {
  /** The compiled core-entry.js. */
  entry: string;
  dataDir: string;
  trustedCertificates?: string[];
  /** Answers the core's secret requests (safeStorage-backed in the app). */
  secrets: SecretStore;
  /** The core cannot run: say why and quit. */
  onFatal(sentence: string): void;
}

export interface CoreProcess {
  /** Give a page (at each load) its own port to the core; an earlier port of it is dropped. */
  connect(contents: WebContents): void;
  /** Close the core cleanly (it finishes its transactions), killing it after a grace period. */
  stop(): Promise<void>;
}

const STOP_GRACE_MS = 5_000;
const MAX_RESTARTS_PER_MINUTE = 3;

/** Start the core's process. */
export function startCoreProcess(opts: CoreProcessOptions): CoreProcess {
  let child: UtilityProcess | null = null;
  let stopping = false;
  let nextClientId = 1;
  const restarts: number[] = [];
  /** Page → its current client id, so a reload or a restart replaces the right port. */
  const pages = new Map<WebContents, number>();

  function post(message: MainToCore, ports?: MessagePortMain[]): void {
    child?.postMessage(message, ports);
  }

  function spawn(): void {
    const proc = utilityProcess.fork(opts.entry, [], {
      serviceName: 'Estafette core',
      stdio: 'inherit',
    });
    child = proc;
    proc.on('message', (raw: unknown) => void onMessage(proc, raw));
    proc.on('exit', (code) => {
      if (child === proc) child = null;
      if (!stopping) restart(code);
    });
    post({
      type: 'start',
      dataDir: opts.dataDir,
      trustedCertificates: opts.trustedCertificates ?? [],
    });
  }

  function restart(code: number): void {
    const now = Date.now();
    while (restarts.length > 0 && (restarts[0] ?? now) < now - 60_000) restarts.shift();
    if (restarts.length >= MAX_RESTARTS_PER_MINUTE) {
      opts.onFatal(
        `The Estafette core stopped unexpectedly several times (last exit code ${code}).`,
      );
      return;
    }
    restarts.push(now);
    spawn();
    for (const page of [...pages.keys()]) connect(page);
  }

  async function onMessage(proc: UtilityProcess, raw: unknown): Promise<void> {
    const parsed = CoreToMain.safeParse(raw);
    if (!parsed.success) return;
    const m = parsed.data;
    if (m.type === 'failed') {
      stopping = true;
      opts.onFatal(m.sentence);
    } else if (m.type === 'secretRequest') {
      const answer = await answerSecretRequest(opts.secrets, m);
      // Only the process that asked gets the answer; a restarted core asks again.
      if (proc === child) post(answer);
    }
  }

  function connect(contents: WebContents): void {
    if (child === null || contents.isDestroyed()) return;
    const previous = pages.get(contents);
    if (previous !== undefined) post({ type: 'disconnect', clientId: previous });
    else contents.once('destroyed', () => disconnect(contents));
    const clientId = nextClientId++;
    pages.set(contents, clientId);
    const { port1, port2 } = new MessageChannelMain();
    post({ type: 'connect', clientId }, [port1]);
    contents.postMessage(channels.corePort, null, [port2]);
  }

  function disconnect(contents: WebContents): void {
    const clientId = pages.get(contents);
    pages.delete(contents);
    if (clientId !== undefined) post({ type: 'disconnect', clientId });
  }

  async function stop(): Promise<void> {
    stopping = true;
    const proc = child;
    if (proc === null) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        proc.kill();
        resolve();
      }, STOP_GRACE_MS);
      proc.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      post({ type: 'stop' });
    });
    child = null;
  }

  spawn();
  return { connect, stop };
}
