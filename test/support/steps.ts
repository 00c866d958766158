/** Steps the integration and interop tests share: peers closed after the file, SecureJoin, members. */
import { afterAll } from 'vitest';
import type { CoreOptions } from '../../main/core/core.ts';
import type { CoreEvent } from '../../shared/events.ts';
import type { Contact } from '../../shared/types.ts';
import type { MailServer } from '../mailserver/index.ts';
import { newPeer } from './peer.ts';
import type { Peer } from './peer.ts';

/** `newPeer` for this test file; every core it opens is closed after the file's tests. */
export function peerFactory(
  ms: MailServer,
): (name: string, opts?: Partial<CoreOptions>) => Promise<Peer> {
  const opened: Peer[] = [];
  afterAll(async () => {
    for (const p of opened) await p.core.close();
  });
  return async (name, opts = {}) => {
    const p = await newPeer(ms, name, opts);
    opened.push(p);
    return p;
  };
}

export type Progress = Extract<CoreEvent, { type: 'secureJoinProgress' }>;

/** The first SecureJoin progress event of this role and step (past or future). */
export function secureJoinStep(
  p: Peer,
  role: Progress['role'],
  step: Progress['step'],
  timeoutMs = 30_000,
): Promise<Progress> {
  return p.waitFor(
    (e): e is Progress => e.type === 'secureJoinProgress' && e.role === role && e.step === step,
    timeoutMs,
  );
}

/** The inviter's `done` event of a run started after event number `since` of its log. */
export async function inviterDone(inviter: Peer, since: number, timeoutMs = 30_000) {
  return (await inviter.waitFor(
    (e) =>
      e.type === 'secureJoinProgress' &&
      e.role === 'inviter' &&
      e.step === 'done' &&
      inviter.events.indexOf(e) >= since,
    timeoutMs,
  )) as Progress;
}

/** `p`'s contact with this address; throws when there is none. */
export async function contactOf(p: Peer, addr: string): Promise<Contact> {
  const found = (await p.core.call('listContacts', { accountId: p.account.id, query: addr })).find(
    (c) => c.addr === addr,
  );
  if (!found) throw new Error(`${p.account.addr} has no contact ${addr}`);
  return found;
}

/** A chat's members as sorted addresses, our own included. */
export async function memberAddrs(p: Peer, chatId: number): Promise<string[]> {
  const list = await p.core.call('getChatMembers', { accountId: p.account.id, chatId });
  return list.map((c) => (c.isSelf ? p.account.addr : c.addr)).sort();
}

/** Poll until `read` returns a value `ok` accepts (for state a peer changes on its own time). */
export async function eventually<T>(
  read: () => Promise<T>,
  ok: (v: T) => boolean,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) {
      throw new Error(`gave up waiting; last value: ${JSON.stringify(value)}`);
    }
    await new Promise((r) => setTimeout(r, 150));
  }
}
