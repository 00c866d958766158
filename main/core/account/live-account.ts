/**
 * One open account: its database, keys, repositories and the two pipelines (IMAP receive,
 * SMTP outbox). The core holds one per configured account.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { PublicKey } from 'openpgp';
import type { Account, Connectivity, ServerSettingsValue } from '../../../shared/types.ts';
import { openDatabase } from '../store/db.ts';
import type { Database } from '../store/db.ts';
import { BlobStore } from '../store/blobs.ts';
import type { SecretStore } from '../store/secrets.ts';
import { PeerRepo } from '../store/peers.ts';
import type { PeerRow } from '../store/peers.ts';
import { ImapStateRepo } from '../store/imap-state.ts';
import { ContactRepo } from '../chat/contacts.ts';
import { ChatRepo } from '../chat/chats.ts';
import { MessageRepo } from '../chat/messages.ts';
import { Outbox } from '../chat/outbox.ts';
import type { SentenceDetail } from '../errors.ts';
import { composeOutgoing, loadReceive, loadSmtp, smtpModule } from './pipelines.ts';
import type { EventBus } from '../events.ts';
import { readPrivateKey, readPublicKey } from '../crypto/keys.ts';
import { ImapSync } from '../transport/imap-sync.ts';
import type { SmtpSender } from '../transport/smtp.ts';
import type { ServerConnection } from '../transport/connection.ts';
import { readConfig, writeConfig } from './config.ts';
import type { AccountConfig } from './config.ts';
import type { AccountContext, OwnKeys } from './context.ts';

export interface AccountEnvironment {
  bus: EventBus;
  secrets: SecretStore;
  trustedCertificates: string[];
  now(): number;
}

export const secretNames = (id: number) => ({
  password: `account-${id}-password`,
  smtpPassword: `account-${id}-smtp-password`,
  secretKey: `account-${id}-secret-key`,
});

export class LiveAccount {
  readonly id: number;
  readonly dir: string;
  readonly db: Database;
  readonly ctx: AccountContext;
  readonly outbox: Outbox;
  private config: AccountConfig;
  private readonly env: AccountEnvironment;
  private imap: ImapSync | null = null;
  private smtp: SmtpSender | null = null;
  private connectivity: Connectivity = { status: 'not-started' };
  /** The IMAP session whose outbox was started (see startSending). */
  private sendingFor: ImapSync | null = null;
  private lastOutgoingSecond: number | null = null;

  private constructor(
    id: number,
    dir: string,
    db: Database,
    config: AccountConfig,
    keys: OwnKeys,
    env: AccountEnvironment,
  ) {
    this.id = id;
    this.dir = dir;
    this.db = db;
    this.config = config;
    this.env = env;
    const contacts = new ContactRepo(db);
    const self = contacts.upsert(config.addr, config.displayName, { known: true, self: true });
    this.ctx = {
      id,
      addr: config.addr,
      selfContactId: self.id,
      db,
      contacts,
      chats: new ChatRepo(db),
      messages: new MessageRepo(db),
      peers: new PeerRepo(db),
      imapState: new ImapStateRepo(db),
      blobs: new BlobStore(join(dir, 'blobs')),
      bus: env.bus,
      keys,
      displayName: () => this.config.displayName,
      status: () => this.config.status,
      now: env.now,
      kickOutbox: () => this.outbox.kick(),
    };
    // Read the settings at judging time, so the verdict names the SMTP server in use.
    // The verdict's sentence also as a code with arguments, for the UI's language.
    this.outbox = new Outbox(this.ctx, composeOutgoing, (e) =>
      smtpModule().judgeSendFailure(e, this.config.settings.smtp),
    );
  }

  /** Write a new account's directory, database and secrets. */
  static async create(
    id: number,
    dir: string,
    init: {
      config: AccountConfig;
      secretKeyArmored: string;
      password: string;
      smtpPassword?: string;
    },
    env: AccountEnvironment,
  ): Promise<LiveAccount> {
    await mkdir(join(dir, 'blobs'), { recursive: true, mode: 0o700 });
    const names = secretNames(id);
    await env.secrets.set(names.secretKey, init.secretKeyArmored);
    await env.secrets.set(names.password, init.password);
    if (init.smtpPassword) await env.secrets.set(names.smtpPassword, init.smtpPassword);
    const db = openDatabase(join(dir, 'db.sqlite'));
    db.transaction(() => writeConfig(db, init.config))();
    db.close();
    return LiveAccount.open(id, dir, env);
  }

  /** Open an existing account. */
  static async open(id: number, dir: string, env: AccountEnvironment): Promise<LiveAccount> {
    const db = openDatabase(join(dir, 'db.sqlite'));
    try {
      const config = readConfig(db);
      const armored = await env.secrets.get(secretNames(id).secretKey);
      if (!armored) throw new Error(`the secret key of account ${id} is missing`);
      const secret = await readPrivateKey(armored);
      const pub = await readPublicKey(config.publicKeyArmored);
      const cache = new Map<string, PublicKey>();
      const parse = async (armoredKey: string) => {
        let k = cache.get(armoredKey);
        if (!k) {
          k = await readPublicKey(armoredKey);
          cache.set(armoredKey, k);
        }
        return k;
      };
      const keys: OwnKeys = {
        secret,
        public: pub,
        fingerprint: config.fingerprint,
        publicArmored: config.publicKeyArmored,
        async publicKeysOf(peer: PeerRow) {
          const out: PublicKey[] = [];
          if (peer.publicKey) out.push(await parse(peer.publicKey));
          if (peer.gossipKey && peer.gossipFingerprint !== peer.fingerprint)
            out.push(await parse(peer.gossipKey));
          return out;
        },
      };
      return new LiveAccount(id, dir, db, config, keys, env);
    } catch (e) {
      db.close();
      throw e;
    }
  }

  get addr(): string {
    return this.config.addr;
  }

  /** The account as the API shows it. */
  toApi(): Account {
    return {
      id: this.id,
      addr: this.config.addr,
      displayName: this.config.displayName,
      status: this.config.status,
      avatar: this.config.avatar,
      fingerprint: this.config.fingerprint,
      settings: this.config.settings,
      connectivity: this.connectivity,
    };
  }

  /** Change profile fields and keep them. */
  updateProfile(p: { displayName?: string; status?: string; avatar?: string | null }): void {
    this.db.transaction(() => writeConfig(this.db, p))();
    this.config = readConfig(this.db);
  }

  /**
   * The Date of a new outgoing message: whole seconds (what a Date header carries), strictly
   * increasing per account, so that a burst of messages keeps its order at the receiver even
   * when the server delivers them out of order.
   */
  nextOutgoingTimestamp(): number {
    if (this.lastOutgoingSecond === null) {
      const max = this.db
        .prepare('SELECT max(timestamp) FROM messages WHERE outgoing = 1')
        .pluck()
        .get() as number | null;
      this.lastOutgoingSecond = max === null ? 0 : Math.floor(max / 1000);
    }
    const second = Math.max(Math.floor(this.env.now() / 1000), this.lastOutgoingSecond + 1);
    this.lastOutgoingSecond = second;
    return second * 1000;
  }

  /** Connect: IMAP IDLE for receiving, the outbox for sending. */
  async startIo(): Promise<void> {
    if (this.imap) return;
    const names = secretNames(this.id);
    const password = (await this.env.secrets.get(names.password)) ?? '';
    const smtpPassword = (await this.env.secrets.get(names.smtpPassword)) ?? password;
    const s = this.config.settings;
    const smtpConnection = this.connectionFor(s.smtp, smtpPassword, s);
    const imap: ImapSync = new ImapSync({
      connection: this.connectionFor(s.imap, password, s),
      loadState: async () => this.ctx.imapState.load('INBOX'),
      // The receive pipeline loads on the first batch (account/pipelines.ts).
      processBatch: async (batch, watermark) =>
        (await loadReceive()).receiveBatch(this.ctx, batch, watermark),
      onUidValidityChange: async (_previous, current) => {
        this.ctx.imapState.save('INBOX', { uidValidity: current, lastUid: 0, highestModseq: null });
      },
      onPoisonMessage: async (message, error, watermark) =>
        (await loadReceive()).receiveBatch(this.ctx, [message], watermark, { poison: error }),
      onFlagsChanged: async (changes, watermark) => {
        const seen = changes.filter((c) => c.flags.includes('\\Seen')).map((c) => c.uid);
        const chats = this.db.transaction(() => {
          const touched = this.ctx.messages.markSeenByUids(seen);
          this.ctx.imapState.save('INBOX', watermark);
          return touched;
        })();
        for (const chatId of chats) {
          this.env.bus.emit({
            type: 'chatChanged',
            accountId: this.id,
            chat: this.ctx.chats.summary(chatId),
          });
        }
      },
      onConnectivity: (c) => {
        this.setConnectivity(c);
        if (c.status !== 'connecting') this.startSending(imap, smtpConnection);
      },
    });
    this.imap = imap;
    imap.start();
  }

  /**
   * SMTP (nodemailer) loads once IMAP's first connection attempt has settled, connected or not:
   * loading it earlier would hold up the handshake, and start-up waits for neither.
   */
  private startSending(imap: ImapSync, connection: ServerConnection): void {
    if (this.sendingFor === imap) return;
    this.sendingFor = imap;
    loadSmtp().then(
      ({ SmtpSender }) => {
        if (this.imap !== imap) return;
        this.smtp = new SmtpSender({ connection });
        this.outbox.start(this.smtp);
      },
      () =>
        this.env.bus.emit({
          type: 'error',
          accountId: this.id,
          code: 'internal',
          sentence: 'Estafette could not start sending mail. Restart it to try again.',
          detail: { code: 'sending_not_started', args: {} },
        }),
    );
  }

  /** Disconnect; pending messages stay in the outbox. */
  async stopIo(): Promise<void> {
    const imap = this.imap;
    const smtp = this.smtp;
    this.imap = null;
    this.smtp = null;
    await this.outbox.stop();
    await imap?.stop();
    await smtp?.close();
    this.setConnectivity({ status: 'not-started' });
  }

  /** Messages read here: the server marks them \\Seen, for the other devices and mail clients. */
  markSeenOnServer(uids: readonly number[]): void {
    if (uids.length > 0) this.imap?.markSeen(uids);
  }

  /** The network came back: reconnect and resend now. */
  retryNow(): void {
    this.imap?.retryNow();
    this.outbox.retryNow();
  }

  /** Stop and close the database. */
  async close(): Promise<void> {
    await this.stopIo();
    this.db.close();
  }

  private setConnectivity(c: {
    status: Connectivity['status'];
    reason?: string;
    reasonInfo?: SentenceDetail | undefined;
    code?: string;
    nextRetryAt?: number;
  }): void {
    const wasConnected = this.connectivity.status === 'connected';
    const { reasonInfo } = c;
    this.connectivity = {
      status: c.status,
      reason: c.reason,
      code: c.code,
      ...(reasonInfo ? { reasonInfo } : {}),
      nextRetryAt: c.nextRetryAt,
    };
    if (c.status === 'connected' && !wasConnected) this.outbox.retryNow();
    this.env.bus.emit({
      type: 'connectivityChanged',
      accountId: this.id,
      connectivity: this.connectivity,
    });
  }

  private connectionFor(
    e: ServerSettingsValue['imap'],
    password: string,
    s: ServerSettingsValue,
  ): ServerConnection {
    return {
      host: e.host,
      port: e.port,
      security: e.security,
      user: e.user,
      password,
      tls: {
        ca: this.env.trustedCertificates.length > 0 ? this.env.trustedCertificates : undefined,
        rejectUnauthorized: !s.acceptInvalidCertificates,
      },
    };
  }
}
