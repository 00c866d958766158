/** A worker thread of chat/open-pool.ts: opens mails (chat/open-mail.ts) as they are sent. */
import { parentPort } from 'node:worker_threads';
import { failedOpening, openMail } from './open-mail.ts';
import type { OpenJob, OpenedMail } from './open-mail.ts';

/** A few jobs at a time: every message between threads has a fixed cost. */
export interface WorkerRequest {
  id: number;
  jobs: OpenJob[];
}

export interface WorkerReply {
  id: number;
  results: OpenedMail[];
}

const port = parentPort;
if (!port) throw new Error('open-mail-worker runs as a worker thread');

port.on('message', (request: WorkerRequest) => {
  // Opened side by side: each waits on the thread pool (WebCrypto, zlib) now and then.
  void Promise.all(request.jobs.map((job) => openMail(job).catch(failedOpening))).then(
    (results) => {
      const reply: WorkerReply = { id: request.id, results };
      port.postMessage(reply);
    },
  );
});
port.postMessage('ready');
