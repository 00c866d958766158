import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { mailServer } from '../mailserver/index.ts';
import { connectImap } from '../mailserver/imap-client.ts';
import { ImapSync } from '../../main/core/transport/imap-sync.ts';
import type {
  Connectivity,
  FetchedMessage,
  FlagChange,
  ImapSyncOptions,
  SyncState,
  Watermark,
} from '../../main/core/transport/imap-sync.ts';
import { SmtpSendError, SmtpSender } from '../../main/core/transport/smtp.ts';
import type { ServerConnection } from '../../main/core/transport/connection.ts';

const ms = mailServer();
const { info } = ms;

type User = { address: string; password: string };

function server(
  user: User,
  port: number,
  security: ServerConnection['security'],
): ServerConnection {
  return {
    host: info.host,
    port,
    security,
    user: user.address,
    password: user.password,
    tls: { ca: [info.caCertPem], rejectUnauthorized: true },
  };
}

function rawMessage(to: string, n: number, subject = `message ${n}`): Buffer {
  return Buffer.from(
    [
      `From: Bob <bob@${info.domain}>`,
      `To: ${to}`,
      `Subject: ${subject}`,
      `Message-ID: <${n}.${Date.now()}@${info.domain}>`,
      `Date: ${new Date().toUTCString()}`,
      'Content-Type: text/plain; charset=utf-8',
      '',
      `This is message number ${n}.`,
      '',
    ].join('\r\n'),
  );
}

async function injectMany(to: string, first: number, last: number): Promise<void> {
  // One after the other, so UID order is the numbering order and the test can check it.
  for (let n = first; n <= last; n++) {
    await ms.inject(rawMessage(to, n), { from: `bob@${info.domain}`, to: [to] });
  }
}

function numberOf(message: FetchedMessage): number {
  const match = /^Subject: message (\d+)/m.exec(message.source.toString('utf8'));
  return Number(match?.[1] ?? NaN);
}

async function until(predicate: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A stand-in for the account's store: batches and the watermark are kept "in one transaction". */
function memoryStore() {
  const store = {
    state: { uidValidity: null, lastUid: 0, highestModseq: null } as SyncState,
    messages: [] as FetchedMessage[],
    batches: [] as number[][],
    connectivity: [] as Connectivity[],
  };
  return store;
}

const syncs: ImapSync[] = [];
afterEach(async () => {
  await Promise.all(syncs.splice(0).map((s) => s.stop()));
});

function startSync(
  user: User,
  store: ReturnType<typeof memoryStore>,
  overrides: Partial<ImapSyncOptions> = {},
): ImapSync {
  const sync = new ImapSync({
    connection: server(user, info.ports.imap, 'starttls'),
    loadState: async () => ({ ...store.state }),
    processBatch: async (batch: FetchedMessage[], watermark: Watermark) => {
      store.batches.push(batch.map((m) => m.uid));
      store.messages.push(...batch);
      store.state = { ...watermark };
    },
    onConnectivity: (state) => store.connectivity.push(state),
    ...overrides,
  });
  syncs.push(sync);
  sync.start();
  return sync;
}

const lastStatus = (store: ReturnType<typeof memoryStore>) => store.connectivity.at(-1)?.status;

describe('receiving over IMAP', () => {
  it('delivers 450 waiting messages in UID order, in batches, exactly once, and resumes from the watermark', async () => {
    const alice = await ms.addUser();
    const injectStart = Date.now();
    await injectMany(alice.address, 1, 450);
    const injectMs = Date.now() - injectStart;

    const store = memoryStore();
    const start = Date.now();
    const first = startSync(alice, store, { connection: server(alice, info.ports.imaps, 'tls') });
    await until(() => store.messages.length >= 450, '450 messages', 60_000);
    const fetchMs = Date.now() - start;
    const bytes = store.messages.reduce((sum, m) => sum + m.source.length, 0);
    console.log(
      `transport: injected 450 in ${injectMs} ms; fetched 450 (${bytes} bytes) in ${fetchMs} ms ` +
        `(${Math.round((450 / fetchMs) * 1000)} msg/s), batches ${store.batches.map((b) => b.length).join('+')}`,
    );

    const uids = store.messages.map((m) => m.uid);
    expect(uids).toEqual([...uids].sort((a, b) => a - b));
    expect(new Set(uids).size).toBe(450);
    expect(store.messages.map(numberOf)).toEqual(Array.from({ length: 450 }, (_, i) => i + 1));
    expect(store.batches.map((b) => b.length)).toEqual([200, 200, 50]);
    expect(store.state.lastUid).toBe(uids.at(-1));
    expect(store.messages[0]?.flags).toEqual([]);
    expect(store.messages[0]?.internalDate).toBeInstanceOf(Date);
    expect(store.messages[0]?.size).toBe(store.messages[0]?.source.length);

    await first.stop();
    syncs.splice(syncs.indexOf(first), 1);

    // A new instance starts from the stored watermark: only the next message comes.
    const batchesBefore = store.batches.length;
    startSync(alice, store);
    await until(() => lastStatus(store) === 'connected', 'connected again');
    await ms.inject(rawMessage(alice.address, 451), {
      from: `bob@${info.domain}`,
      to: [alice.address],
    });
    await until(() => store.messages.length === 451, 'message 451');
    expect(store.batches.slice(batchesBefore).map((b) => b.length)).toEqual([1]);
    expect(numberOf(store.messages[450] as FetchedMessage)).toBe(451);
  });

  it('a message injected while idling arrives within about a second', async () => {
    const alice = await ms.addUser();
    const store = memoryStore();
    startSync(alice, store);
    await until(() => lastStatus(store) === 'connected', 'connected');
    // Let the loop reach IDLE (one empty planning fetch first).
    await new Promise((r) => setTimeout(r, 200));
    const sent = Date.now();
    await ms.inject(rawMessage(alice.address, 1), {
      from: `bob@${info.domain}`,
      to: [alice.address],
    });
    await until(() => store.messages.length === 1, 'the pushed message', 5_000);
    const latency = Date.now() - sent;
    console.log(`transport: IDLE push latency ${latency} ms (Dovecot waits 0.5 s)`);
    expect(latency).toBeLessThan(2_000);
  });

  it('goes offline when the server restarts mid-IDLE, reconnects, and gets mail sent after', async () => {
    const alice = await ms.addUser();
    const store = memoryStore();
    startSync(alice, store, { backoff: { baseMs: 500, capMs: 2_000 } });
    await until(() => lastStatus(store) === 'connected', 'connected');
    await new Promise((r) => setTimeout(r, 200));
    const seen = store.connectivity.length;

    const restartedAt = Date.now();
    await ms.restart();
    await until(
      () => store.connectivity.slice(seen).some((c) => c.status === 'offline'),
      'offline',
    );
    await until(() => lastStatus(store) === 'connected', 'connected after restart', 30_000);
    const after = store.connectivity.slice(seen);
    const offline = after.find((c) => c.status === 'offline');
    expect(offline?.reason).toBeTruthy();
    expect(offline?.nextRetryAt).toBeTypeOf('number');
    console.log(
      `transport: back online ${Date.now() - restartedAt} ms after restart began; ` +
        `states ${after.map((c) => c.status + (c.code ? `(${c.code})` : '')).join(' → ')}`,
    );

    await ms.inject(rawMessage(alice.address, 1), {
      from: `bob@${info.domain}`,
      to: [alice.address],
    });
    await until(() => store.messages.length === 1, 'mail after the restart');
  });

  it('a batch whose processing throws once is delivered again, and nothing is lost', async () => {
    const alice = await ms.addUser();
    await injectMany(alice.address, 1, 12);
    const store = memoryStore();
    let calls = 0;
    startSync(alice, store, {
      batchSize: 5,
      retryBackoff: { baseMs: 50 },
      processBatch: async (batch, watermark) => {
        calls++;
        if (calls === 1) throw new Error('the disk hiccuped');
        store.batches.push(batch.map((m) => m.uid));
        store.messages.push(...batch);
        store.state = { ...watermark };
      },
    });
    await until(() => store.messages.length === 12, 'all 12 messages');
    expect(store.messages.map(numberOf)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(new Set(store.messages.map((m) => m.uid)).size).toBe(12);
    expect(calls).toBeGreaterThan(store.batches.length);
  });

  it('a message marked seen on another device is reported through onFlagsChanged', async () => {
    const alice = await ms.addUser();
    await injectMany(alice.address, 1, 3);
    const store = memoryStore();
    const changes: FlagChange[][] = [];
    startSync(alice, store, {
      onFlagsChanged: async (batch, watermark) => {
        changes.push(batch);
        store.state = { ...watermark };
      },
    });
    await until(() => store.messages.length === 3, 'three messages');
    const trackedFrom = store.state.highestModseq;
    expect(typeof trackedFrom).toBe('bigint');

    // Another client (a phone, say) reads message 2.
    const other = await connectImap(info, alice);
    try {
      await other.mailboxOpen('INBOX');
      const uid = store.messages[1]?.uid ?? 0;
      await other.messageFlagsAdd(String(uid), ['\\Seen'], { uid: true });
      await until(
        () => changes.flat().some((c) => c.uid === uid && c.flags.includes('\\Seen')),
        'the \\Seen flag',
      );
    } finally {
      await other.logout();
    }
    expect(store.state.highestModseq).toBeGreaterThan(trackedFrom as bigint);
  });

  it('a wrong password is reported as auth_failed, not as a crash', async () => {
    const alice = await ms.addUser();
    const store = memoryStore();
    startSync({ ...alice, password: 'wrong' }, store);
    await until(() => lastStatus(store) === 'offline', 'offline');
    expect(store.connectivity.at(-1)?.code).toBe('auth_failed');
    // Wrong passwords are not retried quickly.
    expect((store.connectivity.at(-1)?.nextRetryAt ?? 0) - Date.now()).toBeGreaterThan(50_000);
  });
});

describe('sending over SMTP', () => {
  const senders: SmtpSender[] = [];
  afterAll(async () => {
    await Promise.all(senders.map((s) => s.close()));
  });

  async function arrived(address: string, marker: string): Promise<void> {
    const start = Date.now();
    for (;;) {
      const box = await ms.mailbox(address);
      if (box.some((m) => m.raw.toString('utf8').includes(marker))) return;
      if (Date.now() - start > 20_000) throw new Error(`no message with ${marker}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it.each([
    ['submission with STARTTLS', 'starttls' as const, () => info.ports.submission],
    ['SMTPS', 'tls' as const, () => info.ports.smtps],
  ])('sends over %s', async (_name, security, port) => {
    const alice = await ms.addUser();
    const bob = await ms.addUser();
    const sender = new SmtpSender({ connection: server(alice, port(), security) });
    senders.push(sender);
    const marker = `hello-${security}-${Date.now()}`;
    const raw = Buffer.from(
      `From: ${alice.address}\r\nTo: ${bob.address}\r\nSubject: ${marker}\r\n` +
        `Message-ID: <${marker}@${info.domain}>\r\n\r\nHi Bob.\r\n`,
    );
    const started = Date.now();
    const result = await sender.send({ from: alice.address, to: [bob.address], raw });
    const second = Date.now();
    await sender.send({ from: alice.address, to: [bob.address], raw });
    console.log(
      `transport: SMTP ${security} first send ${second - started} ms, pooled second ${Date.now() - second} ms`,
    );
    expect(result.messageId).toBe(`${marker}@${info.domain}`);
    expect(result.response).toMatch(/^250/);
    expect(result.accepted).toEqual([bob.address]);
    expect(result.rejected).toEqual([]);
    await arrived(bob.address, marker);
  });

  it('fails with a temporary error while the server is down and succeeds once it is back', async () => {
    const alice = await ms.addUser();
    const bob = await ms.addUser();
    const sender = new SmtpSender({ connection: server(alice, info.ports.submission, 'starttls') });
    senders.push(sender);
    const raw = (marker: string) =>
      Buffer.from(
        `From: ${alice.address}\r\nTo: ${bob.address}\r\nSubject: ${marker}\r\n\r\nx\r\n`,
      );

    await ms.stop();
    let failure: unknown;
    try {
      await sender.send({ from: alice.address, to: [bob.address], raw: raw('while-down') });
    } catch (error) {
      failure = error;
    } finally {
      await ms.start();
    }
    expect(failure).toBeInstanceOf(SmtpSendError);
    expect((failure as SmtpSendError).permanent).toBe(false);
    expect((failure as SmtpSendError).code).toBe('connection_refused');

    const marker = `after-start-${Date.now()}`;
    await sender.send({ from: alice.address, to: [bob.address], raw: raw(marker) });
    await arrived(bob.address, marker);
  });
});
