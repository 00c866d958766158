/**
 * What the main process and the core's utility process say to each other over `parentPort`
 * (JSON-RPC from the renderer does not pass here: it has its own MessagePort per page).
 */
import { z } from 'zod';

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
