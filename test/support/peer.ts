/** A core for one test user against the test bed's mail server, with an event log to wait on. */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCore } from '../../main/core/core.ts';
import type { Core, CoreOptions } from '../../main/core/core.ts';
import type { CoreEvent } from '../../shared/events.ts';
import type { Account, Message } from '../../shared/types.ts';
import type { MailServer, TestUser } from '../mailserver/index.ts';

export interface Peer {
  core: Core;
  account: Account;
  user: TestUser;
  dataDir: string;
  events: CoreEvent[];
  /** Resolve with the first event (past or future) that matches; reject after `timeoutMs`. */
  waitFor<T extends CoreEvent>(pred: (e: CoreEvent) => e is T, timeoutMs?: number): Promise<T>;
  waitFor(pred: (e: CoreEvent) => boolean, timeoutMs?: number): Promise<CoreEvent>;
  /** Wait for an incoming message whose text matches. */
  receive(text: string | RegExp, timeoutMs?: number): Promise<Message>;
}

/** Manual settings for the test bed: implicit TLS for both, certificates from the test CA. */
export function manualSettings(ms: MailServer, user: TestUser) {
  return {
    imap: {
      host: '127.0.0.1',
      port: ms.info.ports.imaps,
      security: 'tls' as const,
      user: user.address,
    },
    smtp: {
      host: '127.0.0.1',
      port: ms.info.ports.smtps,
      security: 'tls' as const,
      user: user.address,
    },
    acceptInvalidCertificates: false,
  };
}

/** Open a core in a fresh (or given) data directory that trusts the test CA. */
export async function openCore(ms: MailServer, dataDir?: string, extra: Partial<CoreOptions> = {}) {
  const dir = dataDir ?? (await mkdtemp(join(tmpdir(), 'estafette-core-')));
  const core = await createCore({
    dataDir: dir,
    trustedCertificates: [ms.info.caCertPem],
    validateOutputs: true,
    ...extra,
  });
  return { core, dataDir: dir };
}

/** Wrap a core with an event log and waiting helpers. */
export function observe(core: Core): Pick<Peer, 'events' | 'waitFor' | 'receive'> {
  const events: CoreEvent[] = [];
  const waiters = new Set<() => void>();
  core.onEvent((e) => {
    events.push(e);
    for (const w of waiters) w();
  });
  function waitFor(pred: (e: CoreEvent) => boolean, timeoutMs = 20_000): Promise<CoreEvent> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const hit = events.find(pred);
        if (hit) {
          waiters.delete(check);
          clearTimeout(timer);
          resolve(hit);
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for an event`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  }
  async function receive(text: string | RegExp, timeoutMs?: number): Promise<Message> {
    const matches = (t: string) => (typeof text === 'string' ? t === text : text.test(t));
    const e = await waitFor(
      (e) => e.type === 'messageAdded' && !e.message.outgoing && matches(e.message.text),
      timeoutMs,
    );
    if (e.type !== 'messageAdded') throw new Error('unreachable');
    return e.message;
  }
  return { events, waitFor: waitFor as Peer['waitFor'], receive };
}

/** A new mail user with a configured, connected account. */
export async function newPeer(
  ms: MailServer,
  name: string,
  opts: Partial<CoreOptions> = {},
): Promise<Peer> {
  const user = await ms.addUser(`${name}-${Math.random().toString(36).slice(2, 8)}`);
  const { core, dataDir } = await openCore(ms, undefined, opts);
  const obs = observe(core);
  const account = await core.call('addAccountManual', {
    addr: user.address,
    password: user.password,
    displayName: name[0]!.toUpperCase() + name.slice(1),
    settings: manualSettings(ms, user),
  });
  await obs.waitFor(
    (e) => e.type === 'connectivityChanged' && e.connectivity.status === 'connected',
  );
  return { core, account, user, dataDir, ...obs };
}
