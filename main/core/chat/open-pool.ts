/**
 * Worker threads that open mail (chat/open-mail.ts) in parallel: during a catch-up, parsing and
 * OpenPGP run beside the main thread, which stores results in order. One pool per process,
 * shared by all accounts, started on first use and stopped when idle, so a core that only
 * receives the odd message never pays for the threads (start-up time, memory).
 *
 * Small batches are opened on the calling thread: one live message is done sooner there than
 * the hop to a worker (and its cold start) would allow. In big batches the calling thread opens
 * one mail at a time beside the workers, from what they have not taken yet.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { failedOpening, openMail } from './open-mail.ts';
import type { OpenJob, OpenedMail } from './open-mail.ts';
import type { WorkerReply, WorkerRequest } from './open-mail-worker.ts';

/**
 * Below this many mails at once the calling thread opens them itself: starting the workers costs
 * about 0.4 s of CPU each, worth it for a catch-up, not for a handful. Warm workers take smaller
 * batches.
 */
const MIN_BATCH_TO_START = 16;
const MIN_BATCH_WHEN_WARM = 4;
/** Jobs per message to a worker (each message between threads has a fixed cost). */
const CHUNK = 4;
/** Chunks handed to one worker ahead, so it never waits for the main thread. */
const CHUNKS_PER_WORKER = 2;
/** Idle workers are stopped after this long (each holds its own copy of openpgp.js). */
const IDLE_MS = 30_000;

interface Pending {
  job: OpenJob;
  resolve(r: OpenedMail): void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  /** Chunks sent and not answered yet, by request id. */
  inFlight: Map<number, Pending[]>;
}

export class OpenPool {
  private readonly size: number;
  private readonly workerUrl: URL;
  private readonly queue: Pending[] = [];
  private slots: Slot[] = [];
  private nextId = 1;
  private inline = 0;
  private idleTimer: NodeJS.Timeout | null = null;
  private broken = false;

  constructor(size = defaultSize()) {
    this.size = size;
    // Compiled builds run .js files, the sources run .ts under Node's type stripping.
    const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
    this.workerUrl = new URL(`./open-mail-worker${ext}`, import.meta.url);
  }

  /** Opens every mail of a batch; the promises resolve in any order, never reject. */
  openAll(jobs: OpenJob[]): Promise<OpenedMail>[] {
    const warm = this.slots.some((s) => s.ready);
    const min = warm ? MIN_BATCH_WHEN_WARM : MIN_BATCH_TO_START;
    if (jobs.length < min || this.size === 0 || this.broken) {
      return jobs.map((job) => openMail(job).catch(failedOpening));
    }
    const opened = jobs.map(
      (job) => new Promise<OpenedMail>((resolve) => this.queue.push({ job, resolve })),
    );
    this.pump();
    return opened;
  }

  /** Stops the workers (jobs in flight are finished on this thread). */
  async close(): Promise<void> {
    const slots = this.slots;
    this.slots = [];
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    await Promise.all(slots.map((s) => this.retire(s)));
  }

  private pump(): void {
    if (this.idleTimer) {
      clearTimeout(this.idleTimer);
      this.idleTimer = null;
    }
    while (this.slots.length < this.size && this.slots.length < this.queue.length) this.spawn();
    for (const slot of this.slots) {
      while (slot.ready && slot.inFlight.size < CHUNKS_PER_WORKER && this.queue.length > 0) {
        // Smaller chunks when little is left, so that every worker gets a share.
        const share = Math.ceil(this.queue.length / (CHUNKS_PER_WORKER * this.slots.length));
        this.send(slot, this.queue.splice(0, Math.max(1, Math.min(CHUNK, share))));
      }
    }
    // This thread opens what the workers have not taken, one mail at a time: while they start
    // (module loading takes a few hundred ms), and during a catch-up, where its own share (IMAP,
    // storing in order) leaves it idle most of the time while the workers are saturated.
    if (this.queue.length > 0 && this.inline === 0) {
      const pending = this.queue.shift()!;
      this.inline++;
      void openMail(pending.job)
        .catch(failedOpening)
        .then((r) => {
          this.inline--;
          pending.resolve(r);
          this.pump();
        });
    }
    this.scheduleIdle();
  }

  private spawn(): void {
    let worker: Worker;
    try {
      worker = new Worker(this.workerUrl);
    } catch {
      this.giveUp();
      return;
    }
    const slot: Slot = { worker, ready: false, inFlight: new Map() };
    this.slots.push(slot);
    worker.on('message', (m: WorkerReply | 'ready') => {
      if (m === 'ready') {
        slot.ready = true;
      } else {
        const chunk = slot.inFlight.get(m.id) ?? [];
        slot.inFlight.delete(m.id);
        chunk.forEach((pending, i) => pending.resolve(m.results[i] ?? lostResult));
      }
      if (slot.inFlight.size === 0) worker.unref();
      this.pump();
    });
    // A worker that fails (cannot load, crashes) never loses a mail: its jobs go back in line,
    // and without any worker left they are opened on this thread.
    const lost = () => {
      if (!this.slots.includes(slot)) return;
      this.slots = this.slots.filter((s) => s !== slot);
      this.queue.unshift(...[...slot.inFlight.values()].flat());
      slot.inFlight.clear();
      if (!slot.ready) this.giveUp();
      this.pump();
    };
    worker.on('error', lost);
    worker.on('exit', lost);
  }

  /** Workers cannot start here (a bundler moved the file, no threads): open inline for good. */
  private giveUp(): void {
    this.broken = true;
    const queued = this.queue.splice(0);
    for (const p of queued) void openMail(p.job).catch(failedOpening).then(p.resolve);
  }

  private send(slot: Slot, chunk: Pending[]): void {
    const id = this.nextId++;
    slot.inFlight.set(id, chunk);
    slot.worker.ref();
    // Copies of the sources, so that the transfer moves no more than these messages' bytes.
    const jobs = chunk.map((p) => ({ ...p.job, source: new Uint8Array(p.job.source) }));
    const request: WorkerRequest = { id, jobs };
    slot.worker.postMessage(
      request,
      jobs.map((j) => j.source.buffer),
    );
  }

  private scheduleIdle(): void {
    const busy = this.queue.length > 0 || this.slots.some((s) => s.inFlight.size > 0);
    if (busy || this.slots.length === 0 || this.idleTimer) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      const idle = this.slots.filter((s) => s.inFlight.size === 0);
      this.slots = this.slots.filter((s) => s.inFlight.size > 0);
      for (const s of idle) void this.retire(s);
    }, IDLE_MS);
    this.idleTimer.unref();
  }

  private async retire(slot: Slot): Promise<void> {
    for (const p of [...slot.inFlight.values()].flat()) {
      void openMail(p.job).catch(failedOpening).then(p.resolve);
    }
    slot.inFlight.clear();
    await slot.worker.terminate().catch(() => 0);
  }
}

const lostResult: OpenedMail = failedOpening(new Error('the worker answered without a result'));

/**
 * One worker fewer than cores: the main thread does IMAP, SQLite and the in-order part, and
 * opens mail itself when that leaves it time. On two cores one worker was as fast as two and
 * used a quarter less CPU (bench/, docs/performance.md).
 */
function defaultSize(): number {
  return Math.max(1, Math.min(4, availableParallelism() - 1));
}

let shared: OpenPool | null = null;

/** The process's pool. */
export function openPool(): OpenPool {
  shared ??= new OpenPool();
  return shared;
}
