// The test mail server by hand, for humans debugging: `node test/mailserver/cli.ts start`.
// The server started here outlives this command; the last one started is remembered in the
// temp dir so that later commands need no directory argument.
import { readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isRunning, openMailServer, readInfo, startMailServer, stopMailServer } from './server.ts';

const POINTER = join(tmpdir(), 'estafette-mailserver-cli.json');

const USAGE = `usage: node test/mailserver/cli.ts <command>
  start [--domain D] [--port-base N]   start a server in a new directory, print its info (JSON)
  info [DIR]                           print the info of the server (default: last started)
  add-user [LOCAL] [--dir DIR]         add a user (random name by default), print address + password
  restart [DIR]                        stop and start, keeping users and mail
  stop [DIR] [--keep]                  stop the server and delete its directory (unless --keep)
Ports: ESTAFETTE_MAIL_PORT_BASE=10000 pins IMAP 10143, IMAPS 10993, submission 10587,
SMTPS 10465, inject 10025; otherwise they are random.`;

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  const flags = parseFlags(rest);
  switch (command) {
    case 'start': {
      const portBase = flags.options.get('port-base');
      const server = await startMailServer({
        ownerPid: null,
        domain: flags.options.get('domain'),
        portBase: portBase === undefined ? undefined : Number(portBase),
      });
      await writeFile(POINTER, JSON.stringify({ dir: server.info.dir }) + '\n');
      print(server.info);
      return;
    }
    case 'info':
      print(await readInfo(await resolveDir(flags.positional[0])));
      return;
    case 'add-user': {
      const server = await openMailServer(await resolveDir(flags.options.get('dir')));
      print(await server.addUser(flags.positional[0]));
      return;
    }
    case 'restart': {
      const server = await openMailServer(await resolveDir(flags.positional[0]));
      await server.restart();
      print(server.info);
      return;
    }
    case 'stop': {
      const dir = await resolveDir(flags.positional[0]);
      await stopMailServer(dir);
      if (!flags.switches.has('keep')) await rm(dir, { recursive: true, force: true });
      const pointer = await readPointer();
      if (pointer === dir) await rm(POINTER, { force: true });
      console.error(
        `mailserver: stopped${flags.switches.has('keep') ? '' : ' and removed'} ${dir}`,
      );
      return;
    }
    default:
      console.error(USAGE);
      process.exitCode = command === undefined || command === 'help' ? 0 : 2;
  }
}

function parseFlags(args: string[]): {
  positional: string[];
  options: Map<string, string>;
  switches: Set<string>;
} {
  const positional: string[] = [];
  const options = new Map<string, string>();
  const switches = new Set<string>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '--keep') switches.add('keep');
    else if (arg.startsWith('--')) options.set(arg.slice(2), args[++i] ?? '');
    else positional.push(arg);
  }
  return { positional, options, switches };
}

async function readPointer(): Promise<string | null> {
  const text = await readFile(POINTER, 'utf8').catch(() => null);
  if (text === null) return null;
  const parsed = JSON.parse(text) as { dir?: unknown };
  return typeof parsed.dir === 'string' ? parsed.dir : null;
}

async function resolveDir(given: string | undefined): Promise<string> {
  const dir = given ?? (await readPointer());
  if (!dir) throw new Error('no server directory given and none started with `start`');
  if (!(await isRunning(dir).catch(() => false))) {
    console.error(`mailserver: note: the server in ${dir} is not running`);
  }
  return dir;
}

function print(value: unknown): void {
  console.log(JSON.stringify(value, null, 2));
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
