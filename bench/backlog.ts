/**
 * A backlog of encrypted chat messages in Delta Chat's format, made with Estafette's own MIME and
 * OpenPGP modules (the same bytes Estafette sends: protected headers, SEIPD to the recipient and
 * the sender, SHA-256 signature with intended recipients) and delivered through the mail
 * server's no-auth port. Sending 2,000 messages through Delta Chat would take half an hour (it
 * paces SMTP); this takes seconds.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import nodemailer from 'nodemailer';
import { formatAutocryptHeader } from '../main/core/crypto/autocrypt.ts';
import {
  generateAccountKey,
  keydataOf,
  readPrivateKey,
  readPublicKey,
} from '../main/core/crypto/keys.ts';
import { encryptAndSign } from '../main/core/crypto/pgp.ts';
import { composeEncryptedOuter, composeInner, newMessageId } from '../main/core/mime/compose.ts';
import type { MailServerInfo, TestUser } from '../test/mailserver/server.ts';
import { connectImap } from '../test/mailserver/imap-client.ts';

/** A sender that exists only as a key pair: nobody logs in as it. */
export interface Identity {
  addr: string;
  name: string;
  secretArmored: string;
  publicArmored: string;
  /** Autocrypt key data (base64), e.g. for a vCard. */
  keydata: string;
}

export async function makeIdentity(addr: string, name: string): Promise<Identity> {
  const key = await generateAccountKey(addr);
  return {
    addr,
    name,
    secretArmored: key.secretArmored,
    publicArmored: key.publicArmored,
    keydata: keydataOf(await readPublicKey(key.publicArmored)),
  };
}

/** What one crafting run needs; plain data so that worker threads can share the work. */
export interface CraftRequest {
  sender: Identity;
  recipient: { addr: string; name?: string };
  recipientPublicArmored: string;
  /** Indexes of the messages to make (their text says which one it is). */
  from: number;
  to: number;
  total: number;
  /** Text prefix; the message text is `${label} i/total`. */
  label: string;
}

/** Makes messages [from, to) in this thread. */
export async function craftRange(req: CraftRequest): Promise<Buffer[]> {
  const signingKey = await readPrivateKey(req.sender.secretArmored);
  const recipientKey = await readPublicKey(req.recipientPublicArmored);
  const autocrypt = formatAutocryptHeader({ addr: req.sender.addr, keydata: req.sender.keydata });
  const out: Buffer[] = [];
  for (let i = req.from; i < req.to; i++) {
    // Not in the past: a signature older than the (fresh) signing key does not verify.
    const date = new Date();
    const messageId = newMessageId();
    const inner = await composeInner(
      {
        from: { addr: req.sender.addr, name: req.sender.name },
        to: [req.recipient],
        subject: `Message from ${req.sender.name}`,
        date,
        messageId,
        text: `${req.label} ${i + 1}/${req.total}`,
        autocrypt,
      },
      { protectedHeaders: true, outerDate: date },
    );
    const armored = await encryptAndSign({
      data: inner,
      encryptionKeys: [recipientKey],
      signingKey,
    });
    out.push(await composeEncryptedOuter({ from: req.sender.addr, messageId, date, armored }));
  }
  return out;
}

/** Makes `total` messages, split over worker threads (one per core). */
export async function craftBacklog(req: Omit<CraftRequest, 'from' | 'to'>): Promise<Buffer[]> {
  const threads = Math.max(1, Math.min(availableParallelism(), 4));
  const per = Math.ceil(req.total / threads);
  const parts = await Promise.all(
    Array.from({ length: threads }, (_, t) => {
      const from = t * per;
      const to = Math.min(req.total, from + per);
      if (from >= to) return Promise.resolve([]);
      return craftInWorker({ ...req, from, to });
    }),
  );
  return parts.flat();
}

function craftInWorker(req: CraftRequest): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./craft-worker.ts', import.meta.url), { workerData: req });
    worker.once('message', (raws: Uint8Array[]) => {
      resolve(raws.map((r) => Buffer.from(r.buffer, r.byteOffset, r.byteLength)));
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`craft worker exited with ${code}`));
    });
  });
}

/**
 * Delivers raw messages through the no-auth port (several connections, one message after the
 * other on each) and resolves once the recipient's INBOX holds `expectTotal` messages.
 */
export async function inject(
  info: MailServerInfo,
  envelope: { from: string; to: TestUser },
  raws: readonly Buffer[],
  expectTotal: number,
  timeoutMs: number,
): Promise<void> {
  const transport = nodemailer.createTransport({
    pool: true,
    maxConnections: 4,
    maxMessages: Infinity,
    host: info.host,
    port: info.ports.inject,
    secure: false,
    ignoreTLS: true,
    name: 'inject.localhost',
  });
  try {
    await Promise.all(
      raws.map((raw) =>
        transport.sendMail({ raw, envelope: { from: envelope.from, to: [envelope.to.address] } }),
      ),
    );
  } finally {
    transport.close();
  }
  await waitForInbox(info, envelope.to, expectTotal, timeoutMs);
}

/** Polls the user's INBOX until it holds at least `count` messages. */
export async function waitForInbox(
  info: MailServerInfo,
  user: TestUser,
  count: number,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const have = await inboxCount(info, user);
    if (have >= count) return;
    if (Date.now() > deadline) {
      throw new Error(`${user.address}: ${have} of ${count} messages delivered in time`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function inboxCount(info: MailServerInfo, user: TestUser): Promise<number> {
  const client = await connectImap(info, user);
  try {
    const status = await client.status('INBOX', { messages: true });
    return status ? (status.messages ?? 0) : 0;
  } finally {
    await client.logout().catch(() => client.close());
  }
}
