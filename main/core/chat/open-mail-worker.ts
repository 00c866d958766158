/** A worker thread of chat/open-pool.ts: opens mails (chat/open-mail.ts) one message at a time. */
import { parentPort } from 'node:worker_threads';
import { failedOpening, openMail } from './open-mail.ts';
import type { OpenJob, OpenedMail } from './open-mail.ts';

export interface WorkerRequest {
  id: number;
  job: OpenJob;
}

export interface WorkerReply {
  id: number;
  result: OpenedMail;
}

const port = parentPort;
if (!port) throw new Error('open-mail-worker runs as a worker thread');

port.on('message', (request: WorkerRequest) => {
  void openMail(request.job)
    .catch(failedOpening)
    .then((result) => {
    const reply: WorkerReply = { id: request.id, result };
    port.postMessage(reply);
  });
});
port.postMessage('ready');
