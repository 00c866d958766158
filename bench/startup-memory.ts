/**
 * Start-up and memory of the core with big accounts: a fresh Node process (bench/core-child.ts)
 * opens the data directory and connects every account; start-up is launch → all accounts
 * `connected`. Memory is the process's RSS once it is connected and has served what opening the
 * app asks for (the chat list, the newest page of the big chat), with one account of 100,000
 * messages and with ten such accounts.
 */
import { join } from 'node:path';
import type { BenchContext, EstafetteAccount } from './context.ts';
import { CoreChild } from './core-process.ts';
import { median, round } from './stats.ts';

export interface StartupResult {
  /** Launch (fork) → every account connected, per launch. */
  launchesMs: number[];
  medianMs: number | null;
  /** Of that, Node's own start and module loading until createCore was called (median). */
  nodeAndModulesMs: number | null;
  /** createCore: open databases, read keys (median). */
  createCoreMs: number | null;
  /** createCore done → every account's IMAP connected, inbox selected (median). */
  connectMs: number | null;
  /** The first launch, whose compile cache was empty (the launches after it use the cache). */
  coldMs: number | null;
}

export interface MemoryResult {
  accounts: number;
  messagesPerAccount: number;
  rssMb: number | null;
  heapUsedMb: number | null;
  externalMb: number | null;
}

/** Launches a core on `dataDir` `launches` times and measures launch → connected. */
export async function benchStartup(
  ctx: BenchContext,
  dataDir: string,
  launches: number,
): Promise<StartupResult> {
  const total: number[] = [];
  const node: number[] = [];
  const create: number[] = [];
  const connect: number[] = [];
  // Node's compile cache, as the app's core-entry.ts enables it: the first launch fills it.
  const previousCache = process.env['NODE_COMPILE_CACHE'];
  process.env['NODE_COMPILE_CACHE'] = join(ctx.workDir, 'compile-cache');
  try {
    await launchAll();
  } finally {
    if (previousCache === undefined) delete process.env['NODE_COMPILE_CACHE'];
    else process.env['NODE_COMPILE_CACHE'] = previousCache;
  }
  async function launchAll(): Promise<void> {
    for (let i = 0; i < launches; i++) {
      const child = new CoreChild({
        dataDir,
        caFile: ctx.caFile,
        startIo: true,
        script: ctx.childScript,
      });
      try {
        const ready = await child.waitFor('ready', 60_000);
        const connected = await child.waitFor('connected', 60_000, (r) => r.allConnected);
        total.push(performance.now() - child.launchedAt);
        node.push(ready.modulesLoadedMs);
        create.push(ready.createCoreMs);
        connect.push(connected.sinceLaunchMs - ready.modulesLoadedMs - ready.createCoreMs);
      } finally {
        await child.close();
      }
    }
  }
  return {
    launchesMs: total.map((v) => round(v) ?? Number.NaN),
    medianMs: round(median(total)),
    nodeAndModulesMs: round(median(node)),
    createCoreMs: round(median(create)),
    connectMs: round(median(connect)),
    coldMs: total[0] === undefined ? null : round(total[0]),
  };
}

/**
 * RSS of a connected core after the app's first requests: every account's chat list, and for
 * the first account its big chat's count and newest page.
 */
export async function benchMemory(
  ctx: BenchContext,
  dataDir: string,
  accounts: EstafetteAccount[],
  messagesPerAccount: number,
): Promise<MemoryResult> {
  const child = new CoreChild({
    dataDir,
    caFile: ctx.caFile,
    startIo: true,
    script: ctx.childScript,
  });
  try {
    await child.waitFor('ready', 60_000);
    await child.waitFor('connected', 120_000, (r) => r.allConnected);
    for (const a of accounts) await child.call('listChats', { accountId: a.accountId });
    const first = accounts[0];
    if (first?.chatId != null) {
      const { count } = await child.call('getMessageCount', {
        accountId: first.accountId,
        chatId: first.chatId,
      });
      await child.call('getMessages', {
        accountId: first.accountId,
        chatId: first.chatId,
        offset: Math.max(0, count - 100),
        limit: 100,
      });
    }
    // Let start-up garbage be collected as it would be in a running app.
    await new Promise((r) => setTimeout(r, 2_000));
    const s = await child.sample();
    return {
      accounts: accounts.length,
      messagesPerAccount,
      rssMb: round(s.rssMb),
      heapUsedMb: round(s.heapUsedMb),
      externalMb: round(s.externalMb),
    };
  } finally {
    await child.close();
  }
}
