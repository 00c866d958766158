// Running Postfix and Dovecot: start, stop, find their processes, and reap servers whose
// owner died. Both masters daemonize and lead their own session, so every process of a server
// can be found from the masters' pids, or from their command lines when the pid files are gone.
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { readFile, readdir, rm, stat } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DIR_PREFIX, readInfo, readState } from './state.ts';

export const POSTFIX_MASTER = '/usr/lib/postfix/sbin/master';
export const DOVECOT = '/usr/sbin/dovecot';
export const DOVEADM = '/usr/bin/doveadm';

/** Starts both daemons of `dir` (no-op if running) and waits until every port greets. */
export async function launch(dir: string): Promise<void> {
  const info = await readInfo(dir);
  const running = await masterPids(dir);
  if (running.postfix !== null && running.dovecot !== null) return;
  if (running.postfix !== null || running.dovecot !== null) await halt(dir);
  // Checked up front because Postfix, failing to bind, says nothing we can read (its log
  // daemon is not up yet) and takes two seconds to say it.
  for (const [name, port] of Object.entries(info.ports)) {
    if (!(await portIsFree(port))) {
      throw new Error(`mailserver: port ${port} (${name}) on 127.0.0.1 is already in use`);
    }
  }
  // Both start in parallel: Postfix needs Dovecot's sockets only when mail arrives, and
  // retries if they are late. allSettled, so that when one fails the other has finished
  // starting before a cleanup looks for processes to stop.
  const results = await Promise.allSettled([
    runDaemon(dir, 'postfix', POSTFIX_MASTER, ['-c', join(dir, 'postfix'), '-w']),
    runDaemon(dir, 'dovecot', DOVECOT, ['-c', join(dir, 'dovecot', 'dovecot.conf')]),
  ]);
  const failures = results.flatMap((result) =>
    result.status === 'rejected' ? [String(result.reason)] : [],
  );
  if (failures.length > 0) throw new Error(failures.join('\n'));
  await Promise.all([
    waitForGreeting(info.ports.imap, '* OK'),
    waitForGreeting(info.ports.inject, '220 '),
    waitForGreeting(info.ports.submission, '220 '),
    waitForGreeting(info.ports.imaps, null),
    waitForGreeting(info.ports.smtps, null),
  ]);
}

// Both commands fork the real daemon and exit once it is listening (or has failed).
function runDaemon(dir: string, name: string, command: string, args: string[]): Promise<void> {
  const logFile = join(dir, 'logs', `${name}.stdio.log`);
  const fd = openSync(logFile, 'a');
  return new Promise<void>((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', fd, fd], detached: true });
    closeSync(fd);
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) {
        resolve();
        return;
      }
      void readFile(logFile, 'utf8').then((log) => {
        const tail = log.trim().split('\n').slice(-5).join('\n');
        reject(
          new Error(
            `mailserver: ${name} failed to start (exit ${code}); logs in ${join(dir, 'logs')}` +
              (tail ? `:\n${tail}` : ''),
          ),
        );
      });
    });
  });
}

async function waitForGreeting(port: number, greeting: string | null): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port });
      let received = '';
      const done = (result: boolean) => {
        socket.destroy();
        resolve(result);
      };
      socket.setTimeout(3000, () => done(false));
      socket.once('error', () => done(false));
      socket.once('connect', () => {
        if (greeting === null) done(true);
      });
      socket.on('data', (chunk: Buffer) => {
        received += chunk.toString('latin1');
        if (greeting !== null && received.includes('\n')) done(received.startsWith(greeting));
      });
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`mailserver: port ${port} never became ready`);
    await sleep(20);
  }
}

/** Stops both daemons and waits until every process of theirs is gone and the ports are free. */
export async function halt(dir: string): Promise<void> {
  const pids = await masterPids(dir);
  const masters = [pids.postfix, pids.dovecot].filter((pid): pid is number => pid !== null);
  // Postfix's and Dovecot's masters each lead their own session; every child shares it.
  const members = await sessionMembers(masters);
  // SIGTERM is what `postfix stop` and `doveadm stop` send; both masters then end their children.
  for (const pid of masters) signal(pid, 'SIGTERM');
  const started = Date.now();
  const deadline = started + 10_000;
  let nudged = false;
  while (members.some(isAlive)) {
    // Dovecot's master asks its last helpers (log, anvil, config) to quit, then sleeps a full
    // second before looking again; ending them ourselves cuts that second off every stop.
    if (!nudged && Date.now() > started + 50) {
      nudged = true;
      for (const member of members.filter(isAlive)) {
        if (!masters.includes(member.pid)) signal(member.pid, 'SIGTERM');
      }
    }
    if (Date.now() > deadline) {
      for (const member of members.filter(isAlive)) signal(member.pid, 'SIGKILL');
      await sleep(100);
      break;
    }
    await sleep(15);
  }
  // Ports of daemons that were not running may well be someone else's: only wait for ours.
  const info = members.length > 0 ? await readInfo(dir).catch(() => null) : null;
  if (!info) return;
  for (const port of Object.values(info.ports)) {
    const portDeadline = Date.now() + 5_000;
    while (!(await portIsFree(port))) {
      if (Date.now() > portDeadline)
        throw new Error(`mailserver: port ${port} still busy after stop`);
      await sleep(20);
    }
  }
}

interface ProcessRef {
  pid: number;
  start: string;
}

/** The pids of the server's Postfix and Dovecot masters, null where not running. */
export async function masterPids(
  dir: string,
): Promise<{ postfix: number | null; dovecot: number | null }> {
  const read = async (file: string, expectedName: string) => {
    const text = await readFile(file, 'utf8').catch(() => '');
    const pid = Number.parseInt(text.trim(), 10);
    if (!Number.isInteger(pid) || pid <= 0) return null;
    // A stale pid file may name an unrelated process by now.
    const comm = await readFile(`/proc/${pid}/comm`, 'utf8').catch(() => '');
    return comm.trim() === expectedName ? pid : null;
  };
  const postfixArgs = [POSTFIX_MASTER, '-c', join(dir, 'postfix'), '-w'];
  const dovecotArgs = [DOVECOT, '-c', join(dir, 'dovecot', 'dovecot.conf')];
  const [postfix, dovecot] = await Promise.all([
    read(join(dir, 'postfix', 'queue', 'pid', 'master.pid'), 'master'),
    read(join(dir, 'dovecot', 'run', 'master.pid'), 'dovecot'),
  ]);
  if (postfix !== null && dovecot !== null) return { postfix, dovecot };
  // Pid files gone (a directory deleted under running daemons): the masters still carry the
  // exact command lines they were started with.
  const found = await processesByCommandLine([postfixArgs, dovecotArgs]);
  return { postfix: postfix ?? found[0] ?? null, dovecot: dovecot ?? found[1] ?? null };
}

async function processesByCommandLine(wanted: string[][]): Promise<(number | undefined)[]> {
  const keys = wanted.map((args) => args.join('\0'));
  const found: (number | undefined)[] = keys.map(() => undefined);
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    const index = keys.indexOf(cmdline.replace(/\0$/, ''));
    if (index >= 0) found[index] = Number(entry);
  }
  return found;
}

async function sessionMembers(leaders: number[]): Promise<ProcessRef[]> {
  if (leaders.length === 0) return [];
  const members: ProcessRef[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = await statFields(Number(entry));
    // Fields after the command: [0] state, [1] ppid, [2] pgrp, [3] session, ..., [19] starttime.
    if (fields && leaders.includes(Number(fields[3])) && fields[19]) {
      members.push({ pid: Number(entry), start: fields[19] });
    }
  }
  return members;
}

async function statFields(pid: number): Promise<string[] | null> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null);
  if (text === null) return null;
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
}

function isAlive(ref: ProcessRef): boolean {
  // Synchronous read keeps the polling loop simple; /proc reads never block.
  const text = readFileSyncSafe(`/proc/${ref.pid}/stat`);
  if (text === null) return false;
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // A zombie has exited; its parent (a dying master) just has not reaped it yet.
  return fields[19] === ref.start && fields[0] !== 'Z';
}

/** The start time of a process (clock ticks since boot), null if it does not exist. */
export async function processStartTime(pid: number): Promise<string | null> {
  const fields = await statFields(pid);
  return fields?.[19] ?? null;
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // Already gone.
  }
}

/** Stops servers under `parent` whose owner died untidily, and daemons whose directory is gone. */
export async function reapAbandonedServers(parent: string): Promise<void> {
  const entries = await readdir(parent).catch(() => [] as string[]);
  for (const entry of entries) {
    if (!entry.startsWith(DIR_PREFIX)) continue;
    const dir = join(parent, entry);
    const state = await readState(dir).catch(() => null);
    if (!state || state.ownerPid === null) continue;
    if ((await processStartTime(state.ownerPid)) === state.ownerStart) continue;
    await halt(dir).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
  // Daemons whose directory was deleted under them have no owner record left at all.
  for (const dir of await daemonDirectories()) {
    if (dirname(dir) === parent && !(await exists(dir))) await halt(dir).catch(() => undefined);
  }
}

// The server directories named on the command lines of running Postfix and Dovecot masters.
async function daemonDirectories(): Promise<Set<string>> {
  const dirs = new Set<string>();
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const args = (await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')).split('\0');
    if (args[0] !== POSTFIX_MASTER && args[0] !== DOVECOT) continue;
    const config = args[1] === '-c' ? args[2] : undefined;
    const dir = config?.slice(0, config.indexOf('/', config.lastIndexOf(`/${DIR_PREFIX}`) + 1));
    if (dir?.includes(`/${DIR_PREFIX}`)) dirs.add(dir);
  }
  return dirs;
}

/** Whether a TCP port on 127.0.0.1 can be bound right now. */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ host: '127.0.0.1', port, exclusive: true }, () => {
      probe.close(() => resolve(true));
    });
  });
}

/** Whether both daemons of the server in `dir` are running. */
export async function isRunning(dir: string): Promise<boolean> {
  const pids = await masterPids(dir);
  return pids.postfix !== null && pids.dovecot !== null;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

function readFileSyncSafe(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}
