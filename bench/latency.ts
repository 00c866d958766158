/**
 * Delivery latency, send call → the recipient has the message (decrypted and stored), for
 * Estafette → Estafette, Delta Chat → Delta Chat, and the floor: a bare imapflow IDLE client
 * seeing a message submitted by SMTP. Sends alternate between the two sides and are spaced
 * out, so Delta Chat's SMTP pacing (a burst of 3, then about one a second) never delays one.
 */
import { mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import type { ImapFlow } from 'imapflow';
import nodemailer from 'nodemailer';
import { createCore } from '../main/core/core.ts';
import type { Core } from '../main/core/core.ts';
import type { CoreEvent } from '../shared/events.ts';
import type { Message } from '../shared/types.ts';
import type { TestUser } from '../test/mailserver/server.ts';
import { connectImap } from '../test/mailserver/imap-client.ts';
import { manualSettings } from '../test/support/peer.ts';
import type { BenchContext } from './context.ts';
import { configureAccount, secureJoin, startDeltaChatProcess, waitForEvent } from './deltachat.ts';
import { median, percentile, round } from './stats.ts';

export interface LatencySeries {
  samples: number;
  medianMs: number | null;
  p95Ms: number | null;
  minMs: number | null;
}

export interface LatencyResult {
  count: number;
  floor: LatencySeries;
  estafette: LatencySeries & {
    /** Send call → the sender's message is `sent` (composed, encrypted, accepted by SMTP). */
    sendMedianMs: number | null;
    /** Send call → a bare IDLE client on the recipient's INBOX sees the message (a probe). */
    serverSeenMedianMs: number | null;
    /** The probe saw it → the recipient's core has it stored and announced. */
    receiveMedianMs: number | null;
    encrypted: number;
  };
  deltachat: LatencySeries | null;
  notes: string[];
}

/** Sends are at least this far apart, per direction pair. */
const SPACING_MS = 1_200;
const WAIT_MS = 20_000;
/** Messages of the second, probed Estafette series (the split into sending and receiving). */
const SPLIT_COUNT = 10;

export async function benchLatency(
  ctx: BenchContext,
  count: number,
  opts: { deltachat: boolean },
): Promise<LatencyResult> {
  const notes: string[] = [];
  const floor = await floorLatency(ctx, count);
  ctx.log(`  floor: median ${fmt(floor.medianMs)} ms, p95 ${fmt(floor.p95Ms)} ms`);
  const estafette = await estafetteLatency(ctx, count, notes);
  ctx.log(
    `  estafette: median ${fmt(estafette.medianMs)} ms, p95 ${fmt(estafette.p95Ms)} ms (sent after ${fmt(estafette.sendMedianMs)} ms, server told IDLE after ${fmt(estafette.serverSeenMedianMs)} ms, stored ${fmt(estafette.receiveMedianMs)} ms later)`,
  );
  let deltachat: LatencySeries | null = null;
  if (opts.deltachat) {
    deltachat = await deltachatLatency(ctx, count, notes);
    ctx.log(`  deltachat: median ${fmt(deltachat.medianMs)} ms, p95 ${fmt(deltachat.p95Ms)} ms`);
  }
  return { count, floor, estafette, deltachat, notes };
}

function series(samples: number[]): LatencySeries {
  return {
    samples: samples.length,
    medianMs: round(median(samples)),
    p95Ms: round(percentile(samples, 95)),
    minMs: round(Math.min(...samples)),
  };
}

const fmt = (v: number | null) => (v === null ? '–' : v.toFixed(1));

/** Waits until `since + SPACING_MS`, so consecutive sends keep their distance. */
async function spaced(since: number): Promise<void> {
  const wait = since + SPACING_MS - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
}

/** A message about as big as an encrypted chat message, so the server's work is comparable. */
function floorMessage(from: string, to: string, i: number): string {
  const filler = Buffer.alloc(1800, `floor ${i} `)
    .toString('base64')
    .replace(/(.{76})/g, '$1\r\n');
  return `From: <${from}>\r\nTo: <${to}>\r\nSubject: [...]\r\nMessage-ID: <floor-${i}-${Date.now()}@bench>\r\nDate: ${new Date().toUTCString()}\r\nMIME-Version: 1.0\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n${filler}\r\n`;
}

/** A bare IMAP client in IDLE on a user's INBOX, calling `onExists` at every new message. */
async function idleWatcher(
  ctx: BenchContext,
  user: TestUser,
  onExists: () => void,
): Promise<ImapFlow> {
  const client = await connectImap(ctx.ms.info, user);
  await client.mailboxOpen('INBOX');
  client.on('exists', onExists);
  void client.idle().catch(() => {});
  return client;
}

async function floorLatency(ctx: BenchContext, count: number): Promise<LatencySeries> {
  const { info } = ctx.ms;
  const [sender, recipient] = await Promise.all([
    ctx.ms.addUser('floor-sender'),
    ctx.ms.addUser('floor-recipient'),
  ]);
  let seen: (() => void) | null = null;
  const client = await idleWatcher(ctx, recipient, () => seen?.());
  const smtp = nodemailer.createTransport({
    pool: true,
    host: info.host,
    port: info.ports.smtps,
    secure: true,
    tls: { ca: [info.caCertPem] },
    auth: { user: sender.address, pass: sender.password },
  });
  const samples: number[] = [];
  try {
    // One message first, so the SMTP connection is open as Estafette's and Delta Chat's are.
    await smtp.sendMail({
      envelope: { from: sender.address, to: [recipient.address] },
      raw: floorMessage(sender.address, recipient.address, -1),
    });
    let last = performance.now();
    for (let i = 0; i < count; i++) {
      await spaced(last);
      const arrived = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('floor: no EXISTS in time')), WAIT_MS);
        seen = () => {
          clearTimeout(timer);
          seen = null;
          resolve();
        };
      });
      const t0 = performance.now();
      last = t0;
      await smtp.sendMail({
        envelope: { from: sender.address, to: [recipient.address] },
        raw: floorMessage(sender.address, recipient.address, i),
      });
      await arrived;
      samples.push(performance.now() - t0);
    }
  } finally {
    smtp.close();
    await client.logout().catch(() => client.close());
  }
  return series(samples);
}

/** A core with an account for `user`, connected, and its event stream. */
async function estafettePeer(ctx: BenchContext, user: TestUser, name: string) {
  const dataDir = await mkdtemp(join(ctx.workDir, `latency-${name}-`));
  const core = await createCore({ dataDir, trustedCertificates: [ctx.ms.info.caCertPem] });
  const listeners = new Set<(e: CoreEvent) => void>();
  core.onEvent((e) => {
    for (const l of listeners) l(e);
  });
  const connected = new Promise<void>((resolve) => {
    const l = (e: CoreEvent) => {
      if (e.type === 'connectivityChanged' && e.connectivity.status === 'connected') {
        listeners.delete(l);
        resolve();
      }
    };
    listeners.add(l);
  });
  const account = await core.call('addAccountManual', {
    addr: user.address,
    password: user.password,
    displayName: name,
    settings: manualSettings(ctx.ms, user),
  });
  await connected;
  /** The next event that matches, and when it came (performance.now()). */
  const next = (pred: (e: CoreEvent) => boolean): Promise<{ event: CoreEvent; at: number }> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        listeners.delete(l);
        reject(new Error(`${name}: no matching event within ${WAIT_MS} ms`));
      }, WAIT_MS);
      const l = (e: CoreEvent) => {
        if (!pred(e)) return;
        clearTimeout(timer);
        listeners.delete(l);
        resolve({ event: e, at: performance.now() });
      };
      listeners.add(l);
    });
  const received = (text: string) =>
    next((e) => e.type === 'messageAdded' && !e.message.outgoing && e.message.text === text).then(
      ({ event, at }) => ({
        message: (event as Extract<CoreEvent, { type: 'messageAdded' }>).message,
        at,
      }),
    );
  return { core, account, user, received, next };
}

async function estafetteLatency(
  ctx: BenchContext,
  count: number,
  notes: string[],
): Promise<LatencyResult['estafette']> {
  const [aliceUser, bobUser] = await Promise.all([
    ctx.ms.addUser('alice-latency'),
    ctx.ms.addUser('bob-latency'),
  ]);
  const cores: Core[] = [];
  const probes: ImapFlow[] = [];
  // When the server lets an IDLE client know, per recipient address.
  const serverSeen = new Map<string, number>();
  try {
    const alice = await estafettePeer(ctx, aliceUser, 'Alice');
    cores.push(alice.core);
    const bob = await estafettePeer(ctx, bobUser, 'Bob');
    cores.push(bob.core);
    // Alice writes first (cleartext with her key); Bob accepts and answers encrypted.
    const aChat = await alice.core.call('createChatByAddress', {
      accountId: alice.account.id,
      addr: bobUser.address,
    });
    const hello = bob.received('hello');
    await alice.core.call('sendMessage', {
      accountId: alice.account.id,
      chatId: aChat.id,
      text: 'hello',
    });
    const bChatId = (await hello).message.chatId;
    await bob.core.call('acceptChat', { accountId: bob.account.id, chatId: bChatId });
    const back = alice.received('hello back');
    await bob.core.call('sendMessage', {
      accountId: bob.account.id,
      chatId: bChatId,
      text: 'hello back',
    });
    await back;

    let last = performance.now();
    /** `n` messages, alternating direction; with `probing`, also when the server told a probe. */
    const run = async (n: number, probing: boolean) => {
      const totals: number[] = [];
      const sendTimes: number[] = [];
      const seenTimes: number[] = [];
      const receiveTimes: number[] = [];
      let encrypted = 0;
      for (let i = 0; i < n; i++) {
        const [from, to, chatId] =
          i % 2 === 0 ? [alice, bob, aChat.id] : ([bob, alice, bChatId] as const);
        await spaced(last);
        const text = `latency ${probing ? 'split ' : ''}${i}`;
        const arrived = to.received(text);
        const sent = from.next(
          (e) =>
            e.type === 'messageChanged' && e.message.text === text && e.message.state === 'sent',
        );
        serverSeen.delete(to.user.address);
        const t0 = performance.now();
        last = t0;
        await from.core.call('sendMessage', { accountId: from.account.id, chatId, text });
        const { message, at }: { message: Message; at: number } = await arrived;
        totals.push(at - t0);
        sendTimes.push((await sent).at - t0);
        const seenAt = serverSeen.get(to.user.address);
        if (seenAt !== undefined) {
          seenTimes.push(seenAt - t0);
          receiveTimes.push(at - seenAt);
        }
        if (message.encryption === 'encrypted') encrypted++;
      }
      return { totals, sendTimes, seenTimes, receiveTimes, encrypted };
    };
    // The measured series has nothing but the two cores on the mailboxes, as the floor has one
    // IDLE client: a probe's own IDLE session on the recipient's INBOX costs the core a few ms.
    const measured = await run(count, false);
    if (measured.encrypted < count)
      notes.push(`Only ${measured.encrypted} of ${count} Estafette messages were encrypted.`);
    // A shorter series with probes splits the time into sending, the server, and receiving.
    for (const u of [aliceUser, bobUser]) {
      probes.push(await idleWatcher(ctx, u, () => serverSeen.set(u.address, performance.now())));
    }
    const split = await run(Math.min(count, SPLIT_COUNT), true);
    return {
      ...series(measured.totals),
      sendMedianMs: round(median(measured.sendTimes)),
      serverSeenMedianMs: round(median(split.seenTimes)),
      receiveMedianMs: round(median(split.receiveTimes)),
      encrypted: measured.encrypted,
    };
  } finally {
    for (const c of cores) await c.close();
    for (const p of probes) await p.logout().catch(() => p.close());
  }
}

async function deltachatLatency(
  ctx: BenchContext,
  count: number,
  notes: string[],
): Promise<LatencySeries> {
  const dcp = startDeltaChatProcess(join(ctx.workDir, 'deltachat-latency'));
  try {
    const { dc } = dcp;
    const [aUser, bUser] = await Promise.all([
      ctx.ms.addUser('dc-alice'),
      ctx.ms.addUser('dc-bob'),
    ]);
    const a = await configureAccount(dc, ctx.ms.info, aUser, 'Alice');
    const b = await configureAccount(dc, ctx.ms.info, bUser, 'Bob');
    await dc.rpc.startIo(a);
    await dc.rpc.startIo(b);
    const { inviterChat, joinerChat } = await secureJoin(dc, a, b, 60_000);
    // Let the handshake's own messages and pacing settle before measuring.
    await new Promise((r) => setTimeout(r, 3_000));
    const samples: number[] = [];
    let last = performance.now();
    for (let i = 0; i < count; i++) {
      const [from, to, chatId] = i % 2 === 0 ? [a, b, inviterChat] : [b, a, joinerChat];
      await spaced(last);
      const text = `dc latency ${i}`;
      const arrived = waitForEvent(dc, to, 'IncomingMsg', () => true, WAIT_MS);
      const t0 = performance.now();
      last = t0;
      await dc.rpc.miscSendTextMessage(from, chatId, text);
      const event = await arrived;
      samples.push(performance.now() - t0);
      const msgId = event.msgId;
      if (typeof msgId === 'number') {
        const got = await dc.rpc.getMessage(to, msgId);
        if (got.text !== text) notes.push(`Delta Chat delivered "${got.text}" for "${text}".`);
      }
    }
    return series(samples);
  } finally {
    await dcp.close();
  }
}
