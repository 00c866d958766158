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
  /** The core child's script: compiled (as the app ships) unless the run uses the sources. */
  childScript?: string;
  log(line: string): void;
}

/** An Estafette account made on disk (not connected), with its keys for crafting mail. */
export interface EstafetteAccount {
  dataDir: string;
  accountId: number;
  user: TestUser;
  publicArmored: string;
  secretArmored: string;
  /** The 1:1 chat made with `chatWith`, if one was asked for. */
  chatId: number | null;
}

/**
 * Creates an account for `user` in a data directory (a new one unless given; several accounts
 * may share one), optionally with a 1:1 chat with another address; nothing stays running.
 */
export async function createEstafetteAccount(
  ctx: BenchContext,
  user: TestUser,
  name: string,
  opts: { dataDir?: string; chatWith?: { addr: string; name: string } } = {},
): Promise<EstafetteAccount> {
  const dir = opts.dataDir ?? (await mkdtemp(join(ctx.workDir, `estafette-${name}-`)));
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
    const chat = opts.chatWith
      ? await core.call('createChatByAddress', {
          accountId: account.id,
          addr: opts.chatWith.addr,
          name: opts.chatWith.name,
        })
      : null;
    return {
      dataDir: dir,
      accountId: account.id,
      user,
      chatId: chat?.id ?? null,
      ...(await keysOf(dir, account.id)),
    };
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
