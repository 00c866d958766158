// A real Postfix + Dovecot pair on loopback, run from one private directory: configuration,
// TLS material, queue, mailboxes and logs all live there, nothing in /etc is read or changed,
// and nothing ever leaves the machine. Every operation works from the directory alone, so a
// test worker, the CLI and the global setup can all drive the same server. This file is the
// public handle, users and mail; configuration.ts writes the daemons' files, daemons.ts runs
// them, state.ts is the directory's record of itself.
//
// Layout of the directory:
//   server.json          MailServerInfo + owner process (for reaping abandoned servers)
//   tls/                 test CA and server certificate
//   dovecot/dovecot.conf, dovecot/users/<domain>/<local> (one passwd-file per user), run/
//   postfix/main.cf, master.cf, recipient-policy.sh, queue/, data/
//   mail/<domain>/<local>/Maildir
//   logs/                postfix.log, dovecot.log and the daemons' stdio
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  chmod,
  chown,
  mkdir,
  mkdtemp,
  readFile,
  readdir,
  rename,
  rm,
  stat,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import nodemailer from 'nodemailer';
import { makeCertificates, writeConfiguration } from './configuration.ts';
import {
  DOVEADM,
  DOVECOT,
  POSTFIX_MASTER,
  halt,
  launch,
  masterPids,
  portIsFree,
  processStartTime,
  reapAbandonedServers,
} from './daemons.ts';
import { DIR_PREFIX, readInfo, readState, writeState } from './state.ts';
import type { MailServerInfo, ServerState } from './state.ts';

export type { MailServerInfo } from './state.ts';
export { isRunning } from './daemons.ts';
export { readInfo } from './state.ts';

const execFileAsync = promisify(execFile);

export interface TestUser {
  address: string;
  password: string;
}

export interface MailServer {
  readonly info: MailServerInfo;
  /** Creates a mailbox (random `name-xxxxx` local part by default); resolves once Dovecot knows it. */
  addUser(localPart?: string): Promise<TestUser>;
  /** Delivers raw mail through the no-auth port; resolves once Postfix has delivered it. */
  inject(raw: string | Buffer, envelope: { from: string; to: string[] }): Promise<void>;
  stop(): Promise<void>;
  start(): Promise<void>;
  restart(): Promise<void>;
  /** Raw message files of the user's INBOX (Maildir new + cur), oldest first. */
  mailbox(address: string): Promise<{ file: string; raw: Buffer }[]>;
}

export interface StartOptions {
  /** Test mail domain; default `estafette.test`. */
  domain?: string;
  /** Pins ports to base+143, +993, +587, +465, +25; default `ESTAFETTE_MAIL_PORT_BASE` or random. */
  portBase?: number;
  /** Parent of the private directory; default the OS temp dir. */
  parentDir?: string;
  /**
   * The process whose death makes the server abandoned (reaped by the next start); null for a
   * server meant to outlive its starter, like the CLI's. Default: this process.
   */
  ownerPid?: number | null;
}

type PortName = keyof MailServerInfo['ports'];

const DEFAULT_DOMAIN = 'estafette.test';
const STANDARD_PORTS: Record<PortName, number> = {
  imap: 143,
  imaps: 993,
  submission: 587,
  smtps: 465,
  inject: 25,
};
// Below Linux's ephemeral range (32768+), so outgoing connections never take our ports while
// the server is down for a restart.
const RANDOM_PORT_MIN = 20000;
const RANDOM_PORT_MAX = 32700;
const NAMES = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy'];

interface Accounts {
  vmail: { uid: number; gid: number };
  postfix: { uid: number; gid: number };
  dovecotGid: number;
  postdropGid: number;
}

/** Starts a fresh server in a new private directory; `teardown` stops it and deletes the directory. */
export async function startMailServer(
  options: StartOptions = {},
): Promise<MailServer & { teardown(options?: { keep?: boolean }): Promise<void> }> {
  await checkPrerequisites();
  await reapAbandonedServers(options.parentDir ?? tmpdir());
  const domain = (options.domain ?? DEFAULT_DOMAIN).toLowerCase();
  const envBase = process.env.ESTAFETTE_MAIL_PORT_BASE;
  const portBase = options.portBase ?? (envBase ? Number(envBase) : undefined);
  if (portBase !== undefined && !(Number.isInteger(portBase) && portBase > 0)) {
    throw new Error(`mailserver: port base must be a positive integer, got ${String(portBase)}`);
  }
  const dir = await mkdtemp(join(options.parentDir ?? tmpdir(), DIR_PREFIX));
  const ownerPid = options.ownerPid === undefined ? process.pid : options.ownerPid;
  try {
    await prepareDirectory(dir, domain, await cachedAccounts());
    // Random ports can lose a race with another process between the check and the daemons'
    // bind: then pick new ones. Pinned ports get one attempt.
    for (let attempt = 1; ; attempt++) {
      const ports = portBase !== undefined ? pinnedPorts(portBase) : await randomFreePorts();
      const state: ServerState = {
        info: { dir, host: '127.0.0.1', domain, ports },
        ownerPid,
        ownerStart: ownerPid === null ? null : await processStartTime(ownerPid),
      };
      await writeConfiguration(dir, state.info);
      await writeState(dir, state);
      try {
        await launch(dir);
        break;
      } catch (error) {
        await halt(dir).catch(() => undefined);
        if (portBase !== undefined || attempt >= 3 || !/in use/i.test(String(error))) throw error;
      }
    }
    return {
      ...(await openMailServer(dir)),
      async teardown(teardownOptions = {}) {
        await halt(dir);
        if (!teardownOptions.keep) {
          await rm(dir, { recursive: true, force: true });
          return;
        }
        // A kept directory is for a human to look at: the next start must not reap it.
        await writeState(dir, { ...(await readState(dir)), ownerPid: null, ownerStart: null });
      },
    };
  } catch (error) {
    await halt(dir).catch(() => undefined);
    if (process.env.ESTAFETTE_KEEP_MAILSERVER !== '1')
      await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

/** A handle on an existing server directory (running or not), e.g. from a test worker. */
export async function openMailServer(dir: string): Promise<MailServer> {
  return mailServerFromInfo(await readInfo(dir));
}

/** A handle built from plain info (what vitest passes to workers); touches nothing until used. */
export function mailServerFromInfo(info: MailServerInfo): MailServer {
  const { dir } = info;
  return {
    info,
    addUser: (localPart) => addUser(info, localPart),
    inject: (raw, envelope) => injectMail(info, raw, envelope),
    async stop() {
      await halt(dir);
    },
    async start() {
      await launch(dir);
    },
    async restart() {
      await halt(dir);
      await launch(dir);
    },
    mailbox: (address) => readMailbox(info, address),
  };
}

/** Stops the server of `dir`, found by its command lines even if the directory is gone. */
export async function stopMailServer(dir: string): Promise<void> {
  await halt(dir);
}

// ---------------------------------------------------------------------------------------------
// Prerequisites and accounts

async function checkPrerequisites(): Promise<void> {
  if (process.getuid?.() !== 0) {
    throw new Error('mailserver: Postfix and Dovecot must be started as root (run tests as root)');
  }
  for (const binary of [POSTFIX_MASTER, DOVECOT, DOVEADM, '/usr/bin/openssl']) {
    if (!(await exists(binary))) {
      throw new Error(`mailserver: ${binary} is missing; run: bash test/mailserver/install.sh`);
    }
  }
}

let accountsLookup: Promise<Accounts> | undefined;

// System accounts do not change while tests run; asking getent once per process is enough.
function cachedAccounts(): Promise<Accounts> {
  accountsLookup ??= lookUpAccounts().catch((error: unknown) => {
    accountsLookup = undefined;
    throw error;
  });
  return accountsLookup;
}

async function lookUpAccounts(): Promise<Accounts> {
  const passwd = await getent('passwd', ['vmail', 'postfix']);
  const group = await getent('group', ['vmail', 'dovecot', 'postdrop']);
  const user = (name: string) => {
    const fields = passwd.get(name);
    if (!fields)
      throw new Error(`mailserver: user ${name} is missing; run test/mailserver/install.sh`);
    return { uid: Number(fields[2]), gid: Number(fields[3]) };
  };
  const gid = (name: string) => {
    const fields = group.get(name);
    if (!fields)
      throw new Error(`mailserver: group ${name} is missing; run test/mailserver/install.sh`);
    return Number(fields[2]);
  };
  return {
    vmail: user('vmail'),
    postfix: user('postfix'),
    dovecotGid: gid('dovecot'),
    postdropGid: gid('postdrop'),
  };
}

async function getent(database: string, keys: string[]): Promise<Map<string, string[]>> {
  // getent exits 2 when a key is missing but still prints the others.
  const result = await execFileAsync('getent', [database, ...keys]).catch(
    (error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }),
  );
  const entries = new Map<string, string[]>();
  for (const line of result.stdout.split('\n')) {
    const fields = line.split(':');
    if (fields[0]) entries.set(fields[0], fields);
  }
  return entries;
}

// ---------------------------------------------------------------------------------------------
// Directory, TLS and configuration

async function prepareDirectory(dir: string, domain: string, accounts: Accounts): Promise<void> {
  const { postfix, vmail } = accounts;
  // The daemons' unprivileged users (vmail, postfix, dovenull, nobody) must traverse it.
  await chmod(dir, 0o711);
  for (const sub of ['tls', 'logs', 'dovecot', 'dovecot/state', 'postfix']) {
    await mkdir(join(dir, sub), { mode: 0o755 });
  }
  await chmod(join(dir, 'tls'), 0o700);
  // One passwd-file per user, readable by Dovecot's auth process (group dovecot); the Postfix
  // recipient policy (user nobody) only tests whether a file exists.
  await mkdir(join(dir, 'dovecot', 'users', domain), { recursive: true, mode: 0o711 });
  await chmod(join(dir, 'dovecot', 'users'), 0o711);
  await mkdir(join(dir, 'mail'), { mode: 0o700 });
  await chown(join(dir, 'mail'), vmail.uid, vmail.gid);

  // The queue layout of /etc/postfix/postfix-files, created directly: Postfix's own
  // create-missing script costs a second per start.
  const queue = join(dir, 'postfix', 'queue');
  await mkdir(queue, { mode: 0o755 });
  await mkdir(join(queue, 'pid'), { mode: 0o755 });
  for (const name of [
    'active',
    'bounce',
    'corrupt',
    'defer',
    'deferred',
    'flush',
    'hold',
    'incoming',
    'private',
    'saved',
    'trace',
  ]) {
    await mkdirOwned(join(queue, name), 0o700, postfix.uid, postfix.gid);
  }
  await mkdirOwned(join(queue, 'maildrop'), 0o730, postfix.uid, accounts.postdropGid);
  await mkdirOwned(join(queue, 'public'), 0o710, postfix.uid, accounts.postdropGid);
  await mkdirOwned(join(dir, 'postfix', 'data'), 0o700, postfix.uid, postfix.gid);

  await makeCertificates(join(dir, 'tls'), domain);
}

async function mkdirOwned(path: string, mode: number, uid: number, gid: number): Promise<void> {
  await mkdir(path, { mode });
  await chown(path, uid, gid);
  await chmod(path, mode); // mkdir's mode is filtered by the umask
}

function pinnedPorts(base: number): MailServerInfo['ports'] {
  const ports = { ...STANDARD_PORTS };
  for (const name of Object.keys(ports) as PortName[]) ports[name] += base;
  return ports;
}

async function randomFreePorts(): Promise<MailServerInfo['ports']> {
  const chosen = new Set<number>();
  const ports = { ...STANDARD_PORTS };
  for (const name of Object.keys(ports) as PortName[]) {
    for (;;) {
      const port =
        RANDOM_PORT_MIN + Math.floor(Math.random() * (RANDOM_PORT_MAX - RANDOM_PORT_MIN));
      if (!chosen.has(port) && (await portIsFree(port))) {
        chosen.add(port);
        ports[name] = port;
        break;
      }
    }
  }
  return ports;
}

// ---------------------------------------------------------------------------------------------
// Users, mail in, mail out

async function addUser(info: MailServerInfo, localPart?: string): Promise<TestUser> {
  const local = (localPart ?? randomLocalPart()).toLowerCase();
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(local) || local.length > 64) {
    throw new Error(`mailserver: unusable local part ${JSON.stringify(localPart)}`);
  }
  const address = `${local}@${info.domain}`;
  const file = join(info.dir, 'dovecot', 'users', info.domain, local);
  const existing = await readFile(file, 'utf8').catch(() => null);
  let password: string;
  if (existing !== null) {
    // Adding a user twice hands back the same account: handy from the CLI.
    password = existing.split(':')[1]?.replace('{PLAIN}', '') ?? '';
  } else {
    // base64url never contains ':', the passwd-file separator.
    password = randomBytes(12).toString('base64url');
    const temporary = `${file}.${process.pid}.tmp`;
    await writeFile(temporary, `${address}:{PLAIN}${password}::::::\n`, { mode: 0o640 });
    const { dovecotGid } = await cachedAccounts();
    await chown(temporary, 0, dovecotGid);
    await rename(temporary, file);
  }
  if ((await masterPids(info.dir)).dovecot !== null) await waitUntilDovecotKnows(info, address);
  return { address, password };
}

function randomLocalPart(): string {
  const name = NAMES[Math.floor(Math.random() * NAMES.length)] ?? 'user';
  const suffix = Array.from(
    randomBytes(5),
    (byte) => 'abcdefghijkmnpqrstuvwxyz23456789'[byte % 32],
  ).join('');
  return `${name}-${suffix}`;
}

async function waitUntilDovecotKnows(info: MailServerInfo, address: string): Promise<void> {
  const config = join(info.dir, 'dovecot', 'dovecot.conf');
  const deadline = Date.now() + 10_000;
  for (;;) {
    const known = await execFileAsync(DOVEADM, ['-c', config, 'user', '-f', 'uid', address]).then(
      () => true,
      () => false,
    );
    if (known) return;
    if (Date.now() > deadline) throw new Error(`mailserver: Dovecot does not know ${address}`);
    await sleep(50);
  }
}

async function injectMail(
  info: MailServerInfo,
  raw: string | Buffer,
  envelope: { from: string; to: string[] },
): Promise<void> {
  const transport = nodemailer.createTransport({
    host: info.host,
    port: info.ports.inject,
    secure: false,
    ignoreTLS: true,
    name: 'inject.localhost',
  });
  try {
    const result = (await transport.sendMail({ raw, envelope })) as {
      rejected?: unknown[];
      response?: string;
    };
    if (result.rejected && result.rejected.length > 0) {
      throw new Error(`mailserver: inject rejected ${JSON.stringify(result.rejected)}`);
    }
    const queueId = /queued as ([0-9A-Za-z]+)/.exec(result.response ?? '')?.[1];
    if (queueId) await waitForDelivery(info.dir, queueId);
  } finally {
    transport.close();
  }
}

// Postfix has answered "queued": the message is done once its queue file has left incoming/
// and active/ without landing in deferred/.
async function waitForDelivery(dir: string, queueId: string): Promise<void> {
  const queue = join(dir, 'postfix', 'queue');
  const deadline = Date.now() + 15_000;
  for (;;) {
    const pending =
      (await exists(join(queue, 'incoming', queueId))) ||
      (await exists(join(queue, 'active', queueId)));
    const deferred =
      (await exists(join(queue, 'deferred', queueId[0] ?? '', queueId))) ||
      (await exists(join(queue, 'deferred', queueId)));
    if (deferred) {
      const log = await readFile(join(dir, 'logs', 'postfix.log'), 'utf8').catch(() => '');
      const lines = log.split('\n').filter((line) => line.includes(`${queueId}:`));
      throw new Error(`mailserver: delivery of ${queueId} deferred:\n${lines.join('\n')}`);
    }
    if (!pending) return;
    if (Date.now() > deadline) throw new Error(`mailserver: delivery of ${queueId} timed out`);
    await sleep(5);
  }
}

async function readMailbox(
  info: MailServerInfo,
  address: string,
): Promise<{ file: string; raw: Buffer }[]> {
  const [local, domain] = address.toLowerCase().split('@');
  if (!local || domain !== info.domain || !/^[a-z0-9][a-z0-9._-]*$/.test(local)) {
    throw new Error(`mailserver: ${address} is not an address of ${info.domain}`);
  }
  const maildir = join(info.dir, 'mail', domain, local, 'Maildir');
  const files: { file: string; mtime: number; name: string }[] = [];
  for (const sub of ['new', 'cur']) {
    const names = await readdir(join(maildir, sub)).catch(() => [] as string[]);
    for (const name of names) {
      const file = join(maildir, sub, name);
      const stats = await stat(file).catch(() => null);
      // Dovecot may move new/ → cur/ between readdir and stat: the file shows up under cur/.
      if (stats?.isFile()) files.push({ file, mtime: stats.mtimeMs, name });
    }
  }
  // Maildir names start with the delivery time in seconds; mtime orders within a second.
  files.sort((a, b) => a.mtime - b.mtime || a.name.localeCompare(b.name));
  const result: { file: string; raw: Buffer }[] = [];
  for (const { file } of files) {
    const raw = await readFile(file).catch(() => null);
    if (raw) result.push({ file, raw });
  }
  return result;
}

// ---------------------------------------------------------------------------------------------

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
