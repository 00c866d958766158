import { ImapFlow } from 'imapflow';
import type { FetchOptions, FetchQueryObject, ImapFlowOptions } from 'imapflow';
import type { ErrorCode, SentenceDetail } from '../errors.ts';
import { CoreError } from '../errors.ts';
import { Backoff } from './backoff.ts';
import type { BackoffOptions } from './backoff.ts';
import { planBatches } from './batch-plan.ts';
import type { PlannedMessage } from './batch-plan.ts';
import { classifyConnectionError } from './connection-error.ts';
import { assertEncryptedOrLoopback, tlsOptionsFor } from './connection.ts';
import type { ServerConnection } from './connection.ts';
import { describeError, silentLogger } from './logger.ts';
import type { TransportLogger } from './logger.ts';
import { formatUidSet } from './uid-set.ts';

/** What the caller stored last time: the folder's identity and how far it got. */
export type SyncState = {
  uidValidity: bigint | number | null;
  lastUid: number;
  /** Flag changes up to this mod-sequence are stored; null when flags were never tracked. */
  highestModseq?: bigint | null;
};

/** The position the caller stores together with a batch, in the same transaction. */
export type Watermark = {
  uidValidity: bigint;
  lastUid: number;
  /** Flag changes up to here were delivered; null when flags are not tracked (no CONDSTORE or no onFlagsChanged). */
  highestModseq: bigint | null;
};

/** One new message, as the server stores it. */
export type FetchedMessage = {
  uid: number;
  source: Buffer;
  flags: string[];
  internalDate?: Date;
  size: number;
};

/** The current flags of a message whose flags changed. */
export type FlagChange = { uid: number; flags: string[] };

export type Connectivity = {
  status: 'connecting' | 'connected' | 'offline';
  /** A sentence for people, when offline. */
  reason?: string;
  /** `reason` as a code with arguments, for the UI's language. */
  reasonInfo?: SentenceDetail | undefined;
  /** The stable error code behind `reason`. */
  code?: ErrorCode;
  /** When the next connection attempt starts (ms since the epoch), when offline. */
  nextRetryAt?: number;
};

/** The mailbox as SELECT reported it. */
export type ImapMailboxInfo = {
  uidValidity: bigint;
  exists: number;
  highestModseq?: bigint | undefined;
  noModseq?: boolean | undefined;
};

/** A FETCH response row; which fields are present depends on the query. */
export type ImapFetchedRow = {
  uid: number;
  source?: Buffer | undefined;
  flags?: Set<string> | undefined;
  internalDate?: Date | string | undefined;
  size?: number | undefined;
  modseq?: bigint | undefined;
};

/**
 * The part of imapflow's ImapFlow that the sync loop uses. Narrow on purpose: unit tests drive
 * the loop with a fake that implements only this.
 */
export interface ImapClient {
  readonly enabled: Set<string>;
  readonly mailbox: ImapMailboxInfo | false;
  readonly usable: boolean;
  connect(): Promise<void>;
  mailboxOpen(path: string): Promise<ImapMailboxInfo>;
  fetch(
    range: string,
    query: FetchQueryObject,
    options: FetchOptions,
  ): AsyncIterable<ImapFetchedRow>;
  idle(): Promise<unknown>;
  noop(): Promise<unknown>;
  /** UID STORE +FLAGS: adds flags to these messages. */
  messageFlagsAdd(range: number[], flags: string[], options: { uid: true }): Promise<boolean>;
  logout(): Promise<unknown>;
  close(): void;
  on(event: 'exists' | 'flags' | 'close' | 'expunge', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

export type ImapSyncOptions = {
  connection: ServerConnection;
  /** Default 'INBOX'. */
  mailbox?: string;
  /** Most messages per batch (one UID FETCH, one processBatch call). Default 200. */
  batchSize?: number;
  /** A batch stops growing at this many bytes of message source. Default 32 MiB. */
  maxBatchBytes?: number;
  /** Failed deliveries of one message before it counts as poison. Default 5. */
  maxAttempts?: number;
  loadState(): Promise<SyncState>;
  /**
   * New messages in UID order. Store them and the watermark in one transaction, then resolve.
   * Throwing means nothing was stored: the batch comes again later.
   */
  processBatch(batch: FetchedMessage[], watermark: Watermark): Promise<void>;
  /**
   * The folder was recreated on the server; every stored UID is meaningless. Store
   * `{ uidValidity: current, lastUid: 0, highestModseq: null }`; messages come again from UID 1
   * (deduplicating them by Message-ID is the caller's job).
   */
  onUidValidityChange?(previous: bigint, current: bigint): Promise<void>;
  /**
   * A message failed `maxAttempts` times on its own. Store a placeholder and the watermark (which
   * moves past it) in one transaction, then resolve; throwing keeps retrying it. Without this
   * callback a failing message is retried forever and nothing after it is delivered.
   */
  onPoisonMessage?(message: FetchedMessage, error: unknown, watermark: Watermark): Promise<void>;
  /**
   * Flags of already delivered messages changed (needs CONDSTORE). Store them and the watermark
   * in one transaction. Throwing means they are reported again at the next change or reconnect.
   */
  onFlagsChanged?(changes: FlagChange[], watermark: Watermark): Promise<void>;
  onConnectivity(state: Connectivity): void;
  logger?: TransportLogger;
  /** Reconnect delays; default base 1 s, cap 5 min. */
  backoff?: BackoffOptions;
  /** Delays between retries of a batch that failed processing; default base 1 s, cap 1 min. */
  retryBackoff?: BackoffOptions;
  /** Builds the IMAP client; tests pass a fake. Default: imapflow. */
  createClient?: (options: ImapFlowOptions) => ImapClient;
};

// A wrong password retried every second could get the account locked by the provider.
const AUTH_RETRY_FLOOR_MS = 60_000;
// How long stop() lets the loop log out cleanly before it closes the socket.
const STOP_GRACE_MS = 3_000;
// How long a liveness check may take after retryNow() before the connection counts as dead.
const PROBE_TIMEOUT_MS = 10_000;
// RFC 2177: clients should re-issue IDLE at least every 29 minutes.
const MAX_IDLE_MS = 20 * 60_000;
// When IDLE announces at most this many new messages, they are fetched whole at once, without
// first asking for their UIDs and sizes (one round trip less for a live chat message).
const SMALL_ARRIVAL = 3;

const fullQuery: FetchQueryObject = {
  uid: true,
  flags: true,
  source: true,
  internalDate: true,
  size: true,
};

/**
 * Keeps one IMAP folder (INBOX) in sync: fetches every message above the stored watermark in
 * batches, hands them to the caller, and waits in IDLE for more. It reconnects with backoff on
 * its own and never throws out of its loop; the caller sees the state through onConnectivity.
 */
export class ImapSync {
  readonly #options: ImapSyncOptions;
  readonly #mailbox: string;
  readonly #batchSize: number;
  readonly #maxBatchBytes: number;
  readonly #maxAttempts: number;
  readonly #log: TransportLogger;
  readonly #backoff: Backoff;
  readonly #retryBackoff: Backoff;
  readonly #createClient: (options: ImapFlowOptions) => ImapClient;

  #running: Promise<void> | null = null;
  #stopping = false;
  #client: ImapClient | null = null;
  #lastError: unknown = null;
  #status: Connectivity['status'] | null = null;

  #wakePending = false;
  #wakeResolve: (() => void) | null = null;
  #probe = false;
  #flagsDirty = false;
  // Messages read on this device whose \Seen the server has not been told yet.
  readonly #seenToPush = new Set<number>();

  // Where the caller's store stands, as far as this instance knows.
  #uidValidity: bigint | null = null;
  #lastUid = 0;
  #flagsSyncedTo: bigint | null = null;
  #selectModseq: bigint | null = null;
  // The EXISTS count of this session up to which every message is at or below #lastUid; null
  // when unknown (a new session, an expunge, a pass that did not deliver everything).
  #knownExists: number | null = null;

  // Failure bookkeeping survives reconnects (not restarts): UID → failed attempts alone.
  readonly #attempts = new Map<number, number>();
  // UIDs up to here are delivered one per batch, to find which one of a failed batch fails.
  #isolateThrough = 0;

  constructor(options: ImapSyncOptions) {
    assertEncryptedOrLoopback(options.connection);
    this.#options = options;
    this.#mailbox = options.mailbox ?? 'INBOX';
    this.#batchSize = Math.max(1, options.batchSize ?? 200);
    this.#maxBatchBytes = Math.max(1, options.maxBatchBytes ?? 32 * 1024 * 1024);
    this.#maxAttempts = Math.max(1, options.maxAttempts ?? 5);
    this.#log = options.logger ?? silentLogger;
    this.#backoff = new Backoff(options.backoff);
    this.#retryBackoff = new Backoff({ capMs: 60_000, ...options.retryBackoff });
    this.#createClient = options.createClient ?? ((o) => new ImapFlow(o));
  }

  /** Starts syncing in the background; calling it again while running does nothing. */
  start(): void {
    if (this.#running) return;
    this.#stopping = false;
    this.#running = this.#run()
      .catch((error: unknown) => this.#log.error('imap sync loop failed', describeError(error)))
      .finally(() => {
        this.#running = null;
      });
  }

  /** Logs out and stops; resolves when no socket or timer of this sync is left. */
  async stop(): Promise<void> {
    const running = this.#running;
    if (!running) return;
    this.#stopping = true;
    this.#wake();
    this.#backoff.cut();
    this.#retryBackoff.cut();
    // A clean LOGOUT needs the loop to get to it; a connect or fetch hanging on a dead network
    // must not hold stop() up for minutes, so the socket is closed after a grace period.
    const force = setTimeout(() => this.#client?.close(), STOP_GRACE_MS);
    try {
      await running;
    } finally {
      clearTimeout(force);
    }
  }

  /** The network came back: reconnect now if offline, or check a connection that may be dead. */
  retryNow(): void {
    this.#backoff.retryNow();
    if (this.#client && this.#status === 'connected') {
      this.#probe = true;
      this.#wake();
    }
  }

  /**
   * Tells the server these messages were read here (\Seen), so other devices and mail clients
   * show them read too. Sent at the next turn of the loop while connected, else after connecting
   * (until the process stops).
   */
  markSeen(uids: readonly number[]): void {
    let added = false;
    for (const uid of uids) {
      if (Number.isInteger(uid) && uid > 0 && !this.#seenToPush.has(uid)) {
        this.#seenToPush.add(uid);
        added = true;
      }
    }
    if (added) this.#wake();
  }

  /** Looks for new mail now instead of waiting for the server's IDLE notice. */
  fetchNow(): void {
    this.#wake();
    // Whoever asks (typically after a successful send) knows the network works.
    this.#backoff.cut();
  }

  #report(state: Connectivity): void {
    this.#status = state.status;
    try {
      this.#options.onConnectivity(state);
    } catch (error) {
      this.#log.error('onConnectivity threw', describeError(error));
    }
  }

  #wake(): void {
    this.#wakePending = true;
    const resolve = this.#wakeResolve;
    this.#wakeResolve = null;
    resolve?.();
  }

  #nextWake(): Promise<void> {
    if (this.#wakePending) return Promise.resolve();
    return new Promise((resolve) => {
      this.#wakeResolve = resolve;
    });
  }

  #imapOptions(): ImapFlowOptions {
    const server = this.#options.connection;
    const log = this.#log;
    return {
      host: server.host,
      port: server.port,
      secure: server.security === 'tls',
      // Never fall back to cleartext: STARTTLS is required unless the user chose plain (loopback).
      doSTARTTLS:
        server.security === 'starttls' ? true : server.security === 'plain' ? false : undefined,
      tls: tlsOptionsFor(server),
      auth: { user: server.user, pass: server.password },
      // Tell the server only the program's name, nothing about this machine.
      clientInfo: { name: 'Estafette', version: false, vendor: false, 'support-url': false },
      qresync: true,
      disableAutoIdle: true,
      maxIdleTime: MAX_IDLE_MS,
      connectionTimeout: 30_000,
      logger: {
        debug: () => {},
        info: () => {},
        warn: (entry: unknown) => log.debug('imapflow warning', { entry }),
        error: (entry: unknown) => log.debug('imapflow error', { entry }),
      },
    };
  }

  async #run(): Promise<void> {
    while (!this.#stopping) {
      let client: ImapClient | null = null;
      this.#lastError = null;
      let failure: unknown = null;
      try {
        client = this.#createClient(this.#imapOptions());
        this.#client = client;
        await this.#session(client);
      } catch (error) {
        failure = error;
      } finally {
        if (client) await this.#release(client);
        this.#client = null;
      }
      if (this.#stopping) break;

      // Our own CoreErrors (storage, replaced folder) say it best; otherwise the socket's error
      // explains the NoConnection that the pending command failed with.
      const cause = failure instanceof CoreError ? failure : (this.#lastError ?? failure);
      const { code, sentence, detail } = classifyConnectionError(
        cause ?? new Error('closed'),
        'IMAP',
        this.#options.connection,
      );
      let delay = this.#backoff.next();
      if (code === 'auth_failed') delay = Math.max(delay, AUTH_RETRY_FLOOR_MS);
      this.#log.info('imap offline', { code, delay, cause: describeError(failure) });
      this.#report({
        status: 'offline',
        reason: sentence,
        reasonInfo: detail,
        code,
        nextRetryAt: Date.now() + delay,
      });
      await this.#backoff.sleep(delay);
    }
  }

  async #release(client: ImapClient): Promise<void> {
    try {
      if (this.#stopping && client.usable) await client.logout();
    } catch (error) {
      this.#log.debug('logout failed', describeError(error));
    } finally {
      client.close();
    }
  }

  async #session(client: ImapClient): Promise<void> {
    // Listeners stay on a finished client (it is dropped anyway) but act only for the current
    // one; the 'error' listener must stay so a late error cannot crash the process.
    const current = () => this.#client === client;
    client.on('error', (error) => {
      if (current()) this.#lastError = error;
    });
    client.on('close', () => current() && this.#wake());
    client.on('exists', () => current() && this.#wake());
    // Sequence numbers moved: a count no longer tells how many messages are new.
    client.on('expunge', () => {
      if (current()) this.#knownExists = null;
    });
    client.on('flags', () => {
      if (!current()) return;
      this.#flagsDirty = true;
      this.#wake();
    });

    this.#knownExists = null;
    this.#report({ status: 'connecting' });
    await client.connect();
    const state = await this.#loadState();
    const box = await client.mailboxOpen(this.#mailbox);
    await this.#adopt(client, state, box);
    this.#backoff.reset();
    this.#report({ status: 'connected' });
    this.#log.info('imap connected', {
      mailbox: this.#mailbox,
      exists: box.exists,
      lastUid: this.#lastUid,
      condstore: client.enabled.has('CONDSTORE'),
      qresync: client.enabled.has('QRESYNC'),
    });

    for (;;) {
      if (this.#stopping) return;
      this.#wakePending = false;
      if (this.#probe) {
        this.#probe = false;
        await this.#checkAlive(client);
      }
      if (this.#flagsDirty) await this.#syncFlags(client);
      if (this.#seenToPush.size > 0) await this.#pushSeen(client);
      await this.#drain(client);
      if (this.#stopping) return;
      if (this.#wakePending) continue;
      if (!client.usable) throw this.#lastError ?? new Error('The IMAP connection closed.');
      // IDLE ends when a wake (new mail, fetchNow, stop, close) makes the next command break it,
      // or on its own (server, socket timeout recovery); either way the loop looks again.
      const idleEnded = client.idle().then(
        () => {},
        () => {},
      );
      await Promise.race([this.#nextWake(), idleEnded]);
    }
  }

  async #pushSeen(client: ImapClient): Promise<void> {
    // A failure (a dropped connection) keeps what is left for the next session.
    while (this.#seenToPush.size > 0) {
      const uids = [...this.#seenToPush].sort((a, b) => a - b).slice(0, 1000);
      await client.messageFlagsAdd(uids, ['\\Seen'], { uid: true });
      for (const uid of uids) this.#seenToPush.delete(uid);
    }
  }

  async #loadState(): Promise<SyncState> {
    try {
      return await this.#options.loadState();
    } catch (error) {
      throw new CoreError('storage', 'Estafette could not read where it left off syncing mail.', {
        cause: error,
      });
    }
  }

  async #adopt(client: ImapClient, state: SyncState, box: ImapMailboxInfo): Promise<void> {
    const stored = state.uidValidity === null ? null : BigInt(state.uidValidity);
    let storedModseq = state.highestModseq ?? null;
    this.#lastUid = state.lastUid;
    if (stored !== null && stored !== box.uidValidity) {
      this.#log.warn('UIDVALIDITY changed, syncing the folder from the start', {
        previous: String(stored),
        current: String(box.uidValidity),
      });
      try {
        await this.#options.onUidValidityChange?.(stored, box.uidValidity);
      } catch (error) {
        throw new CoreError('storage', 'Estafette could not reset its copy of the mail folder.', {
          cause: error,
        });
      }
      this.#lastUid = 0;
      storedModseq = null;
      this.#attempts.clear();
      this.#isolateThrough = 0;
    }
    this.#uidValidity = box.uidValidity;

    const tracking =
      this.#options.onFlagsChanged !== undefined &&
      client.enabled.has('CONDSTORE') &&
      !box.noModseq &&
      box.highestModseq !== undefined;
    this.#selectModseq = tracking ? (box.highestModseq ?? null) : null;
    if (!tracking) {
      this.#flagsSyncedTo = null;
      this.#flagsDirty = false;
    } else if (storedModseq === null) {
      // Nothing to compare with: start tracking from now on. New messages carry current flags.
      this.#flagsSyncedTo = this.#selectModseq;
      this.#flagsDirty = false;
    } else {
      this.#flagsSyncedTo = storedModseq;
      this.#flagsDirty = this.#selectModseq !== null && this.#selectModseq > storedModseq;
    }
  }

  #watermark(lastUid: number, highestModseq = this.#flagsSyncedTo): Watermark {
    if (this.#uidValidity === null) throw new Error('No mailbox selected.');
    return { uidValidity: this.#uidValidity, lastUid, highestModseq };
  }

  async #checkAlive(client: ImapClient): Promise<void> {
    // After a network change the socket may be dead without knowing it; TCP would take minutes.
    const timer = setTimeout(() => client.close(), PROBE_TIMEOUT_MS);
    try {
      await client.noop();
    } finally {
      clearTimeout(timer);
    }
  }

  async #syncFlags(client: ImapClient): Promise<void> {
    this.#flagsDirty = false;
    const since = this.#flagsSyncedTo;
    const onFlagsChanged = this.#options.onFlagsChanged;
    if (since === null || !onFlagsChanged || this.#lastUid === 0) return;
    const lastUid = this.#lastUid;
    const changes: FlagChange[] = [];
    // One command answers from one consistent view of the mailbox, so every change up to the
    // highest mod-sequence it reports is in it (changes above lastUid come with their messages).
    let reached =
      this.#selectModseq !== null && this.#selectModseq > since ? this.#selectModseq : since;
    this.#selectModseq = null;
    for await (const row of client.fetch(
      `1:${lastUid}`,
      { uid: true, flags: true },
      { uid: true, changedSince: since },
    )) {
      if (row.uid > lastUid || !row.flags) continue;
      changes.push({ uid: row.uid, flags: storedFlags(row.flags) });
      if (row.modseq !== undefined && row.modseq > reached) reached = row.modseq;
    }
    if (changes.length > 0) {
      try {
        await onFlagsChanged(changes, this.#watermark(this.#lastUid, reached));
      } catch (error) {
        this.#log.warn('onFlagsChanged failed; the changes come again later', describeError(error));
        return;
      }
    }
    this.#flagsSyncedTo = reached;
  }

  async #plan(client: ImapClient): Promise<PlannedMessage[]> {
    if (client.mailbox && client.mailbox.exists === 0) return [];
    const planned: PlannedMessage[] = [];
    // "n:*" always matches the newest message, even below n, hence the filter.
    for await (const row of client.fetch(
      `${this.#lastUid + 1}:*`,
      { uid: true, size: true },
      { uid: true },
    )) {
      if (row.uid > this.#lastUid) planned.push({ uid: row.uid, size: row.size ?? 0 });
    }
    return planned;
  }

  async #drain(client: ImapClient): Promise<void> {
    if (client.mailbox && client.mailbox.uidValidity !== this.#uidValidity) {
      throw new CoreError('network', 'The mail folder was replaced on the server.');
    }
    // Every message counted now is above the watermark or delivered: the plan sees them all.
    const exists = client.mailbox ? client.mailbox.exists : null;
    const arrived =
      exists !== null && this.#knownExists !== null ? exists - this.#knownExists : null;
    this.#knownExists = null;
    if (
      arrived !== null &&
      arrived > 0 &&
      arrived <= SMALL_ARRIVAL &&
      this.#lastUid >= this.#isolateThrough
    ) {
      // A few new messages (a live chat): fetch everything above the watermark whole at once.
      if (await this.#deliver(client, null)) {
        this.#knownExists = exists;
        return;
      }
      await this.#retryLater(null);
      return;
    }
    const planned = await this.#plan(client);
    const batches = planBatches(planned, {
      maxMessages: this.#batchSize,
      maxBytes: this.#maxBatchBytes,
      singleThrough: this.#isolateThrough,
    });
    // The next batch is fetched while this one is opened and stored: the server and the
    // network work while the CPUs do (commands still go one at a time on the connection).
    let next = batches.length > 0 ? this.#prefetch(client, batches[0]!) : null;
    for (let i = 0; i < batches.length; i++) {
      const uids = batches[i]!;
      const fetched = await next!;
      if (this.#stopping) return;
      next = i + 1 < batches.length ? this.#prefetch(client, batches[i + 1]!) : null;
      if (!(await this.#handOver(uids, fetched))) {
        await next?.catch(() => undefined);
        await this.#retryLater(uids[0] ?? null);
        return;
      }
    }
    this.#knownExists = exists;
  }

  async #retryLater(firstUid: number | null): Promise<void> {
    const delay = this.#retryBackoff.next();
    this.#log.info('retrying a batch', { delay, firstUid });
    await this.#retryBackoff.sleep(delay);
    // Plan again from the watermark: the next pass takes the failed messages one by one.
    this.#wake();
  }

  /**
   * Fetches one batch and hands it over; false when processing failed and it must be retried.
   * `uids` null: every message above the watermark (a small arrival, not planned).
   */
  async #deliver(client: ImapClient, uids: number[] | null): Promise<boolean> {
    return this.#handOver(uids, await this.#fetchBatch(client, uids, this.#lastUid));
  }

  /** Starts fetching a planned batch; a failure surfaces when it is awaited. */
  #prefetch(client: ImapClient, uids: number[]): Promise<FetchedMessage[]> {
    const fetching = this.#fetchBatch(client, uids, this.#lastUid);
    fetching.catch(() => undefined);
    return fetching;
  }

  /** The messages of `uids` (or, for null, every one above `above`), in UID order. */
  async #fetchBatch(
    client: ImapClient,
    uids: number[] | null,
    above: number,
  ): Promise<FetchedMessage[]> {
    const wanted = uids ? new Set(uids) : null;
    const seen = new Set<number>();
    const batch: FetchedMessage[] = [];
    const range = uids ? formatUidSet(uids) : `${above + 1}:*`;
    for await (const row of client.fetch(range, fullQuery, { uid: true })) {
      // Unsolicited FETCH responses (flag changes) can arrive in the middle; skip them. "n:*"
      // always matches the newest message, even at or below the watermark.
      if (!row.source || seen.has(row.uid)) continue;
      if (wanted ? !wanted.has(row.uid) : row.uid <= above) continue;
      seen.add(row.uid);
      batch.push(toFetchedMessage(row));
    }
    batch.sort((a, b) => a.uid - b.uid);
    return batch;
  }

  /** Hands a fetched batch to the caller; false when processing failed and it must be retried. */
  async #handOver(uids: number[] | null, batch: FetchedMessage[]): Promise<boolean> {
    const above = this.#lastUid;
    const highest = uids ? Math.max(...uids) : (batch.at(-1)?.uid ?? above);
    // UIDs that did not come back were expunged meanwhile; UIDs are never reused, so skip them.
    const watermark = this.#watermark(highest);
    if (batch.length === 0) {
      this.#lastUid = highest;
      return true;
    }
    try {
      await this.#options.processBatch(batch, watermark);
    } catch (error) {
      return this.#failed(batch, watermark, error);
    }
    this.#advance(batch, highest);
    return true;
  }

  #advance(batch: FetchedMessage[], lastUid: number): void {
    this.#lastUid = lastUid;
    for (const message of batch) this.#attempts.delete(message.uid);
    this.#retryBackoff.reset();
  }

  async #failed(batch: FetchedMessage[], watermark: Watermark, error: unknown): Promise<boolean> {
    const first = batch[0];
    this.#log.warn('processBatch failed', {
      firstUid: first?.uid,
      count: batch.length,
      ...describeError(error),
    });
    if (batch.length > 1 || !first) {
      // Which message fails is unknown: retry them one by one.
      this.#isolateThrough = Math.max(this.#isolateThrough, watermark.lastUid);
      return false;
    }
    const attempts = (this.#attempts.get(first.uid) ?? 0) + 1;
    this.#attempts.set(first.uid, attempts);
    const onPoison = this.#options.onPoisonMessage;
    if (attempts < this.#maxAttempts || !onPoison) return false;
    try {
      await onPoison(first, error, watermark);
    } catch (poisonError) {
      this.#log.error('onPoisonMessage failed; retrying the message', describeError(poisonError));
      return false;
    }
    this.#log.warn('gave up on a message', { uid: first.uid, attempts });
    this.#advance(batch, watermark.lastUid);
    return true;
  }
}

// \Recent only says which session saw a message first (gone in IMAP4rev2); it is not state.
function storedFlags(flags: Set<string> | undefined): string[] {
  return flags ? [...flags].filter((flag) => flag.toLowerCase() !== '\\recent') : [];
}

function toFetchedMessage(row: ImapFetchedRow): FetchedMessage {
  const source = row.source ?? Buffer.alloc(0);
  const message: FetchedMessage = {
    uid: row.uid,
    source,
    flags: storedFlags(row.flags),
    size: row.size ?? source.length,
  };
  const date =
    row.internalDate instanceof Date
      ? row.internalDate
      : row.internalDate
        ? new Date(row.internalDate)
        : null;
  if (date && !Number.isNaN(date.getTime())) message.internalDate = date;
  return message;
}
