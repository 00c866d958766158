/**
 * `npm run bench`: Estafette side by side with Delta Chat core and the mail server's floor, all
 * in one run against one mail server started here (see docs/performance.md). Prints a table and
 * writes bench/results.json. `npm run bench:smoke` runs the same with small sizes in about a
 * minute (for CI), writes its results to the run's temporary directory, and fails only when
 * something is broken (an exception, or the overall time limit), never for a missed target.
 *
 * Options: --smoke, --only=latency,catchup,big (big: start-up, memory, UI), --no-deltachat,
 * --no-ui, --profile (V8 CPU profiles of the catch-up core), --out=FILE, --keep (keep the work
 * directory and the mail server's files), --from-source (child cores run the TypeScript sources
 * instead of the compiled build).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { startMailServer } from '../test/mailserver/server.ts';
import { seedMessages } from '../test/e2e/seed.ts';
import type { BenchContext, EstafetteAccount } from './context.ts';
import { createEstafetteAccount } from './context.ts';
import { compileCore } from './build-core.ts';
import { benchCatchup } from './catchup.ts';
import type { CatchupResult } from './catchup.ts';
import { benchLatency } from './latency.ts';
import type { LatencyResult } from './latency.ts';
import { describeMachine } from './machine.ts';
import { summarise } from './profile-summary.ts';
import { benchMemory, benchStartup } from './startup-memory.ts';
import type { MemoryResult, StartupResult } from './startup-memory.ts';
import { round } from './stats.ts';
import { benchUiOpen, buildRenderer, chromiumAvailable } from './ui-open.ts';
import type { UiOpenResult } from './ui-open.ts';

interface Options {
  smoke: boolean;
  only: Set<string>;
  deltachat: boolean;
  ui: boolean;
  profile: boolean;
  out: string | null;
  keep: boolean;
  fromSource: boolean;
}

function parseArgs(argv: string[]): Options {
  const flag = (name: string) => argv.includes(`--${name}`);
  const value = (name: string) =>
    argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? null;
  const only = value('only');
  return {
    smoke: flag('smoke'),
    only: new Set(only ? only.split(',') : ['latency', 'catchup', 'big']),
    deltachat: !flag('no-deltachat'),
    ui: !flag('no-ui'),
    profile: flag('profile'),
    out: value('out'),
    keep: flag('keep'),
    fromSource: flag('from-source'),
  };
}

const SIZES = {
  full: {
    latency: 30,
    catchup: 2000,
    catchupRounds: 3,
    big: 100_000,
    accounts: 10,
    launches: 3,
    uiAttempts: 3,
  },
  smoke: {
    latency: 3,
    catchup: 40,
    catchupRounds: 1,
    big: 2_000,
    accounts: 2,
    launches: 1,
    uiAttempts: 1,
  },
};
// A smoke that takes longer than this is stuck; the full run has Delta Chat's slow catch-up.
const TIME_LIMIT_MS = { full: 45 * 60_000, smoke: 5 * 60_000 };

interface Target {
  name: string;
  target: string;
  value: string;
  met: boolean | null;
}

async function main(): Promise<number> {
  const opts = parseArgs(process.argv.slice(2));
  const mode = opts.smoke ? 'smoke' : 'full';
  const sizes = SIZES[mode];
  const started = performance.now();
  const log = (line: string) => console.log(line);
  const notes: string[] = [];
  const durations: Record<string, number> = {};

  const deltachat = opts.deltachat && deltachatInstalled();
  if (opts.deltachat && !deltachat)
    notes.push('Delta Chat core is not installed: its columns are empty.');
  const machine = describeMachine(deltachatVersion());
  log(
    `Estafette benchmark (${mode}) on ${machine.cpu}, ${machine.cores} cores, load ${machine.loadAtStart.join(' ')}`,
  );

  const workDir = await mkdtemp(join(os.tmpdir(), 'estafette-bench-'));
  const ms = await startMailServer();
  const caFile = join(workDir, 'ca.pem');
  await writeFile(caFile, ms.info.caCertPem);
  const ctx: BenchContext = {
    ms,
    workDir,
    caFile,
    smoke: opts.smoke,
    profileDir: opts.profile ? join(workDir, 'profiles') : null,
    log,
  };
  if (!opts.fromSource && (opts.only.has('catchup') || opts.only.has('big'))) {
    // Child cores run the compiled build, as the app does (bench/build-core.ts).
    ctx.childScript = await compileCore(workDir);
  }
  const watchdog = setTimeout(() => {
    console.error(`bench: gave up after ${TIME_LIMIT_MS[mode] / 60_000} minutes (stuck?)`);
    void ms.teardown().finally(() => process.exit(2));
  }, TIME_LIMIT_MS[mode]);
  watchdog.unref();

  let latency: LatencyResult | null = null;
  let catchup: CatchupResult | null = null;
  let startup: StartupResult | null = null;
  let memory: MemoryResult | null = null;
  let memoryMany: MemoryResult | null = null;
  let ui: UiOpenResult | null = null;
  let failed = false;
  const step = async (name: string, run: () => Promise<void>) => {
    const t0 = performance.now();
    log(`\n${name}…`);
    try {
      await run();
    } catch (e) {
      failed = true;
      const text = e instanceof Error ? (e.stack ?? e.message) : String(e);
      notes.push(`${name} failed: ${e instanceof Error ? e.message : String(e)}`);
      console.error(`bench: ${name} failed\n${text}`);
    }
    durations[name] = round((performance.now() - t0) / 1000, 1) ?? 0;
  };

  try {
    if (opts.only.has('latency')) {
      await step('latency', async () => {
        latency = await benchLatency(ctx, sizes.latency, { deltachat });
        notes.push(...latency.notes);
      });
    }
    if (opts.only.has('catchup')) {
      await step('catch-up', async () => {
        catchup = await benchCatchup(ctx, sizes.catchup, {
          deltachat,
          deltachatTimeoutMs: Math.max(60_000, sizes.catchup * 250),
          rounds: sizes.catchupRounds,
        });
        notes.push(...catchup.notes);
        if (ctx.profileDir) printProfiles(join(ctx.profileDir, 'catchup'), log);
      });
    }
    if (opts.only.has('big')) {
      let big: EstafetteAccount | null = null;
      let newest = '';
      await step('big account', async () => {
        const [user, peer] = await Promise.all([ms.addUser('carol-big'), ms.addUser('dave-big')]);
        big = await createEstafetteAccount(ctx, user, 'Carol', {
          chatWith: { addr: peer.address, name: 'Dave' },
        });
        const t0 = performance.now();
        newest = seedMessages(big.dataDir, big.accountId, big.chatId ?? 0, sizes.big);
        log(`  seeded ${sizes.big} messages in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
      });
      const account = big as EstafetteAccount | null;
      if (account) {
        await step('start-up', async () => {
          startup = await benchStartup(ctx, account.dataDir, sizes.launches);
          log(`  launch → connected: ${startup.launchesMs.join(', ')} ms`);
        });
        await step('memory', async () => {
          memory = await benchMemory(ctx, account.dataDir, [account], sizes.big);
          log(`  RSS with one account of ${sizes.big}: ${memory.rssMb} MB`);
        });
        if (opts.ui) {
          await step('ui open', async () => {
            if (!chromiumAvailable()) {
              notes.push('Chromium is not installed (apt-get install chromium): no UI figures.');
              return;
            }
            let rendererDir: string;
            if (opts.smoke) {
              // The smoke does not build; it uses the checkout's build when there is one.
              rendererDir = join(process.cwd(), 'out', 'renderer');
              if (!existsSync(join(rendererDir, 'index.html'))) {
                notes.push('No renderer build in out/renderer: the smoke skipped the UI.');
                return;
              }
            } else {
              rendererDir = await buildRenderer(ctx);
            }
            ui = await benchUiOpen(ctx, account, {
              messages: sizes.big,
              newestText: newest,
              chatName: 'Dave',
              rendererDir,
              attempts: sizes.uiAttempts,
            });
            log(
              `  click → first rows: ${ui.openMs.join(', ')} ms; scroll frames median ${ui.frameMedianMs} ms, p95 ${ui.frameP95Ms} ms`,
            );
          });
        }
      }
      await step('memory, many accounts', async () => {
        const dataDir = await mkdtemp(join(workDir, 'many-'));
        const accounts: EstafetteAccount[] = [];
        for (let i = 0; i < sizes.accounts; i++) {
          const [user, peer] = await Promise.all([ms.addUser(`many${i}`), ms.addUser(`peer${i}`)]);
          const a = await createEstafetteAccount(ctx, user, `Many ${i}`, {
            dataDir,
            chatWith: { addr: peer.address, name: `Peer ${i}` },
          });
          seedMessages(dataDir, a.accountId, a.chatId ?? 0, sizes.big);
          accounts.push(a);
        }
        memoryMany = await benchMemory(ctx, dataDir, accounts, sizes.big);
        log(`  RSS with ${sizes.accounts} accounts of ${sizes.big}: ${memoryMany.rssMb} MB`);
      });
    }
  } finally {
    clearTimeout(watchdog);
    await ms.teardown({ keep: opts.keep });
    if (!opts.keep) await rm(workDir, { recursive: true, force: true });
  }

  machine.loadAtEnd = os.loadavg().map((l) => Math.round(l * 100) / 100);
  const results = assemble({
    mode,
    sizes,
    machine,
    latency,
    catchup,
    startup,
    memory,
    memoryMany,
    ui,
    notes,
    durations: { ...durations, total: round((performance.now() - started) / 1000, 1) ?? 0 },
  });
  printTable(results, log);
  const out =
    opts.out ??
    (opts.smoke ? join(os.tmpdir(), 'estafette-bench-smoke.json') : 'bench/results.json');
  await writeFile(out, `${JSON.stringify(results, null, 2)}\n`);
  log(`\nwrote ${out}`);
  return failed ? 1 : 0;
}

type Assembled = ReturnType<typeof assemble>;

function assemble(r: {
  mode: string;
  sizes: (typeof SIZES)['full'];
  machine: ReturnType<typeof describeMachine>;
  latency: LatencyResult | null;
  catchup: CatchupResult | null;
  startup: StartupResult | null;
  memory: MemoryResult | null;
  memoryMany: MemoryResult | null;
  ui: UiOpenResult | null;
  notes: string[];
  durations: Record<string, number>;
}) {
  const l = r.latency;
  const above = (v: number | null | undefined) =>
    v == null || l?.floor.medianMs == null ? null : round(v - l.floor.medianMs);
  const c = r.catchup;
  const latency = l && {
    count: l.count,
    floor_ms_median: l.floor.medianMs,
    floor_ms_p95: l.floor.p95Ms,
    estafette_ms_median: l.estafette.medianMs,
    estafette_ms_p95: l.estafette.p95Ms,
    deltachat_ms_median: l.deltachat?.medianMs ?? null,
    deltachat_ms_p95: l.deltachat?.p95Ms ?? null,
    estafette_above_floor_ms: above(l.estafette.medianMs),
    deltachat_above_floor_ms: above(l.deltachat?.medianMs),
    estafette_sent_ms_median: l.estafette.sendMedianMs,
    estafette_server_seen_ms_median: l.estafette.serverSeenMedianMs,
    estafette_receive_ms_median: l.estafette.receiveMedianMs,
    estafette_encrypted: l.estafette.encrypted,
  };
  const catchup = c && {
    n: c.n,
    estafette_s: c.estafette.seconds,
    deltachat_s: c.deltachat?.seconds ?? null,
    floor_s: c.floor.seconds,
    floor_fetch_s: c.floor.fetchSeconds,
    estafette_msgs_per_s: c.estafette.msgsPerSecond,
    deltachat_msgs_per_s: c.deltachat?.msgsPerSecond ?? null,
    floor_msgs_per_s: c.floor.msgsPerSecond,
    estafette_cpu_s: c.estafette.cpuSeconds,
    deltachat_cpu_s: c.deltachat?.cpuSeconds ?? null,
    floor_cpu_s: c.floor.cpuSeconds,
    estafette_cpu_ms_per_msg: c.estafette.cpuMsPerMessage,
    deltachat_cpu_ms_per_msg: c.deltachat?.cpuMsPerMessage ?? null,
    floor_cpu_ms_per_msg: c.floor.cpuMsPerMessage,
    estafette_main_thread_cpu_s: c.estafette.mainThreadCpuSeconds ?? null,
    estafette_rss_mb_after: c.estafette.rssMb ?? null,
    estafette_stored: c.estafette.stored,
    rounds: c.rounds,
    deltachat_stored: c.deltachat?.stored ?? null,
  };
  const ui = r.ui as UiOpenResult | null;
  const startup = r.startup as StartupResult | null;
  const memory = r.memory as MemoryResult | null;
  const memoryMany = r.memoryMany as MemoryResult | null;
  const results = {
    generatedAt: new Date().toISOString(),
    mode: r.mode,
    sizes: r.sizes,
    machine: r.machine,
    latency,
    catchup,
    ui_open_100k_ms: ui?.openMedianMs ?? null,
    ui: ui && {
      messages: ui.messages,
      open_ms: ui.openMs,
      scroll_frame_ms_median: ui.frameMedianMs,
      scroll_frame_ms_p95: ui.frameP95Ms,
      scroll_frame_ms_max: ui.frameMaxMs,
      scroll_slow_frames_percent: ui.slowFramesPercent,
      scroll_frames: ui.scrollFrames,
      rows_in_dom: ui.rowsInDom,
    },
    rss_mb_100k: memory?.rssMb ?? null,
    rss_mb_10_accounts: memoryMany?.rssMb ?? null,
    memory: { one: memory, many: memoryMany },
    startup_ms_100k: startup?.medianMs ?? null,
    startup: startup,
    targets: [] as Target[],
    notes: r.notes,
    durations_s: r.durations,
  };
  results.targets = targetsOf(results);
  return results;
}

function targetsOf(r: {
  latency: {
    estafette_above_floor_ms: number | null;
    deltachat_above_floor_ms: number | null;
  } | null;
  catchup: {
    estafette_msgs_per_s: number | null;
    deltachat_msgs_per_s: number | null;
    floor_msgs_per_s: number | null;
  } | null;
  ui_open_100k_ms: number | null;
  rss_mb_100k: number | null;
  startup_ms_100k: number | null;
}): Target[] {
  const t: Target[] = [];
  const ms = (v: number | null) => (v === null ? '–' : `${v} ms`);
  const e = r.latency?.estafette_above_floor_ms ?? null;
  const d = r.latency?.deltachat_above_floor_ms ?? null;
  t.push({
    name: 'latency above floor',
    target: '≤ 20 ms',
    value: ms(e),
    met: e === null ? null : e <= 20,
  });
  t.push({
    name: 'latency above floor vs Delta Chat',
    target: '< ½ of Delta Chat’s',
    value: e === null || d === null ? '–' : `${e} vs ${d} ms`,
    met: e === null || d === null ? null : e < d / 2,
  });
  const ce = r.catchup?.estafette_msgs_per_s ?? null;
  const cd = r.catchup?.deltachat_msgs_per_s ?? null;
  const cf = r.catchup?.floor_msgs_per_s ?? null;
  t.push({
    name: 'catch-up vs Delta Chat',
    target: '≥ 5×',
    value: ce === null || cd === null ? '–' : `${round(ce / cd, 1)}×`,
    met: ce === null || cd === null ? null : ce >= 5 * cd,
  });
  t.push({
    name: 'catch-up vs single-thread floor',
    target: '≥ 70 %',
    value: ce === null || cf === null ? '–' : `${round((100 * ce) / cf, 0)} %`,
    met: ce === null || cf === null ? null : ce >= 0.7 * cf,
  });
  const u = r.ui_open_100k_ms;
  t.push({
    name: 'big chat first rows',
    target: '< 100 ms',
    value: ms(u),
    met: u === null ? null : u < 100,
  });
  const m = r.rss_mb_100k;
  t.push({
    name: 'RSS, 100,000 messages',
    target: '< 150 MB',
    value: m === null ? '–' : `${m} MB`,
    met: m === null ? null : m < 150,
  });
  const s = r.startup_ms_100k;
  t.push({
    name: 'start-up to connected',
    target: '< 500 ms',
    value: ms(s),
    met: s === null ? null : s < 500,
  });
  return t;
}

function printTable(r: Assembled, log: (line: string) => void): void {
  const rows: string[][] = [['Figure', 'Estafette', 'Delta Chat', 'Floor']];
  const f = (v: number | null | undefined, unit = '') => (v == null ? '–' : `${v}${unit}`);
  if (r.latency) {
    const l = r.latency;
    rows.push([
      'latency median (ms)',
      f(l.estafette_ms_median),
      f(l.deltachat_ms_median),
      f(l.floor_ms_median),
    ]);
    rows.push([
      'latency p95 (ms)',
      f(l.estafette_ms_p95),
      f(l.deltachat_ms_p95),
      f(l.floor_ms_p95),
    ]);
    rows.push([
      '  above the floor (ms)',
      f(l.estafette_above_floor_ms),
      f(l.deltachat_above_floor_ms),
      '0',
    ]);
  }
  if (r.catchup) {
    const c = r.catchup;
    rows.push([`catch-up of ${c.n} (s)`, f(c.estafette_s), f(c.deltachat_s), f(c.floor_s)]);
    rows.push([
      '  messages/s',
      f(c.estafette_msgs_per_s),
      f(c.deltachat_msgs_per_s),
      f(c.floor_msgs_per_s),
    ]);
    rows.push(['  CPU s', f(c.estafette_cpu_s), f(c.deltachat_cpu_s), f(c.floor_cpu_s)]);
    rows.push([
      '  CPU ms/message',
      f(c.estafette_cpu_ms_per_msg),
      f(c.deltachat_cpu_ms_per_msg),
      f(c.floor_cpu_ms_per_msg),
    ]);
  }
  const n = r.sizes.big.toLocaleString('en');
  rows.push([`open chat of ${n}, first rows (ms)`, f(r.ui_open_100k_ms), '', '']);
  if (r.ui)
    rows.push([
      '  scroll frame median / p95 (ms)',
      `${f(r.ui.scroll_frame_ms_median)} / ${f(r.ui.scroll_frame_ms_p95)}`,
      '',
      '',
    ]);
  rows.push([`RSS, 1 account of ${n} (MB)`, f(r.rss_mb_100k), '', '']);
  rows.push([`RSS, ${r.sizes.accounts} accounts of ${n} (MB)`, f(r.rss_mb_10_accounts), '', '']);
  rows.push([`start-up to connected, ${n} (ms)`, f(r.startup_ms_100k), '', '']);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? '').length)));
  log('');
  for (const [i, row] of rows.entries()) {
    log(
      row
        .map((cell, j) => (j === 0 ? cell.padEnd(widths[j]!) : cell.padStart(widths[j]!)))
        .join('  '),
    );
    if (i === 0) log(widths.map((w) => '-'.repeat(w)).join('  '));
  }
  log('');
  if (r.mode === 'smoke')
    log('(smoke sizes: the targets are meant for the full run, npm run bench)');
  for (const t of r.targets) {
    const mark = t.met === null ? '?' : t.met ? 'yes' : 'NO';
    log(`${mark.padEnd(4)} ${t.name}: ${t.value} (target ${t.target})`);
  }
  if (r.notes.length > 0) log(`\nnotes:\n${r.notes.map((n) => `- ${n}`).join('\n')}`);
}

function printProfiles(dir: string, log: (line: string) => void): void {
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'))) {
    const s = summarise(JSON.parse(readFileSync(join(dir, file), 'utf8')));
    log(`  profile ${join(dir, file)}: ${s.total.toFixed(0)} ms sampled`);
    for (const [fn, ms] of s.functions.slice(0, 12)) log(`    ${ms.toFixed(0).padStart(6)}  ${fn}`);
  }
}

function deltachatInstalled(): boolean {
  try {
    return existsSync(
      join(process.cwd(), 'node_modules', '@deltachat', 'stdio-rpc-server', 'package.json'),
    );
  } catch {
    return false;
  }
}

function deltachatVersion(): string {
  try {
    const pkg = JSON.parse(
      readFileSync(
        join(process.cwd(), 'node_modules', '@deltachat', 'stdio-rpc-server', 'package.json'),
        'utf8',
      ),
    ) as { version?: string };
    return `deltachat-rpc-server ${pkg.version ?? '?'}`;
  } catch {
    return 'not installed';
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
