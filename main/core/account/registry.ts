/** Which accounts exist on this device: a small JSON file beside the account directories. */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';

const RegistryFile = z.object({
  nextId: z.number().int().positive(),
  accounts: z.array(z.object({ id: z.number().int().positive(), dir: z.string() })),
});
export type RegistryEntry = { id: number; dir: string };

export class AccountRegistry {
  readonly dataDir: string;
  private state: z.infer<typeof RegistryFile> = { nextId: 1, accounts: [] };

  constructor(dataDir: string) {
    this.dataDir = dataDir;
  }

  /** Read the registry; a missing file is an empty device. */
  async load(): Promise<void> {
    await mkdir(this.dataDir, { recursive: true, mode: 0o700 });
    try {
      const text = await readFile(this.file(), 'utf8');
      this.state = RegistryFile.parse(JSON.parse(text));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
  }

  entries(): RegistryEntry[] {
    return [...this.state.accounts];
  }

  /** Reserve an id and directory for a new account (not saved until `add`). */
  reserve(): RegistryEntry {
    const id = this.state.nextId;
    this.state.nextId += 1;
    return { id, dir: join(this.dataDir, 'accounts', String(id)) };
  }

  async add(entry: RegistryEntry): Promise<void> {
    this.state.accounts.push(entry);
    await this.save();
  }

  async remove(id: number): Promise<void> {
    this.state.accounts = this.state.accounts.filter((a) => a.id !== id);
    await this.save();
  }

  private file(): string {
    return join(this.dataDir, 'accounts.json');
  }

  private async save(): Promise<void> {
    const tmp = `${this.file()}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(tmp, JSON.stringify(this.state, null, 2), { mode: 0o600 });
    await rename(tmp, this.file());
  }
}
