/** A description of the machine and its load, stored with the results (ratios need context). */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface MachineDescription {
  cpu: string;
  cores: number;
  memoryGb: number;
  os: string;
  node: string;
  /** 1-, 5- and 15-minute load averages when the run started and when it ended. */
  loadAtStart: number[];
  loadAtEnd?: number[];
  deltachat: string;
  postfix: string;
  dovecot: string;
  note: string;
}

export function describeMachine(deltachatVersion: string): MachineDescription {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    os: osRelease(),
    node: process.version,
    loadAtStart: os.loadavg().map((l) => Math.round(l * 100) / 100),
    deltachat: deltachatVersion,
    postfix: commandOutput('/usr/sbin/postconf', ['-d', '-h', 'mail_version']),
    dovecot: commandOutput('/usr/sbin/dovecot', ['--version']),
    note: 'Shared build machine; other jobs may run at the same time (see the load averages).',
  };
}

function osRelease(): string {
  try {
    const text = readFileSync('/etc/os-release', 'utf8');
    const name = /^PRETTY_NAME="?([^"\n]*)"?/m.exec(text)?.[1];
    return `${name ?? os.type()} (${os.release()})`;
  } catch {
    return `${os.type()} ${os.release()}`;
  }
}

function commandOutput(file: string, args: string[]): string {
  try {
    return execFileSync(file, args, { encoding: 'utf8', timeout: 5_000 }).trim();
  } catch {
    return 'unknown';
  }
}
