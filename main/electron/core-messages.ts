/**
 * What the main process and the core's utility process say to each other over `parentPort`
 * (JSON-RPC from the renderer does not pass here: it has its own MessagePort per page).
 */
import { z } from 'zod';
import type { SecretStore } from '../core/store/secrets.ts';

/** The largest JSON-RPC request a page may send, as on the web host's WebSocket. */
export const MAX_REQUEST_BYTES = 40 * 1024 * 1024;

const SecretName = z.string().max(200);

export const MainToCore = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('start'),
    dataDir: z.string(),
    trustedCertificates: z.array(z.string()),
  }),
  /** A page's port is attached to this message. */
  z.object({ type: z.literal('connect'), clientId: z.number().int() }),
  z.object({ type: z.literal('disconnect'), clientId: z.number().int() }),
  z.object({
    type: z.literal('secretResult'),
    requestId: z.number().int(),
    value: z.string().nullable(),
    error: z.string().optional(),
  }),
  z.object({ type: z.literal('stop') }),
]);
export type MainToCore = z.infer<typeof MainToCore>;

export const CoreToMain = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  /** The core could not start (a database newer than this app, a broken data directory). */
  z.object({ type: z.literal('failed'), sentence: z.string() }),
  z.object({
    type: z.literal('secretRequest'),
    requestId: z.number().int(),
    op: z.enum(['get', 'set', 'delete']),
    name: SecretName,
    value: z.string().optional(),
  }),
  z.object({ type: z.literal('stopped') }),
]);
export type CoreToMain = z.infer<typeof CoreToMain>;

/** What a secret store answers to one request of the core (the main process's side). */
export async function answerSecretRequest(
  secrets: SecretStore,
  request: Extract<CoreToMain, { type: 'secretRequest' }>,
): Promise<Extract<MainToCore, { type: 'secretResult' }>> {
  const { requestId, op, name } = request;
  try {
    if (op === 'get') return { type: 'secretResult', requestId, value: await secrets.get(name) };
    if (op === 'set') await secrets.set(name, request.value ?? '');
    else await secrets.delete(name);
    return { type: 'secretResult', requestId, value: null };
  } catch (e) {
    const error = e instanceof Error ? e.message : 'The secret store failed.';
    return { type: 'secretResult', requestId, value: null, error };
  }
}
