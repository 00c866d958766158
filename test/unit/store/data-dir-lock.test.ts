import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lockDataDir } from '../../../main/core/store/data-dir-lock.ts';

describe('data directory lock', () => {
  it('refuses a second core while the first holds the directory, and frees it on release', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'estafette-lock-'));
    const lock = await lockDataDir(dir);
    await expect(lockDataDir(dir)).rejects.toMatchObject({
      code: 'storage',
      sentence: expect.stringMatching(/already running/),
    });
    await lock.release();
    const again = await lockDataDir(dir);
    await again.release();
  });

  it('takes over the lock of a process that died', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'estafette-lock-'));
    // A pid far above any pid_max in use here: no such process.
    await writeFile(join(dir, 'estafette.lock'), '4194999');
    const lock = await lockDataDir(dir);
    expect(await readFile(join(dir, 'estafette.lock'), 'utf8')).toBe(String(process.pid));
    await lock.release();
  });
});
