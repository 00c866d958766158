/** Content-addressed attachment storage: a file per SHA-256, written atomically. */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export class BlobStore {
  readonly dir: string;
  constructor(dir: string) {
    this.dir = dir;
  }

  /** Store bytes; returns their hash, the blob's name. Storing the same bytes twice is free. */
  async put(data: Uint8Array): Promise<string> {
    const hash = createHash('sha256').update(data).digest('hex');
    const file = this.pathOf(hash);
    try {
      await stat(file);
      return hash;
    } catch {
      // not there yet
    }
    await mkdir(join(this.dir, hash.slice(0, 2)), { recursive: true });
    const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(tmp, data, { mode: 0o600 });
    await rename(tmp, file);
    return hash;
  }

  /** Read a blob by hash. */
  async get(hash: string): Promise<Buffer> {
    if (!/^[0-9a-f]{64}$/.test(hash)) throw new Error('not a blob name');
    return readFile(this.pathOf(hash));
  }

  /** Delete a blob (used when no message refers to it any more). */
  async delete(hash: string): Promise<void> {
    await rm(this.pathOf(hash), { force: true });
  }

  private pathOf(hash: string): string {
    return join(this.dir, hash.slice(0, 2), hash);
  }
}
