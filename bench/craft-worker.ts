/** Worker thread of bench/backlog.ts: crafts one range of the backlog and posts the raw bytes. */
import { parentPort, workerData } from 'node:worker_threads';
import { craftRange } from './backlog.ts';
import type { CraftRequest } from './backlog.ts';

const raws = await craftRange(workerData as CraftRequest);
const copies = raws.map((r) => new Uint8Array(r));
parentPort?.postMessage(
  copies,
  copies.map((c) => c.buffer),
);
