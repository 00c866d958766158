/**
 * JSON-RPC 2.0 over any text channel: numbered requests, their responses, and the core's
 * `event` notifications. Both runtimes (WebSocket, Electron port) share it.
 */
import { CoreEvent } from '../../shared/events.ts';
import type { CoreEvent as CoreEventValue } from '../../shared/events.ts';
import { SentenceInfo } from '../../shared/types.ts';

/** A refused call: `message` is the core's own sentence, `code` its stable error code. */
export class CoreCallError extends Error {
  readonly code: string;
  readonly rpcCode: number;
  /** `message` as a code with arguments, to say it in the UI's language (renderer/state/errors.ts). */
  readonly detail: SentenceInfo | undefined;
  constructor(message: string, rpcCode: number, code: string, detail?: SentenceInfo) {
    super(message);
    this.name = 'CoreCallError';
    this.code = code;
    this.rpcCode = rpcCode;
    this.detail = detail;
  }
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

interface RpcErrorBody {
  code: number;
  message: string;
  data?: { code?: string; detail?: unknown };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

export class JsonRpcClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly eventListeners = new Set<(event: CoreEventValue) => void>();

  private readonly send: (text: string) => void;

  constructor(send: (text: string) => void) {
    this.send = send;
  }

  request(method: string, params: unknown): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      try {
        this.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
      } catch (e) {
        this.pending.delete(id);
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
  }

  onEvent(cb: (event: CoreEventValue) => void): () => void {
    this.eventListeners.add(cb);
    return () => this.eventListeners.delete(cb);
  }

  /** Feed one text received from the core. */
  receive(text: string): void {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      console.warn('estafette: the core sent a text that is not JSON');
      return;
    }
    if (!isRecord(message)) return;
    if (message.method === 'event') {
      const parsed = CoreEvent.safeParse(message.params);
      if (!parsed.success) {
        console.warn('estafette: ignoring an event of unknown shape', message.params);
        return;
      }
      for (const listener of this.eventListeners) listener(parsed.data);
      return;
    }
    if (typeof message.id !== 'number') return;
    const pending = this.pending.get(message.id);
    if (!pending) return;
    this.pending.delete(message.id);
    if (isRecord(message.error)) {
      const body = message.error as unknown as RpcErrorBody;
      const detail = SentenceInfo.safeParse(body.data?.detail);
      pending.reject(
        new CoreCallError(
          String(body.message),
          Number(body.code),
          body.data?.code ?? 'internal',
          detail.success ? detail.data : undefined,
        ),
      );
    } else {
      pending.resolve(message.result);
    }
  }

  /** The channel dropped: every call in flight fails with this sentence. */
  failAll(sentence: string): void {
    for (const [id, pending] of this.pending) {
      this.pending.delete(id);
      pending.reject(new CoreCallError(sentence, -32000, 'link_lost'));
    }
  }
}
