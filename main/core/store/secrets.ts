/**
 * Where passwords and secret keys live. The core only sees this interface: under plain Node a
 * directory of owner-only files; in the app, Electron's safeStorage encrypts them.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface SecretStore {
  get(name: string): Promise<string | null>;
  set(name: string, value: string): Promise<void>;
  delete(name: string): Promise<void>;
}

const NAME = /^[a-z0-9][a-z0-9._-]{0,100}$/;

/** Secrets as files readable by the owner only (0600 in a 0700 directory). */
export class FileSecretStore implements SecretStore {
  readonly dir: string;
  constructor(dir: string) {
    this.dir = dir;
  }

  async get(name: string): Promise<string | null> {
    try {
      return await readFile(this.fileOf(name), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }

  async set(name: string, value: string): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    await chmod(this.dir, 0o700);
    const file = this.fileOf(name);
    const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(tmp, value, { mode: 0o600 });
    await rename(tmp, file);
  }

  async delete(name: string): Promise<void> {
    await rm(this.fileOf(name), { force: true });
  }

  private fileOf(name: string): string {
    if (!NAME.test(name)) throw new Error(`invalid secret name ${name}`);
    return join(this.dir, name);
  }
}

/** Secrets kept in memory, for unit tests. */
export class MemorySecretStore implements SecretStore {
  private readonly values = new Map<string, string>();
  async get(name: string): Promise<string | null> {
    return this.values.get(name) ?? null;
  }
  async set(name: string, value: string): Promise<void> {
    this.values.set(name, value);
  }
  async delete(name: string): Promise<void> {
    this.values.delete(name);
  }
}
