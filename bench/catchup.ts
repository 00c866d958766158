/**
 * Catch-up: N encrypted chat messages from one sender wait in the INBOX while the recipient is
 * offline; the time from starting IO to all of them stored, and the CPU seconds it took.
 * Estafette (a core in its own process), Delta Chat core (its rpc server process), and the
 * floor for Node (bench/floor-child.ts: imapflow fetch + openpgp.js decrypt+verify, one thread).
 */
import { execFile } from 'node:child_process';
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { readPublicKey } from '../main/core/crypto/keys.ts';
import type { BenchContext } from './context.ts';
import { createEstafetteAccount } from './context.ts';
import { craftBacklog, inject, makeIdentity } from './backlog.ts';
import type { Identity } from './backlog.ts';
import { CoreChild } from './core-process.ts';
import { configureAccount, startDeltaChatProcess, waitForEvent } from './deltachat.ts';
import type { FloorParams } from './floor-child.ts';
import { median, round } from './stats.ts';

const execFileAsync = promisify(execFile);

export interface CatchupSide {
  seconds: number | null;
  /** Estafette only: CPU seconds of its main thread (the rest ran on worker threads). */
  mainThreadCpuSeconds?: number | null;
  /** Estafette only: the core's RSS when it had stored everything (workers still alive). */
  rssMb?: number | null;
  msgsPerSecond: number | null;
  cpuSeconds: number | null;
  /** CPU milliseconds per message. */
  cpuMsPerMessage: number | null;
  stored: number;
}

export interface CatchupResult {
  n: number;
  estafette: CatchupSide;
  deltachat: CatchupSide | null;
  floor: CatchupSide & { fetchSeconds: number | null };
  /** Every run of the floor and of Estafette, in the order they ran. */
  rounds: { floor: CatchupSide[]; estafette: CatchupSide[] };
  notes: string[];
}

export async function benchCatchup(
  ctx: BenchContext,
  n: number,
  opts: { deltachat: boolean; deltachatTimeoutMs: number; rounds: number },
): Promise<CatchupResult> {
  const notes: string[] = [];
  const domain = ctx.ms.info.domain;
  const sender = await makeIdentity(`backlog-sender-${Date.now().toString(36)}@${domain}`, 'Alice');

  // Estafette's recipient: an account made on disk, not connected yet.
  const bobUser = await ctx.ms.addUser('bob-catchup');
  const bob = await createEstafetteAccount(ctx, bobUser, 'Bob');

  // Delta Chat's recipient: configured and idle once (a fresh account ignores older mail), the
  // sender imported from a vCard so the messages land in an accepted chat, then offline.
  const dcDir = join(ctx.workDir, 'deltachat-catchup');
  const dcp = opts.deltachat ? startDeltaChatProcess(dcDir) : null;
  let dcAccount = 0;
  let dcChat = 0;
  let dcUser = null;
  let dcPublicArmored = '';
  if (dcp) {
    dcUser = await ctx.ms.addUser('dc-catchup');
    dcAccount = await configureAccount(dcp.dc, ctx.ms.info, dcUser, 'Dora');
    const idle = waitForEvent(dcp.dc, dcAccount, 'ImapInboxIdle', () => true, 60_000);
    await dcp.dc.rpc.startIo(dcAccount);
    await idle;
    const [contactId] = await dcp.dc.rpc.importVcardContents(dcAccount, vcardOf(sender));
    if (contactId === undefined) throw new Error('Delta Chat did not import the sender');
    dcChat = await dcp.dc.rpc.createChatByContactId(dcAccount, contactId);
    await dcp.dc.rpc.stopIo(dcAccount);
    dcPublicArmored = await armoredFromVcard(await dcp.dc.rpc.makeVcard(dcAccount, [1]));
  }

  const t0 = performance.now();
  const [forBob, forDc] = await Promise.all([
    craftBacklog({
      sender,
      recipient: { addr: bobUser.address, name: 'Bob' },
      recipientPublicArmored: bob.publicArmored,
      total: n,
      label: 'Backlog',
    }),
    dcUser
      ? craftBacklog({
          sender,
          recipient: { addr: dcUser.address, name: 'Dora' },
          recipientPublicArmored: dcPublicArmored,
          total: n,
          label: 'Backlog',
        })
      : Promise.resolve([]),
  ]);
  const t1 = performance.now();
  await inject(ctx.ms.info, { from: sender.addr, to: bobUser }, forBob, n, 120_000);
  if (dcUser) await inject(ctx.ms.info, { from: sender.addr, to: dcUser }, forDc, n, 120_000);
  ctx.log(
    `  backlog: ${n} messages per recipient crafted in ${((t1 - t0) / 1000).toFixed(1)} s, delivered in ${((performance.now() - t1) / 1000).toFixed(1)} s`,
  );

  // The floor and Estafette take turns (three times in a full run, each Estafette run on a fresh
  // copy of the account), so that a change in the machine's load hits both alike; the median
  // run of each is kept.
  const pristine = `${bob.dataDir}-pristine`;
  await copyDataDir(bob.dataDir, pristine);
  const floors: (CatchupSide & { fetchSeconds: number | null })[] = [];
  const runs: CatchupSide[] = [];
  for (let turn = 0; turn < opts.rounds; turn++) {
    const f = await runFloor(ctx, bob.user, bob.secretArmored, sender);
    ctx.log(`  floor: ${fmt(f)}`);
    floors.push(f);
    const dataDir = turn === 0 ? bob.dataDir : `${bob.dataDir}-${turn}`;
    if (turn > 0) await copyDataDir(pristine, dataDir);
    const e = await runEstafette(ctx, dataDir, bob.accountId, n, notes, turn === 0);
    ctx.log(`  estafette: ${fmt(e)}`);
    runs.push(e);
  }
  const floor = {
    ...medianSide(floors),
    fetchSeconds: round(median(floors.map((f) => f.fetchSeconds ?? NaN)), 3),
  };
  const estafette = medianSide(runs);

  let deltachat: CatchupSide | null = null;
  if (dcp) {
    try {
      deltachat = await runDeltaChat(dcp, dcAccount, dcChat, n, opts.deltachatTimeoutMs, notes);
      ctx.log(`  deltachat: ${fmt(deltachat)}`);
    } finally {
      await dcp.close();
    }
  }
  return { n, estafette, deltachat, floor, rounds: { floor: floors, estafette: runs }, notes };
}

/** Estafette's catch-up: a core in its own process starts IO on an account that is behind. */
async function runEstafette(
  ctx: BenchContext,
  dataDir: string,
  accountId: number,
  n: number,
  notes: string[],
  profile: boolean,
): Promise<CatchupSide> {
  const child = new CoreChild({
    dataDir,
    caFile: ctx.caFile,
    startIo: false,
    script: ctx.childScript,
    ...(ctx.profileDir && profile ? { cpuProfileDir: join(ctx.profileDir, 'catchup') } : {}),
  });
  try {
    await child.waitFor('ready', 60_000);
    child.send({ cmd: 'startIo' });
    child.send({ cmd: 'waitStored', n, timeoutMs: Math.max(60_000, n * 100) });
    const r = await child.waitFor('stored', Math.max(90_000, n * 120));
    if (r.timedOut) notes.push(`Estafette stored only ${r.count} of ${n} in time.`);
    const [chat] = await child.call('listChats', { accountId });
    const count = chat
      ? (await child.call('getMessageCount', { accountId, chatId: chat.id })).count
      : 0;
    if (count !== n) notes.push(`Estafette's chat holds ${count} messages, expected ${n}.`);
    return {
      ...side(r.ms / 1000, r.cpuSeconds, r.count, n),
      mainThreadCpuSeconds: round(r.mainThreadCpuSeconds, 2),
      rssMb: round(r.rssMb),
    };
  } finally {
    await child.close();
  }
}

/** Copies a data directory; its registry names account directories by absolute path. */
async function copyDataDir(from: string, to: string): Promise<void> {
  await cp(from, to, { recursive: true });
  const file = join(to, 'accounts.json');
  const registry = JSON.parse(await readFile(file, 'utf8')) as { accounts: { dir: string }[] };
  for (const a of registry.accounts) a.dir = a.dir.replace(from, to);
  await writeFile(file, JSON.stringify(registry));
  await rm(join(to, 'estafette.lock'), { force: true });
}

/** The run with the median time (its own CPU and counts, not a mix of runs). */
function medianSide<T extends CatchupSide>(runs: T[]): T {
  const sorted = [...runs].sort((a, b) => (a.seconds ?? Infinity) - (b.seconds ?? Infinity));
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

async function runFloor(
  ctx: BenchContext,
  user: { address: string; password: string },
  secretArmored: string,
  sender: Identity,
): Promise<CatchupSide & { fetchSeconds: number | null }> {
  const params: FloorParams = {
    host: ctx.ms.info.host,
    port: ctx.ms.info.ports.imaps,
    user: user.address,
    password: user.password,
    caPem: ctx.ms.info.caCertPem,
    secretArmored,
    senderPublicArmored: sender.publicArmored,
  };
  const file = join(ctx.workDir, 'floor-params.json');
  await writeFile(file, JSON.stringify(params), { mode: 0o600 });
  const { stdout } = await execFileAsync(
    process.execPath,
    [new URL('./floor-child.ts', import.meta.url).pathname, file],
    { timeout: 600_000, maxBuffer: 1 << 20 },
  );
  const r = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as {
    n: number;
    valid: number;
    fetchMs: number;
    totalMs: number;
    cpuSeconds: number;
  };
  return {
    ...side(r.totalMs / 1000, r.cpuSeconds, r.valid, r.n),
    fetchSeconds: round(r.fetchMs / 1000, 3),
  };
}

async function runDeltaChat(
  dcp: ReturnType<typeof startDeltaChatProcess>,
  account: number,
  chatId: number,
  n: number,
  timeoutMs: number,
  notes: string[],
): Promise<CatchupSide> {
  let incoming = 0;
  let lastAt = 0;
  let done: (() => void) | null = null;
  const start = performance.now();
  const listener = (contextId: number, event: { kind: string }) => {
    if (contextId !== account || event.kind !== 'IncomingMsg') return;
    incoming++;
    lastAt = performance.now();
    if (incoming >= n) done?.();
  };
  dcp.dc.on('ALL', listener);
  const cpu0 = await dcp.cpuSeconds();
  const started = performance.now();
  await dcp.dc.rpc.startIo(account);
  // IncomingMsg is the signal; the chat's size is polled too in case events are coalesced.
  const finished = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    const poll = setInterval(() => {
      void dcp.dc.rpc
        .getMessageIds(account, chatId, false, false)
        .then((ids) => {
          if (ids.length >= n && incoming < n) {
            lastAt = performance.now();
            incoming = ids.length;
            done?.();
          }
        })
        .catch(() => {});
    }, 2_000);
    done = () => {
      clearTimeout(timer);
      clearInterval(poll);
      resolve(true);
    };
    if (incoming >= n) done();
  });
  dcp.dc.off('ALL', listener);
  const cpu = (await dcp.cpuSeconds()) - cpu0;
  const stored = (await dcp.dc.rpc.getMessageIds(account, chatId, false, false)).length;
  await dcp.dc.rpc.stopIo(account).catch(() => null);
  if (!finished) notes.push(`Delta Chat stored ${stored} of ${n} within ${timeoutMs / 1000} s.`);
  void start;
  const seconds = ((finished ? lastAt : performance.now()) - started) / 1000;
  return side(seconds, cpu, stored, n);
}

function side(seconds: number, cpuSeconds: number, stored: number, n: number): CatchupSide {
  return {
    seconds: round(seconds, 3),
    msgsPerSecond: round(stored / seconds, 1),
    cpuSeconds: round(cpuSeconds, 2),
    cpuMsPerMessage: round((cpuSeconds * 1000) / Math.max(1, n), 2),
    stored,
  };
}

function fmt(s: CatchupSide): string {
  const main = s.mainThreadCpuSeconds != null ? ` (main thread ${s.mainThreadCpuSeconds})` : '';
  return `${s.stored} in ${s.seconds} s = ${s.msgsPerSecond} msg/s, ${s.cpuSeconds} CPU s${main}`;
}

/** A vCard as Delta Chat writes them (makeVcard): address, name and the Autocrypt key. */
function vcardOf(id: Identity): string {
  return [
    'BEGIN:VCARD',
    'VERSION:4.0',
    `EMAIL:${id.addr}`,
    `FN:${id.name}`,
    `KEY:data:application/pgp-keys;base64\\,${id.keydata}`,
    'END:VCARD',
    '',
  ].join('\r\n');
}

/** The armored public key inside a Delta Chat vCard. */
async function armoredFromVcard(vcard: string): Promise<string> {
  const unfolded = vcard.replace(/\r?\n[ \t]/g, '');
  const base64 = /^KEY:data:application\/pgp-keys;base64\\?,(\S+)/m.exec(unfolded)?.[1];
  if (!base64) throw new Error(`the Delta Chat vCard has no key: ${vcard}`);
  const key = await readPublicKey(Buffer.from(base64, 'base64'));
  return key.armor();
}
