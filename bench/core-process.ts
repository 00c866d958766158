/** The harness side of bench/core-child.ts: fork it, send it commands, wait for its reports. */
import { fork } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import type { MethodName, Output } from '../shared/api.ts';
import type { ChildCommand, ChildReport } from './core-child.ts';

export interface CoreChildOptions {
  dataDir: string;
  caFile: string;
  startIo: boolean;
  /** Write a V8 CPU profile of the child into this directory (node --cpu-prof). */
  cpuProfileDir?: string;
  /** The child's script: bench/core-child.ts by default, or its compiled build (build-core.ts). */
  script?: string;
}

export class CoreChild {
  readonly process: ChildProcess;
  /** performance.now() of the harness when fork() was called. */
  readonly launchedAt: number;
  private readonly reports: ChildReport[] = [];
  private readonly waiters = new Set<() => void>();
  private nextId = 1;
  private exitCode: number | null = null;

  constructor(opts: CoreChildOptions) {
    const execArgv = [...process.execArgv];
    if (opts.cpuProfileDir) execArgv.push('--cpu-prof', `--cpu-prof-dir=${opts.cpuProfileDir}`);
    this.launchedAt = performance.now();
    this.process = fork(
      opts.script ?? new URL('./core-child.ts', import.meta.url).pathname,
      [opts.dataDir, opts.caFile, opts.startIo ? 'io' : 'no-io'],
      { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
    );
    this.process.on('message', (m) => {
      this.reports.push(m as ChildReport);
      for (const w of this.waiters) w();
    });
    this.process.on('exit', (code) => {
      this.exitCode = code ?? -1;
      for (const w of this.waiters) w();
    });
  }

  /** The first report (past or future) of this type that matches; rejects on exit or timeout. */
  waitFor<T extends ChildReport['type']>(
    type: T,
    timeoutMs: number,
    pred: (r: Extract<ChildReport, { type: T }>) => boolean = () => true,
  ): Promise<Extract<ChildReport, { type: T }>> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const hit = this.reports.find(
          (r): r is Extract<ChildReport, { type: T }> =>
            r.type === type && pred(r as Extract<ChildReport, { type: T }>),
        );
        if (hit) {
          done();
          this.reports.splice(this.reports.indexOf(hit), 1);
          resolve(hit);
        } else if (this.exitCode !== null) {
          done();
          reject(new Error(`the core process exited (${this.exitCode}) before "${type}"`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`the core process sent no "${type}" within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }

  send(c: ChildCommand): void {
    this.process.send(c);
  }

  async call<M extends MethodName>(
    method: M,
    params: unknown,
    timeoutMs = 60_000,
  ): Promise<Output<M>> {
    const id = this.nextId++;
    this.send({ cmd: 'call', id, method, params });
    const r = await this.waitFor('result', timeoutMs, (x) => x.id === id);
    if (r.error !== undefined) throw new Error(r.error);
    return r.value as Output<M>;
  }

  async sample(): Promise<Extract<ChildReport, { type: 'sample' }>> {
    this.send({ cmd: 'sample' });
    return this.waitFor('sample', 10_000);
  }

  /** Close the core cleanly; kill the process if it does not finish in time. */
  async close(): Promise<void> {
    if (this.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => this.process.once('exit', () => resolve()));
    try {
      this.send({ cmd: 'close' });
    } catch {
      // already gone
    }
    const timer = setTimeout(() => this.process.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
}
