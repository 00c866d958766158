/**
 * `npm run web`: start the web host and print the address to open. Options: --port, --data-dir,
 * --bind (non-loopback only with --allow-remote), --trust-ca FILE (repeatable), --help.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { defaultDataDir } from './data-dir.ts';
import { isLoopback } from './request-guard.ts';

const USAGE = `Usage: npm run web -- [options]

  --port N          TCP port (default: a free one)
  --data-dir DIR    where accounts live (default: ${defaultDataDir()})
  --bind ADDR       address to listen on (default: 127.0.0.1)
  --allow-remote    allow a --bind that other machines can reach
  --trust-ca FILE   also trust this PEM CA for mail servers (repeatable)
  -h, --help        show this help`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      'data-dir': { type: 'string' },
      bind: { type: 'string' },
      'allow-remote': { type: 'boolean' },
      'trust-ca': { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help === true) {
    console.log(USAGE);
    return;
  }
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`--port must be a number from 0 to 65535, not "${values.port}".`);
  }
  const bind = values.bind ?? '127.0.0.1';
  const allowRemote = values['allow-remote'] === true;
  if (!isLoopback(bind)) {
    if (!allowRemote) {
      throw new Error(`--bind ${bind} lets other machines connect: add --allow-remote to mean it.`);
    }
    console.warn(
      `WARNING: listening on ${bind}. Anyone who can reach this port and learns the token controls ` +
        'your accounts, and plain HTTP shows the token to the network: prefer an SSH tunnel.',
    );
  }
  const trustedCertificates = await Promise.all(
    (values['trust-ca'] ?? []).map((file) => readFile(path.resolve(file), 'utf8')),
  );
  const dataDir = path.resolve(values['data-dir'] ?? defaultDataDir());

  // Imported only now, so `--help` and argument errors never wait for the core to load.
  const { startWebHost } = await import('./server.ts');
  const host = await startWebHost({
    port,
    bind,
    allowRemote,
    dataDir,
    coreOptions: trustedCertificates.length > 0 ? { trustedCertificates } : {},
  });
  console.log(`Estafette is running with its data in ${dataDir}.`);
  console.log(`Open ${host.url}`);

  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    host.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
