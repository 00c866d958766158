import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import type { FetchOptions, FetchQueryObject } from 'imapflow';
import { ImapSync } from '../../../main/core/transport/imap-sync.ts';
import type {
  Connectivity,
  FetchedMessage,
  FlagChange,
  ImapClient,
  ImapFetchedRow,
  ImapMailboxInfo,
  ImapSyncOptions,
  SyncState,
  Watermark,
} from '../../../main/core/transport/imap-sync.ts';
import { parseUidSet } from '../../../main/core/transport/uid-set.ts';

type StoredMessage = { uid: number; source: Buffer; flags: Set<string>; modseq: bigint };

/** An in-memory IMAP mailbox that fake clients talk to. */
class FakeMailbox {
  uidValidity = 7n;
  messages: StoredMessage[] = [];
  nextUid = 1;
  modseq = 1n;
  clients: FakeClient[] = [];
  /** Errors the next connect() calls throw, in order. */
  connectFailures: Error[] = [];

  add(count: number): void {
    for (let i = 0; i < count; i++) {
      const uid = this.nextUid++;
      this.modseq++;
      this.messages.push({
        uid,
        source: Buffer.from(`Subject: message ${uid}\r\n\r\nbody ${uid}\r\n`),
        flags: new Set(['\\Recent']),
        modseq: this.modseq,
      });
    }
    for (const client of this.clients) client.notifyExists();
  }

  /** Removes a message; clients hear EXPUNGE (their count goes down, then 'expunge'). */
  expunge(uid: number): void {
    this.messages = this.messages.filter((m) => m.uid !== uid);
    for (const client of this.clients) client.notifyExpunge();
  }

  setFlags(uid: number, flags: string[]): void {
    const message = this.messages.find((m) => m.uid === uid);
    if (!message) throw new Error(`no message ${uid}`);
    this.modseq++;
    message.flags = new Set(flags);
    message.modseq = this.modseq;
    for (const client of this.clients) client.notifyFlags(message);
  }

  recreate(): void {
    this.uidValidity++;
    this.messages = [];
    this.nextUid = 1;
  }

  get current(): FakeClient {
    const client = this.clients.at(-1);
    if (!client) throw new Error('no client yet');
    return client;
  }
}

class FakeClient extends EventEmitter implements ImapClient {
  readonly enabled = new Set(['CONDSTORE', 'QRESYNC']);
  mailbox: ImapMailboxInfo | false = false;
  usable = false;
  readonly commands: string[] = [];
  loggedOut = false;
  #endIdle: (() => void) | null = null;
  readonly #server: FakeMailbox;

  constructor(server: FakeMailbox) {
    super();
    this.#server = server;
    server.clients.push(this);
  }

  notifyExists(): void {
    if (!this.mailbox || !this.usable) return;
    this.mailbox.exists = this.#server.messages.length;
    this.emit('exists');
  }

  notifyExpunge(): void {
    if (!this.mailbox || !this.usable) return;
    this.mailbox.exists = this.#server.messages.length;
    this.emit('expunge');
  }

  notifyFlags(message: StoredMessage): void {
    if (this.usable && this.mailbox) this.emit('flags', { uid: message.uid });
  }

  #command(name: string): void {
    if (!this.usable)
      throw Object.assign(new Error('Connection not available'), { code: 'NoConnection' });
    this.commands.push(name);
    // Any command ends IDLE, as imapflow's preCheck does.
    const end = this.#endIdle;
    this.#endIdle = null;
    end?.();
  }

  async connect(): Promise<void> {
    const failure = this.#server.connectFailures.shift();
    if (failure) throw failure;
    this.usable = true;
  }

  async mailboxOpen(path: string): Promise<ImapMailboxInfo> {
    this.#command(`SELECT ${path}`);
    this.mailbox = {
      uidValidity: this.#server.uidValidity,
      exists: this.#server.messages.length,
      highestModseq: this.#server.modseq,
    };
    return { ...this.mailbox };
  }

  async *fetch(
    range: string,
    query: FetchQueryObject,
    options: FetchOptions,
  ): AsyncGenerator<ImapFetchedRow> {
    this.#command(`FETCH ${range}${query.source ? ' full' : ''}`);
    const messages = this.#server.messages;
    const largest = messages.at(-1)?.uid ?? 0;
    const inSet = parseUidSet(range, largest);
    for (const m of messages) {
      if (!inSet(m.uid)) continue;
      if (options.changedSince !== undefined && m.modseq <= BigInt(options.changedSince)) continue;
      yield {
        uid: m.uid,
        size: m.source.length,
        modseq: m.modseq,
        ...(query.flags ? { flags: new Set(m.flags) } : {}),
        ...(query.source ? { source: m.source, internalDate: new Date(0) } : {}),
      };
      if (!this.usable)
        throw Object.assign(new Error('Connection closed'), { code: 'NoConnection' });
    }
  }

  idle(): Promise<unknown> {
    this.commands.push('IDLE');
    return new Promise((resolve) => {
      this.#endIdle = () => resolve(undefined);
    });
  }

  async noop(): Promise<unknown> {
    this.#command('NOOP');
    return undefined;
  }

  async messageFlagsAdd(range: number[], flags: string[]): Promise<boolean> {
    this.#command(`STORE ${range.join(',')} +FLAGS (${flags.join(' ')})`);
    for (const m of this.#server.messages) {
      if (range.includes(m.uid)) for (const f of flags) m.flags.add(f);
    }
    return true;
  }

  async logout(): Promise<unknown> {
    this.#command('LOGOUT');
    this.loggedOut = true;
    this.close();
    return true;
  }

  close(): void {
    if (!this.usable && !this.mailbox) return;
    this.usable = false;
    this.mailbox = false;
    const end = this.#endIdle;
    this.#endIdle = null;
    end?.();
    this.emit('close');
  }

  /** The server goes away: an error, then the close. */
  drop(): void {
    this.emit('error', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
    this.close();
  }

  get idling(): boolean {
    return this.#endIdle !== null;
  }
}

async function until(predicate: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

const running: ImapSync[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.stop()));
});

/** A sync over a fake mailbox whose caller stores batches like the real store would. */
function setup(overrides: Partial<ImapSyncOptions> = {}) {
  const server = new FakeMailbox();
  const store: { state: SyncState; messages: FetchedMessage[]; batches: number[][] } = {
    state: { uidValidity: null, lastUid: 0, highestModseq: null },
    messages: [],
    batches: [],
  };
  const connectivity: Connectivity[] = [];
  const options: ImapSyncOptions = {
    connection: {
      host: '127.0.0.1',
      port: 1,
      security: 'plain',
      user: 'alice',
      password: 'secret',
      tls: { rejectUnauthorized: true },
    },
    loadState: async () => ({ ...store.state }),
    processBatch: async (batch: FetchedMessage[], watermark: Watermark) => {
      store.batches.push(batch.map((m) => m.uid));
      store.messages.push(...batch);
      store.state = { ...watermark };
    },
    onConnectivity: (state) => connectivity.push(state),
    backoff: { random: () => 0 },
    retryBackoff: { random: () => 0 },
    createClient: () => new FakeClient(server),
    ...overrides,
  };
  const sync = new ImapSync(options);
  running.push(sync);
  const uids = () => store.messages.map((m) => m.uid);
  return { server, store, connectivity, sync, uids };
}

const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('ImapSync with a fake server', () => {
  it('delivers 450 waiting messages in UID order in batches of 200, each exactly once', async () => {
    const { server, store, sync, uids } = setup();
    server.add(450);
    sync.start();
    await until(() => store.messages.length === 450, '450 messages');
    await until(() => server.current.idling, 'IDLE');
    expect(store.batches.map((b) => b.length)).toEqual([200, 200, 50]);
    expect(uids()).toEqual(range(1, 450));
    expect(store.state).toEqual({ uidValidity: 7n, lastUid: 450, highestModseq: null });
    // \Recent belongs to the session, not to the message.
    expect(store.messages[0]?.flags).toEqual([]);
    // One UID FETCH plans (UID and size only), then one per batch.
    expect(server.current.commands).toEqual([
      'SELECT INBOX',
      'FETCH 1:*',
      'FETCH 1:200 full',
      'FETCH 201:400 full',
      'FETCH 401:450 full',
      'IDLE',
    ]);
  });

  it('fetches the next batch while the previous one is still being processed', async () => {
    const at: { server?: FakeMailbox } = {};
    const seenWhileProcessing: string[][] = [];
    const processed: number[] = [];
    const ctx = setup({
      processBatch: async (batch) => {
        // Give the prefetch a turn, then note which FETCHes were sent by now.
        await new Promise((r) => setTimeout(r, 5));
        seenWhileProcessing.push([...(at.server?.current.commands ?? [])]);
        processed.push(...batch.map((m) => m.uid));
      },
    });
    at.server = ctx.server;
    ctx.server.add(450);
    ctx.sync.start();
    await until(() => processed.length === 450, '450 processed');
    expect(processed).toEqual(range(1, 450));
    expect(seenWhileProcessing[0]).toContain('FETCH 201:400 full');
    expect(seenWhileProcessing[1]).toContain('FETCH 401:450 full');
  });

  it('starts from the stored watermark and delivers nothing twice', async () => {
    const { server, store, sync, uids } = setup();
    server.add(5);
    store.state = { uidValidity: 7n, lastUid: 3, highestModseq: null };
    sync.start();
    await until(() => server.current.idling, 'IDLE');
    expect(uids()).toEqual([4, 5]);
  });

  it('with nothing new it asks once (n:* matches the last message) and idles', async () => {
    const { server, store, sync } = setup();
    server.add(3);
    store.state = { uidValidity: 7n, lastUid: 3, highestModseq: null };
    sync.start();
    await until(() => server.current.idling, 'IDLE');
    expect(store.batches).toEqual([]);
    expect(server.current.commands).toEqual(['SELECT INBOX', 'FETCH 4:*', 'IDLE']);
  });

  it('fetches mail that arrives while idling', async () => {
    const { server, store, sync, uids } = setup();
    sync.start();
    await until(() => server.current.idling, 'IDLE');
    server.add(2);
    await until(() => store.messages.length === 2, 'new mail');
    await until(() => server.current.idling, 'IDLE again');
    server.add(1);
    await until(() => store.messages.length === 3, 'more mail');
    expect(uids()).toEqual([1, 2, 3]);
  });

  it('fetches a small arrival whole at once, and plans a bigger one', async () => {
    const { server, store, sync, uids } = setup();
    server.add(2);
    sync.start();
    await until(() => store.messages.length === 2 && server.current.idling, 'first IDLE');
    server.add(1);
    await until(() => store.messages.length === 3 && server.current.idling, 'one more');
    server.add(3);
    await until(() => store.messages.length === 6 && server.current.idling, 'three more');
    server.add(4);
    await until(() => store.messages.length === 10 && server.current.idling, 'four more');
    expect(uids()).toEqual(range(1, 10));
    expect(store.batches).toEqual([[1, 2], [3], [4, 5, 6], [7, 8, 9, 10]]);
    expect(store.state.lastUid).toBe(10);
    // Up to three new messages: no planning round trip. Four: plan first, as at start.
    expect(server.current.commands).toEqual([
      'SELECT INBOX',
      'FETCH 1:*',
      'FETCH 1:2 full',
      'IDLE',
      'FETCH 3:* full',
      'IDLE',
      'FETCH 4:* full',
      'IDLE',
      'FETCH 7:*',
      'FETCH 7:10 full',
      'IDLE',
    ]);
  });

  it('plans again after an expunge, when the count no longer tells what is new', async () => {
    const { server, store, sync, uids } = setup();
    server.add(3);
    sync.start();
    await until(() => store.messages.length === 3 && server.current.idling, 'first IDLE');
    // One removed and four new: the count says three are new, which would be fetched whole.
    server.expunge(2);
    server.add(4);
    await until(() => store.messages.length === 7 && server.current.idling, 'the new ones');
    server.add(1);
    await until(() => store.messages.length === 8 && server.current.idling, 'one more');
    expect(uids()).toEqual(range(1, 8));
    expect(server.current.commands.slice(2)).toEqual([
      'FETCH 1:3 full',
      'IDLE',
      'FETCH 4:*',
      'FETCH 4:7 full',
      'IDLE',
      'FETCH 8:* full',
      'IDLE',
    ]);
  });

  it('a small arrival whose processing failed comes again one by one, losing nothing', async () => {
    let calls = 0;
    let ctx: ReturnType<typeof setup>;
    const sync = (ctx = setup({
      processBatch: async (batch, watermark) => {
        calls++;
        if (calls === 2) throw new Error('database is locked');
        ctx.store.batches.push(batch.map((m) => m.uid));
        ctx.store.messages.push(...batch);
        ctx.store.state = { ...watermark };
      },
    })).sync;
    ctx.server.add(1);
    sync.start();
    await until(() => ctx.store.messages.length === 1 && ctx.server.current.idling, 'IDLE');
    ctx.server.add(2);
    await until(() => ctx.store.messages.length === 3, 'both new messages');
    expect(ctx.uids()).toEqual([1, 2, 3]);
    expect(ctx.store.batches).toEqual([[1], [2], [3]]);
    expect(ctx.store.state.lastUid).toBe(3);
  });

  it('fetchNow looks for mail without an IDLE notice', async () => {
    const { server, store, sync } = setup();
    sync.start();
    await until(() => server.current.idling, 'IDLE');
    server.messages.push({ uid: 1, source: Buffer.from('x'), flags: new Set(), modseq: 9n });
    server.current.mailbox = { uidValidity: 7n, exists: 1 };
    sync.fetchNow();
    await until(() => store.messages.length === 1, 'the message');
  });

  it('tells the server what was read here (\\Seen), also when marked while offline', async () => {
    const { server, sync } = setup();
    server.add(3);
    sync.start();
    await until(() => server.current.idling, 'IDLE');
    sync.markSeen([1, 3]);
    await until(() => server.current.commands.includes('STORE 1,3 +FLAGS (\\Seen)'), 'the STORE');
    expect(server.messages.map((m) => m.flags.has('\\Seen'))).toEqual([true, false, true]);
    // Marked while the connection is down: sent once the next session is up.
    const first = server.current;
    server.connectFailures.push(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }));
    first.drop();
    sync.markSeen([2]);
    sync.retryNow();
    await until(
      () => server.current !== first && server.current.commands.includes('STORE 2 +FLAGS (\\Seen)'),
      'the STORE after reconnecting',
    );
    expect(server.messages.every((m) => m.flags.has('\\Seen'))).toBe(true);
    // More than one STORE's worth goes out in one turn, in commands of 1,000.
    server.add(1500);
    await until(() => server.messages.length === 1503, 'the new mail');
    sync.markSeen(range(4, 1503));
    await until(() => server.messages.every((m) => m.flags.has('\\Seen')), 'every message seen');
    const stores = server.current.commands.filter((c) => c.startsWith('STORE'));
    expect(stores.at(-2)).toMatch(/^STORE 4,5,.*,1003 \+FLAGS/);
    expect(stores.at(-1)).toMatch(/^STORE 1004,.*,1503 \+FLAGS/);
  });

  it('retries a batch whose processing failed, one message at a time, losing nothing', async () => {
    let calls = 0;
    let ctx: ReturnType<typeof setup>;
    const sync = (ctx = setup({
      batchSize: 4,
      processBatch: async (batch, watermark) => {
        calls++;
        if (calls === 1) throw new Error('database is locked');
        ctx.store.batches.push(batch.map((m) => m.uid));
        ctx.store.messages.push(...batch);
        ctx.store.state = { ...watermark };
      },
    })).sync;
    ctx.server.add(10);
    sync.start();
    await until(() => ctx.store.messages.length === 10, 'all 10 messages');
    expect(ctx.uids()).toEqual(range(1, 10));
    // The failed batch 1–4 comes again one by one, then batching resumes.
    expect(ctx.store.batches).toEqual([[1], [2], [3], [4], [5, 6, 7, 8], [9, 10]]);
    expect(calls).toBe(7);
  });

  it('hands a message that keeps failing to onPoisonMessage and goes on', async () => {
    const poisoned: { uid: number; watermark: Watermark }[] = [];
    const attempts = new Map<number, number>();
    let ctx: ReturnType<typeof setup>;
    const sync = (ctx = setup({
      maxAttempts: 3,
      processBatch: async (batch, watermark) => {
        if (batch.some((m) => m.uid === 3)) {
          attempts.set(3, (attempts.get(3) ?? 0) + 1);
          throw new Error('cannot store');
        }
        ctx.store.messages.push(...batch);
        ctx.store.state = { ...watermark };
      },
      onPoisonMessage: async (message, _error, watermark) => {
        poisoned.push({ uid: message.uid, watermark });
        ctx.store.state = { ...watermark };
      },
    })).sync;
    ctx.server.add(5);
    sync.start();
    await until(() => ctx.store.messages.length === 4, 'the four good messages');
    expect(poisoned.map((p) => p.uid)).toEqual([3]);
    expect(poisoned[0]?.watermark.lastUid).toBe(3);
    // Once in the batch of five, then three times alone.
    expect(attempts.get(3)).toBe(4);
    expect(ctx.uids()).toEqual([1, 2, 4, 5]);
    expect(ctx.store.state.lastUid).toBe(5);
  });

  it('without onPoisonMessage a failing message is retried and never skipped', async () => {
    let ctx: ReturnType<typeof setup>;
    let failures = 0;
    const sync = (ctx = setup({
      maxAttempts: 2,
      processBatch: async (batch, watermark) => {
        if (batch.some((m) => m.uid === 2)) {
          failures++;
          throw new Error('always');
        }
        ctx.store.messages.push(...batch);
        ctx.store.state = { ...watermark };
      },
    })).sync;
    ctx.server.add(3);
    sync.start();
    await until(() => failures >= 6, 'several retries');
    expect(ctx.uids()).toEqual([1]);
    expect(ctx.store.state.lastUid).toBe(1);
  });

  it('reports offline with a reason and retry time, then reconnects', async () => {
    const { server, connectivity, sync, store } = setup();
    server.connectFailures.push(
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
    );
    server.add(1);
    const before = Date.now();
    sync.start();
    await until(() => store.messages.length === 1, 'the message after reconnecting');
    expect(connectivity.map((c) => c.status)).toEqual([
      'connecting',
      'offline',
      'connecting',
      'offline',
      'connecting',
      'connected',
    ]);
    const offline = connectivity[1];
    expect(offline?.code).toBe('connection_refused');
    expect(offline?.reason).toContain('127.0.0.1');
    expect(offline?.nextRetryAt).toBeGreaterThanOrEqual(before);
  });

  it('reconnects after the server drops the connection and continues from the watermark', async () => {
    const { server, connectivity, sync, store, uids } = setup();
    server.add(3);
    sync.start();
    await until(() => server.current.idling, 'IDLE');
    const first = server.current;
    first.drop();
    server.add(2);
    await until(() => store.messages.length === 5, 'mail after the reconnect');
    expect(server.current).not.toBe(first);
    expect(uids()).toEqual([1, 2, 3, 4, 5]);
    const statuses = connectivity.map((c) => c.status);
    expect(statuses.slice(-3)).toEqual(['offline', 'connecting', 'connected']);
    expect(connectivity.find((c) => c.status === 'offline')?.code).toBe('network');
  });

  it('waits out the backoff until retryNow', async () => {
    const { server, connectivity, sync } = setup({
      backoff: { random: () => 0.99, baseMs: 60_000 },
    });
    server.connectFailures.push(
      Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' }),
    );
    sync.start();
    await until(() => connectivity.some((c) => c.status === 'offline'), 'offline');
    const offline = connectivity.find((c) => c.status === 'offline');
    expect(offline?.code).toBe('host_not_found');
    expect((offline?.nextRetryAt ?? 0) - Date.now()).toBeGreaterThan(50_000);
    sync.retryNow();
    await until(() => connectivity.at(-1)?.status === 'connected', 'connected');
  });

  it('retryNow on a live connection checks it with a NOOP', async () => {
    const { server, sync } = setup();
    sync.start();
    await until(() => server.current.idling, 'IDLE');
    sync.retryNow();
    await until(() => server.current.commands.includes('NOOP'), 'NOOP');
    await until(() => server.current.idling, 'IDLE again');
  });

  it('a new UIDVALIDITY resets the watermark and delivers the folder again', async () => {
    const changes: [bigint, bigint][] = [];
    let ctx: ReturnType<typeof setup>;
    const sync = (ctx = setup({
      onUidValidityChange: async (previous, current) => {
        changes.push([previous, current]);
        ctx.store.state = { uidValidity: current, lastUid: 0, highestModseq: null };
      },
    })).sync;
    ctx.server.recreate();
    ctx.server.add(2);
    ctx.store.state = { uidValidity: 7n, lastUid: 40, highestModseq: null };
    sync.start();
    await until(() => ctx.store.messages.length === 2, 'the folder again');
    expect(changes).toEqual([[7n, 8n]]);
    expect(ctx.store.state).toMatchObject({ uidValidity: 8n, lastUid: 2 });
  });

  it('reports changed flags since the stored mod-sequence (CONDSTORE)', async () => {
    const flagBatches: { changes: FlagChange[]; watermark: Watermark }[] = [];
    let ctx: ReturnType<typeof setup>;
    const sync = (ctx = setup({
      onFlagsChanged: async (changes, watermark) => {
        flagBatches.push({ changes, watermark });
        ctx.store.state = { ...watermark };
      },
    })).sync;
    ctx.server.add(3);
    sync.start();
    await until(() => ctx.store.messages.length === 3, 'messages');
    await until(() => ctx.server.current.idling, 'IDLE');
    // Tracking starts at SELECT's HIGHESTMODSEQ.
    expect(ctx.store.state.highestModseq).toBe(4n);
    ctx.server.setFlags(2, ['\\Seen']);
    await until(() => flagBatches.length === 1, 'the flag change');
    expect(flagBatches[0]?.changes).toEqual([{ uid: 2, flags: ['\\Seen'] }]);
    expect(flagBatches[0]?.watermark).toEqual({ uidValidity: 7n, lastUid: 3, highestModseq: 5n });
    await sync.stop();

    // Offline changes are found at the next start.
    ctx.server.setFlags(1, ['\\Seen', '\\Flagged']);
    sync.start();
    await until(() => flagBatches.length === 2, 'the change made while stopped');
    expect(flagBatches[1]?.changes).toEqual([{ uid: 1, flags: ['\\Seen', '\\Flagged'] }]);
    expect(flagBatches[1]?.watermark.highestModseq).toBe(6n);
  });

  it('stop logs out, ends IDLE and can be called twice', async () => {
    const { server, sync } = setup();
    sync.start();
    await until(() => server.current.idling, 'IDLE');
    await sync.stop();
    expect(server.current.loggedOut).toBe(true);
    expect(server.current.usable).toBe(false);
    await sync.stop();
  });

  it('stop ends a long backoff wait at once', async () => {
    const { server, connectivity, sync } = setup({
      backoff: { random: () => 0.99, baseMs: 600_000 },
    });
    server.connectFailures.push(new Error('down'));
    sync.start();
    await until(() => connectivity.some((c) => c.status === 'offline'), 'offline');
    const started = Date.now();
    await sync.stop();
    expect(Date.now() - started).toBeLessThan(500);
  });

  it('refuses cleartext to a remote host before connecting', () => {
    expect(
      () =>
        new ImapSync({
          connection: {
            host: 'imap.example.org',
            port: 143,
            security: 'plain',
            user: 'a',
            password: 'p',
            tls: { rejectUnauthorized: true },
          },
          loadState: async () => ({ uidValidity: null, lastUid: 0 }),
          processBatch: async () => {},
          onConnectivity: () => {},
        }),
    ).toThrow(/without encryption/);
  });
});
