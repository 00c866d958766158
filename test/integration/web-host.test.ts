/**
 * The web host carrying a real core: a bot holding the token drives alice's account over the
 * WebSocket — it sends to bob through the real mail server and sees bob's answer arrive as an
 * event — while requests without the token, from other pages or other host names stay out.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startWebHost } from '../../main/web/server.ts';
import type { WebHost } from '../../main/web/server.ts';
import type { ChatSummary, Message } from '../../shared/types.ts';
import { mailServer } from '../mailserver/index.ts';
import { newPeer } from '../support/peer.ts';
import type { Peer } from '../support/peer.ts';

const ms = mailServer();

interface RpcReply {
  id: number;
  result?: unknown;
  error?: { code: number; message: string; data?: { code: string } };
}
interface EventFrame {
  method: 'event';
  params: { type: string; [key: string]: unknown };
}

/** A JSON-RPC client over the host's WebSocket, as a bot would write it. */
async function rpcClient(url: string, headers: Record<string, string> = {}) {
  const ws = new WebSocket(url, { headers });
  const frames: Array<RpcReply | EventFrame> = [];
  const waiters = new Set<() => void>();
  ws.on('message', (data) => {
    frames.push(JSON.parse(String(data)) as RpcReply | EventFrame);
    for (const w of waiters) w();
  });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const waitFrame = <T>(pred: (f: RpcReply | EventFrame) => boolean, ms = 30_000) =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching frame in ${ms} ms`)), ms);
      const check = () => {
        const hit = frames.find(pred);
        if (hit === undefined) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve(hit as T);
      };
      waiters.add(check);
      check();
    });
  let nextId = 1;
  return {
    ws,
    async call<T>(method: string, params: unknown): Promise<T> {
      const id = nextId++;
      ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
      const reply = await waitFrame<RpcReply>((f) => 'id' in f && f.id === id);
      if (reply.error) throw Object.assign(new Error(reply.error.message), reply.error);
      return reply.result as T;
    },
    event: (pred: (e: EventFrame['params']) => boolean, ms?: number) =>
      waitFrame<EventFrame>((f) => 'method' in f && pred(f.params), ms).then((f) => f.params),
  };
}

function status(port: number, rawPath: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: rawPath, headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

function upgradeStatus(
  url: string,
  options: { origin?: string; headers?: Record<string, string> },
) {
  return new Promise<number>((resolve, reject) => {
    const ws = new WebSocket(url, options);
    ws.on('unexpected-response', (_req, res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('open', () => reject(new Error('the upgrade should have been refused')));
    ws.on('error', () => undefined);
  });
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'estafette-web-int-'));
  await writeFile(path.join(dir, 'index.html'), '<!doctype html><title>Estafette</title>');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('a bot drives alice’s account through the web host', () => {
  let alice: Peer;
  let bob: Peer;
  let host: WebHost;

  beforeAll(async () => {
    alice = await newPeer(ms, 'alice');
    bob = await newPeer(ms, 'bob');
    host = await startWebHost({ dataDir: alice.dataDir, core: alice.core, rendererDir: dir });
  });
  afterAll(async () => {
    await host?.close();
    await alice?.core.close();
    await bob?.core.close();
  });

  it('keeps out requests without the token, from other pages and under other host names', async () => {
    const wsUrl = `ws://127.0.0.1:${host.port}/rpc`;
    const cookie = `estafette_token=${host.token}`;
    expect(await status(host.port, '/', {})).toBe(401);
    expect(await status(host.port, '/', { cookie, host: `rebound.example:${host.port}` })).toBe(
      403,
    );
    expect(await status(host.port, '/..%2f..%2fetc%2fpasswd', { cookie })).toBe(404);
    expect(await upgradeStatus(wsUrl, {})).toBe(401);
    expect(
      await upgradeStatus(wsUrl, { origin: 'https://evil.example', headers: { cookie } }),
    ).toBe(403);
    expect(await status(host.port, '/', { cookie })).toBe(200);
  });

  it('answers getSystemInfo and listAccounts for a bot with the token', async () => {
    const bot = await rpcClient(`ws://127.0.0.1:${host.port}/rpc`, {
      authorization: `Bearer ${host.token}`,
    });
    const info = await bot.call<{ version: string; dataDir: string }>('getSystemInfo', {});
    expect(info.dataDir).toBe(alice.dataDir);
    expect(info.version).toMatch(/^\d+\.\d+\.\d+/);
    const accounts = await bot.call<Array<{ addr: string }>>('listAccounts', {});
    expect(accounts.map((a) => a.addr)).toEqual([alice.user.address]);
    const refused = await bot
      .call('getChat', { accountId: 1, chatId: -5 })
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: -32602, data: { code: 'invalid_input' } });
    bot.ws.close();
  });

  it('sends to bob over the real server and sees bob’s answer arrive as an event', async () => {
    const bot = await rpcClient(`ws://127.0.0.1:${host.port}/rpc?token=${host.token}`);
    const accountId = alice.account.id;
    const chat = await bot.call<ChatSummary>('createChatByAddress', {
      accountId,
      addr: bob.user.address,
    });
    const sent = await bot.call<Message>('sendMessage', {
      accountId,
      chatId: chat.id,
      text: 'Hello Bob, from a bot on the web host',
    });
    expect(sent.state).toBe('pending');
    await bot.event((e) => e.type === 'messageAdded' && (e.message as Message).id === sent.id);
    const atBob = await bob.receive('Hello Bob, from a bot on the web host', 60_000);

    const bobChat = await bob.core.call('createChatByAddress', {
      accountId: bob.account.id,
      addr: alice.user.address,
    });
    await bob.core.call('sendMessage', {
      accountId: bob.account.id,
      chatId: bobChat.id,
      text: 'Hi bot, Bob here',
    });
    const incoming = await bot.event(
      (e) =>
        e.type === 'messageAdded' &&
        !(e.message as Message).outgoing &&
        (e.message as Message).text === 'Hi bot, Bob here',
      60_000,
    );
    expect(incoming.accountId).toBe(accountId);
    expect(atBob.outgoing).toBe(false);
    bot.ws.close();
  });
});

describe('a web host that creates its own core', () => {
  async function closedPort(): Promise<number> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return port;
  }

  it('reports set-up progress as events and a refused login as a JSON-RPC error', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'estafette-web-own-'));
    const host = await startWebHost({
      dataDir,
      rendererDir: dir,
      coreOptions: { trustedCertificates: [ms.info.caCertPem], startIo: false },
    });
    try {
      expect(host.url).toBe(`http://127.0.0.1:${host.port}/?token=${host.token}`);
      const bot = await rpcClient(`ws://127.0.0.1:${host.port}/rpc?token=${host.token}`);
      const port = await closedPort();
      const endpoint = { host: '127.0.0.1', port, security: 'tls' as const, user: 'nobody' };
      const failure = await bot
        .call('addAccountManual', {
          addr: 'nobody@example.org',
          password: 'secret',
          settings: { imap: endpoint, smtp: endpoint, acceptInvalidCertificates: false },
        })
        .catch((e: unknown) => e);
      const progress = await bot.event((e) => e.type === 'accountSetupProgress');
      expect(progress).toMatchObject({ step: 'imap-login', addr: 'nobody@example.org' });
      expect(failure).toMatchObject({ code: -32000, data: { code: 'connection_refused' } });
      expect(await bot.call('listAccounts', {})).toEqual([]);
      bot.ws.close();
    } finally {
      await host.close();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
