/**
 * One core per data directory: two processes writing the same account databases and IMAP
 * watermarks would fetch and send everything twice. A lock file holds the owner's pid.
 */
import { open, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { CoreError } from '../errors.ts';

export interface DataDirLock {
  release(): Promise<void>;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Take the directory's lock, or fail with a sentence when another live process has it. */
export async function lockDataDir(dir: string): Promise<DataDirLock> {
  const file = join(dir, 'estafette.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(file, 'wx', 0o600);
      await handle.writeFile(String(process.pid));
      await handle.close();
      return { release: () => rm(file, { force: true }) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = Number((await readFile(file, 'utf8').catch(() => '')).trim());
      if (Number.isInteger(owner) && owner > 0 && alive(owner)) {
        throw new CoreError(
          'storage',
          `Estafette is already running with this data directory (process ${owner}). Close it first, or choose another data directory.`,
        );
      }
      // The owner is gone (a crash): the lock is stale.
      await rm(file, { force: true });
    }
  }
  throw new CoreError('storage', `The data directory ${dir} could not be locked.`);
}
