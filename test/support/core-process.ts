/**
 * A core in its own process, so a test can kill it with SIGKILL mid-sync like a crash would.
 * Usage: node test/support/core-process.ts <dataDir> <caFile>
 * Prints one JSON line per messageAdded event.
 */
import { readFile } from 'node:fs/promises';
import { createCore } from '../../main/core/core.ts';

const [dataDir, caFile] = process.argv.slice(2);
if (!dataDir || !caFile) {
  console.error('usage: core-process.ts <dataDir> <caFile>');
  process.exit(2);
}
const core = await createCore({ dataDir, trustedCertificates: [await readFile(caFile, 'utf8')] });
core.onEvent((e) => {
  if (e.type === 'messageAdded')
    process.stdout.write(`${JSON.stringify({ added: e.message.rfc724Mid })}\n`);
  if (e.type === 'connectivityChanged')
    process.stdout.write(`${JSON.stringify({ connectivity: e.connectivity.status })}\n`);
});
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
