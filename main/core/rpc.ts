/**
 * JSON-RPC 2.0 over any message channel: the one dispatcher every host (MessagePort, WebSocket)
 * uses. It validates the envelope here and the params in the core.
 */
import { z } from 'zod';
import { RpcErrorCode, api } from '../../shared/api.ts';
import type { MethodName } from '../../shared/api.ts';
import type { CoreEvent } from '../../shared/events.ts';
import { CoreError, detailOf } from './errors.ts';
import type { SentenceDetail } from './errors.ts';

const Request = z.object({
  jsonrpc: z.literal('2.0'),
  id: z.union([z.number(), z.string()]).optional(),
  method: z.string().max(100),
  params: z.unknown().optional(),
});

export type RpcResponse =
  | { jsonrpc: '2.0'; id: number | string | null; result: unknown }
  | {
      jsonrpc: '2.0';
      id: number | string | null;
      error: { code: number; message: string; data?: { code: string; detail?: SentenceDetail } };
    };

/** What a host needs from the core: a call entry point. */
export interface RpcTarget {
  call(method: MethodName, params: unknown): Promise<unknown>;
}

function isMethod(name: string): name is MethodName {
  return Object.hasOwn(api, name);
}

/** Handle one raw JSON-RPC request text; returns the response text, or null for notifications. */
export async function handleRpc(target: RpcTarget, text: string): Promise<string | null> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return JSON.stringify(errorResponse(null, RpcErrorCode.parse, 'The request is not JSON.'));
  }
  const parsed = Request.safeParse(raw);
  if (!parsed.success) {
    return JSON.stringify(
      errorResponse(null, RpcErrorCode.invalidRequest, 'The request is not JSON-RPC 2.0.'),
    );
  }
  const { id, method, params } = parsed.data;
  const response = await dispatch(target, id ?? null, method, params ?? {});
  return id === undefined ? null : JSON.stringify(response);
}

async function dispatch(
  target: RpcTarget,
  id: number | string | null,
  method: string,
  params: unknown,
): Promise<RpcResponse> {
  if (!isMethod(method)) {
    return errorResponse(id, RpcErrorCode.methodNotFound, `There is no method "${method}".`);
  }
  try {
    const result = await target.call(method, params);
    return { jsonrpc: '2.0', id, result };
  } catch (e) {
    if (e instanceof CoreError) {
      const code = e.code === 'invalid_input' ? RpcErrorCode.invalidParams : RpcErrorCode.core;
      return errorResponse(id, code, e.sentence, e.code, detailOf(e));
    }
    return errorResponse(
      id,
      RpcErrorCode.internal,
      'Something went wrong inside Estafette. The details are in the log.',
      'internal',
    );
  }
}

function errorResponse(
  id: number | string | null,
  code: number,
  message: string,
  coreCode?: string,
  detail?: SentenceDetail,
): RpcResponse {
  // `detail`: the sentence as a code with arguments, for the UI to say in its own language.
  const data = coreCode ? { code: coreCode, ...(detail ? { detail } : {}) } : undefined;
  return { jsonrpc: '2.0', id, error: data ? { code, message, data } : { code, message } };
}

/** The JSON-RPC notification that carries one core event to a client. */
export function eventNotification(event: CoreEvent): string {
  return JSON.stringify({ jsonrpc: '2.0', method: 'event', params: event });
}
