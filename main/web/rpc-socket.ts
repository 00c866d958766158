/**
 * The JSON-RPC side of the web host: every WebSocket client sends requests as text frames and
 * receives responses plus every core event as `{"method":"event"}` notifications.
 */
import { WebSocket, WebSocketServer } from 'ws';
import type { RawData } from 'ws';
import { eventNotification, handleRpc } from '../core/rpc.ts';
import type { Core } from '../core/core.ts';

/** The largest frame a client may send (an attachment travels base64 encoded in one request). */
export const MAX_FRAME_BYTES = 40 * 1024 * 1024;
/** A client that lets this much pile up unread is cut off rather than filling our memory. */
const MAX_BUFFERED_BYTES = 64 * 1024 * 1024;
const PING_INTERVAL_MS = 30_000;

/** The WebSocket clients of one host and their link to the core. */
export interface RpcSockets {
  server: WebSocketServer;
  /** Disconnect every client and stop forwarding events. */
  close(): Promise<void>;
}

/** Serve the core's API to WebSocket clients accepted by `server.handleUpgrade`. */
export function createRpcSockets(core: Core): RpcSockets {
  const server = new WebSocketServer({
    noServer: true,
    maxPayload: MAX_FRAME_BYTES,
    perMessageDeflate: false,
    clientTracking: true,
  });
  const alive = new WeakSet<WebSocket>();

  server.on('connection', (socket: WebSocket) => {
    alive.add(socket);
    socket.on('pong', () => alive.add(socket));
    socket.on('error', () => socket.terminate());
    socket.on('message', (data: RawData, isBinary: boolean) => {
      if (isBinary) {
        socket.close(1003, 'Estafette speaks JSON-RPC in text frames.');
        return;
      }
      answer(core, socket, rawText(data)).catch(() => socket.close(1011, 'Internal error.'));
    });
  });

  const unsubscribe = core.onEvent((event) => {
    const text = eventNotification(event);
    for (const socket of server.clients) send(socket, text);
  });

  const ping = setInterval(() => {
    for (const socket of server.clients) {
      if (!alive.has(socket)) {
        socket.terminate();
        continue;
      }
      alive.delete(socket);
      socket.ping();
    }
  }, PING_INTERVAL_MS);
  ping.unref();

  return {
    server,
    close: async () => {
      clearInterval(ping);
      unsubscribe();
      const open = [...server.clients];
      for (const socket of open) socket.close(1001, 'Estafette is shutting down.');
      // Give the close frames a moment to leave before cutting whatever still hangs on.
      await Promise.race([
        Promise.all(open.map((s) => new Promise((resolve) => s.once('close', resolve)))),
        new Promise((resolve) => setTimeout(resolve, 1000).unref()),
      ]);
      for (const socket of server.clients) socket.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function answer(core: Core, socket: WebSocket, text: string): Promise<void> {
  const response = await handleRpc(core, text);
  if (response !== null) send(socket, response);
}

function send(socket: WebSocket, text: string): void {
  if (socket.readyState !== WebSocket.OPEN) return;
  if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
    socket.terminate();
    return;
  }
  socket.send(text);
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}
