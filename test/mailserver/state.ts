// The record a server directory keeps of itself (server.json): enough for any process (a test
// worker, the CLI, a later test run) to find, drive or reap the server.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Everything a client needs to reach the server; plain data, passed from globalSetup to workers. */
export interface MailServerInfo {
  dir: string;
  host: '127.0.0.1';
  domain: string;
  ports: { imap: number; imaps: number; submission: number; smtps: number; inject: number };
  caCertPem: string;
}

export interface ServerState {
  info: Omit<MailServerInfo, 'caCertPem'>;
  /** The process whose death means the server is abandoned; null: kept on purpose. */
  ownerPid: number | null;
  /** That process's start time (from /proc), so a reused pid does not count as alive. */
  ownerStart: string | null;
}

/** Every server directory is created as `<parent>/estafette-mail-XXXXXX`. */
export const DIR_PREFIX = 'estafette-mail-';

/** Reads the info of the server living in `dir`. */
export async function readInfo(dir: string): Promise<MailServerInfo> {
  const state = await readState(dir);
  const caCertPem = await readFile(join(dir, 'tls', 'ca.pem'), 'utf8');
  return { ...state.info, caCertPem };
}

/** Reads server.json of `dir`. */
export async function readState(dir: string): Promise<ServerState> {
  return JSON.parse(await readFile(join(dir, 'server.json'), 'utf8')) as ServerState;
}

/** Writes server.json of `dir`. */
export async function writeState(dir: string, state: ServerState): Promise<void> {
  await writeFile(join(dir, 'server.json'), JSON.stringify(state, null, 2) + '\n');
}
