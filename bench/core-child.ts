/**
 * An Estafette core in a process of its own, driven by the benchmark over IPC: so that its
 * start-up, memory and CPU time are its own and not the harness's. Started with
 * `fork('bench/core-child.ts', [dataDir, caFile, 'io' | 'no-io'])`.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createCore } from '../main/core/core.ts';
import type { MethodName } from '../shared/api.ts';

/** Parent → child. */
export type ChildCommand =
  | { cmd: 'startIo' }
  | { cmd: 'waitStored'; n: number; timeoutMs: number }
  | { cmd: 'sample' }
  | { cmd: 'call'; id: number; method: MethodName; params: unknown }
  | { cmd: 'close' };

/** Child → parent. */
export type ChildReport =
  | {
      type: 'ready';
      /** Process start → the core's modules loaded (createCore called). */
      modulesLoadedMs: number;
      createCoreMs: number;
      sinceLaunchMs: number;
      accounts: number;
    }
  | { type: 'connected'; accountId: number; sinceLaunchMs: number; allConnected: boolean }
  | {
      type: 'stored';
      count: number;
      ms: number;
      cpuSeconds: number;
      /** Of cpuSeconds, the main thread's (the rest: worker threads, thread pool, GC helpers). */
      mainThreadCpuSeconds: number;
      /** RSS right after (the opening workers still alive). */
      rssMb: number;
      timedOut: boolean;
    }
  | { type: 'sample'; rssMb: number; heapUsedMb: number; externalMb: number; cpuSeconds: number }
  | { type: 'result'; id: number; value?: unknown; error?: string }
  | { type: 'closed' };

const [dataDir, caFile, ioMode] = process.argv.slice(2);
if (!dataDir || !caFile || !process.send) {
  console.error('usage: fork(core-child.ts, [dataDir, caFile, io|no-io])');
  process.exit(2);
}
const send = (r: ChildReport) => process.send?.(r);
const cpuSeconds = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
const mainThreadCpuSeconds = () => {
  const u = process.threadCpuUsage();
  return (u.user + u.system) / 1e6;
};

// Node's start and loading the core's modules end here.
const t0 = performance.now();
const core = await createCore({
  dataDir,
  trustedCertificates: [await readFile(caFile, 'utf8')],
  startIo: ioMode === 'io',
});
const createCoreMs = performance.now() - t0;

let stored = 0;
let ioStartedAt = performance.now();
let ioStartedCpu = cpuSeconds();
let ioStartedMainCpu = mainThreadCpuSeconds();
let storedWaiter: ((timedOut: boolean) => void) | null = null;
let storedTarget = Infinity;
const connected = new Set<number>();
let accountCount: number | null = null;
let allConnectedSent = false;

/** Reports once, when every account of the data directory has connected. */
function reportConnected(accountId: number): void {
  if (allConnectedSent || accountCount === null || connected.size < accountCount) return;
  allConnectedSent = true;
  send({ type: 'connected', accountId, sinceLaunchMs: connectedAt, allConnected: true });
}
let connectedAt = 0;

core.onEvent((e) => {
  if (e.type === 'messageAdded') {
    stored++;
    if (stored >= storedTarget) storedWaiter?.(false);
  } else if (e.type === 'connectivityChanged' && e.connectivity.status === 'connected') {
    if (connected.has(e.accountId)) return;
    connected.add(e.accountId);
    connectedAt = performance.now();
    reportConnected(e.accountId);
  }
});
// Counted from the registry file, not through the API: the API loads lazily and a call here
// would make start-up wait for it.
accountCount = (
  JSON.parse(await readFile(join(dataDir, 'accounts.json'), 'utf8')) as { accounts: unknown[] }
).accounts.length;
send({
  type: 'ready',
  modulesLoadedMs: t0,
  createCoreMs,
  sinceLaunchMs: performance.now(),
  accounts: accountCount,
});
reportConnected(0);
// An account may have connected before the listener was attached (createCore starts IO); ask
// only late, as the first call loads the API and would slow the connections being measured.
setTimeout(() => {
  if (allConnectedSent) return;
  void core.call('listAccounts', {}).then((accounts) => {
    for (const a of accounts) {
      if (a.connectivity.status !== 'connected' || connected.has(a.id)) continue;
      connected.add(a.id);
      connectedAt = performance.now();
      reportConnected(a.id);
    }
  });
}, 3_000).unref();

process.on('message', (raw) => {
  void handle(raw as ChildCommand);
});

async function handle(c: ChildCommand): Promise<void> {
  switch (c.cmd) {
    case 'startIo': {
      stored = 0;
      ioStartedAt = performance.now();
      ioStartedCpu = cpuSeconds();
      ioStartedMainCpu = mainThreadCpuSeconds();
      for (const a of await core.call('listAccounts', {})) {
        await core.call('startIo', { accountId: a.id });
      }
      return;
    }
    case 'waitStored': {
      storedTarget = c.n;
      const timedOut = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(true), c.timeoutMs);
        storedWaiter = (t) => {
          clearTimeout(timer);
          resolve(t);
        };
        if (stored >= storedTarget) storedWaiter(false);
      });
      storedWaiter = null;
      send({
        type: 'stored',
        count: stored,
        ms: performance.now() - ioStartedAt,
        cpuSeconds: cpuSeconds() - ioStartedCpu,
        mainThreadCpuSeconds: mainThreadCpuSeconds() - ioStartedMainCpu,
        rssMb: process.memoryUsage.rss() / 2 ** 20,
        timedOut,
      });
      return;
    }
    case 'sample': {
      const m = process.memoryUsage();
      send({
        type: 'sample',
        rssMb: m.rss / 2 ** 20,
        heapUsedMb: m.heapUsed / 2 ** 20,
        externalMb: m.external / 2 ** 20,
        cpuSeconds: cpuSeconds(),
      });
      return;
    }
    case 'call': {
      try {
        const value = await core.call(c.method, c.params);
        send({ type: 'result', id: c.id, value });
      } catch (e) {
        send({ type: 'result', id: c.id, error: e instanceof Error ? e.message : String(e) });
      }
      return;
    }
    case 'close': {
      await core.close();
      send({ type: 'closed' });
      process.disconnect?.();
      // Worker threads of the core must not keep the process alive.
      setTimeout(() => process.exit(0), 200).unref();
      return;
    }
  }
}
