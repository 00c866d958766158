/**
 * Delta Chat core (npm @deltachat/stdio-rpc-server) as the benchmark's reference: one
 * deltachat-rpc-server process per data directory, spawned here so its pid (and so its CPU time)
 * is known, configured against the bench's mail server as TESTBED.md describes.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { StdioDeltaChat } from '@deltachat/jsonrpc-client';
import { getRPCServerPath } from '@deltachat/stdio-rpc-server';
import type { MailServerInfo, TestUser } from '../test/mailserver/server.ts';

export interface DeltaChatProcess {
  dc: StdioDeltaChat;
  pid: number;
  /** CPU seconds (user + system) the server process has used so far. */
  cpuSeconds(): Promise<number>;
  close(): Promise<void>;
}

/** Starts deltachat-rpc-server with its accounts in `dir`. */
export function startDeltaChatProcess(dir: string): DeltaChatProcess {
  const server: ChildProcess = spawn(getRPCServerPath(), [], {
    env: { DC_ACCOUNTS_PATH: dir, PATH: process.env.PATH ?? '' },
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  if (!server.stdin || !server.stdout || server.pid === undefined) {
    throw new Error('deltachat-rpc-server did not start');
  }
  const pid = server.pid;
  const dc = new StdioDeltaChat(server.stdin, server.stdout, true);
  let exited = false;
  server.on('exit', () => {
    exited = true;
  });
  return {
    dc,
    pid,
    cpuSeconds: () => cpuSecondsOf(pid),
    async close() {
      if (exited) return;
      const gone = new Promise<void>((resolve) => server.once('exit', () => resolve()));
      server.kill('SIGTERM');
      const timer = setTimeout(() => server.kill('SIGKILL'), 3_000);
      await gone;
      clearTimeout(timer);
    },
  };
}

/** utime + stime of a process from /proc, in seconds (all its threads). */
export async function cpuSecondsOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // The command name may contain spaces; fields after its closing parenthesis are fixed.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks / clockTicksPerSecond;
}

// sysconf(_SC_CLK_TCK) is 100 on every Linux this runs on.
const clockTicksPerSecond = 100;

/** Adds and configures an account for a test user (implicit TLS, the test CA not needed). */
export async function configureAccount(
  dc: StdioDeltaChat,
  info: MailServerInfo,
  user: TestUser,
  name: string,
): Promise<number> {
  const id = await dc.rpc.addAccount();
  await dc.rpc.setConfig(id, 'displayname', name);
  await dc.rpc.addOrUpdateTransport(id, {
    addr: user.address,
    password: user.password,
    imapServer: info.host,
    imapPort: info.ports.imaps,
    imapSecurity: 'ssl',
    smtpServer: info.host,
    smtpPort: info.ports.smtps,
    smtpSecurity: 'ssl',
    certificateChecks: 'acceptInvalidCertificates',
    imapUser: null,
    imapFolder: null,
    smtpUser: null,
    smtpPassword: null,
  });
  return id;
}

/** Resolves when `pred` holds for an event of `kind` on `accountId`; rejects after `timeoutMs`. */
export function waitForEvent<K extends string>(
  dc: StdioDeltaChat,
  accountId: number,
  kind: K,
  pred: (event: Record<string, unknown>) => boolean,
  timeoutMs: number,
): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const listener = (contextId: number, event: { kind: string }) => {
      if (contextId !== accountId || event.kind !== kind) return;
      const e = event as unknown as Record<string, unknown>;
      if (!pred(e)) return;
      clearTimeout(timer);
      dc.off('ALL', listener);
      resolve(e);
    };
    const timer = setTimeout(() => {
      dc.off('ALL', listener);
      reject(new Error(`Delta Chat: no ${kind} event within ${timeoutMs} ms`));
    }, timeoutMs);
    dc.on('ALL', listener);
  });
}

/** Makes two Delta Chat accounts verified contacts by SecureJoin; returns each side's chat id. */
export async function secureJoin(
  dc: StdioDeltaChat,
  inviter: number,
  joiner: number,
  timeoutMs: number,
): Promise<{ inviterChat: number; joinerChat: number }> {
  const qr = await dc.rpc.getChatSecurejoinQrCode(inviter, null);
  const inviterDone = waitForEvent(
    dc,
    inviter,
    'SecurejoinInviterProgress',
    (e) => e.progress === 1000,
    timeoutMs,
  );
  const joinerDone = waitForEvent(
    dc,
    joiner,
    'SecurejoinJoinerProgress',
    (e) => e.progress === 1000,
    timeoutMs,
  );
  const joinerChat = await dc.rpc.secureJoin(joiner, qr);
  const inviterEvent = await inviterDone;
  await joinerDone;
  const contactId = inviterEvent.contactId;
  if (typeof contactId !== 'number') throw new Error('SecureJoin finished without a contact');
  const inviterChat = await dc.rpc.createChatByContactId(inviter, contactId);
  return { inviterChat, joinerChat };
}
