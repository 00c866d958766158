/** What every benchmark gets from bench/run.ts, and setting up Estafette accounts for them. */
import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createCore } from '../main/core/core.ts';
import { FileSecretStore } from '../main/core/store/secrets.ts';
import { accountDatabase } from '../test/e2e/seed.ts';
import type { MailServer, TestUser } from '../test/mailserver/server.ts';
import { manualSettings } from '../test/support/peer.ts';

export interface BenchContext {
  ms: MailServer;
  /** A private directory for this run (data directories, profiles). */
  workDir: string;
  /** The test CA as a file, for child processes. */
  caFile: string;
  smoke: boolean;
  /** When set, child cores write V8 CPU profiles here. */
  profileDir: string | null;
  log(line: string): void;
}

/** An Estafette account made on disk (not connected), with its keys for crafting mail. */
export interface EstafetteAccount {
  dataDir: string;
  accountId: number;
  user: TestUser;
  publicArmored: string;
  secretArmored: string;
}

/** Creates a data directory with one configured account for `user`; nothing stays running. */
export async function createEstafetteAccount(
  ctx: BenchContext,
  user: TestUser,
  name: string,
  dataDir?: string,
): Promise<EstafetteAccount> {
  const dir = dataDir ?? (await mkdtemp(join(ctx.workDir, `estafette-${name}-`)));
  const core = await createCore({
    dataDir: dir,
    trustedCertificates: [ctx.ms.info.caCertPem],
    startIo: false,
  });
  try {
    const account = await core.call('addAccountManual', {
      addr: user.address,
      password: user.password,
      displayName: name,
      settings: manualSettings(ctx.ms, user),
    });
    return { dataDir: dir, accountId: account.id, user, ...(await keysOf(dir, account.id)) };
  } finally {
    await core.close();
  }
}

/** The account's key pair as stored (public key in its database, secret key in the secrets). */
export async function keysOf(
  dataDir: string,
  accountId: number,
): Promise<{ publicArmored: string; secretArmored: string }> {
  const db = new Database(accountDatabase(dataDir, accountId), { readonly: true });
  let publicArmored: string;
  try {
    publicArmored = db
      .prepare<[], string>("SELECT value FROM config WHERE key = 'public_key'")
      .pluck()
      .get() as string;
  } finally {
    db.close();
  }
  const secretArmored = await new FileSecretStore(join(dataDir, 'secrets')).get(
    `account-${accountId}-secret-key`,
  );
  if (!publicArmored || !secretArmored) throw new Error('the account has no key pair');
  return { publicArmored, secretArmored };
}
