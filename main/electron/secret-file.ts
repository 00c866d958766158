/**
 * The desktop app's secret store: passwords and secret keys encrypted by the operating system's
 * keychain (Electron safeStorage, through a `StringCipher`) in one owner-only JSON file. The
 * core process reaches it through the main process (see core-process.ts).
 */
import { z } from 'zod';
import type { SecretStore } from '../core/store/secrets.ts';
import { readJsonFile, writeJsonFile } from './json-file.ts';

/** Encryption by the OS keychain; safeStorage in the app, a stand-in in tests. */
export interface StringCipher {
  /** Whether the keychain can encrypt now. */
  available(): Promise<boolean>;
  encrypt(plain: string): Promise<Buffer>;
  /** The text, and whether it should be encrypted again (the key was rotated). */
  decrypt(data: Buffer): Promise<{ text: string; reencrypt: boolean }>;
}

const NAME = /^[a-z0-9][a-z0-9._-]{0,100}$/;

const Entry = z.object({
  /** `os`: encrypted by the keychain; `plain`: no keychain was available (owner-only file). */
  scheme: z.enum(['os', 'plain']),
  data: z.string(),
});
const SecretsFile = z.object({ version: z.literal(1), secrets: z.record(z.string(), Entry) });
type SecretsFile = z.infer<typeof SecretsFile>;

export interface EncryptedSecretStoreOptions {
  file: string;
  cipher: StringCipher;
  /** Secrets an earlier run left in owner-only files (the web host's store): moved in on read. */
  legacy?: SecretStore;
  /** Told once when a secret had to be stored without the keychain. */
  onPlainFallback?: () => void;
}

/** Secrets in one file, encrypted by the OS keychain whenever it is available. */
export class EncryptedSecretStore implements SecretStore {
  private readonly opts: EncryptedSecretStoreOptions;
  private content: SecretsFile | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private warned = false;

  constructor(opts: EncryptedSecretStoreOptions) {
    this.opts = opts;
  }

  async get(name: string): Promise<string | null> {
    return this.serially(async () => {
      checkName(name);
      const content = await this.load();
      const entry = content.secrets[name];
      if (entry === undefined) return this.adoptLegacy(name);
      if (entry.scheme === 'plain') {
        const text = Buffer.from(entry.data, 'base64').toString('utf8');
        if (await this.opts.cipher.available()) await this.store(name, text);
        return text;
      }
      const { text, reencrypt } = await this.opts.cipher.decrypt(Buffer.from(entry.data, 'base64'));
      if (reencrypt) await this.store(name, text);
      return text;
    });
  }

  async set(name: string, value: string): Promise<void> {
    await this.serially(async () => {
      checkName(name);
      await this.store(name, value);
    });
  }

  async delete(name: string): Promise<void> {
    await this.serially(async () => {
      checkName(name);
      const content = await this.load();
      if (Object.hasOwn(content.secrets, name)) {
        delete content.secrets[name];
        await writeJsonFile(this.opts.file, content);
      }
      await this.opts.legacy?.delete(name);
    });
  }

  private async store(name: string, value: string): Promise<void> {
    const content = await this.load();
    if (await this.opts.cipher.available()) {
      const data = (await this.opts.cipher.encrypt(value)).toString('base64');
      content.secrets[name] = { scheme: 'os', data };
    } else {
      if (!this.warned) this.opts.onPlainFallback?.();
      this.warned = true;
      content.secrets[name] = { scheme: 'plain', data: Buffer.from(value).toString('base64') };
    }
    await writeJsonFile(this.opts.file, content);
  }

  private async adoptLegacy(name: string): Promise<string | null> {
    const value = (await this.opts.legacy?.get(name)) ?? null;
    if (value !== null && this.opts.legacy !== undefined) {
      await this.store(name, value);
      await this.opts.legacy.delete(name);
    }
    return value;
  }

  private async load(): Promise<SecretsFile> {
    this.content ??= await readJsonFile(this.opts.file, SecretsFile, { version: 1, secrets: {} });
    return this.content;
  }

  /** One operation at a time: each rewrites the whole file. */
  private serially<T>(op: () => Promise<T>): Promise<T> {
    const next = this.queue.then(op, op);
    this.queue = next.catch(() => undefined);
    return next;
  }
}

function checkName(name: string): void {
  if (!NAME.test(name)) throw new Error(`"${name}" is not a valid secret name.`);
}
