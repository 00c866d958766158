/**
 * A real Delta Chat core (npm @deltachat/stdio-rpc-server 2.57) as a test peer, configured
 * against the test bed's mail server as TESTBED.md describes, with an event log to wait on.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDeltaChat } from '@deltachat/stdio-rpc-server';
import type { DeltaChatOverJsonRpcServer } from '@deltachat/stdio-rpc-server';
import type { DcEvent } from '@deltachat/jsonrpc-client';
import type { MailServer, TestUser } from '../mailserver/index.ts';

export type DcMessage = Awaited<ReturnType<DeltaChatOverJsonRpcServer['rpc']['getMessage']>>;

export interface DeltaChatPeer {
  dc: DeltaChatOverJsonRpcServer;
  /** The account id inside this Delta Chat core. */
  acc: number;
  user: TestUser;
  events: DcEvent[];
  /** Resolve with the first event (past or future) that matches. */
  waitFor<K extends DcEvent['kind']>(
    kind: K,
    pred?: (e: Extract<DcEvent, { kind: K }>) => boolean,
    timeoutMs?: number,
  ): Promise<Extract<DcEvent, { kind: K }>>;
  /** Wait for an incoming message whose text matches, and return it. */
  receive(text: string | RegExp, timeoutMs?: number): Promise<DcMessage>;
  /** The contact id Delta Chat uses for an address (its key-contact when there is one). */
  contactId(addr: string): Promise<number>;
  close(): Promise<void>;
}

/** Start a Delta Chat core with a fresh mailbox on the test bed and wait until it is connected. */
export async function newDeltaChatPeer(
  ms: MailServer,
  name: string,
  config: Record<string, string> = {},
): Promise<DeltaChatPeer> {
  const user = await ms.addUser(`${name}-dc-${Math.random().toString(36).slice(2, 8)}`);
  const dir = await mkdtemp(join(tmpdir(), 'estafette-dc-'));
  const dc = startDeltaChat(dir, { muteStdErr: true });
  const acc = await dc.rpc.addAccount();
  const events: DcEvent[] = [];
  const waiters = new Set<() => void>();
  dc.on('ALL', (accountId, event) => {
    if (accountId !== acc) return;
    events.push(event);
    for (const w of waiters) w();
  });
  await dc.rpc.batchSetConfig(acc, {
    displayname: name[0]!.toUpperCase() + name.slice(1),
    ...config,
  });
  await dc.rpc.addOrUpdateTransport(acc, {
    addr: user.address,
    password: user.password,
    imapServer: '127.0.0.1',
    imapPort: ms.info.ports.imaps,
    imapSecurity: 'ssl',
    smtpServer: '127.0.0.1',
    smtpPort: ms.info.ports.smtps,
    smtpSecurity: 'ssl',
    certificateChecks: 'acceptInvalidCertificates',
    imapUser: null,
    imapFolder: null,
    smtpUser: null,
    smtpPassword: null,
  } as Parameters<typeof dc.rpc.addOrUpdateTransport>[1]);
  await dc.rpc.startIo(acc);

  function waitFor<K extends DcEvent['kind']>(
    kind: K,
    pred: (e: Extract<DcEvent, { kind: K }>) => boolean = () => true,
    timeoutMs = 30_000,
  ): Promise<Extract<DcEvent, { kind: K }>> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const hit = events.find(
          (e): e is Extract<DcEvent, { kind: K }> =>
            e.kind === kind && pred(e as Extract<DcEvent, { kind: K }>),
        );
        if (hit) {
          waiters.delete(check);
          clearTimeout(timer);
          resolve(hit);
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`Delta Chat ${user.address}: no ${kind} event within ${timeoutMs} ms`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  }

  const seen = new Set<number>();
  async function receive(text: string | RegExp, timeoutMs = 30_000): Promise<DcMessage> {
    const matches = (t: string) => (typeof text === 'string' ? t === text : text.test(t));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const e of events) {
        if (e.kind !== 'IncomingMsg' || seen.has(e.msgId)) continue;
        const m = await dc.rpc.getMessage(acc, e.msgId);
        if (matches(m.text)) {
          seen.add(e.msgId);
          return m;
        }
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`Delta Chat ${user.address}: no message ${String(text)}`);
      const count = events.length;
      await waitFor('IncomingMsg', () => events.length > count, left).catch(() => undefined);
    }
  }

  return {
    dc,
    acc,
    user,
    events,
    waitFor,
    receive,
    async contactId(addr) {
      const id = await dc.rpc.lookupContactIdByAddr(acc, addr);
      if (id === null) throw new Error(`Delta Chat ${user.address} has no contact ${addr}`);
      return id;
    },
    async close() {
      try {
        await dc.rpc.stopIo(acc);
      } catch {
        // Already gone.
      }
      dc.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
