/**
 * The core: accounts, their pipelines and the one API. Hosts create it with a data directory
 * and reach it only through `call` and `onEvent`.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { MethodName, Output } from '../../shared/api.ts';
import type { CoreEvent } from '../../shared/events.ts';
import { CoreError } from './errors.ts';
import { EventBus } from './events.ts';
import { AccountRegistry } from './account/registry.ts';
import { LiveAccount } from './account/live-account.ts';
import { FileSecretStore } from './store/secrets.ts';
import { lockDataDir } from './store/data-dir-lock.ts';
import type { SecretStore } from './store/secrets.ts';
import type { CoreContext } from './api.ts';
import type * as Handlers from './api.ts';
import type * as SharedApi from '../../shared/api.ts';

export interface CoreOptions {
  dataDir: string;
  /** PEM certificate authorities trusted besides the system's (a company CA; the test bed's). */
  trustedCertificates?: string[];
  /** Replace the autoconfig URLs tried for an address (tests serve XML on loopback). */
  autoconfigUrls?: (addr: string) => string[];
  /** Where passwords and keys live; default: owner-only files in `<dataDir>/secrets`. */
  secrets?: SecretStore;
  /** Do not connect accounts at start (tests, benchmarks). */
  startIo?: boolean;
  /** Check outputs against the API schemas too (tests). */
  validateOutputs?: boolean;
  now?: () => number;
  /** How long a SecureJoin waits for the inviter before the chat says so (default 60 s). */
  secureJoinTimeoutMs?: number;
}

export interface Core {
  call<M extends MethodName>(method: M, params: unknown): Promise<Output<M>>;
  onEvent(listener: (e: CoreEvent) => void): () => void;
  close(): Promise<void>;
}

export const CORE_VERSION = '0.1.0';

// The schemas and method implementations pull in nearly everything (account set-up, SecureJoin,
// MIME, SMTP); connecting needs none of it. They load in the background once IO has started,
// or at the first call, whichever comes first.
type ApiModules = [typeof SharedApi, typeof Handlers];
let apiModules: Promise<ApiModules> | null = null;
function loadApi(): Promise<ApiModules> {
  apiModules ??= Promise.all([import('../../shared/api.ts'), import('./api.ts')]);
  return apiModules;
}

/** Open the data directory, open every account and (by default) connect them. */
export async function createCore(opts: CoreOptions): Promise<Core> {
  const bus = new EventBus();
  const registry = new AccountRegistry(opts.dataDir);
  await registry.load();
  const lock = await lockDataDir(opts.dataDir);
  const secrets = opts.secrets ?? new FileSecretStore(join(opts.dataDir, 'secrets'));
  const env = {
    bus,
    secrets,
    trustedCertificates: opts.trustedCertificates ?? [],
    now: opts.now ?? Date.now,
  };
  const accounts = new Map<number, LiveAccount>();
  for (const entry of registry.entries()) {
    try {
      accounts.set(entry.id, await LiveAccount.open(entry.id, entry.dir, env));
    } catch (e) {
      bus.emit({
        type: 'error',
        accountId: entry.id,
        code: e instanceof CoreError ? e.code : 'storage',
        sentence:
          e instanceof CoreError
            ? e.sentence
            : `The account stored in ${entry.dir} could not be opened.`,
        detail:
          e instanceof CoreError
            ? e.detail
            : { code: 'account_unopenable', args: { dir: entry.dir } },
      });
    }
  }
  const ctx: CoreContext = { opts, bus, registry, env, accounts };
  if (opts.startIo !== false) {
    for (const a of accounts.values()) await a.startIo();
  }
  // Preloaded once connected (loading earlier would hold up the IMAP handshake's replies).
  const preload = () => {
    clearTimeout(preloadTimer);
    stopPreload();
    loadApi()
      .then(startHousekeeping)
      .catch(() => undefined);
  };
  // Join timeouts across restarts and pruning of old joins and invites (securejoin/housekeeping.ts).
  let housekeeping: { stop(): void } | null = null;
  const startHousekeeping = async () => {
    const { startSecureJoinHousekeeping } = await import('./securejoin/housekeeping.ts');
    if (closed || housekeeping) return;
    housekeeping = startSecureJoinHousekeeping({
      accounts,
      emit: (e) => bus.emit(e),
      timeoutMs: opts.secureJoinTimeoutMs ?? 60_000,
    });
  };
  const preloadTimer = setTimeout(preload, 1_000);
  preloadTimer.unref();
  const stopPreload = bus.on((e) => {
    if (e.type === 'connectivityChanged' && e.connectivity.status === 'connected') preload();
  });
  let closed = false;

  return {
    async call(method, params) {
      if (closed) throw new CoreError('internal', 'Estafette is shutting down.');
      const [{ api }, { handlers }] = await loadApi();
      const spec = api[method];
      if (!spec) throw new CoreError('invalid_input', `There is no method "${String(method)}".`);
      const parsed = spec.input.safeParse(params ?? {});
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const where = issue?.path.length ? ` (${issue.path.join('.')})` : '';
        throw new CoreError(
          'invalid_input',
          `The request to ${method} is not valid${where}: ${issue?.message ?? 'bad input'}.`,
        );
      }
      const handler = handlers[method] as (c: CoreContext, input: unknown) => Promise<unknown>;
      const result = await handler(ctx, parsed.data);
      if (opts.validateOutputs) spec.output.parse(result);
      return result as Output<typeof method>;
    },
    onEvent(listener) {
      return bus.on(listener);
    },
    async close() {
      if (closed) return;
      closed = true;
      housekeeping?.stop();
      for (const a of accounts.values()) await a.close();
      accounts.clear();
      await lock.release();
    },
  };
}

/** Remove an account's files (its database, blobs and secrets). */
export async function deleteAccountFiles(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}
